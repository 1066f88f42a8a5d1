"""Levels, totals and change of remittances, and the countries with data.

The computation rules are in the package docstring (:mod:`analysis.remittances`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.countries import country_name

RECEIVED = "remittances_received_usd"
PAID = "remittances_paid_usd"
GDP = "gdp_usd"


# --------------------------------------------------------------------------- levels and totals


def flows(indicators: pd.DataFrame, indicator: str = RECEIVED) -> pd.DataFrame:
    """Return one indicator as a country x year table, with non-positive values as missing.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    indicator : str, default ``"remittances_received_usd"``
        The indicator to pivot.

    Returns
    -------
    DataFrame
        Index ``country``, one float column per year; ``NaN`` where there is no positive value.
    """
    rows = indicators[indicators["indicator"] == indicator]
    wide = rows.pivot(index="country", columns="year", values="value").astype(float)
    wide = wide.where(wide > 0)
    wide.columns = wide.columns.astype(int)
    return wide.sort_index(axis=0).sort_index(axis=1)


def _value(indicators: pd.DataFrame, indicator: str, year: int) -> pd.Series:
    """Positive values of one indicator in one year, by country."""
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["year"] == year)]
    values = rows.set_index("country")["value"].astype(float)
    return values[values > 0].sort_index()


def reported_zero(indicators: pd.DataFrame, year: int, indicator: str = RECEIVED) -> list[str]:
    """Countries whose value in ``year`` is exactly zero (treated as not reported)."""
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["year"] == year)]
    return sorted(rows.loc[rows["value"] == 0, "country"].astype(str))


def _require_year(wide: pd.DataFrame, year: int, indicator: str) -> None:
    if year not in wide.columns or wide[year].notna().sum() == 0:
        have = [int(y) for y in wide.columns[wide.notna().any()]]
        span = f"{min(have)}-{max(have)}" if have else "none"
        raise ValueError(f"no {indicator} data for {year}; years with data: {span}")


def missing_large(
    indicators: pd.DataFrame,
    year: int,
    indicator: str = RECEIVED,
    *,
    gdp_share: float = 0.001,
    flow_share: float = 0.001,
) -> pd.DataFrame:
    """Large countries with no value of ``indicator`` in ``year``.

    A country is *large* when its GDP in ``year`` is at least ``gdp_share`` of the summed GDP
    of all countries, or when its value in ``year - 1`` or ``year + 1`` was at least
    ``flow_share`` of the world total of ``year``.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    year : int
        The year.
    indicator : str
        ``remittances_received_usd`` or ``remittances_paid_usd``.
    gdp_share, flow_share : float, default 0.001
        Thresholds, as shares (0.001 = 0.1 %).

    Returns
    -------
    DataFrame
        Columns ``country``, ``name``, ``gdp_usd``, ``adjacent_year``, ``adjacent_value``,
        ``reported_zero`` and ``reason``, largest GDP first.
    """
    wide = flows(indicators, indicator)
    has = set(wide.index[wide[year].notna()]) if year in wide.columns else set()
    gdp = _value(indicators, GDP, year)
    total = wide[year].sum() if year in wide.columns else 0.0
    zeros = set(reported_zero(indicators, year, indicator))
    rows = []
    for code in sorted(set(gdp.index) | set(wide.index)):
        if code in has:
            continue
        g = float(gdp.get(code, np.nan))
        adj_year, adj_value = None, np.nan
        for y in (year - 1, year + 1):
            if y in wide.columns and code in wide.index and not np.isnan(wide.at[code, y]):
                if np.isnan(adj_value) or wide.at[code, y] > adj_value:
                    adj_year, adj_value = y, float(wide.at[code, y])
        reasons = []
        if not np.isnan(g) and g >= gdp_share * gdp.sum():
            reasons.append(f"GDP {g / gdp.sum():.1%} of world")
        if not np.isnan(adj_value) and total > 0 and adj_value >= flow_share * total:
            reasons.append(f"US$ {adj_value / 1e9:,.1f} bn in {adj_year}")
        if reasons:
            rows.append({"country": code, "name": country_name(code), "gdp_usd": g,
                         "adjacent_year": adj_year, "adjacent_value": adj_value,
                         "reported_zero": code in zeros, "reason": "; ".join(reasons)})
    cols = ["country", "name", "gdp_usd", "adjacent_year", "adjacent_value", "reported_zero",
            "reason"]
    out = pd.DataFrame(rows, columns=cols)
    out["adjacent_year"] = out["adjacent_year"].astype("Int64")
    return out.sort_values("gdp_usd", ascending=False, na_position="last", ignore_index=True)


@dataclass(frozen=True)
class WorldTotal:
    """A world total summed over countries.

    Attributes
    ----------
    indicator : str
        The indicator summed.
    year : int
        The year.
    total : float
        Sum over the countries with data (US$).
    countries : list of str
        The countries summed.
    missing : DataFrame
        Large countries without data (:func:`missing_large`).
    zeros : list of str
        Countries reported as exactly zero (not counted).
    """

    indicator: str
    year: int
    total: float
    countries: list[str]
    missing: pd.DataFrame
    zeros: list[str] = field(default_factory=list)

    @property
    def n_countries(self) -> int:
        """Number of countries summed."""
        return len(self.countries)

    @property
    def missing_names(self) -> str:
        """The large missing countries as readable text (``"none"`` when there are none)."""
        if self.missing.empty:
            return "none"
        return ", ".join(
            f"{r.name} ({r.reason}{'; recorded as 0' if r.reported_zero else ''})"
            for r in self.missing.itertuples()
        )


def world_total(indicators: pd.DataFrame, year: int, indicator: str = RECEIVED,
                **thresholds: float) -> WorldTotal:
    """Sum ``indicator`` over the countries with data in ``year``.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    year : int
        The year.
    indicator : str, default received
        ``remittances_received_usd`` or ``remittances_paid_usd``.
    **thresholds
        ``gdp_share`` and ``flow_share`` for :func:`missing_large`.

    Returns
    -------
    WorldTotal
    """
    wide = flows(indicators, indicator)
    _require_year(wide, year, indicator)
    values = wide[year].dropna()
    return WorldTotal(indicator, year, float(values.sum()), list(values.index),
                      missing_large(indicators, year, indicator, **thresholds),
                      reported_zero(indicators, year, indicator))


def top_countries(indicators: pd.DataFrame, year: int, indicator: str = RECEIVED,
                  n: int = 10) -> pd.DataFrame:
    """The ``n`` countries with the largest value of ``indicator`` in ``year``.

    Returns
    -------
    DataFrame
        Columns ``rank``, ``country``, ``name``, ``value`` (US$) and ``share`` (of the world
        total over countries with data).
    """
    wide = flows(indicators, indicator)
    _require_year(wide, year, indicator)
    values = wide[year].dropna()
    top = values.sort_values(ascending=False, kind="stable").head(n)
    out = pd.DataFrame({"country": top.index.astype(str), "value": top.to_numpy()})
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.insert(2, "name", [country_name(c) for c in out["country"]])
    out["share"] = out["value"] / values.sum()
    return out


def dependence(indicators: pd.DataFrame, year: int, *, n: int | None = 10,
               countries: Sequence[str] | None = None) -> pd.DataFrame:
    """Remittances received as a share of GDP in ``year``.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    year : int
        The year.
    n : int or None, default 10
        Keep the ``n`` most dependent countries (``None``: all).
    countries : sequence of str, optional
        Keep only these countries (in the order of dependence).

    Returns
    -------
    DataFrame
        Columns ``country``, ``name``, ``remittances``, ``gdp`` and ``share`` (a fraction),
        most dependent first; countries lacking either value are left out.
    """
    rem = _value(indicators, RECEIVED, year)
    gdp = _value(indicators, GDP, year)
    both = rem.index.intersection(gdp.index)
    out = pd.DataFrame({"country": both.astype(str), "remittances": rem[both].to_numpy(),
                        "gdp": gdp[both].to_numpy()})
    out["share"] = out["remittances"] / out["gdp"]
    if countries is not None:
        out = out[out["country"].isin(list(countries))]
    out = out.sort_values(["share", "country"], ascending=[False, True], ignore_index=True)
    if n is not None:
        out = out.head(n)
    out.insert(1, "name", [country_name(c) for c in out["country"]])
    return out


# --------------------------------------------------------------------------------- change


@dataclass(frozen=True)
class WorldChange:
    """Change of a world total between two years, on the countries with data in both.

    Attributes
    ----------
    year, base_year : int
        The years compared.
    value, base_value : float
        Totals over the common countries.
    countries : list of str
        The common countries.
    only_one_year : list of str
        Countries with data in just one of the two years (left out).
    """

    year: int
    base_year: int
    value: float
    base_value: float
    countries: list[str]
    only_one_year: list[str]

    @property
    def change_pct(self) -> float:
        """Percentage change from ``base_year`` to ``year``."""
        return (self.value / self.base_value - 1.0) * 100.0

    @property
    def n_countries(self) -> int:
        """Number of countries with data in both years."""
        return len(self.countries)


def world_change(indicators: pd.DataFrame, year: int, base_year: int | None = None,
                 indicator: str = RECEIVED) -> WorldChange:
    """World change of ``indicator`` from ``base_year`` (default ``year - 1``) to ``year``."""
    base_year = year - 1 if base_year is None else base_year
    wide = flows(indicators, indicator)
    for y in (base_year, year):
        _require_year(wide, y, indicator)
    a, b = wide[base_year], wide[year]
    common = wide.index[a.notna() & b.notna()]
    only = wide.index[a.notna() ^ b.notna()]
    return WorldChange(year, base_year, float(b[common].sum()), float(a[common].sum()),
                       list(common.astype(str)), list(only.astype(str)))


def country_change(indicators: pd.DataFrame, year: int, countries: Sequence[str] | None = None,
                   indicator: str = RECEIVED) -> pd.DataFrame:
    """Per-country change of ``indicator`` from ``year - 1`` to ``year``.

    Returns
    -------
    DataFrame
        Columns ``country``, ``name``, ``base`` (year - 1), ``value`` (year), ``change`` (US$)
        and ``change_pct``; countries with data in both years, or the given ``countries`` in
        their order (missing values as ``NaN``).
    """
    wide = flows(indicators, indicator)
    for y in (year - 1, year):
        _require_year(wide, y, indicator)
    if countries is None:
        sel = wide[[year - 1, year]].dropna()
        sel = sel.sort_values(year, ascending=False)
    else:
        sel = wide[[year - 1, year]].reindex(list(countries))
    out = pd.DataFrame({"country": sel.index.astype(str), "base": sel[year - 1].to_numpy(),
                        "value": sel[year].to_numpy()})
    out.insert(1, "name", [country_name(c) for c in out["country"]])
    out["change"] = out["value"] - out["base"]
    out["change_pct"] = (out["value"] / out["base"] - 1.0) * 100.0
    return out


# ---------------------------------------------------------------------------------- countries


def select_countries(codes: Sequence[str] | None, indicators: pd.DataFrame,
                     trend_start: int, year: int) -> list[str]:
    """The countries of the counterfactual; refuse countries without remittance data.

    Parameters
    ----------
    codes : sequence of str or None
        ISO-3 codes (the typed ``countries`` parameter: groups already resolved by the
        registry); ``None`` (``countries=all``) for every country with data in the window.
    indicators : DataFrame
        The canonical ``indicators`` table.
    trend_start, year : int
        The window the counterfactual uses.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For codes with no positive remittances received in ``trend_start .. year`` (naming
        them).
    """
    wide = flows(indicators, RECEIVED)
    window = wide.loc[:, (wide.columns >= trend_start) & (wide.columns <= year)]
    with_data = set(window.index[window.notna().any(axis=1)])
    if codes is None:
        return sorted(with_data)
    lacking = [c for c in codes if c not in with_data]
    if lacking:
        named = ", ".join(f"{c} ({country_name(c)})" for c in lacking)
        raise ValueError(f"no remittances-received data in {trend_start}-{year} for {named}; "
                         "leave these countries out of `countries`")
    return codes


def reported_years(indicators: pd.DataFrame, country: str,
                   indicator: str = RECEIVED) -> list[int]:
    """The years in which ``country`` has a positive value of ``indicator``.

    Parameters
    ----------
    indicators : DataFrame
        The canonical ``indicators`` table.
    country : str
        ISO-3 code.
    indicator : str, default received
        The indicator.

    Returns
    -------
    list of int
        Ascending; empty for a country that never reports (or reports only zeros).
    """
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["country"] == country)
                      & (indicators["value"] > 0)]
    return sorted(int(y) for y in rows["year"])
