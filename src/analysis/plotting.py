"""One chart theme for every chapter.

- a colour-blind-safe palette of six colours (Okabe–Ito), everything else grey
  (:data:`PALETTE`, :data:`GREY`, :func:`highlight_colours`);
- charts drawn at the width of the text column (:data:`COLUMN_WIDTH`, 7 inches, shown at
  about 730 px), with fonts of 10 points or more, so that no text is below 10 px as shown
  (:func:`shown_font_px` measures it);
- tick formatters that never mislabel a tick (:class:`ReaderFormatter`, :func:`thousands`)
  and whole years on time axes (:func:`year_axis`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import seaborn as sns

from analysis.export.numbers import MINUS

#: Okabe–Ito colour-blind-safe palette: six colours that stay distinguishable.
PALETTE: list[str] = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7"]
#: Colour of everything that is not highlighted.
GREY = "#A0A4A8"
#: Largest number of distinct colours in one chart.
MAX_COLOURS = len(PALETTE)
#: Width of a chart in inches: the text column of the drafts (48 rem less padding, ~730 px).
COLUMN_WIDTH = 7.0
#: Width of the text column in CSS pixels and the resolution figures are saved at.
COLUMN_PX = 728
FIGURE_DPI = 110
#: Smallest font size in points that stays at least 10 px when a column-wide chart is shown.
MIN_FONT_PT = 10


def set_theme() -> None:
    """Apply the project theme (seaborn whitegrid, the palette, column width, 10 pt+ fonts)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font="DejaVu Sans",
                  rc={"figure.figsize": (COLUMN_WIDTH, 4.0), "figure.dpi": 100,
                      "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11,
                      "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
                      "legend.title_fontsize": 10, "axes.titleweight": "bold",
                      "axes.unicode_minus": True, "svg.hashsalt": "migration-report"})


def highlight_colours(names: Sequence[str], highlight: Iterable[str]) -> dict[str, str]:
    """A colour per name: the palette for the highlighted ones (in order), grey for the rest.

    Examples
    --------
    >>> highlight_colours(["a", "b", "c"], ["c"])
    {'a': '#A0A4A8', 'b': '#A0A4A8', 'c': '#0072B2'}
    """
    chosen = [h for h in highlight if h in set(names)][:MAX_COLOURS]
    return {n: PALETTE[chosen.index(n)] if n in chosen else GREY for n in names}


def _decimals(values: Sequence[float]) -> int:
    """Fewest decimals (0..4) that write every value exactly."""
    for d in range(5):
        if all(math.isclose(round(v, d), v, rel_tol=0, abs_tol=1e-9 * max(1, abs(v)))
               for v in values):
            return d
    return 4


class ReaderFormatter(mticker.Formatter):
    """Tick labels with thousands separators, the minus sign and as many decimals as needed.

    All ticks of an axis share the number of decimals, chosen so that every label is the tick
    value exactly (2.5 is "2.5", never "2").

    Parameters
    ----------
    scale : float
        Multiply tick values by this before writing them (``1e-6`` for millions).
    suffix : str
        Written after each label (``" m"``, ``" %"``).
    """

    def __init__(self, scale: float = 1.0, suffix: str = "") -> None:
        self.scale = scale
        self.suffix = suffix
        self._decimals = 0

    def _text(self, value: float, decimals: int) -> str:
        v = value * self.scale
        text = f"{v:,.{decimals}f}"
        if float(text.replace(",", "")) == 0:
            text = text.lstrip("-")
        return text.replace("-", MINUS) + self.suffix

    def format_ticks(self, values: Sequence[float]) -> list[str]:  # noqa: D102
        self._decimals = _decimals([v * self.scale for v in values])
        return [self._text(v, self._decimals) for v in values]

    def __call__(self, x: float, pos: int | None = None) -> str:  # noqa: D102
        locs = [v for v in getattr(self.axis, "get_majorticklocs", list)()]
        d = _decimals([v * self.scale for v in locs]) if locs else _decimals([x * self.scale])
        return self._text(x, d)


def thousands(ax: plt.Axes, axis: str = "y", scale: float = 1.0, suffix: str = "") -> None:
    """Format an axis with thousands separators, optionally scaled (``scale=1e-6, suffix=' m'``).

    Labels always equal the tick values (see :class:`ReaderFormatter`).

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
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(ReaderFormatter(scale, suffix))


def year_axis(ax: plt.Axes, axis: str = "x") -> None:
    """Whole years on a time axis, written without a thousands separator."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(mticker.MaxNLocator(integer=True, nbins=8))
    target.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{int(round(v))}"))


def shown_font_px(fig: Any, *, dpi: float = FIGURE_DPI, column_px: float = COLUMN_PX) -> float:
    """The smallest font of a figure in CSS pixels as the drafts show it.

    A PNG wider than the text column is shrunk to the column; the size of each text in pixels
    is then its size in points × dpi / 72 × the shrink factor.
    """
    width_px = fig.get_figwidth() * dpi
    shrink = min(1.0, column_px / width_px)
    sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize")
                                                  and hasattr(a, "get_text"))
             if t.get_visible() and str(t.get_text()).strip()]
    return min(sizes, default=MIN_FONT_PT) * dpi / 72 * shrink
