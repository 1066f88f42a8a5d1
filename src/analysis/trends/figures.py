"""Charts of the trends chapter and the country brief, in the project theme.

Every function takes frames computed by :mod:`analysis.trends` and returns a Matplotlib
figure drawn at the text column's width (:data:`analysis.plotting.COLUMN_WIDTH`); none reads
data. Each attaches the numbers it draws (:func:`analysis.export.display.attach_data`), which
the draft offers as the figure's CSV. Matplotlib and seaborn are imported inside the
functions, so that importing :mod:`analysis.trends` for the numbers does not import them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from analysis.countries import country_name
from analysis.export.display import attach_data
from analysis.plotting import (
    COLUMN_WIDTH,
    GREY,
    PALETTE,
    highlight_colours,
    thousands,
)

__all__ = [
    "asylum_destinations_figure",
    "share_bars_figure",
    "dual_figure",
    "eu_asylum_figure",
    "ranked_figure",
    "routes_changed_most",
    "routes_figure",
    "stl_figure",
    "stock_figure",
]


def stock_figure(over: pd.DataFrame, denominator: str) -> Any:
    """Migrant stock (bars, millions) and its share of the population (line), per stock year."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(COLUMN_WIDTH, 3.4), layout="constrained")
    years = over["year"].astype(int).astype(str)
    axes[0].bar(years, over["migrants"], color=PALETTE[0])
    axes[0].set(xlabel="", ylabel="Millions", title="International migrants")
    thousands(axes[0], scale=1e-6)
    axes[1].plot(years, 100 * over["share"], marker="o", color=PALETTE[0])
    axes[1].set(xlabel="", ylabel="%", title=f"Share of the {denominator}")
    thousands(axes[1])
    for ax in axes:
        ax.tick_params(axis="x", labelrotation=45)
    return attach_data(fig, over.assign(share_pct=100 * over["share"])[
        ["year", "migrants", "share_pct"]],
        {"year": "Year", "migrants": "International migrants (persons)",
         "share_pct": f"Share of the {denominator} (%)"})


def ranked_figure(panels: Sequence[tuple[str, pd.DataFrame, str]], x: str, xlabel: str,
                  scale: float = 1.0) -> Any:
    """Two ranked horizontal bar panels (``title, frame, code column``), country names on y."""
    import matplotlib.pyplot as plt

    rows = max(len(frame) for _, frame, _ in panels)
    fig, axes = plt.subplots(len(panels), 1, figsize=(COLUMN_WIDTH, 0.3 * rows * len(panels)
                                                       + 1.2 * len(panels)),
                             layout="constrained")
    for ax, (title, frame, col) in zip(list(axes), panels, strict=True):
        names = frame[col].map(country_name).tolist()[::-1]
        ax.barh(names, frame[x].to_numpy()[::-1], color=PALETTE[0])
        thousands(ax, axis="x", scale=scale)
        ax.set(xlabel=xlabel, ylabel="", title=title)
    drawn = pd.concat([frame[[col, x]].set_axis(["country", "value"], axis=1)
                       .assign(panel=title, name=lambda d: d["country"].map(country_name))
                       for title, frame, col in panels])
    return attach_data(fig, drawn[["panel", "country", "name", "value"]],
                       {"panel": "Panel", "country": "Country (ISO-3)", "name": "Country",
                        "value": xlabel})


def routes_changed_most(shift: pd.DataFrame, k: int = 3, min_base: int = 1_000) -> list[str]:
    """The ``k`` routes whose detections changed most in absolute number, largest first.

    Only routes with at least ``min_base`` detections in either year count, so that a route
    going from 3 to 30 detections does not stand out.
    """
    big = shift[(shift["detections_base"] >= min_base) | (shift["detections"] >= min_base)]
    order = big.assign(size=big["change"].abs()).sort_values(["size", "route"],
                                                             ascending=[False, True])
    return order["route"].head(k).tolist()


def routes_figure(annual: pd.DataFrame, start: int, year: int,
                  highlight: Sequence[str], max_panels: int = 9) -> Any:
    """Small multiples: one panel per route (largest in ``year`` first), each on its own scale.

    The routes in ``highlight`` (those that changed most) are drawn in colour, the others in
    grey; each panel is titled with its route, so no legend is needed.
    """
    import math

    import matplotlib.pyplot as plt

    shown = annual[annual["year"].between(start, year)]
    last = shown[shown["year"] == year].set_index("route")["detections"]
    routes = sorted(shown["route"].unique(), key=lambda r: (-float(last.get(r, 0)), r))
    routes = routes[:max_panels]
    colours = highlight_colours(routes, highlight)
    ncols = 3 if len(routes) > 4 else max(1, min(2, len(routes)))
    nrows = math.ceil(len(routes) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(COLUMN_WIDTH, 1.9 * nrows + 0.4),
                             sharex=True, squeeze=False, layout="constrained")
    for ax, route in zip(axes.flat, routes, strict=False):
        line = shown[shown["route"] == route].sort_values("year")
        coloured = colours[route] != GREY
        ax.plot(line["year"], line["detections"], color=colours[route],
                linewidth=2.4 if coloured else 1.4, marker="o", markersize=3)
        ax.set_title(route.removesuffix(" Route"), fontsize=10,
                     fontweight="bold" if coloured else "normal",
                     color="#1d2530" if coloured else "#5b6675")
        ax.set_ylim(bottom=0)
        ax.set_xticks([start, year])
        ax.xaxis.set_major_formatter(lambda v, _p: f"{int(round(v))}")
        thousands(ax)
        ax.yaxis.set_major_locator(plt.MaxNLocator(3))
    for ax in list(axes.flat)[len(routes):]:
        ax.set_visible(False)
    drawn = shown[shown["route"].isin(routes)].sort_values(["route", "year"])
    return attach_data(fig, drawn[["route", "year", "detections"]],
                       {"route": "Route", "year": "Year", "detections": "Detections"})


