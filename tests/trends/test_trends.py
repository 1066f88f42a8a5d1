"""Tests of analysis.trends: real-data headline figures, hand computations on the raw files,
synthetic series for the STL functions, and hand-made frames for the claims register."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import trends as tr
from analysis.countries import GROUPS, UNKNOWN_ORIGIN
from analysis.sources import load_table
from analysis.trends import chapter as tc

SILK = list(GROUPS["silk_routes"])
EU27 = list(GROUPS["eu27"])


# --------------------------------------------------------------------------------------------
# Helpers: the chapter's computations, composed as the notebook composes them
# --------------------------------------------------------------------------------------------


def tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    return {t: load_table(t, data_dir) for t in tr.CHAPTER_TABLES}


def headline(data: dict[str, pd.DataFrame], year: int = 2020, base_year: int | None = None,
             region: list[str] | None = None, top_n: int = 10) -> dict[str, object]:
    """The chapter's key figures, computed the way notebooks/01_migration_trends.ipynb does.

    The parameters are typed as the notebook receives them: ``base_year`` resolved (here
    ``None`` stands for the registry's derived year before), ``region`` a list or ``None``.
    """
    base = year - 1 if base_year is None else base_year
    view = tc.prepare(data, year=year, base_year=base, codes=region)
    codes, months, det, asylum = view.codes, view.months, view.detections, view.asylum
    same = tr.annual_by_route(det, through_month=months)
    shift = tr.route_shift(same, year, base)
    eu = tr.asylum_eu_by_year(asylum).set_index("year")["applicants"]
    over = tr.stock_over_time(data["migrant_stock"], data["indicators"], codes)
    stock_year = tr.latest_year(over["year"], year)
    dest = tr.asylum_destinations(asylum, data["indicators"], year, base, top_n)
    return {
        "base_year": base,
        "shift": shift,
        "detections_total": tr.total_detections(same, year),
        "detections_total_base": tr.total_detections(same, base),
        "route_largest_increase": tr.largest_increase(shift),
        "asylum_applications_eu27": int(eu[year]) if year in eu.index else None,
        "asylum_top_destination": dest["destination"].iloc[0] if len(dest) else None,
        "migrant_stock_year": stock_year,
        "migrant_stock_world": int(over.set_index("year").loc[stock_year, "migrants"]),
        "emigrants_top_origin": tr.top_origins(data["migrant_stock"], stock_year, top_n,
                                               codes)["origin"].iloc[0],
    }


@pytest.fixture(scope="module")
def real(gdidata_dir: Path) -> dict[str, pd.DataFrame]:
    return tables(gdidata_dir)


@pytest.fixture(scope="module")
def snap(snapshot_dir: Path) -> dict[str, pd.DataFrame]:
    return tables(snapshot_dir)


@pytest.fixture(scope="module")
def raw(gdidata_dir: Path) -> dict[str, pd.DataFrame]:
    """The raw gdidata files read with plain pandas (independent of the adapters)."""
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(gdidata_dir / f"{name}.csv.gz", keep_default_na=False,
                           na_values=[""])

    frontex = read("frontex")
    frontex["year"] = frontex["month"].str[:4].astype(int)
    return {"frontex": frontex, "asylum": read("eu_asyapp"), "stock": read("undesa_stocks_2020"),
            "wdi": read("wdi"), "unhcr": read("unhcr")}


# --------------------------------------------------------------------------------------------
# Headline figures with the default parameters
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["real", "snap"])
def test_default_headline_figures(which: str, request: pytest.FixtureRequest) -> None:
    fig = headline(request.getfixturevalue(which))
    assert fig["detections_total"] == 126_310
    assert fig["detections_total_base"] == 141_741
    assert fig["route_largest_increase"] == "Western African Route"
    assert fig["asylum_top_destination"] == "DEU"
    assert fig["emigrants_top_origin"] == "IND"
    assert fig["migrant_stock_year"] == 2020
    assert fig["asylum_applications_eu27"] == 476_615


def test_snapshot_agrees_with_real_data(real, snap) -> None:
    for year, region in ((2016, ""), (2020, "silk_routes"), (2023, "")):
        codes = SILK if region else None
        a, b = headline(real, year, region=codes), headline(snap, year, region=codes)
        pd.testing.assert_frame_equal(a.pop("shift"), b.pop("shift"))
        assert a == b


def test_available_years(real, snap) -> None:
    assert tr.available_years(real["detections"]) == (2009, 2025)
    assert tr.available_years(snap["detections"]) == (2014, 2025)
    with pytest.raises(ValueError, match="empty"):
        tr.available_years(real["detections"].iloc[:0])


def test_months_covered(real) -> None:
    det = real["detections"]
    assert tr.months_covered(det, 2024) == 12
    assert tr.months_covered(det, 2025) == 4  # data end 2025-04
    assert tr.months_covered(det, 2026) == 0


# --------------------------------------------------------------------------------------------
# Hand computations on the raw files
# --------------------------------------------------------------------------------------------


def hand_shift(frontex: pd.DataFrame, year: int, base: int, nats=None,
               through_month: int = 12) -> pd.DataFrame:
    f = frontex if nats is None else frontex[frontex["nat"].isin(nats)]
    f = f[f["month"].str[5:7].astype(int) <= through_month]
    by = f[f["year"].isin([year, base])].groupby(["route", "year"])["n"].sum().unstack(
        fill_value=0).reindex(columns=[base, year], fill_value=0)
    by.columns = ["detections_base", "detections"]
    by["change_pct"] = 100 * (by["detections"] - by["detections_base"]) / by["detections_base"]
    by["change_pct"] = by["change_pct"].replace([np.inf, -np.inf], np.nan)  # no base: undefined
    return by[(by["detections"] > 0) | (by["detections_base"] > 0)]


@pytest.mark.parametrize(("year", "region"), [(2016, ""), (2023, ""), (2020, "silk_routes"),
                                              (2025, "")])
def test_hand_computations(real, raw, year: int, region: str) -> None:
    nats = SILK if region else None
    fig = headline(real, year, region=nats)
    frontex, asylum = raw["frontex"], raw["asylum"]
    months = 4 if year == 2025 else 12  # the data end 2025-04: compare Jan-Apr
    hand = hand_shift(frontex, year, year - 1, nats, months)

    assert fig["detections_total"] == hand["detections"].sum()
    assert fig["detections_total_base"] == hand["detections_base"].sum()
    got = fig["shift"].set_index("route")
    assert sorted(got.index) == sorted(hand.index)
    for col in ("detections_base", "detections"):
        assert (got[col] == hand.loc[got.index, col]).all()
    np.testing.assert_allclose(got["change_pct"], hand.loc[got.index, "change_pct"])
    np.testing.assert_allclose(got["share"], got["detections"] / hand["detections"].sum())
    eligible = hand[hand["detections_base"] >= 1000]
    assert fig["route_largest_increase"] == eligible["change_pct"].idxmax()

    a = asylum if nats is None else asylum[asylum["nat"].isin(nats)]
    eu = a[(a["geo"] == "EU27") & (a["year"] == year)]["n"]
    assert fig["asylum_applications_eu27"] == (int(eu.sum()) if len(eu) else None)
    members = a[a["geo"].isin(EU27) & (a["year"] == year)].groupby("geo")["n"].sum()
    assert fig["asylum_top_destination"] == (members.idxmax() if len(members) else None)


def test_hand_values_2016_and_2023(real) -> None:
    """A few published-scale values written out, as a reader would check them."""
    f16, f23 = headline(real, 2016), headline(real, 2023)
    assert (f16["detections_total"], f16["detections_total_base"]) == (511_047, 1_822_102)
    assert f16["asylum_applications_eu27"] == 1_221_455
    assert (f23["detections_total"], f23["detections_total_base"]) == (381_319, 326_217)
    assert f23["asylum_applications_eu27"] == 1_130_825
    assert f16["asylum_top_destination"] == f23["asylum_top_destination"] == "DEU"
    assert f23["route_largest_increase"] == "Western African Route"
    wa = f23["shift"].set_index("route").loc["Western African Route"]
    assert (wa["detections_base"], wa["detections"]) == (15_463, 39_673)


def test_migrant_stock_by_hand(real, raw) -> None:
    stock, wdi = raw["stock"], raw["wdi"]
    over = tr.stock_over_time(real["migrant_stock"], real["indicators"]).set_index("year")
    for year in (1990, 2015, 2020):
        migrants = stock.loc[stock["year"] == year, "n"].sum()
        population = wdi.loc[(wdi["var"] == "pop") & (wdi["year"] == year), "value"].sum()
        assert over.loc[year, "migrants"] == migrants
        assert over.loc[year, "share"] == pytest.approx(migrants / population)
    top = tr.top_origins(real["migrant_stock"], 2020, 3)
    hand = stock[stock["year"] == 2020].groupby("from")["n"].sum()
    hand = hand.drop([c for c in UNKNOWN_ORIGIN if c in hand.index]).nlargest(3)
    assert list(top["origin"]) == list(hand.index)
    assert list(top["migrants"]) == list(hand)
    silk = tr.stock_over_time(real["migrant_stock"], real["indicators"], SILK).set_index("year")
    assert silk.loc[2020, "migrants"] == stock.loc[
        (stock["year"] == 2020) & stock["from"].isin(SILK), "n"].sum()


def test_asylum_destinations_per_100k_by_hand(real, raw) -> None:
    dest = tr.asylum_destinations(real["asylum"], real["indicators"], 2020, 2019, 5)
    a, wdi = raw["asylum"], raw["wdi"]
    hand = a[a["geo"].isin(EU27) & (a["year"] == 2020)].groupby("geo")["n"].sum().nlargest(5)
    assert list(dest["destination"]) == list(hand.index)
    deu = dest.set_index("destination").loc["DEU"]
    pop = wdi.loc[(wdi["geo"] == "DEU") & (wdi["var"] == "pop") & (wdi["year"] == 2020), "value"]
    assert deu["per_100k"] == pytest.approx(1e5 * hand["DEU"] / float(pop.iloc[0]))
    base = a[(a["geo"] == "DEU") & (a["year"] == 2019)]["n"].sum()
    assert deu["applicants_base"] == base
    assert deu["change_pct"] == pytest.approx(100 * (hand["DEU"] - base) / base)
    # the indicators end in 2023: 2024 uses the 2023 population, and says so
    later = tr.asylum_destinations(real["asylum"], real["indicators"], 2024, 2023, 1)
    assert later.attrs["population_year"] == 2023


def test_top_citizenships_by_hand(real, raw) -> None:
    cit = tr.top_citizenships(real["asylum"], 2020, 2019, 5)
    a = raw["asylum"]
    eu = a[(a["geo"] == "EU27") & (a["year"] == 2020)].groupby("nat")["n"].sum()
    ranked = eu.drop([c for c in UNKNOWN_ORIGIN if c in eu.index]).nlargest(5)
    assert list(cit["citizenship"]) == list(ranked.index)
    assert cit["share"].iloc[0] == pytest.approx(ranked.iloc[0] / eu.sum())


def test_displaced_by_hand(real, raw) -> None:
    u = raw["unhcr"]
    u = u[(u["year"] == 2020) & u["group"].isin(["refugee", "asylum"])]
    hosts = tr.displaced_by(real["displaced"], 2020, "asylum_country", 3)
    hand = u.groupby("geo")["n"].sum().nlargest(3)
    assert list(hosts["asylum_country"]) == list(hand.index)
    assert list(hosts["total"]) == list(hand)
    assert (hosts["total"] == hosts["refugee"] + hosts["asylum"]).all()
    with pytest.raises(ValueError, match="by must be"):
        tr.displaced_by(real["displaced"], 2020, "destination")


def test_top_nationalities_ranks_known_countries_only(real, raw) -> None:
    nats = tr.top_nationalities(real["detections"], 2015, 3)
    f = raw["frontex"]
    wb = f[(f["year"] == 2015) & (f["route"] == "Western Balkan Route")].groupby("nat")["n"].sum()
    known = wb.drop([c for c in UNKNOWN_ORIGIN if c in wb.index]).nlargest(3)
    got = nats[nats["route"] == "Western Balkan Route"]
    assert list(got["nationality"]) == list(known.index)
    assert list(got["rank"]) == [1, 2, 3]
    np.testing.assert_allclose(got["share"], known / wb.sum())  # share of the whole route
    assert not nats["nationality"].isin(UNKNOWN_ORIGIN).any()


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def test_prepare_filters_the_people_of_the_region_and_counts_the_months() -> None:
    det = pd.DataFrame({"month": ["2019-12", "2020-01", "2020-02", "2020-03"],
                        "nationality": ["PAK", "PAK", "SYR", "AFG"], "detections": [1, 2, 3, 4]})
    asylum = pd.DataFrame({"citizenship": ["PAK", "SYR"], "applicants": [5, 6]})
    displaced = pd.DataFrame({"origin": ["AFG", "SYR"], "value": [7, 8]})
    tables = {"detections": det, "asylum": asylum, "displaced": displaced}
    view = tc.prepare(tables, year=2020, base_year=2019, codes=["PAK", "AFG"])
    assert view.detections["nationality"].tolist() == ["PAK", "PAK", "AFG"]
    assert view.asylum["citizenship"].tolist() == ["PAK"]
    assert view.displaced["origin"].tolist() == ["AFG"]
    assert len(view.detections_all) == 4 and (view.first, view.last, view.months) == (2019, 2020, 3)
    assert view.people == "Pakistan, Afghanistan"
    assert view.intro == ("Report year 2020, compared with 2019. People covered: Pakistan, "
                          "Afghanistan (by nationality, citizenship or country of origin). The "
                          "detections data end in 2020-03: 2020 is a partial year, compared "
                          "with the same 3 months of 2019.")
    every = tc.prepare(tables, year=2019, base_year=2020)
    assert every.codes is None and every.people == "all countries" and every.partial == ""
    assert len(every.detections) == 4


def test_latest_year_and_pct_change() -> None:
    assert tr.latest_year([1990, 2015, 2020], 2019) == 2015
    assert tr.latest_year([1990, 2015], 1980) is None
    assert tr.pct_change(150, 100) == 50
    assert np.isnan(tr.pct_change(5, 0))


def test_label_years() -> None:
    df = pd.DataFrame({"destination": ["DEU"], "per_100k_base": [1.0], "per_100k": [2.0],
                       "change_pct": [100.0], "change_per_100k": [1.0]})
    out = tr.label_years(df, 2020, 2019, names="destination")
    assert list(out.columns) == ["destination", "per 100k 2019", "per 100k 2020", "change %",
                                 "change per 100k"]
    assert out["destination"].iloc[0] == "Germany"


# --------------------------------------------------------------------------------------------
# Monthly series, STL and the change after March 2020 (synthetic series)
# --------------------------------------------------------------------------------------------


def synthetic(amplitude: float, start: str = "2012-01", end: str = "2020-12",
              drop_after: str | None = None, factor: float = 1.0) -> pd.Series:
    index = pd.date_range(start, end, freq="MS", name="month")
    t = np.arange(len(index))
    rng = np.random.default_rng(1)
    values = 1000 + 2 * t + amplitude * np.sin(2 * np.pi * index.month / 12)
    values = values + rng.normal(0, 5, len(index))
    if drop_after:
        values = np.where(index > pd.Timestamp(drop_after), values * factor, values)
    return pd.Series(values, index=index)


def test_stl_recovers_the_seasonal_amplitude() -> None:
    series = synthetic(300)
    parts = tr.seasonal_decomposition(series)
    np.testing.assert_allclose(parts["trend"] + parts["seasonal"] + parts["resid"],
                               parts["observed"])
    assert tr.seasonal_amplitude(parts) == pytest.approx(300, rel=0.05)
    # the seasonal peak is in the month where sin(2 pi m / 12) peaks: March
    last = parts["seasonal"].iloc[-12:]
    assert last.idxmax().month == 3
    # the trend follows the slope of 2 a month
    assert np.polyfit(np.arange(len(parts)), parts["trend"], 1)[0] == pytest.approx(2, rel=0.05)


def test_stl_needs_two_cycles() -> None:
    with pytest.raises(ValueError, match="at least 24"):
        tr.seasonal_decomposition(synthetic(100, "2020-01", "2021-06"))


def test_shock_change_recovers_a_known_drop() -> None:
    series = synthetic(300, drop_after="2020-03", factor=0.5)
    assert tr.shock_estimable(series)
    result = tr.shock_change(series).set_index("method")
    assert result.attrs["window"] == "Apr 2020-Dec 2020"
    window = series["2020-04":"2020-12"]
    assert result["observed_mean"].iloc[0] == pytest.approx(window.mean())
    same = series["2019-04":"2019-12"].mean()
    assert result.loc["same months a year earlier", "expected_mean"] == pytest.approx(same)
    # without the drop the STL expectation is about the series itself (trend + 2/month):
    undisturbed = synthetic(300)["2020-04":"2020-12"].mean()
    stl = result.iloc[1]
    assert stl["expected_mean"] == pytest.approx(undisturbed, rel=0.03)
    assert stl["change_pct"] == pytest.approx(-50, abs=2.5)


def test_shock_change_refuses_short_series() -> None:
    short = synthetic(100, "2019-01", "2020-12")
    assert not tr.shock_estimable(short)
    assert not tr.shock_estimable(synthetic(100, "2012-01", "2020-06"))
    with pytest.raises(ValueError, match="before 2020-12"):
        tr.shock_change(synthetic(100, "2012-01", "2020-06"))


def test_monthly_totals_fills_missing_months() -> None:
    det = pd.DataFrame({"route": ["A", "B", "A"], "type": ["Sea"] * 3,
                        "nationality": ["SYR", "SYR", "AFG"],
                        "month": ["2020-01", "2020-01", "2020-04"], "detections": [5, 7, 3]})
    out = tr.monthly_totals(det, "2019-12", "2020-05")
    assert list(out) == [0, 12, 0, 0, 3, 0]
    assert out.index[0] == pd.Timestamp("2019-12-01")
    annual = tr.annual_by_route(det, through_month=2)
    assert annual.set_index("route").loc["A", "detections"] == 5  # April left out


# --------------------------------------------------------------------------------------------
# Claims register on hand-made frames
# --------------------------------------------------------------------------------------------


def annual_frame(rows: dict[str, tuple[int, int]], base: int = 2019,
                 year: int = 2020) -> pd.DataFrame:
    return pd.DataFrame([{"route": r, "year": y, "detections": v}
                         for r, (b, c) in rows.items() for y, v in ((base, b), (year, c))])


def verdicts(claims: pd.DataFrame) -> list[str]:
    return list(claims["verdict"])


def test_claims_register_as_in_the_2020_report() -> None:
    shift = tr.route_shift(annual_frame({
        tr.CENTRAL_MED: (1000, 3000),       # share 10% -> 20%
        tr.WESTERN_BALKANS: (2000, 2500),
        tr.WESTERN_AFRICAN: (1000, 9000),   # +800%
        "Eastern Mediterranean Route": (6000, 500),
    }), 2020, 2019)
    eu = pd.DataFrame({"year": [2019, 2020], "applicants": [700, 500]})
    claims = tr.claims_register(shift, 2020, 2019, eu)
    assert verdicts(claims) == ["not supported", "supported", "supported", "supported",
                                "supported", "not testable with these data"]
    assert claims["value"][1] == "10.0% → 20.0%"
    assert claims["value"][3].startswith("Western African Route (+800.0%)")


def test_claims_register_rejects_and_abstains() -> None:
    shift = tr.route_shift(annual_frame({
        tr.CENTRAL_MED: (5000, 4000),
        tr.WESTERN_BALKANS: (3000, 500),    # fewer
        tr.WESTERN_AFRICAN: (900, 9000),    # +900% but base < 1,000: not eligible
        "Other Route": (1100, 2200),        # +100%: the largest eligible increase
    }), 2020, 2019)
    claims = tr.claims_register(shift, 2020, 2019, eu_asylum=None)
    # totals 10,000 -> 15,700: more crossings; CMR share 50% -> 25.5%
    assert verdicts(claims)[:4] == ["not supported"] * 4
    assert "Other Route" in claims["value"][3]
    assert claims["verdict"][4] == "not testable with these data"  # no asylum data
    eu_one_year = pd.DataFrame({"year": [2020], "applicants": [10]})
    again = tr.claims_register(shift, 2020, 2019, eu_one_year)
    assert again["verdict"][4] == "not testable with these data"


def test_claims_register_without_the_routes() -> None:
    shift = tr.route_shift(annual_frame({"Some Route": (500, 600)}), 2020, 2019)
    claims = tr.claims_register(shift, 2020, 2019)
    assert verdicts(claims) == ["not supported"] + ["not testable with these data"] * 5


def test_largest_increase_threshold() -> None:
    shift = tr.route_shift(annual_frame({"A": (999, 99_999), "B": (1000, 1500),
                                         "C": (5000, 4000)}), 2020, 2019)
    assert tr.largest_increase(shift) == "B"
    assert tr.largest_increase(shift, min_base=2000) is None
    assert tr.largest_increase(shift, min_base=1) == "A"


def test_asylum_destinations_of_a_citizenship_with_no_applications(snapshot_dir):
    """A region whose citizens made no application gives an empty table, not an error."""
    from analysis.sources import load_table

    asylum = load_table("asylum", snapshot_dir)
    none = asylum[asylum["citizenship"] == "TUV"]
    out = tr.asylum_destinations(none, load_table("indicators", snapshot_dir), 2020, 2019)
    assert out.empty and "per_100k" in out.columns


def test_a_region_without_migrants_is_refused_by_name_not_with_a_key_error(snap) -> None:
    from analysis.errors import ParameterError

    tables = {t: snap[t] for t in ("detections", "asylum", "displaced", "migrant_stock")}
    with pytest.raises(ParameterError, match=r"born in Antarctica \(ATA\)") as refused:
        tc.prepare(tables, year=2020, base_year=2019, codes=["ATA"])
    # In a notebook IPython shows the message alone, as the command line does.
    assert refused.value._render_traceback_()[0].startswith("ParameterError: region: no ")
    assert tc.prepare(tables, year=2020, base_year=2019, codes=["ATA", "PAK"]).people == \
        "Antarctica, Pakistan"
