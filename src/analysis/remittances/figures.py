"""Charts of the remittances chapter and the country brief.

matplotlib and seaborn are imported inside the functions, so that importing
:mod:`analysis.remittances` for the numbers does not import them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from analysis.export.display import attach_data
from analysis.remittances.levels import RECEIVED, flows

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from analysis.remittances.trend import Counterfactual

__all__ = ["plot_counterfactual", "plot_country_trend", "plot_dependence", "plot_top",
           "plot_world_trend"]

def plot_top(received: pd.DataFrame, paid: pd.DataFrame, year: int) -> Figure:
    """Two bar panels: top recipients and top senders (US$ bn), from :func:`top_countries`."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from analysis.plotting import COLUMN_WIDTH, PALETTE, thousands

    rows = max(len(received), len(paid))
    fig, axes = plt.subplots(2, 1, figsize=(COLUMN_WIDTH, 0.6 * rows + 2.2),
                             layout="constrained")
    for ax, df, title, colour in ((axes[0], received, "Received", 0), (axes[1], paid, "Paid", 1)):
        sns.barplot(x=df["value"] / 1e9, y=df["name"], ax=ax, color=PALETTE[colour])
        ax.set(title=f"{title}, {year}", xlabel="US$ billion (current)", ylabel="")
        thousands(ax, axis="x")
    drawn = pd.concat([received.assign(flow="received"), paid.assign(flow="paid")])
    return attach_data(fig, drawn[["flow", "name", "value"]].assign(billion=drawn["value"] / 1e9),
                       {"flow": "Flow", "name": "Country", "value": "Remittances (US$, current)",
                        "billion": "Remittances (US$ billion, current)"})


def plot_dependence(dep: pd.DataFrame, year: int) -> Figure:
    """Bar chart of remittances as a share of GDP (%), from :func:`dependence`."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from analysis.plotting import COLUMN_WIDTH, PALETTE, thousands

    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.32 * len(dep) + 1.2), layout="constrained")
    sns.barplot(x=dep["share"] * 100, y=dep["name"], ax=ax, color=PALETTE[0])
    ax.set(xlabel=f"Remittances received, % of GDP, {year}", ylabel="")
    thousands(ax, axis="x")
    return attach_data(fig, pd.DataFrame({"name": dep["name"], "pct": dep["share"] * 100}),
                       {"name": "Country", "pct": f"Remittances received, {year} (% of GDP)"})


def plot_world_trend(cf: Counterfactual, first_year: int | None = None) -> Figure:
    """The balanced-panel world series with the forecast of ``year`` and its interval."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    s = cf.world_series / 1e9
    if first_year is not None:
        s = s.loc[first_year:]
    fan = cf.fan() / 1e9
    fig, ax = plt.subplots()
    sns.lineplot(x=s.index, y=s.to_numpy(), marker="o", ax=ax, label="actual")
    ax.errorbar(fan.index, fan["forecast"], yerr=[fan["forecast"] - fan["lower"],
                                                 fan["upper"] - fan["forecast"]],
                fmt="s", color=sns.color_palette()[3], capsize=4,
                label=f"trend forecast, {1 - cf.alpha:.0%} interval")
    ax.axvspan(cf.trend_start - 0.5, cf.year - 0.5, color="0.9", zorder=0,
               label="fitting window")
    ax.set(xlabel="", ylabel="US$ billion (current)")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(loc="upper left")
    return attach_data(fig, _trend_data(s, fan[["forecast", "lower", "upper"]], "billion"))


