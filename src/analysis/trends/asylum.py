"""Asylum (Eurostat first-time applicants): EU totals, destinations, citizenships.

Part of :mod:`analysis.trends`; the computation rules are in its docstring.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.countries import GROUPS, UNKNOWN_ORIGIN
from analysis.trends._common import EU27_AGGREGATE, filter_codes, latest_year, pct_change

__all__ = [
    "asylum_destinations",
    "asylum_eu_by_year",
    "citizenship_destinations",
    "dual_chart_data",
    "top_citizenships",
]

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
# One citizenship (the country brief, notebooks/05_country_brief.ipynb)
# --------------------------------------------------------------------------------------------


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