def stl_figure(parts: pd.DataFrame) -> Any:
    """Monthly detections with STL trend, the seasonal pattern and the remainder."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(COLUMN_WIDTH, 5.6), sharex=True,
                             layout="constrained")
    axes[0].plot(parts["month"], parts["observed"], color=GREY, linewidth=1.2, label="Observed")
    axes[0].plot(parts["month"], parts["trend"], color=PALETTE[0], linewidth=2.2, label="Trend")
    axes[0].legend(loc="upper left", frameon=False)
    axes[1].plot(parts["month"], parts["seasonal"], color=PALETTE[1])
    axes[2].plot(parts["month"], parts["resid"], color=PALETTE[2])
    for ax, label in zip(axes, ("Detections", "Seasonal", "Remainder"), strict=True):
        ax.set(ylabel=label, xlabel="")
        thousands(ax)
    axes[2].xaxis.set_major_locator(mdates.YearLocator())
    axes[2].xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    return attach_data(fig, parts[["month", "observed", "trend", "seasonal", "resid"]],
                       {"month": "Month", "observed": "Detections", "trend": "Trend (STL)",
                        "seasonal": "Seasonal component", "resid": "Remainder"})


def eu_asylum_figure(eu: pd.DataFrame, year: int) -> Any:
    """First-time asylum applicants in the EU27 by year, the report year highlighted."""
    import matplotlib.pyplot as plt

    shown = eu[eu["year"] <= year]
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 3.6), layout="constrained")
    colours = [PALETTE[0] if y == year else GREY for y in shown["year"]]
    ax.bar(shown["year"].astype(int).astype(str), shown["applicants"], color=colours)
    ax.set(xlabel="", ylabel="First-time applicants")
    thousands(ax)
    ax.tick_params(axis="x", labelrotation=45)
    return attach_data(fig, shown[["year", "applicants"]],
                       {"year": "Year", "applicants": "First-time asylum applicants (persons)"})


def asylum_destinations_figure(dest: pd.DataFrame, year: int) -> Any:
    """Main EU asylum destinations in ``year``: first-time applicants by member state."""
    import matplotlib.pyplot as plt

    names = dest["destination"].map(country_name).tolist()[::-1]
    values = dest["applicants"].to_numpy()[::-1]
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.32 * len(dest) + 1.3),
                           layout="constrained")
    bars = ax.barh(names, values, color=[GREY] * (len(values) - 1) + [PALETTE[0]])
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=3, fontsize=10)
    ax.set(xlabel=f"First-time asylum applicants, {year}", ylabel="")
    ax.set_xlim(0, values.max() * 1.18 if len(values) else 1)
    thousands(ax, axis="x")
    drawn = dest[["destination", "applicants"]].assign(
        name=dest["destination"].map(country_name))[["destination", "name", "applicants"]]
    return attach_data(fig, drawn, {"destination": "Member state (ISO-3)",
                                    "name": "Member state",
                                    "applicants": f"First-time asylum applicants, {year}"})


def dual_figure(dual: pd.DataFrame) -> Any:
    """Asylum applications and border-crossing detections in two years (grouped bars)."""
    import matplotlib.pyplot as plt
    import numpy as np

    years = sorted(dual["year"].unique())
    measures = list(dict.fromkeys(dual["measure"]))
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 3.6), layout="constrained")
    width = 0.8 / len(years)
    for i, y in enumerate(years):
        part = dual[dual["year"] == y].set_index("measure").reindex(measures)
        ax.bar(np.arange(len(measures)) + (i - (len(years) - 1) / 2) * width, part["value"],
               width, color=PALETTE[i] if i < len(PALETTE) else GREY, label=str(y))
    ax.set_xticks(range(len(measures)), measures)
    ax.set(xlabel="", ylabel="Number")
    thousands(ax)
    ax.legend(title="", frameon=False)
    return attach_data(fig, dual[["measure", "year", "value"]],
                       {"measure": "Measure", "year": "Year", "value": "Number"})


def share_bars_figure(frame: pd.DataFrame, col: str, xlabel: str) -> Any:
    """Horizontal bars of ``share`` (0..1) by the countries in ``col``, largest on top."""
    import matplotlib.pyplot as plt

    names = frame[col].map(country_name).tolist()[::-1]
    values = 100 * frame["share"].to_numpy()[::-1]
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.32 * len(frame) + 1.2),
                           layout="constrained")
    ax.barh(names, values, color=PALETTE[0])
    ax.set(xlabel=xlabel, ylabel="")
    thousands(ax, axis="x")
    drawn = frame[[col]].assign(name=frame[col].map(country_name), pct=100 * frame["share"])
    return attach_data(fig, drawn, {col: "Country (ISO-3)", "name": "Country", "pct": xlabel})