def _trend_data(actual: pd.Series, fan: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Year, actual and forecast with its interval, as drawn (in US$ ``unit``)."""
    out = pd.DataFrame({"actual": actual}).join(fan, how="outer")
    out.index.name = "year"
    return out.reset_index().rename(columns={
        "year": "Year", "actual": f"Actual (US$ {unit}, current)",
        "forecast": f"Trend forecast (US$ {unit})", "lower": f"Interval low (US$ {unit})",
        "upper": f"Interval high (US$ {unit})"})


def plot_counterfactual(cf: Counterfactual) -> Figure:
    """Dot plot: actual against forecast for each series, with the interval as a bar.

    The axis is a ratio (log) scale labelled in percent, so that a halving and a doubling lie
    equally far from zero and a wide interval does not squeeze the others.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    t = cf.table.dropna(subset=["vs_trend_pct"]).iloc[::-1]
    ratio = t["actual"] / t["forecast"]
    low, high = t["actual"] / t["upper"], t["actual"] / t["lower"]
    pal = sns.color_palette()
    from analysis.plotting import COLUMN_WIDTH

    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, max(0.35 * len(t) + 1.8, 3.0)),
                           layout="constrained")
    ax.hlines(t["name"], low, high, color="0.6", linewidth=3)
    ax.scatter(ratio, t["name"], c=[pal[3] if o else pal[0] for o in t["outside"].fillna(False)],
               zorder=3)
    ax.axvline(1, color="0.3", linewidth=1)
    ax.set_xscale("log")
    lo, hi = min(low.min(), 0.9) / 1.05, max(high.max(), 1.1) * 1.05
    ax.set_xlim(lo, hi)
    grid = ((0.1, 0.25, 0.5, 1, 2, 4, 10) if hi / lo > 4 else
            (0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2))
    ax.xaxis.set_major_locator(FixedLocator([x for x in grid if lo <= x <= hi]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _p: "0 %" if v == 1
                      else f"{(v - 1) * 100:+.0f} %".replace("-", "\u2212")))
    ax.set(xlabel=f"Actual {cf.year} against trend forecast (ratio scale)", ylabel="")
    fig.legend(handles=[
        Line2D([], [], marker="o", ls="", color=pal[0], label="inside the interval"),
        Line2D([], [], marker="o", ls="", color=pal[3], label="outside the interval"),
        Line2D([], [], color="0.6", lw=3,
               label=f"deviations allowed by the {1 - cf.alpha:.0%} interval"),
    ], loc="outside lower center", ncol=2, frameon=False)
    drawn = pd.DataFrame({"name": t["name"], "ratio": ratio, "low": low, "high": high,
                          "outside": t["outside"]}).iloc[::-1]
    return attach_data(fig, drawn, {
        "name": "Series", "ratio": f"Actual {cf.year} / trend forecast",
        "low": "Lowest ratio inside the interval", "high": "Highest ratio inside the interval",
        "outside": "Outside the interval"})


def plot_country_trend(cf: Counterfactual, indicators: pd.DataFrame, country: str) -> Figure:
    """One country's remittances received with the trend forecast of ``cf.year`` and interval.

    Parameters
    ----------
    cf : Counterfactual
        From :func:`country_counterfactual` (or :func:`counterfactual` including ``country``).
    indicators : DataFrame
        The canonical ``indicators`` table.
    country : str
        ISO-3 code, a series of ``cf``.

    Returns
    -------
    matplotlib.figure.Figure
        In US$ billion, or US$ million for a series below US$ 1 billion.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    row = cf.table.set_index("series").loc[country]
    s = flows(indicators, RECEIVED).loc[country].loc[cf.trend_start:cf.year].dropna()
    scale, unit = (1e9, "billion") if s.max() >= 1e9 else (1e6, "million")
    fig, ax = plt.subplots()
    sns.lineplot(x=s.index, y=s.to_numpy() / scale, marker="o", ax=ax, label="actual")
    fc = row["forecast"] / scale
    ax.errorbar([cf.year], [fc], yerr=[[fc - row["lower"] / scale], [row["upper"] / scale - fc]],
                fmt="s", color=sns.color_palette()[3], capsize=4,
                label=f"trend forecast, {1 - cf.alpha:.0%} interval")
    ax.axvspan(cf.trend_start - 0.5, cf.year - 0.5, color="0.9", zorder=0,
               label="fitting window")
    ax.set(xlabel="", ylabel=f"US$ {unit} (current)")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(loc="best", fontsize="small")
    fan = pd.DataFrame({"forecast": [row["forecast"]], "lower": [row["lower"]],
                        "upper": [row["upper"]]}, index=[cf.year]) / scale
    return attach_data(fig, _trend_data(s / scale, fan, unit))
