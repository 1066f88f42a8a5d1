"""Migration trends: irregular border crossings, asylum, international migrants and refugees.

The functions behind chapter ``trends`` (``notebooks/01_migration_trends.ipynb``). Each takes
canonical tables (:mod:`analysis.schemas`) or frames derived here and returns a new frame;
none reads files or draws.

Computation rules (the same everywhere in this module)
------------------------------------------------------
1. **Region.** A region filters the *people*, never the place: ``nationality`` (detections),
   ``citizenship`` (asylum) and ``origin`` (migrant stock, displaced). ``None`` means all.
2. **Sex.** Asylum and migrant-stock values are always summed over ``sex`` (the real data
   hold female/male/unknown, the snapshot only ``total``).
3. **EU totals** of asylum applications are Eurostat's ``EU27`` aggregate (2020 composition,
   from 2013); *destinations* are the individual member states in
   ``analysis.countries.GROUPS["eu27"]``.
4. **Unknown origin.** Codes in :data:`analysis.countries.UNKNOWN_ORIGIN` (unknown, other,
   stateless) count in totals and shares but are never ranked as a country.
5. **Percentage change** is ``100 * (value - base) / base``; it is missing (NaN) when the base
   is zero.
6. **Partial years.** Detections end before December of the last year; comparisons of such a
   year use the same months of the base year (``through_month``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.countries import GROUPS, UNKNOWN_ORIGIN, country_name, resolve_countries

__all__ = [
    "CENTRAL_MED",
    "CHAPTER_TABLES",
    "EU27_AGGREGATE",
    "MIN_BASE_DETECTIONS",
    "REFUGEE_GROUPS",
    "WESTERN_AFRICAN",
    "WESTERN_BALKANS",
    "annual_by_route",
    "annual_totals",
    "asylum_destinations",
    "asylum_eu_by_year",
    "available_years",
    "claims_register",
    "displaced_by",
    "dual_chart_data",
    "filter_codes",
    "label_years",
    "largest_increase",
    "latest_year",
    "monthly_totals",
    "months_covered",
    "pct_change",
    "region_codes",
    "resolve_base_year",
    "route_shift",
    "seasonal_amplitude",
    "seasonal_decomposition",
    "shock_change",
    "shock_estimable",
    "stock_over_time",
    "table_formats",
    "top_citizenships",
    "top_destinations",
    "top_nationalities",
    "top_origins",
    "total_detections",
]

#: The canonical tables the chapter reads.
CHAPTER_TABLES: tuple[str, ...] = ("detections", "asylum", "migrant_stock", "indicators",
                                   "displaced")
#: Eurostat's aggregate of the 27 member states (2020 composition).
EU27_AGGREGATE = "EU27"
#: UNHCR population groups counted as refugees and asylum seekers.
REFUGEE_GROUPS: tuple[str, ...] = ("refugee", "asylum")
#: Smallest base-year count for a route to compete for the largest percentage increase.
MIN_BASE_DETECTIONS = 1000
#: Frontex route names used by the claims register.
CENTRAL_MED = "Central Mediterranean Route"
WESTERN_BALKANS = "Western Balkan Route"
WESTERN_AFRICAN = "Western African Route"

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
NOT_TESTABLE = "not testable with these data"


# --------------------------------------------------------------------------------------------
# Parameters and coverage
# --------------------------------------------------------------------------------------------


def region_codes(region: str | None) -> list[str] | None:
    """Turn the chapter's ``region`` parameter into country codes.

    Parameters
    ----------
    region : str or None
        ``""``, ``"all"`` or ``None`` for all countries; a group name of
        :data:`analysis.countries.GROUPS` (``"silk_routes"``); or comma-separated ISO-3 codes.

    Returns
    -------
    list of str or None
        The codes, or ``None`` for no filter.

    Raises
    ------
    ValueError
        For an unknown code or group.
    """
    if region is None or region.strip().lower() in ("", "all"):
        return None
    return resolve_countries(region, default=region)


def filter_codes(df: pd.DataFrame, column: str, codes: Sequence[str] | None) -> pd.DataFrame:
    """Keep the rows whose ``column`` is one of ``codes`` (all rows when ``codes`` is None).

    Parameters
    ----------
    df : DataFrame
        Any canonical table.
    column : str
        The code column (``nationality``, ``citizenship``, ``origin``).
    codes : sequence of str or None
        Codes to keep.

    Returns
    -------
    DataFrame
    """
    if codes is None:
        return df
    return df[df[column].isin(list(codes))]


def _month_year(detections: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    month = detections["month"].astype(str)
    return month.str[:4].astype("int64"), month.str[5:7].astype("int64")


def available_years(detections: pd.DataFrame) -> tuple[int, int]:
    """First and last year with any detections (the last may be partial).

    Parameters
    ----------
    detections : DataFrame
        Canonical ``detections`` table.

    Returns
    -------
    tuple of int
        ``(first, last)``.

    Raises
    ------
    ValueError
        When the table is empty.
    """
    if detections.empty:
        raise ValueError("the detections table is empty")
    years, _ = _month_year(detections)
    return int(years.min()), int(years.max())


def months_covered(detections: pd.DataFrame, year: int) -> int:
    """Number of months of ``year`` the detections table covers (12 for a complete year).

    Coverage is read from the table's last month: years before it are complete, the year of
    the last month has as many months as its last month number, later years none.

    Parameters
    ----------
    detections : DataFrame
        Canonical ``detections`` table (unfiltered, so coverage is that of the dataset).
    year : int
        The year.

    Returns
    -------
    int
        0 to 12.
    """
    last = str(detections["month"].max())
    last_year, last_month = int(last[:4]), int(last[5:7])
    if year < last_year:
        return 12
    return last_month if year == last_year else 0


def resolve_base_year(year: int, base_year: int, years: tuple[int, int]) -> int:
    """Check the report year and derive the comparison year.

    Parameters
    ----------
    year : int
        Report year.
    base_year : int
        Comparison year; 0 means ``year - 1``.
    years : tuple of int
        ``(first, last)`` years of the data (:func:`available_years`).

    Returns
    -------
    int
        The comparison year.

    Raises
    ------
    ValueError
        When either year is outside ``years`` or both are the same.
    """
    first, last = years
    if not first <= year <= last:
        raise ValueError(f"year {year} is outside the detections data ({first}-{last})")
    base = year - 1 if base_year == 0 else base_year
    if not first <= base <= last:
        raise ValueError(f"base_year {base} is outside the detections data ({first}-{last}); "
                         f"choose a year from {first} to {last}")
    if base == year:
        raise ValueError(f"base_year must differ from year ({year})")
    return base


def latest_year(years: Iterable[int], year: int) -> int | None:
    """The latest of ``years`` not after ``year`` (None if there is none).

    Examples
    --------
    >>> latest_year([2010, 2015, 2020], 2023)
    2020
    """
    candidates = [int(y) for y in years if int(y) <= year]
    return max(candidates) if candidates else None


def pct_change(value: pd.Series | float, base: pd.Series | float) -> pd.Series | float:
    """Percentage change ``100 * (value - base) / base``; NaN where ``base`` is zero.

    Examples
    --------
    >>> round(pct_change(126310, 141741), 1)
    -10.9
    """
    if isinstance(base, pd.Series):
        return 100 * (value - base) / base.where(base != 0)
    return 100 * (value - base) / base if base else float("nan")


def label_years(df: pd.DataFrame, year: int, base_year: int,
                names: str | None = None) -> pd.DataFrame:
    """Readable column names (and country names) for a year-against-base table.

    ``X_base`` becomes ``"X <base_year>"`` and its partner ``X`` becomes ``"X <year>"``;
    ``change_pct`` becomes ``"change %"``; other underscores become spaces. The codes in
    column ``names``, if given, become country names
    (:func:`analysis.countries.country_name`).

    Examples
    --------
    >>> cols = ["route", "detections_base", "detections", "change_pct"]
    >>> list(label_years(pd.DataFrame(columns=cols), 2020, 2019).columns)
    ['route', 'detections 2019', 'detections 2020', 'change %']
    """
    paired = {c.removesuffix("_base") for c in df.columns if str(c).endswith("_base")}

    def name(col: str) -> str:
        if col.endswith("_base"):
            return f"{col.removesuffix('_base')} {base_year}".replace("_", " ")
        if col in paired:
            return f"{col} {year}".replace("_", " ")
        return col.replace("change_pct", "change %").replace("_", " ")

    if names is not None:
        df = df.assign(**{names: df[names].map(country_name)})
    return df.rename(columns=name)


def table_formats(year: int, base_year: int) -> dict[str, str]:
    """Display formats for the columns :func:`label_years` names (for ``show.table``)."""
    formats = {"change %": "{:+.1f}%", "change_pct": "{:+.1f}%", "share": "{:.1%}",
               "change per 100k": "{:+,.1f}"}
    for y in (year, base_year):
        formats |= {f"share {y}": "{:.1%}", f"per 100k {y}": "{:,.1f}"}
    return formats


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
# Asylum (Eurostat first-time applicants)
# --------------------------------------------------------------------------------------------


def asylum_eu_by_year(asylum: pd.DataFrame) -> pd.DataFrame:
    """First-time asylum applicants in the EU (Eurostat's ``EU27`` aggregate) per year.

    Parameters
    ----------
    asylum : DataFrame
        Canonical ``asylum`` table (already filtered by citizenship if wanted).

    Returns
    -------
    DataFrame
        ``year, applicants``, summed over sex and citizenship; only years the aggregate has.
    """
    eu = asylum[asylum["destination"] == EU27_AGGREGATE]
    return eu.groupby("year", as_index=False)["applicants"].sum()


def _population(indicators: pd.DataFrame, year: int) -> tuple[pd.Series, int | None]:
    pop = indicators[indicators["indicator"] == "population"]
    used = latest_year(pop["year"].unique(), year)
    if used is None:
        return pd.Series(dtype=float), None
    return pop[pop["year"] == used].set_index("country")["value"], used


def asylum_destinations(asylum: pd.DataFrame, indicators: pd.DataFrame, year: int,
                        base_year: int, n: int = 10,
                        members: Sequence[str] = GROUPS["eu27"]) -> pd.DataFrame:
    """The member states with the most first-time asylum applicants in ``year``.

    Parameters
    ----------
    asylum : DataFrame
        Canonical ``asylum`` table (already filtered by citizenship if wanted).
    indicators : DataFrame
        Canonical ``indicators`` table (for ``population``).
    year, base_year : int
        Report and comparison year.
    n : int, default 10
        Number of destinations.
    members : sequence of str
        Destinations considered (default: the EU27 member states).

    Returns
    -------
    DataFrame
        ``destination, applicants_base, applicants, change, change_pct, per_100k_base,
        per_100k, change_per_100k``, most applicants first. ``per_100k`` is per 100,000
        inhabitants, with the population of the latest year not after the year in question;
        ``attrs["population_year"]`` and ``attrs["population_year_base"]`` say which.
    """
    frame = asylum[asylum["destination"].isin(list(members))]
    wide = frame.pivot_table(index="destination", columns="year", values="applicants",
                             aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=[base_year, year], fill_value=0)
    out = pd.DataFrame({"applicants_base": wide[base_year].astype("int64"),
                        "applicants": wide[year].astype("int64")})
    out["change"] = out["applicants"] - out["applicants_base"]
    out["change_pct"] = pct_change(out["applicants"], out["applicants_base"])
    pop, pop_year = _population(indicators, year)
    pop_base, pop_year_base = _population(indicators, base_year)
    # Through a float Series, so that an empty selection (no member state) stays numeric.
    places = out.index.to_series()
    out["per_100k_base"] = 1e5 * out["applicants_base"] / places.map(pop_base).astype("float64")
    out["per_100k"] = 1e5 * out["applicants"] / places.map(pop).astype("float64")
    out["change_per_100k"] = out["per_100k"] - out["per_100k_base"]
    out = out.rename_axis("destination").reset_index()
    out = out[out["applicants"] > 0].sort_values(["applicants", "destination"],
                                                 ascending=[False, True])
    out = out.head(n).reset_index(drop=True)
    out.attrs.update(population_year=pop_year, population_year_base=pop_year_base)
    return out


def top_citizenships(asylum: pd.DataFrame, year: int, base_year: int,
                     n: int = 10) -> pd.DataFrame:
    """The citizenships with the most first-time applicants in the EU (``EU27`` aggregate).

    Parameters
    ----------
    asylum : DataFrame
        Canonical ``asylum`` table (already filtered by citizenship if wanted).
    year, base_year : int
        Report and comparison year.
    n : int, default 10
        Number of citizenships (unknown and stateless are not ranked).

    Returns
    -------
    DataFrame
        ``citizenship, applicants_base, applicants, change, change_pct, share`` with ``share``
        the citizenship's share of all EU27 applicants in ``year`` (0-1).
    """
    eu = asylum[asylum["destination"] == EU27_AGGREGATE]
    wide = eu.pivot_table(index="citizenship", columns="year", values="applicants",
                          aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=[base_year, year], fill_value=0)
    out = pd.DataFrame({"applicants_base": wide[base_year].astype("int64"),
                        "applicants": wide[year].astype("int64")})
    out["change"] = out["applicants"] - out["applicants_base"]
    out["change_pct"] = pct_change(out["applicants"], out["applicants_base"])
    out["share"] = out["applicants"] / max(out["applicants"].sum(), 1)
    out = out.rename_axis("citizenship").reset_index()
    out = out[~out["citizenship"].isin(UNKNOWN_ORIGIN) & (out["applicants"] > 0)]
    out = out.sort_values(["applicants", "citizenship"], ascending=[False, True])
    return out.head(n).reset_index(drop=True)


def dual_chart_data(eu_asylum: pd.DataFrame, totals: pd.DataFrame,
                    years: Sequence[int]) -> pd.DataFrame:
    """EU asylum applications and illegal border crossings side by side for some years.

    Parameters
    ----------
    eu_asylum : DataFrame
        Output of :func:`asylum_eu_by_year`.
    totals : DataFrame
        Output of :func:`annual_totals`.
    years : sequence of int
        The years to show (e.g. ``[base_year, year]``).

    Returns
    -------
    DataFrame
        ``measure, year, value``; a measure missing for a year is left out.
    """
    parts = [
        eu_asylum.rename(columns={"applicants": "value"}).assign(
            measure="First-time asylum applications (EU27)"),
        totals.rename(columns={"detections": "value"}).assign(
            measure="Detections of illegal border crossings"),
    ]
    out = pd.concat([p.loc[:, ["measure", "year", "value"]] for p in parts], ignore_index=True)
    out = out[out["year"].isin(list(years))]
    return out.astype({"value": "int64"}).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# International migrant stock (UN DESA)
# --------------------------------------------------------------------------------------------


def stock_over_time(stock: pd.DataFrame, indicators: pd.DataFrame,
                    origins: Sequence[str] | None = None) -> pd.DataFrame:
    """International migrants per stock year and their share of the population.

    Parameters
    ----------
    stock : DataFrame
        Canonical ``migrant_stock`` table.
    indicators : DataFrame
        Canonical ``indicators`` table (for ``population``).
    origins : sequence of str, optional
        Count only migrants born in (or citizens of) these countries; the share is then
        relative to the population of these origin countries (an emigration rate) instead of
        the world population.

    Returns
    -------
    DataFrame
        ``year, migrants, population, share, population_countries`` with ``population`` the
        sum over the countries that report it in that year (the world, or ``origins``) and
        ``population_countries`` their number.
    """
    migrants = filter_codes(stock, "origin", origins).groupby("year")["migrants"].sum()
    pop = indicators[indicators["indicator"] == "population"]
    pop = filter_codes(pop, "country", origins)
    population = pop.groupby("year")["value"].agg(["sum", "count"])
    out = pd.DataFrame({"migrants": migrants.astype("int64")})
    out["population"] = population["sum"].reindex(out.index)
    out["share"] = out["migrants"] / out["population"]
    out["population_countries"] = population["count"].reindex(out.index).fillna(0).astype(
        "int64")
    return out.rename_axis("year").reset_index()


def _top(frame: pd.DataFrame, by: str, value: str, n: int) -> pd.DataFrame:
    sums = frame.groupby(by, as_index=False)[value].sum()
    total = sums[value].sum()
    sums["share"] = sums[value] / total if total else np.nan
    sums = sums[~sums[by].isin(UNKNOWN_ORIGIN)]
    sums = sums.sort_values([value, by], ascending=[False, True]).head(n)
    sums["millions"] = sums[value] / 1e6
    return sums.loc[:, [by, value, "millions", "share"]].reset_index(drop=True)


def top_origins(stock: pd.DataFrame, year: int, n: int = 10,
                origins: Sequence[str] | None = None) -> pd.DataFrame:
    """Countries of origin with the most international migrants (emigrants) in a stock year.

    Parameters
    ----------
    stock : DataFrame
        Canonical ``migrant_stock`` table.
    year : int
        A stock year (1990, 1995, ... 2020).
    n : int, default 10
        Number of countries; unknown origins are not ranked.
    origins : sequence of str, optional
        Rank only these origins.

    Returns
    -------
    DataFrame
        ``origin, migrants, millions, share`` (share of all migrants of the origins considered,
        unknown origin included).
    """
    frame = filter_codes(stock[stock["year"] == year], "origin", origins)
    return _top(frame, "origin", "migrants", n)


def top_destinations(stock: pd.DataFrame, year: int, n: int = 10,
                     origins: Sequence[str] | None = None) -> pd.DataFrame:
    """Countries of destination with the most international migrants in a stock year.

    Parameters
    ----------
    stock : DataFrame
        Canonical ``migrant_stock`` table.
    year : int
        A stock year.
    n : int, default 10
        Number of countries.
    origins : sequence of str, optional
        Count only migrants from these origins.

    Returns
    -------
    DataFrame
        ``destination, migrants, millions, share`` (share of all migrants counted).
    """
    frame = filter_codes(stock[stock["year"] == year], "origin", origins)
    return _top(frame, "destination", "migrants", n)


# --------------------------------------------------------------------------------------------
# Forcibly displaced people (UNHCR)
# --------------------------------------------------------------------------------------------


def displaced_by(displaced: pd.DataFrame, year: int, by: str, n: int | None = 10,
                 groups: Sequence[str] = REFUGEE_GROUPS) -> pd.DataFrame:
    """Refugees and asylum seekers (or other UNHCR groups) by host or origin country.

    Parameters
    ----------
    displaced : DataFrame
        Canonical ``displaced`` table (already filtered by origin if wanted).
    year : int
        Year (end-of-year figures).
    by : {"asylum_country", "origin"}
        Host country or country of origin.
    n : int or None, default 10
        Number of countries (None: all). Unknown origins and stateless are not ranked by
        origin.
    groups : sequence of str
        UNHCR population groups, one column each.

    Returns
    -------
    DataFrame
        ``<by>, <group>..., total``, largest total first.
    """
    if by not in ("asylum_country", "origin"):
        raise ValueError(f"by must be 'asylum_country' or 'origin', not {by!r}")
    frame = displaced[(displaced["year"] == year) & displaced["group"].isin(list(groups))]
    out = frame.pivot_table(index=by, columns="group", values="persons", aggfunc="sum",
                            fill_value=0)
    out = out.reindex(columns=list(groups), fill_value=0).astype("int64")
    out.columns.name = None
    out["total"] = out.sum(axis=1)
    out = out.reset_index()
    if by == "origin":
        out = out[~out["origin"].isin(UNKNOWN_ORIGIN)]
    out = out.sort_values(["total", by], ascending=[False, True])
    return (out if n is None else out.head(n)).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Claims register
# --------------------------------------------------------------------------------------------


def _route_row(shift: pd.DataFrame, route: str) -> pd.Series | None:
    rows = shift[shift["route"] == route]
    return None if rows.empty else rows.iloc[0]


def claims_register(shift: pd.DataFrame, year: int, base_year: int,
                    eu_asylum: pd.DataFrame | None = None,
                    shock: pd.DataFrame | None = None,
                    min_base: int = MIN_BASE_DETECTIONS) -> pd.DataFrame:
    """Test the report's narrative statements against the data.

    Each statement is worded as the narrative makes it; the rule that decides it:

    1. *Fewer irregular border crossings were detected*: total detections fell.
    2. *The Central Mediterranean route became more important again*: its share of all
       detections rose.
    3. *The route via the Western Balkans was chosen more often*: its detections rose.
    4. *The biggest increase was recorded on the route via Mauritania and Morocco*: the
       Western African route has the largest percentage increase among the routes with at
       least ``min_base`` detections in the base year (:func:`largest_increase`).
    5. *Fewer people applied for asylum in the EU*: EU27 first-time applicants fell.
    6. *The decline was caused by the COVID-19 pandemic*: a causal statement; the data show
       the size of the change after March 2020 (``shock``), not its cause.

    Parameters
    ----------
    shift : DataFrame
        Output of :func:`route_shift` for ``year`` against ``base_year``.
    year, base_year : int
        Report and comparison year.
    eu_asylum : DataFrame, optional
        Output of :func:`asylum_eu_by_year`.
    shock : DataFrame, optional
        Output of :func:`shock_change` (its value is shown for claim 6).
    min_base : int, default :data:`MIN_BASE_DETECTIONS`
        Threshold of claim 4.

    Returns
    -------
    DataFrame
        ``claim, measure, value, verdict`` with ``verdict`` one of ``"supported"``,
        ``"not supported"``, ``"not testable with these data"``.
    """
    rows: list[dict[str, str]] = []

    def add(claim: str, measure: str, value: str, verdict: bool | None) -> None:
        text = NOT_TESTABLE if verdict is None else (SUPPORTED if verdict else NOT_SUPPORTED)
        rows.append({"claim": claim, "measure": measure, "value": value, "verdict": text})

    period = f"{year} vs {base_year}"
    total_base, total = int(shift["detections_base"].sum()), int(shift["detections"].sum())
    if total_base > 0:
        add("Fewer irregular border crossings were detected",
            f"change in total detections, {period}",
            f"{total_base:,} → {total:,} ({pct_change(total, total_base):+.1f}%)",
            total < total_base)
    else:
        add("Fewer irregular border crossings were detected",
            f"change in total detections, {period}", "no detections in the base year", None)

    cmr = _route_row(shift, CENTRAL_MED)
    claim = "The Central Mediterranean route became more important again"
    measure = f"share of all detections, {period}"
    if cmr is None or total_base == 0 or total == 0:
        add(claim, measure, "route or totals missing", None)
    else:
        add(claim, measure, f"{cmr['share_base']:.1%} → {cmr['share']:.1%}",
            bool(cmr["share"] > cmr["share_base"]))

    wbr = _route_row(shift, WESTERN_BALKANS)
    claim = "The route via the Western Balkans was chosen more often"
    measure = f"detections on the Western Balkan route, {period}"
    if wbr is None:
        add(claim, measure, "route not in the data", None)
    else:
        add(claim, measure, f"{int(wbr['detections_base']):,} → {int(wbr['detections']):,}",
            bool(wbr["detections"] > wbr["detections_base"]))

    claim = "The biggest increase was recorded on the route via Mauritania and Morocco"
    measure = (f"route with the largest % increase among routes with ≥ {min_base:,} "
               f"detections in {base_year}")
    winner = largest_increase(shift, min_base)
    if winner is None:
        add(claim, measure, "no qualifying route increased", None)
    else:
        pct = float(shift.loc[shift["route"] == winner, "change_pct"].iloc[0])
        add(claim, measure, f"{winner} ({pct:+.1f}%)", winner == WESTERN_AFRICAN)

    claim = "Fewer people applied for asylum in the EU"
    measure = f"EU27 first-time asylum applicants, {period}"
    eu = None if eu_asylum is None else eu_asylum.set_index("year")["applicants"]
    if eu is None or year not in eu.index or base_year not in eu.index:
        add(claim, measure, "EU27 aggregate not available for both years", None)
    else:
        b, v = int(eu[base_year]), int(eu[year])
        add(claim, measure, f"{b:,} → {v:,} ({pct_change(v, b):+.1f}%)", v < b)

    claim = "The decline was caused by the COVID-19 pandemic"
    measure = "cause of the change (the data give its size after March 2020, not its cause)"
    if shock is None or shock.empty:
        value = "no shock estimate"
    else:
        stl = shock.iloc[-1]
        window = shock.attrs.get("window", "after the shock")
        value = f"{stl['change_pct']:+.1f}% against {stl['method']}, {window}"
    add(claim, measure, value, None)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# One country (the country brief, notebooks/05_country_brief.ipynb)
# --------------------------------------------------------------------------------------------

__all__ += [
    "citizenship_destinations",
    "country_code",
    "displaced_partners",
    "displaced_total",
    "nationality_routes",
]

_ROLES: dict[str, tuple[str, str]] = {"host": ("asylum_country", "origin"),
                                      "origin": ("origin", "asylum_country")}


def country_code(spec: str | None, default: str = "PAK") -> str:
    """The one country of a ``country`` parameter, as an upper-case ISO-3 code.

    Parameters
    ----------
    spec : str or None
        One code in any case (``"pak"``); ``""`` or ``None`` for ``default``.
    default : str, default "PAK"
        The code used when ``spec`` is empty.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For an unknown code, a group name, ``"all"`` or more than one code.

    Examples
    --------
    >>> country_code(" syr ")
    'SYR'
    """
    text = (spec or "").strip() or default
    if "," in text or text.lower() in GROUPS or text.lower() == "all":
        raise ValueError(f"country must be a single ISO-3 code such as 'PAK', not {text!r}")
    return resolve_countries(text, default=default)[0]


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


def citizenship_destinations(asylum: pd.DataFrame, indicators: pd.DataFrame, citizenship: str,
                             year: int, base_year: int, n: int = 10,
                             members: Sequence[str] = GROUPS["eu27"]) -> pd.DataFrame:
    """The member states where citizens of one country lodged most first-time applications.

    :func:`asylum_destinations` on the citizenship's rows, with each destination's share.

    Parameters
    ----------
    asylum : DataFrame
        Canonical ``asylum`` table.
    indicators : DataFrame
        Canonical ``indicators`` table (population of the destinations).
    citizenship : str
        ISO-3 code.
    year, base_year : int
        Report and comparison year.
    n : int, default 10
        Number of destinations.
    members : sequence of str
        Destinations considered (default: the EU27 member states).

    Returns
    -------
    DataFrame
        The columns of :func:`asylum_destinations` (``per_100k``: applicants of this
        citizenship per 100,000 inhabitants of the destination) plus ``share``, the
        destination's share of the citizenship's applicants in all ``members`` in ``year``
        (0-1); empty (same columns) when there are none in ``year``.
    """
    frame = filter_codes(asylum, "citizenship", [citizenship])
    frame = frame[frame["destination"].isin(list(members))]
    columns = ["destination", "applicants_base", "applicants", "change", "change_pct",
               "per_100k_base", "per_100k", "change_per_100k", "share"]
    total = int(frame.loc[frame["year"] == year, "applicants"].sum())
    if total == 0:
        return pd.DataFrame(columns=columns)
    out = asylum_destinations(frame, indicators, year, base_year, n, members)
    return out.assign(share=out["applicants"] / total)


def displaced_total(displaced: pd.DataFrame, country: str, year: int, role: str = "host",
                    groups: Sequence[str] = REFUGEE_GROUPS) -> int:
    """Refugees and asylum seekers hosted by, or originating from, one country at year end.

    Parameters
    ----------
    displaced : DataFrame
        Canonical ``displaced`` table.
    country : str
        ISO-3 code.
    year : int
        Year (end-of-year figures).
    role : {"host", "origin"}
        ``"host"``: people in ``country`` from anywhere (unknown origins and stateless
        included); ``"origin"``: people from ``country`` in any country of asylum.
    groups : sequence of str
        UNHCR population groups summed.

    Returns
    -------
    int
        0 when the country does not appear in that role in ``year``.
    """
    if role not in _ROLES:
        raise ValueError(f"role must be 'host' or 'origin', not {role!r}")
    own = _ROLES[role][0]
    frame = filter_codes(displaced, own, [country])
    return int(displaced_by(frame, year, own, None, groups)["total"].sum())


def displaced_partners(displaced: pd.DataFrame, country: str, year: int, role: str = "host",
                       n: int | None = 10,
                       groups: Sequence[str] = REFUGEE_GROUPS) -> pd.DataFrame:
    """Where the refugees a country hosts come from, or where its own refugees are hosted.

    Parameters
    ----------
    displaced : DataFrame
        Canonical ``displaced`` table.
    country : str
        ISO-3 code.
    year : int
        Year (end-of-year figures).
    role : {"host", "origin"}
        ``"host"``: countries of origin of the people ``country`` hosts; ``"origin"``:
        countries of asylum of the people from ``country``.
    n : int or None, default 10
        Number of partner countries (None: all). Unknown origins are not ranked.
    groups : sequence of str
        UNHCR population groups, one column each.

    Returns
    -------
    DataFrame
        ``origin`` (role ``"host"``) or ``asylum_country`` (role ``"origin"``), then
        ``<group>..., total, share`` with ``share`` the partner's part of
        :func:`displaced_total` (0-1), largest first; empty when there are none.
    """
    if role not in _ROLES:
        raise ValueError(f"role must be 'host' or 'origin', not {role!r}")
    own, partner = _ROLES[role]
    out = displaced_by(filter_codes(displaced, own, [country]), year, partner, n, groups)
    total = displaced_total(displaced, country, year, role, groups)
    return out.assign(share=out["total"] / total if total else np.nan)
