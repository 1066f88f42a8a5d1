"""One chart theme for every chapter: colour-blind-safe palette, thousands separators."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import seaborn as sns

#: Okabe–Ito colour-blind-safe palette (as seaborn's "colorblind").
PALETTE: list[str] = sns.color_palette("colorblind").as_hex()


def set_theme() -> None:
    """Apply the project theme (seaborn whitegrid, colour-blind palette, fixed fonts and sizes)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font="DejaVu Sans",
                  rc={"figure.figsize": (8, 4.5), "figure.dpi": 100, "axes.titleweight": "bold",
                      "svg.hashsalt": "migration-report"})


def thousands(ax: plt.Axes, axis: str = "y", scale: float = 1.0, suffix: str = "") -> None:
    """Format an axis with thousands separators, optionally scaled (``scale=1e-6, suffix=' m'``).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes.
    axis : {"x", "y"}
        Which axis to format.
    scale : float, default 1.0
        Multiply tick values by this before formatting.
    suffix : str
        Appended to each tick label.
    """
    fmt = mticker.FuncFormatter(lambda v, _pos: f"{v * scale:,.{0 if scale >= 1 else 1}f}{suffix}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
