"""Tests of the functions behind the country brief (notebooks/05_country_brief.ipynb).

Each is checked against an independent pandas computation on the raw canonical tables of the
real data, for Pakistan, Afghanistan and Syria, and for countries absent from a table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import remittances as rm
from analysis import trends as tr
from analysis.countries import GROUPS, UNKNOWN_ORIGIN
from analysis.sources import load_table

COUNTRIES = ["PAK", "AFG", "SYR"]
EU27 = list(GROUPS["eu27"])
REFUGEES = ["refugee", "asylum"]


@pytest.fixture(scope="module")
def real(gdidata_dir: Path) -> dict[str, pd.DataFrame]:
    return {t: load_table(t, gdidata_dir) for t in tr.CHAPTER_TABLES}


# ------------------------------------------------------------------------------ parameter


# ----------------------------------------------------------------------------- detections


def _detections_by_route(det: pd.DataFrame, nationality: str, year: int,
                         through_month: int) -> pd.Series:
    rows = det[(det["nationality"] == nationality)
               & (det["month"].str[:4] == str(year))
               & (det["month"].str[5:7].astype(int) <= through_month)]
    return rows.groupby("route")["detections"].sum()


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize(("year", "through_month"), [(2020, 12), (2025, 4)])
def test_nationality_routes_match_raw_sums(real, country, year, through_month):
    det = real["detections"]
    now = _detections_by_route(det, country, year, through_month)
    before = _detections_by_route(det, country, year - 1, through_month)
    expected = pd.DataFrame({"detections_base": before, "detections": now}).fillna(0)
    expected = expected[expected.sum(axis=1) > 0].astype("int64")
    got = tr.nationality_routes(det, country, year, year - 1, through_month).set_index("route")
    assert len(got) > 0
    assert got["detections"].to_dict() == expected["detections"].to_dict()
    assert got["detections_base"].to_dict() == expected["detections_base"].to_dict()
    np.testing.assert_allclose(got.loc[expected.index, "share"],
                               expected["detections"] / expected["detections"].sum())
    known = expected["detections_base"] > 0
    np.testing.assert_allclose(
        got.loc[expected.index[known], "change_pct"],
        100 * (expected["detections"] / expected["detections_base"] - 1)[known])
    assert list(got["detections"]) == sorted(got["detections"], reverse=True)


def test_nationality_routes_empty_for_a_nationality_without_detections(real):
    got = tr.nationality_routes(real["detections"], "LUX", 2020, 2019)
    assert got.empty
    assert list(got.columns) == ["route", "detections_base", "detections", "change",
                                 "change_pct", "share_base", "share"]


# --------------------------------------------------------------------------------- asylum


@pytest.mark.parametrize("country", COUNTRIES)
def test_citizenship_destinations_match_raw_sums(real, country):
    asy = real["asylum"]
    rows = asy[(asy["citizenship"] == country) & asy["destination"].isin(EU27)]
    now = rows[rows["year"] == 2020].groupby("destination")["applicants"].sum()
    before = rows[rows["year"] == 2019].groupby("destination")["applicants"].sum()
    ranked = now[now > 0].reset_index().sort_values(["applicants", "destination"],
                                                    ascending=[False, True]).head(5)
    got = tr.citizenship_destinations(asy, real["indicators"], country, 2020, 2019, 5)
    assert list(got["destination"]) == list(ranked["destination"])
    assert list(got["applicants"]) == list(ranked["applicants"])
    assert list(got["applicants_base"]) == [int(before.get(d, 0)) for d in ranked["destination"]]
    np.testing.assert_allclose(got["share"], ranked["applicants"] / now.sum())


def test_citizenship_destinations_empty_for_a_citizenship_not_in_the_data(real):
    got = tr.citizenship_destinations(real["asylum"], real["indicators"], "LUX", 2020, 2019)
    assert got.empty
    assert {"destination", "applicants", "share"} <= set(got.columns)


# ------------------------------------------------------------------------------ displaced


@pytest.mark.parametrize("country", COUNTRIES)
def test_displaced_total_and_partners_match_raw_sums(real, country):
    dis = real["displaced"]
    rows = dis[(dis["year"] == 2020) & dis["group"].isin(REFUGEES)]
    for role, own, partner in (("host", "asylum_country", "origin"),
                               ("origin", "origin", "asylum_country")):
        mine = rows[rows[own] == country]
        total = int(mine["persons"].sum())
        assert tr.displaced_total(dis, country, 2020, role) == total
        by = mine.groupby(partner)["persons"].sum()
        by = by[~by.index.isin(UNKNOWN_ORIGIN)] if partner == "origin" else by
        ranked = by.reset_index().sort_values(["persons", partner],
                                              ascending=[False, True]).head(5)
        got = tr.displaced_partners(dis, country, 2020, role, 5)
        assert list(got[partner]) == list(ranked[partner])
        assert list(got["total"]) == list(ranked["persons"])
        assert list(got["refugee"] + got["asylum"]) == list(got["total"])
        np.testing.assert_allclose(got["share"], ranked["persons"] / total)


def test_displaced_for_a_country_absent_from_the_table(real):
    dis = real["displaced"]
    assert tr.displaced_total(dis, "TUV", 2020, "host") == 0
    assert tr.displaced_partners(dis, "TUV", 2020, "host").empty
    with pytest.raises(ValueError, match="role"):
        tr.displaced_total(dis, "PAK", 2020, "guest")


# ---------------------------------------------------------------------------- remittances


def _received(ind: pd.DataFrame, country: str) -> pd.Series:
    rows = ind[(ind["country"] == country) & (ind["indicator"] == "remittances_received_usd")]
    return rows.set_index("year")["value"].sort_index()


@pytest.mark.parametrize("country", COUNTRIES)
def test_reported_years_are_the_positive_values(real, country):
    s = _received(real["indicators"], country)
    assert rm.reported_years(real["indicators"], country) == [int(y) for y in s.index[s > 0]]


def test_country_counterfactual_is_none_without_data_in_the_year(real):
    ind = real["indicators"]
    assert _received(ind, "SYR").get(2020) == 0  # Syria reports zeros since 2011
    assert rm.country_counterfactual(ind, "SYR", 2020) is None
    assert rm.country_counterfactual(ind, "PAK", 2099) is None


@pytest.mark.parametrize("country", ["PAK", "AFG"])
def test_country_counterfactual_matches_the_drift_closed_form(real, country):
    """The backtest picks the drift model for both; its forecast has a closed form: the last log
    value plus the mean log change, with the exact interval t(m-1) * s * sqrt(1 + 1/m)."""
    ind = real["indicators"]
    cf = rm.country_counterfactual(ind, country, 2020)
    row = cf.table.set_index("series").loc[country]
    assert cf.trend_start == rm.TREND_START == 2010
    assert row["model"] == cf.country_model == "drift"
    s = _received(ind, country)
    assert row["actual"] == pytest.approx(s[2020])
    logs = np.log(s.loc[2010:2019].to_numpy())
    d = np.diff(logs)
    m = len(d)
    centre = logs[-1] + d.mean()
    half = stats.t.ppf(0.975, m - 1) * d.std(ddof=1) * np.sqrt(1 + 1 / m)
    assert row["forecast"] == pytest.approx(np.exp(centre), rel=1e-9)
    assert row["lower"] == pytest.approx(np.exp(centre - half), rel=1e-9)
    assert row["upper"] == pytest.approx(np.exp(centre + half), rel=1e-9)
    assert row["vs_trend_pct"] == pytest.approx(100 * (s[2020] / np.exp(centre) - 1), rel=1e-3)
