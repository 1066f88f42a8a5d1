"""International migrant stock (UN DESA) and forcibly displaced people (UNHCR).

Part of :mod:`analysis.trends`; the computation rules are in its docstring.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.countries import UNKNOWN_ORIGIN
from analysis.trends._common import REFUGEE_GROUPS, filter_codes

__all__ = [
    "displaced_by",
    "displaced_partners",
    "displaced_total",
    "stock_over_time",
    "top_destinations",
    "top_origins",
]

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
# One country (the country brief, notebooks/05_country_brief.ipynb)
# --------------------------------------------------------------------------------------------


_ROLES: dict[str, tuple[str, str]] = {"host": ("asylum_country", "origin"),
                                      "origin": ("origin", "asylum_country")}


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
