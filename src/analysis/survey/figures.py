"""The charts of the survey chapter (``notebooks/03_mrc_survey.ipynb``).

Each function takes a table the chapter computed and returns a Matplotlib figure carrying the
numbers it draws (:func:`analysis.export.display.attach_data`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.export.display import attach_data
from analysis.plotting import PALETTE

__all__ = ["pointrange_figure"]


def pointrange_figure(
    table: pd.DataFrame,
    *,
    label_cols: Sequence[str],
    hue: str | None = None,
    value: str = "estimate",
    low: str = "ci_low",
    high: str = "ci_high",
    xlabel: str = "",
    title: str = "",
    percent: bool = True,
    log: bool = False,
    ref: float | None = None,
) -> Any:
    """Point estimates with interval bars, one row per table row (a forest-style chart).

    Suppressed rows (``suppressed`` True, or missing ``value``) get no point; their label
    says "suppressed".

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.ticker import FuncFormatter, NullFormatter

    t = table.reset_index(drop=True)
    labels = [" · ".join(str(r[c]) for c in label_cols) for _, r in t.iterrows()]
    sup = (t["suppressed"].to_numpy(bool) if "suppressed" in t
           else np.zeros(len(t), dtype=bool))
    sup = sup | t[value].isna().to_numpy()
    levels = list(dict.fromkeys(t[hue].astype(str))) if hue else ["all"]
    from analysis.plotting import COLUMN_WIDTH, GREY, ReaderFormatter

    palette = {lev: PALETTE[i] if i < len(PALETTE) else GREY for i, lev in enumerate(levels)}
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.38 * len(t) + 1.4))
    y = np.arange(len(t))[::-1]
    for i, row in t.iterrows():
        if sup[i]:
            labels[i] += " (suppressed)"
            continue
        colour = palette[str(row[hue])] if hue else palette["all"]
        v, lo, hi = float(row[value]), float(row[low]), float(row[high])
        ax.plot([lo, hi], [y[i], y[i]], color=colour, lw=2, solid_capstyle="round")
        ax.plot(v, y[i], "o", color=colour, ms=6)
    ax.set_yticks(y, labels)
    if ref is not None:
        ax.axvline(ref, color="0.4", lw=1, ls="--")
    if log:
        ax.set_xscale("log")
        lo, hi = ax.get_xlim()
        ticks = [t for t in (0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10, 20)
                 if lo <= t <= hi]
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    elif percent:
        ax.xaxis.set_major_formatter(ReaderFormatter(scale=100, suffix="\u00a0%"))
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, loc="left")
    if hue and len(levels) > 1:
        handles = [plt.Line2D([], [], marker="o", color=palette[lev], lw=2, label=lev)
                   for lev in levels]
        ax.legend(handles=handles, title=hue.replace("_", " ").capitalize(), frameon=False,
                  loc="best")
    ax.grid(axis="x", alpha=0.3)
    ax.grid(axis="y", visible=False)
    sns.despine(fig=fig)
    fig.tight_layout()
    # The numbers drawn: a suppressed row has none (it is labelled, not plotted).
    drawn = t[list(label_cols)].copy()
    for col in (value, low, high):
        drawn[col] = t[col].astype(float).mask(sup)
    drawn["suppressed"] = sup
    return attach_data(fig, drawn)
