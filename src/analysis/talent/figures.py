"""Figures of the talent chapter: rank intervals and the heat map of dimension sub-scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from analysis.countries import country_name
from analysis.export.display import attach_data

__all__ = ["HEATMAP_ALT", "RANK_INTERVAL_ALT", "heatmap_alt", "rank_interval_alt", "rank_interval_figure",
           "subscore_heatmap"]

#: Alternative text of :func:`rank_interval_figure`.
RANK_INTERVAL_ALT = (
    "Horizontal bars, one per country, ordered from the best median rank at the top; each "
    "bar spans the rank interval, a dot marks the median simulated rank and a diamond the "
    "rank of the reference index."
)

#: Alternative text of :func:`subscore_heatmap`.
HEATMAP_ALT = (
    "Heat map with one row per country, ordered by rank, and one column per covered "
    "dimension; lighter cells are higher sub-scores."
)


def heatmap_alt(index: pd.DataFrame) -> str:
    """Alternative text of :func:`subscore_heatmap` that states the finding: the best country
    on each dimension, with its sub-score."""
    dims = [c for c in index.columns if c.startswith("dim_")]
    parts = []
    for d in dims:
        col = index[d].dropna()
        if len(col):
            parts.append(f"{d.removeprefix('dim_')}: {country_name(str(col.idxmax()))} "
                         f"({col.max():.2f})")
    return "Highest sub-score on each dimension: " + "; ".join(parts) + "."


def rank_interval_alt(table: pd.DataFrame) -> str:
    """Alternative text of :func:`rank_interval_figure` that states the finding."""
    order = table.sort_values(["rank_median", "rank"])
    width = order["rank_p95"] - order["rank_p05"]
    top, wide = order.iloc[0], order.loc[width.idxmax()]
    return (f"{country_name(str(order.index[0]))} ranks first (simulated ranks "
            f"{int(top['rank_p05'])} to {int(top['rank_p95'])}); the widest interval is "
            f"{country_name(str(width.idxmax()))}'s, from {int(wide['rank_p05'])} to "
            f"{int(wide['rank_p95'])}, of {len(order)} countries.")


def rank_interval_figure(table: pd.DataFrame, *, reference: str) -> Any:
    """Rank intervals: one bar per country, median simulated rank and reference rank.

    Parameters
    ----------
    table : DataFrame
        As returned by :func:`ranking_table`.
    reference : str
        Name of the reference method for the legend, e.g. ``"min-max, arithmetic"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from analysis.plotting import PALETTE

    order = table.sort_values(["rank_median", "rank"])
    from analysis.plotting import COLUMN_WIDTH

    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 1.5 + 0.3 * len(order)))
    colours = {"ICMPD member state": PALETTE[0], "OECD comparator": PALETTE[1],
               "other": PALETTE[2]}  # fmt: skip
    for yi, (_, row) in enumerate(order.iterrows()):
        colour = colours[row["group"]]
        ax.hlines(yi, row["rank_p05"], row["rank_p95"], color=colour, linewidth=3, alpha=0.6)
        ax.plot(row["rank_median"], yi, "o", color=colour, markersize=6)
        ax.plot(row["rank"], yi, "D", markerfacecolor="none", markeredgecolor="black",
                markersize=7)  # fmt: skip
    ax.set_yticks(list(range(len(order))), [country_name(c) for c in order.index])
    ax.invert_yaxis()
    ax.set_xlabel("Rank (1 = most attractive)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    handles = [Line2D([], [], color=c, linewidth=3, label=g)
               for g, c in colours.items() if g in set(order["group"])]  # fmt: skip
    handles += [
        Line2D([], [], marker="o", color="grey", linestyle="none", label="median simulated rank"),
        Line2D([], [], marker="D", markerfacecolor="none", markeredgecolor="black",
               linestyle="none", label=f"rank with {reference} (reference)"),
    ]  # fmt: skip
    ax.set_xlim(0.5, len(order) + 0.5)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.6 / fig.get_figheight()),
              ncol=2, frameon=False)  # fmt: skip
    drawn = order[["group", "rank", "rank_median", "rank_p05", "rank_p95"]].copy()
    drawn.insert(0, "name", [country_name(c) for c in order.index])
    drawn.insert(0, "country", list(order.index))
    return attach_data(fig, drawn, {
        "country": "Country (ISO-3)", "name": "Country", "group": "Group",
        "rank": f"Rank with {reference}", "rank_median": "Median simulated rank",
        "rank_p05": "Simulated rank, 5th percentile", "rank_p95": "Simulated rank, 95th percentile"})


def subscore_heatmap(index: pd.DataFrame, order: Sequence[str]) -> Any:
    """Heat map of the dimension sub-scores, one row per country in ``order``.

    Parameters
    ----------
    index : DataFrame
        As returned by :func:`composite_index` with dimensions.
    order : sequence of str
        ISO-3 codes, top to bottom.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    dim_cols = [c for c in index.columns if c.startswith("dim_")]
    heat = index.loc[list(order), dim_cols].rename(columns=lambda c: c.removeprefix("dim_"))
    heat.index = [country_name(c) for c in heat.index]
    from analysis.plotting import COLUMN_WIDTH

    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 1.5 + 0.3 * len(heat)))
    sns.heatmap(heat, annot=True, fmt=".2f", cmap="viridis", cbar_kws={"label": "Sub-score"},
                annot_kws={"fontsize": 10}, ax=ax)  # fmt: skip
    ax.set_xticklabels([t.get_text().replace(" ", "\n", 1) for t in ax.get_xticklabels()],
                       rotation=0)  # fmt: skip
    ax.set_xlabel("")
    ax.set_ylabel("")
    return attach_data(fig, heat.rename_axis("Country").reset_index(),
                       {c: f"{c} (sub-score)" for c in heat.columns})
