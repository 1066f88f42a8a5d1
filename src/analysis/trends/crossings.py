"""Irregular border crossings (Frontex detections): routes, nationalities, seasonality, shock.

Part of :mod:`analysis.trends`; the computation rules are in its docstring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.countries import UNKNOWN_ORIGIN
from analysis.trends._common import (
    MIN_BASE_DETECTIONS,
    _month_year,
    filter_codes,
    pct_change,
)

__all__ = [
    "annual_by_route",
    "annual_totals",
    "largest_increase",
    "monthly_totals",
    "nationality_routes",
    "route_shift",
    "seasonal_amplitude",
    "seasonal_decomposition",
    "shock_change",
    "shock_estimable",
    "top_nationalities",
    "total_detections",
]

# --------------------------------------------------------------------------------------------
# Irregular border crossings (Frontex detections)
# --------------------------------------------------------------------------------------------


def annual_by_route(detections: pd.DataFrame, through_month: int = 12) -> pd.DataFrame:
    """Detections per route and year, summed over type and nationality.

    Parameters
    ----------
    detections : DataFrame
        Canonical ``detections`` table (already filtered by region if wanted).
    through_month : int, default 12
        Count only January to this month of every year (for comparing a partial year).

    Returns
    -------
    DataFrame
        ``route, year, detections``; every route x year of the input, zero where none.
    """
    years, months = _month_year(detections)
    frame = detections.assign(year=years)[months <= through_month]
    table = frame.pivot_table(index="route", columns="year", values="detections",
                              aggfunc="sum", fill_value=0)
    all_years = range(int(years.min()), int(years.max()) + 1) if len(years) else []
    table = table.reindex(index=sorted(detections["route"].unique()), columns=all_years,
                          fill_value=0)
    out = table.stack().rename("detections").reset_index()
    return out.astype({"year": "int64", "detections": "int64"})


def annual_totals(annual: pd.DataFrame) -> pd.DataFrame:
    """Total detections per year from :func:`annual_by_route`.

    Returns
    -------
    DataFrame
        ``year, detections``.
    """
    return annual.groupby("year", as_index=False)["detections"].sum()


def total_detections(annual: pd.DataFrame, year: int) -> int:
    """Total detections of one year from :func:`annual_by_route` (0 when absent)."""
    return int(annual.loc[annual["year"] == year, "detections"].sum())


def route_shift(annual: pd.DataFrame, year: int, base_year: int) -> pd.DataFrame:
    """Detections per route in ``year`` against ``base_year``.

    Parameters
    ----------
    annual : DataFrame
        Output of :func:`annual_by_route`.
    year, base_year : int
        Report and comparison year.

    Returns
    -------
    DataFrame
        ``route, detections_base, detections, change, change_pct, share_base, share``
        (shares of the total of each year, 0-1), largest ``detections`` first; routes with no
        detections in either year are left out.
    """
    wide = annual.pivot_table(index="route", columns="year", values="detections",
                              aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=[base_year, year], fill_value=0)
    out = pd.DataFrame({"detections_base": wide[base_year].astype("int64"),
                        "detections": wide[year].astype("int64")})
    out = out[(out["detections_base"] > 0) | (out["detections"] > 0)]
    out["change"] = out["detections"] - out["detections_base"]
    out["change_pct"] = pct_change(out["detections"], out["detections_base"])
    out["share_base"] = out["detections_base"] / max(out["detections_base"].sum(), 1)
    out["share"] = out["detections"] / max(out["detections"].sum(), 1)
    out = out.rename_axis("route").reset_index()
    return out.sort_values(["detections", "route"], ascending=[False, True],
                           ignore_index=True)


def largest_increase(shift: pd.DataFrame, min_base: int = MIN_BASE_DETECTIONS) -> str | None:
    """The route with the largest percentage increase among routes with enough base detections.

    Parameters
    ----------
    shift : DataFrame
        Output of :func:`route_shift`.
    min_base : int, default :data:`MIN_BASE_DETECTIONS`
        Smallest base-year count a route needs (small bases give meaningless percentages).

    Returns
    -------
    str or None
        The route, or None when no route qualifies or none increased.
    """
    eligible = shift[(shift["detections_base"] >= min_base) & (shift["change_pct"] > 0)]
    if eligible.empty:
        return None
    return str(eligible.sort_values(["change_pct", "route"], ascending=[False, True])
               ["route"].iloc[0])


def top_nationalities(detections: pd.DataFrame, year: int, n: int = 3,
                      through_month: int = 12) -> pd.DataFrame:
    """The ``n`` most frequent nationalities on each route in ``year``.

    Parameters
    ----------
    detections : DataFrame
        Canonical ``detections`` table.
    year : int
        Year.
    n : int, default 3
        Nationalities per route.
    through_month : int, default 12
        Count only January to this month.

    Returns
    -------
    DataFrame
        ``route, rank, nationality, detections, share`` with ``share`` the nationality's share
        of the route's detections (unknown nationalities count in the route total but are not
        ranked); routes by their total, largest first.
    """
    years, months = _month_year(detections)
    frame = detections[(years == year) & (months <= through_month)]
    by_nat = frame.groupby(["route", "nationality"], as_index=False)["detections"].sum()
    route_total = by_nat.groupby("route")["detections"].transform("sum")
    by_nat["share"] = by_nat["detections"] / route_total
    by_nat["route_total"] = route_total
    ranked = by_nat[~by_nat["nationality"].isin(UNKNOWN_ORIGIN) & (by_nat["detections"] > 0)]
    ranked = ranked.sort_values(["route_total", "route", "detections", "nationality"],
                                ascending=[False, True, False, True])
    ranked["rank"] = ranked.groupby("route").cumcount() + 1
    ranked = ranked[ranked["rank"] <= n]
    return ranked.loc[:, ["route", "rank", "nationality", "detections", "share"]].reset_index(
        drop=True)


def monthly_totals(detections: pd.DataFrame, start: str | None = None,
                   end: str | None = None) -> pd.Series:
    """Monthly detections (all routes), with zeros for months without any.

    Parameters
    ----------
    detections : DataFrame
        Canonical ``detections`` table.
    start, end : str, optional
        First and last month ``YYYY-MM`` (default: the table's first and last month).

    Returns
    -------
    Series
        Detections indexed by month start (``DatetimeIndex`` named ``month``, monthly
        frequency).
    """
    start = start or str(detections["month"].min())
    end = end or str(detections["month"].max())
    sums = detections.groupby("month")["detections"].sum()
    sums.index = pd.PeriodIndex(sums.index.astype(str), freq="M")
    months = pd.period_range(start, end, freq="M")
    out = sums.reindex(months, fill_value=0).astype("int64")
    out.index = months.to_timestamp()
    out.index.name = "month"
    return out.rename("detections")


def seasonal_decomposition(series: pd.Series, period: int = 12,
                           robust: bool = True) -> pd.DataFrame:
    """STL decomposition (Cleveland et al. 1990) of a monthly series.

    Parameters
    ----------
    series : Series
        Regularly spaced values (e.g. :func:`monthly_totals`).
    period : int, default 12
        Length of the seasonal cycle.
    robust : bool, default True
        Robust fitting (outliers get small weights), ``statsmodels.tsa.seasonal.STL``.

    Returns
    -------
    DataFrame
        ``observed, trend, seasonal, resid`` on the series' index;
        ``observed = trend + seasonal + resid``.

    Raises
    ------
    ValueError
        When the series is shorter than two cycles.
    """
    from statsmodels.tsa.seasonal import STL

    if len(series) < 2 * period:
        raise ValueError(f"a seasonal decomposition needs at least {2 * period} values "
                         f"(two cycles of {period}); got {len(series)}")
    fit = STL(series.astype(float), period=period, robust=robust).fit()
    return pd.DataFrame({"observed": series.astype(float), "trend": fit.trend,
                         "seasonal": fit.seasonal, "resid": fit.resid}, index=series.index)


def seasonal_amplitude(decomposition: pd.DataFrame, period: int = 12) -> float:
    """Half the range of the seasonal component over the last cycle.

    Parameters
    ----------
    decomposition : DataFrame
        Output of :func:`seasonal_decomposition`.
    period : int, default 12
        Length of the cycle.

    Returns
    -------
    float
        For a seasonal pattern ``a * sin(2 pi t / period)`` this is ``a``.
    """
    last = decomposition["seasonal"].iloc[-period:]
    return float((last.max() - last.min()) / 2)


def shock_estimable(series: pd.Series, shock: str = "2020-03", end: str = "2020-12",
                    period: int = 12) -> bool:
    """Whether :func:`shock_change` can be computed for ``series``.

    It needs two full cycles before the shock month and every month up to ``end``.
    """
    if series.empty:
        return False
    start_needed = pd.Timestamp(shock) - pd.DateOffset(months=2 * period)
    return bool(series.index.min() <= start_needed and series.index.max() >= pd.Timestamp(end))


def shock_change(series: pd.Series, shock: str = "2020-03", end: str = "2020-12",
                 period: int = 12, robust: bool = True) -> pd.DataFrame:
    """Change of a monthly series after a shock, by two methods.

    The window is the months after the shock month up to ``end`` (Apr-Dec 2020 by default);
    its observed mean is compared with

    - *same months a year earlier*: the mean of the same calendar months one year before;
    - *STL expected*: an STL decomposition (:func:`seasonal_decomposition`) of the months
      *before* the shock month; the expected value of a month is the last pre-shock trend
      value plus the seasonal component of the same calendar month in the last pre-shock
      cycle (trend held flat, seasonal pattern carried forward).

    Parameters
    ----------
    series : Series
        Monthly values indexed by month start (:func:`monthly_totals`).
    shock : str, default "2020-03"
        The shock month ``YYYY-MM`` (excluded from fit and window).
    end : str, default "2020-12"
        Last month of the window.
    period : int, default 12
        Seasonal cycle.
    robust : bool, default True
        Robust STL.

    Returns
    -------
    DataFrame
        One row per method: ``method, observed_mean, expected_mean, change, change_pct``;
        ``attrs["window"]`` names the window (``"Apr 2020-Dec 2020"``), ``attrs["method"]``
        states the method in a sentence.

    Raises
    ------
    ValueError
        When the series does not reach ``end`` or has fewer than two cycles before the shock.
    """
    shock_ts, end_ts = pd.Timestamp(shock), pd.Timestamp(end)
    if series.index.max() < end_ts:
        raise ValueError(f"the series ends {series.index.max():%Y-%m}, before {end}")
    window = series[(series.index > shock_ts) & (series.index <= end_ts)].astype(float)
    before = series[series.index < shock_ts]
    decomposition = seasonal_decomposition(before, period=period, robust=robust)
    last_cycle = decomposition["seasonal"].iloc[-period:]
    seasonal_by_month = dict(zip(last_cycle.index.month, last_cycle, strict=True))
    level = decomposition["trend"].iloc[-1]
    stl_expected = np.mean([level + seasonal_by_month[m] for m in window.index.month])
    previous = series.reindex(window.index - pd.DateOffset(years=1)).astype(float)
    if previous.isna().any():
        raise ValueError("the series does not cover the same months a year before the window")
    rows = []
    for method, expected in (("same months a year earlier", previous.mean()),
                             ("STL expected (flat trend + last seasonal cycle)", stl_expected)):
        observed = float(window.mean())
        rows.append({"method": method, "observed_mean": observed,
                     "expected_mean": float(expected), "change": observed - float(expected),
                     "change_pct": pct_change(observed, float(expected))})
    out = pd.DataFrame(rows)
    out.attrs["window"] = f"{window.index.min():%b %Y}-{window.index.max():%b %Y}"
    out.attrs["method"] = (
        f"mean of {out.attrs['window']} against the same months a year earlier, and against "
        f"the STL expectation: robust STL (period {period}) fitted to the months before "
        f"{shock_ts:%b %Y}, expected = last trend value + the seasonal component of the same "
        "calendar month in the last pre-shock cycle"
    )
    return out


# --------------------------------------------------------------------------------------------
# One nationality (the country brief, notebooks/05_country_brief.ipynb)
# --------------------------------------------------------------------------------------------


def nationality_routes(detections: pd.DataFrame, nationality: str, year: int, base_year: int,
                       through_month: int = 12) -> pd.DataFrame:
    """Detections of one nationality by route, ``year`` against ``base_year``.

    :func:`route_shift` of :func:`annual_by_route` on the nationality's rows.

    Parameters
    ----------
    detections : DataFrame
        Canonical ``detections`` table.
    nationality : str
        ISO-3 code.
    year, base_year : int
        Report and comparison year.
    through_month : int, default 12
        Count only January to this month of both years (for a partial year).

    Returns
    -------
    DataFrame
        As :func:`route_shift`, with shares of the nationality's detections in each year;
        empty (same columns) when the nationality has no detections in either year.
    """
    frame = filter_codes(detections, "nationality", [nationality])
    return route_shift(annual_by_route(frame, through_month), year, base_year)
