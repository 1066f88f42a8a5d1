"""Tests of analysis.talent against hand computations on small tables."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import talent
from analysis.countries import GROUPS
from analysis.errors import DataError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "talent"
ROOT = Path(__file__).resolve().parents[2]

# 4 countries x 3 indicators; x2 is "less is better"; weights 2:1:1.
X1 = np.array([1.0, 2.0, 4.0, 3.0])
X2 = np.array([10.0, 30.0, 20.0, 40.0])
X3 = np.array([5.0, 5.5, 7.0, 6.0])
DIRECTIONS = {"x1": 1, "x2": -1, "x3": 1}
WEIGHTS = {"x1": 2.0, "x2": 1.0, "x3": 1.0}
W = np.array([0.5, 0.25, 0.25])  # the weights above, summing to one
DIMS = {"x1": "a", "x2": "a", "x3": "b"}
EPS = talent.GEOMETRIC_EPSILON


def small() -> pd.DataFrame:
    return pd.DataFrame(
        {"x1": X1, "x2": X2, "x3": X3}, index=pd.Index(list("ABCD"), name="country")
    )


def hand_minmax() -> np.ndarray:
    """Min-max by hand, x2 reversed: columns n1, n2, n3."""
    n1 = (X1 - 1) / (4 - 1)
    n2 = (40 - X2) / (40 - 10)
    n3 = (X3 - 5) / (7 - 5)
    return np.column_stack([n1, n2, n3])


def hand_zscore() -> np.ndarray:
    cols = []
    for x, d in ((X1, 1), (X2, -1), (X3, 1)):
        y = d * x
        m = y.sum() / 4
        sd = np.sqrt(((y - m) ** 2).sum() / 3)  # sample sd
        cols.append((y - m) / sd)
    return np.column_stack(cols)


def ranks_of(scores: np.ndarray) -> np.ndarray:
    return np.array([1 + int((scores > s).sum()) for s in scores])


# --------------------------------------------------------------------------------------------
# composite_index: hand computations
# --------------------------------------------------------------------------------------------


def test_minmax_values_are_the_hand_values():
    n = hand_minmax()
    np.testing.assert_allclose(n[:, 0], [0, 1 / 3, 1, 2 / 3])
    np.testing.assert_allclose(n[:, 1], [1, 1 / 3, 2 / 3, 0])
    res = talent.composite_index(small(), directions=DIRECTIONS, weights=WEIGHTS)
    np.testing.assert_allclose(res[["x1", "x2", "x3"]].to_numpy(), n)


def test_minmax_arithmetic_unequal_weights():
    res = talent.composite_index(small(), directions=DIRECTIONS, weights=WEIGHTS)
    # 0.5*n1 + 0.25*n2 + 0.25*n3, written out per country
    expected = [0 + 0.25 + 0, 1 / 6 + 1 / 12 + 1 / 16, 0.5 + 1 / 6 + 0.25, 1 / 3 + 0 + 0.125]
    np.testing.assert_allclose(res["score"], expected)
    assert res["rank"].tolist() == [4, 3, 1, 2]
    assert res["n_imputed"].tolist() == [0, 0, 0, 0]
    assert res.index.tolist() == list("ABCD")


def test_equal_weights_by_default():
    res = talent.composite_index(small(), directions=DIRECTIONS)
    np.testing.assert_allclose(res["score"], hand_minmax().mean(axis=1))


def test_zscore_arithmetic():
    z = hand_zscore()
    res = talent.composite_index(
        small(), directions=DIRECTIONS, weights=WEIGHTS, normalisation="zscore"
    )
    np.testing.assert_allclose(res[["x1", "x2", "x3"]].to_numpy(), z)
    score = 0.5 * z[:, 0] + 0.25 * z[:, 1] + 0.25 * z[:, 2]
    np.testing.assert_allclose(res["score"], score)
    assert res["rank"].tolist() == ranks_of(score).tolist()


def test_minmax_geometric():
    p = EPS + (1 - EPS) * hand_minmax()  # rescaled to [eps, 1]
    score = p[:, 0] ** 0.5 * p[:, 1] ** 0.25 * p[:, 2] ** 0.25
    res = talent.composite_index(
        small(), directions=DIRECTIONS, weights=WEIGHTS, aggregation="geometric"
    )
    np.testing.assert_allclose(res["score"], score)
    assert res["rank"].tolist() == ranks_of(score).tolist()
    # the normalised columns are reported before the [eps, 1] mapping
    np.testing.assert_allclose(res[["x1", "x2", "x3"]].to_numpy(), hand_minmax())


def test_zscore_geometric_uses_one_affine_map_for_the_table():
    z = hand_zscore()
    p = EPS + (1 - EPS) * (z - z.min()) / (z.max() - z.min())
    score = np.exp(0.5 * np.log(p[:, 0]) + 0.25 * np.log(p[:, 1]) + 0.25 * np.log(p[:, 2]))
    res = talent.composite_index(
        small(),
        directions=DIRECTIONS,
        weights=WEIGHTS,
        normalisation="zscore",
        aggregation="geometric",
    )
    np.testing.assert_allclose(res["score"], score)
    assert res["rank"].tolist() == ranks_of(score).tolist()


def test_dimensions_arithmetic():
    n = hand_minmax()
    sub_a = (2 / 3) * n[:, 0] + (1 / 3) * n[:, 1]  # weights 2:1 inside dimension a
    sub_b = n[:, 2]
    res = talent.composite_index(small(), directions=DIRECTIONS, weights=WEIGHTS, dimensions=DIMS)
    np.testing.assert_allclose(res["dim_a"], sub_a)
    np.testing.assert_allclose(res["dim_b"], sub_b)
    np.testing.assert_allclose(res["score"], (sub_a + sub_b) / 2)  # equal dimension weights
    np.testing.assert_allclose(res["score"], [1 / 6, 7 / 24, 17 / 18, 17 / 36])


def test_dimensions_geometric():
    p = EPS + (1 - EPS) * hand_minmax()
    sub_a = p[:, 0] ** (2 / 3) * p[:, 1] ** (1 / 3)
    sub_b = p[:, 2]
    res = talent.composite_index(
        small(), directions=DIRECTIONS, weights=WEIGHTS, dimensions=DIMS, aggregation="geometric"
    )
    np.testing.assert_allclose(res["dim_a"], sub_a)
    np.testing.assert_allclose(res["score"], np.sqrt(sub_a * sub_b))


def test_direction_minus_one_equals_negating_the_column():
    flipped = small().assign(x2=-X2)
    a = talent.composite_index(small(), directions=DIRECTIONS)
    b = talent.composite_index(flipped, directions={**DIRECTIONS, "x2": 1})
    pd.testing.assert_frame_equal(a, b)


def test_ties_share_the_smallest_rank():
    df = pd.DataFrame({"x": [1.0, 3.0, 3.0, 2.0], "y": [1.0, 5.0, 5.0, 2.0]}, index=list("ABCD"))
    res = talent.composite_index(df, directions={"x": 1, "y": 1})
    assert res["rank"].tolist() == [4, 1, 1, 3]


# --------------------------------------------------------------------------------------------
# composite_index: missing values
# --------------------------------------------------------------------------------------------


def test_missing_value_imputed_from_same_dimension():
    df = small()
    df.loc["C", "x1"] = np.nan
    res = talent.composite_index(df, directions=DIRECTIONS, dimensions=DIMS)
    # x1 normalised over A, B, D only: [1, 2, 3] -> [0, 0.5, 1]
    n2_c = (40 - 20) / 30
    assert res.loc["A", "x1"] == 0 and res.loc["B", "x1"] == 0.5 and res.loc["D", "x1"] == 1
    # C's other indicator in dimension a is x2: its value is used
    assert res.loc["C", "x1"] == pytest.approx(n2_c)
    assert res["n_imputed"].tolist() == [0, 0, 1, 0]
    assert res.loc["C", "dim_a"] == pytest.approx(n2_c)


def test_missing_value_alone_in_dimension_gets_cross_country_mean():
    df = small()
    df.loc["B", "x3"] = np.nan
    res = talent.composite_index(df, directions=DIRECTIONS, dimensions=DIMS)
    # x3 over A, C, D: [5, 7, 6] -> [0, 1, 0.5]; mean 0.5
    assert res.loc["B", "x3"] == pytest.approx(0.5)
    assert res.loc["B", "n_imputed"] == 1


def test_missing_value_without_dimensions_uses_the_other_indicators():
    df = small()
    df.loc["C", "x1"] = np.nan
    res = talent.composite_index(df, directions=DIRECTIONS)
    assert res.loc["C", "x1"] == pytest.approx(((40 - 20) / 30 + 1.0) / 2)
    # zscore: same rule on the z scale
    rz = talent.composite_index(df, directions=DIRECTIONS, normalisation="zscore")
    assert rz.loc["C", "x1"] == pytest.approx((rz.loc["C", "x2"] + rz.loc["C", "x3"]) / 2)


def test_country_missing_more_than_half_is_dropped_and_does_not_count():
    df = pd.concat(
        [small(), pd.DataFrame({"x1": [np.nan], "x2": [np.nan], "x3": [100.0]}, index=["E"])]
    )
    with pytest.warns(talent.TalentDataWarning, match="E"):
        res = talent.composite_index(df, directions=DIRECTIONS, weights=WEIGHTS)
    assert res.attrs["dropped"] == ["E"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clean = talent.composite_index(small(), directions=DIRECTIONS, weights=WEIGHTS)
    pd.testing.assert_frame_equal(res, clean, check_names=False)


def test_exactly_half_missing_is_kept():
    df = small().assign(x4=[1.0, 2.0, 3.0, 4.0])
    df.loc["A", ["x1", "x2"]] = np.nan
    res = talent.composite_index(df, directions={**DIRECTIONS, "x4": 1})
    assert "A" in res.index and res.loc["A", "n_imputed"] == 2


# --------------------------------------------------------------------------------------------
# composite_index: validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"directions": {**DIRECTIONS, "x9": 1}}, "not in df: x9"),
        ({"directions": {"x1": 1, "x2": -1}}, "no direction given for: x3"),
        ({"directions": {**DIRECTIONS, "x1": 2}}, r"\+1 or -1"),
        ({"directions": DIRECTIONS, "weights": {"x1": 1, "x2": 1}}, "missing: x3"),
        ({"directions": DIRECTIONS, "weights": {**WEIGHTS, "x9": 1}}, "not in df: x9"),
        ({"directions": DIRECTIONS, "weights": {**WEIGHTS, "x2": -1}}, "negative"),
        ({"directions": DIRECTIONS, "weights": {"x1": 0, "x2": 0, "x3": 0}}, "positive"),
        ({"directions": DIRECTIONS, "normalisation": "rank"}, "unknown normalisation 'rank'"),
        ({"directions": DIRECTIONS, "aggregation": "median"}, "unknown aggregation 'median'"),
        ({"directions": DIRECTIONS, "dimensions": {"x1": "a"}}, "missing: x2, x3"),
        (
            {"directions": DIRECTIONS, "dimensions": DIMS, "weights": {**WEIGHTS, "x3": 0}},
            "all zero in: b",
        ),
        ({"directions": DIRECTIONS, "aggregation": "geometric", "epsilon": 0}, "epsilon"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        talent.composite_index(small(), **kwargs)


def test_fewer_than_two_countries():
    with pytest.raises(ValueError, match="at least 2 countries"):
        talent.composite_index(small().iloc[:1], directions=DIRECTIONS)


def test_constant_indicator_and_non_numeric_and_duplicates():
    with pytest.raises(ValueError, match="'x1' has fewer than two distinct"):
        talent.composite_index(small().assign(x1=1.0), directions=DIRECTIONS)
    with pytest.raises(ValueError, match="numeric"):
        talent.composite_index(small().assign(x1=list("abcd")), directions=DIRECTIONS)
    dup = small().rename(index={"B": "A"})
    with pytest.raises(ValueError, match="duplicate countries"):
        talent.composite_index(dup, directions=DIRECTIONS)


# --------------------------------------------------------------------------------------------
# rank_uncertainty and method_ranks
# --------------------------------------------------------------------------------------------


def random_table(n: int = 30, k: int = 6, seed: int = 1) -> tuple[pd.DataFrame, dict, dict]:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    values = latent + rng.normal(scale=0.8, size=(n, k))
    names = [f"i{j}" for j in range(k)]
    df = pd.DataFrame(values, columns=names, index=[f"C{c:02d}" for c in range(n)])
    directions = {name: 1 for name in names}
    dims = {name: f"d{j // 2}" for j, name in enumerate(names)}  # three dimensions of two
    return df, directions, dims


def test_rank_uncertainty_reproducible_and_seed_dependent():
    df, dirs, dims = random_table()
    a = talent.rank_uncertainty(df, directions=dirs, dimensions=dims, n_draws=300, seed=7)
    b = talent.rank_uncertainty(df, directions=dirs, dimensions=dims, n_draws=300, seed=7)
    pd.testing.assert_frame_equal(a, b)
    c = talent.rank_uncertainty(df, directions=dirs, dimensions=dims, n_draws=300, seed=8)
    cols = ["rank_median", "rank_p05", "rank_p95"]
    assert not a[cols].equals(c[cols])
    assert a.attrs["method_counts"] != c.attrs["method_counts"]
    assert sum(a.attrs["method_counts"].values()) == 300


def test_rank_interval_contains_deterministic_rank():
    df, dirs, dims = random_table()
    for d in (None, dims):
        res = talent.rank_uncertainty(df, directions=dirs, dimensions=d, n_draws=500)
        assert ((res["rank_p05"] <= res["rank"]) & (res["rank"] <= res["rank_p95"])).all()
        assert (res["rank_p05"] <= res["rank_median"]).all()
        assert (res["rank_median"] <= res["rank_p95"]).all()
        assert (res["rank_interval_width"] == res["rank_p95"] - res["rank_p05"]).all()
        assert res["rank_interval_width"].max() > 0  # noise does move ranks here


@pytest.mark.parametrize("norm", ["minmax", "zscore"])
@pytest.mark.parametrize("agg", ["arithmetic", "geometric"])
def test_no_noise_single_method_collapses_to_deterministic_rank(norm, agg):
    df, dirs, dims = random_table()
    res = talent.rank_uncertainty(
        df, directions=dirs, dimensions=dims, n_draws=50, weight_noise=0.0,
        normalisation=norm, aggregation=agg, normalisations=[norm], aggregations=[agg],
    )  # fmt: skip
    det = talent.composite_index(
        df, directions=dirs, dimensions=dims, normalisation=norm, aggregation=agg
    )
    assert res["rank"].tolist() == det["rank"].tolist()
    assert (res["rank_p05"] == res["rank"]).all()
    assert (res["rank_p95"] == res["rank"]).all()
    assert (res["rank_median"] == res["rank"]).all()


def test_no_noise_two_methods_stay_between_the_method_ranks():
    df, dirs, dims = random_table()
    res = talent.rank_uncertainty(
        df, directions=dirs, dimensions=dims, n_draws=200, weight_noise=0.0,
        aggregations=["arithmetic"],
    )  # fmt: skip
    mr = talent.method_ranks(df, directions=dirs, dimensions=dims)
    pair = mr[["minmax, arithmetic", "zscore, arithmetic"]]
    assert (res["rank_p05"] >= pair.min(axis=1)).all()
    assert (res["rank_p95"] <= pair.max(axis=1)).all()
    moved = pair.max(axis=1) > pair.min(axis=1)
    assert moved.any() and (res.loc[moved, "rank_interval_width"] > 0).any()


def test_dimension_weights_are_perturbed():
    # One indicator per dimension: indicator weights rescale to 1 inside each dimension, so
    # only the perturbed dimension weights can move these near-tied countries.
    df = pd.DataFrame({"p": [1.0, 0.0, 0.2], "q": [0.0, 1.0, 0.2]}, index=list("ABC"))
    kw = {"directions": {"p": 1, "q": 1}, "dimensions": {"p": "d1", "q": "d2"}}
    one = {"normalisations": ["minmax"], "aggregations": ["arithmetic"], "n_draws": 400}
    res = talent.rank_uncertainty(df, weight_noise=0.25, **kw, **one)
    assert res["rank"].tolist() == [1, 1, 3]  # A and B tie at equal weights
    assert res.loc["A", "rank_p05"] == 1 and res.loc["A", "rank_p95"] == 2
    assert res.loc["B", "rank_p95"] == 2
    fixed = talent.rank_uncertainty(df, weight_noise=0.0, **kw, **one)
    assert (fixed["rank_p05"] == fixed["rank_p95"]).all()


def test_dominant_country_is_always_first():
    df, dirs, _ = random_table()
    df.loc["C00"] = df.max() + 1.0  # best on every indicator
    df.loc["C01"] = df.min() - 1.0  # worst on every indicator
    res = talent.rank_uncertainty(df, directions=dirs, n_draws=200, weight_noise=0.5)
    assert res.loc["C00", ["rank", "rank_p05", "rank_p95"]].tolist() == [1, 1, 1]
    assert res.loc["C01", ["rank_p05", "rank_p95"]].tolist() == [30, 30]


def test_method_ranks_match_composite_index():
    mr = talent.method_ranks(small(), directions=DIRECTIONS, weights=WEIGHTS)
    for norm in ("minmax", "zscore"):
        for agg in ("arithmetic", "geometric"):
            res = talent.composite_index(
                small(), directions=DIRECTIONS, weights=WEIGHTS, normalisation=norm,
                aggregation=agg,
            )  # fmt: skip
            assert mr[f"{norm}, {agg}"].tolist() == res["rank"].tolist()
    spread = mr.drop(columns="rank_range")
    assert (mr["rank_range"] == spread.max(axis=1) - spread.min(axis=1)).all()


def test_rank_uncertainty_is_fast():
    df, dirs, dims = random_table(n=30, k=10)
    dims = {name: f"d{j % 7}" for j, name in enumerate(df.columns)}
    start = time.perf_counter()
    talent.rank_uncertainty(df, directions=dirs, dimensions=dims, n_draws=1000)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weight_noise": 1.0}, "weight_noise"),
        ({"weight_noise": -0.1}, "weight_noise"),
        ({"n_draws": 0}, "n_draws"),
        ({"normalisations": ["minmax", "robust"]}, "unknown normalisation"),
        ({"aggregations": []}, "at least one"),
    ],
)
def test_rank_uncertainty_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        talent.rank_uncertainty(small(), directions=DIRECTIONS, **kwargs)


# --------------------------------------------------------------------------------------------
# indicators_from_table
# --------------------------------------------------------------------------------------------


def long_table() -> pd.DataFrame:
    rows = [
        ("AUT", "unemployment_pct", 2020, 5.0),
        ("AUT", "unemployment_pct", 2021, 6.0),
        ("AUT", "unemployment_pct", 2023, 7.0),
        ("AUT", "net_migration", 2022, 10_000.0),
        ("AUT", "population", 2021, 9_000_000.0),
        ("AUT", "population", 2022, 9_100_000.0),
        ("DEU", "unemployment_pct", 2017, 3.0),
        ("DEU", "unemployment_pct", 2022, np.nan),
        ("DEU", "net_migration", 2022, 100_000.0),
        ("DEU", "population", 2021, 83_000_000.0),
        ("FRA", "unemployment_pct", 2022, 7.0),
    ]
    return pd.DataFrame(rows, columns=["country", "indicator", "year", "value"])


def test_indicators_from_table_latest_value_not_after_year():
    values, years = talent.indicators_from_table(
        long_table(), year=2022, countries=["AUT", "DEU", "SRB"],
        names=["unemployment_pct", "net_migration_per_1000"],
    )  # fmt: skip
    assert values.index.tolist() == ["AUT", "DEU", "SRB"]
    assert (
        values.loc["AUT", "unemployment_pct"] == 6.0
        and years.loc["AUT", "unemployment_pct"] == 2021
    )
    # DEU 2022 is missing, so 2017 is used
    assert (
        values.loc["DEU", "unemployment_pct"] == 3.0
        and years.loc["DEU", "unemployment_pct"] == 2017
    )
    assert values.loc["AUT", "net_migration_per_1000"] == pytest.approx(1000 * 10_000 / 9_100_000)
    assert years.loc["AUT", "net_migration_per_1000"] == 2022
    # DEU population only to 2021: the derived value carries the older year
    assert values.loc["DEU", "net_migration_per_1000"] == pytest.approx(1000 * 1e5 / 83e6)
    assert years.loc["DEU", "net_migration_per_1000"] == 2021
    assert values.loc["SRB"].isna().all() and years.loc["SRB"].isna().all()


def test_indicators_from_table_max_age_and_errors():
    values, _ = talent.indicators_from_table(
        long_table(), year=2022, countries=["AUT", "DEU"], names=["unemployment_pct"], max_age=1
    )
    assert values.loc["AUT", "unemployment_pct"] == 6.0
    assert np.isnan(values.loc["DEU", "unemployment_pct"])  # 2017 is too old
    with pytest.raises(ValueError, match="'gdp_usd' is not in the indicator table"):
        talent.indicators_from_table(long_table(), year=2022, countries=["AUT"], names=["gdp_usd"])
    with pytest.raises(ValueError, match="lacks columns: value"):
        talent.indicators_from_table(
            long_table().drop(columns="value"), year=2022, countries=["AUT"]
        )
    dup = pd.concat([long_table(), long_table().iloc[:1]])
    with pytest.raises(ValueError, match="duplicate"):
        talent.indicators_from_table(dup, year=2022, countries=["AUT"], names=["unemployment_pct"])


def test_default_proxies_and_coverage():
    from analysis.schemas import INDICATORS

    for proxy in talent.DEFAULT_PROXIES.values():
        assert proxy.dimension in talent.ITA_DIMENSIONS and proxy.direction in (1, -1)
    used = set()
    for name in talent.DEFAULT_PROXIES:
        used.update(talent.DERIVED_INDICATORS.get(name, (name,))[:2])
    assert used <= set(INDICATORS)
    # every canonical indicator is either used as a proxy or explained in NOT_USED
    assert set(INDICATORS) <= used | set(talent.NOT_USED)
    dims = {k: p.dimension for k, p in talent.DEFAULT_PROXIES.items()}
    assert talent.uncovered_dimensions(dims) == [
        "family environment", "skills environment", "inclusiveness",
    ]  # fmt: skip
    cov = talent.proxy_coverage(dims, talent.INDICATOR_LABELS)
    assert cov["dimension"].tolist() == list(talent.ITA_DIMENSIONS)
    assert cov["n_indicators"].sum() == len(talent.DEFAULT_PROXIES)
    assert cov.set_index("dimension").loc["future prospects", "n_indicators"] == 2


def test_default_indicator_set_on_the_real_data(gdidata_dir):
    from analysis.sources import load_table

    table = load_table("indicators", gdidata_dir)
    countries = list(GROUPS["icmpd_members"] + GROUPS["oecd_comparators"])  # the default
    iset = talent.default_indicator_set(table, year=2022, countries=countries)
    assert iset.values.index.tolist() == countries
    assert (iset.years.stack() <= 2022).all() and (iset.years.stack() >= 2017).all()
    # spot check one value against the long table directly
    row = table[
        (table["country"] == "AUT")
        & (table["indicator"] == "gdp_per_capita_ppp")
        & (table["year"] == iset.years.loc["AUT", "gdp_per_capita_ppp"])
    ]
    assert iset.values.loc["AUT", "gdp_per_capita_ppp"] == row["value"].item()
    res = talent.composite_index(
        iset.values, directions=iset.directions, dimensions=iset.dimensions
    )
    assert len(res) == len(countries) and res["rank"].min() == 1


# --------------------------------------------------------------------------------------------
# load_indicator_file
# --------------------------------------------------------------------------------------------


def test_load_indicator_file_fixture():
    iset = talent.load_indicator_file(FIXTURES / "indicators.csv", FIXTURES / "mapping.yaml")
    assert iset.values.index.tolist() == ["AUT", "DEU", "POL", "SRB"]
    assert iset.values.columns.tolist() == ["jobs", "pay", "tax"]  # 'name' is ignored
    assert np.isnan(iset.values.loc["POL", "tax"]) and iset.values.loc["DEU", "pay"] == 70
    assert iset.directions == {"jobs": -1, "pay": 1, "tax": -1}
    assert iset.dimensions["tax"] == "income and tax"
    assert iset.labels == {"jobs": "Unemployment (%)", "pay": "pay", "tax": "Tax wedge (%)"}
    assert (iset.source, iset.vintage, iset.note) == (
        "test fixture",
        "2024",
        "made-up values for tests",
    )


def write_pair(tmp_path: Path, csv_text: str | None = None, yaml_text: str | None = None):
    csv = tmp_path / "ind.csv"
    yml = tmp_path / "map.yaml"
    csv.write_text(csv_text or (FIXTURES / "indicators.csv").read_text())
    yml.write_text(yaml_text or (FIXTURES / "mapping.yaml").read_text())
    return csv, yml


def test_unknown_indicator_in_mapping_names_file_and_column(tmp_path):
    yaml_text = (FIXTURES / "mapping.yaml").read_text().replace("  pay:", "  wages:")
    csv, yml = write_pair(tmp_path, yaml_text=yaml_text)
    with pytest.raises(DataError) as err:
        talent.load_indicator_file(csv, yml)
    assert err.value.path == str(yml) and err.value.column == "wages"
    assert "map.yaml" in str(err.value) and "'wages'" in str(err.value)


def test_bad_direction_names_file_and_column(tmp_path):
    yaml_text = (FIXTURES / "mapping.yaml").read_text().replace("direction: 1", "direction: 2")
    csv, yml = write_pair(tmp_path, yaml_text=yaml_text)
    with pytest.raises(DataError, match="direction must be") as err:
        talent.load_indicator_file(csv, yml)
    assert err.value.column == "pay" and "map.yaml, column 'pay'" in str(err.value)


def test_non_numeric_values_name_file_column_and_rows(tmp_path):
    csv_text = (FIXTURES / "indicators.csv").read_text().replace("2.0,35", "2.0,lots")
    csv, yml = write_pair(tmp_path, csv_text=csv_text)
    with pytest.raises(DataError, match="non-numeric") as err:
        talent.load_indicator_file(csv, yml)
    assert err.value.path == str(csv) and err.value.column == "pay"
    assert err.value.rows == ["line 4 (POL): 'lots'"]
    assert "ind.csv, column 'pay'" in str(err.value)


def test_duplicate_and_bad_countries(tmp_path):
    csv_text = (FIXTURES / "indicators.csv").read_text().replace("SRB,", "deu,")
    csv, yml = write_pair(tmp_path, csv_text=csv_text)
    with pytest.raises(DataError, match="duplicate countries") as err:
        talent.load_indicator_file(csv, yml)
    assert err.value.column == "country" and err.value.rows == ["line 3: DEU", "line 5: DEU"]
    csv_text = (FIXTURES / "indicators.csv").read_text().replace("SRB,", "Serbia,")
    csv, yml = write_pair(tmp_path, csv_text=csv_text)
    with pytest.raises(DataError, match="ISO-3") as err:
        talent.load_indicator_file(csv, yml)
    assert err.value.rows == ["line 5: 'Serbia'"]
    csv_text = (FIXTURES / "indicators.csv").read_text().replace("country,", "iso,")
    csv, yml = write_pair(tmp_path, csv_text=csv_text)
    with pytest.raises(DataError, match="no 'country' column") as err:
        talent.load_indicator_file(csv, yml)


def test_mapping_structure_errors(tmp_path):
    csv, yml = write_pair(tmp_path, yaml_text="jobs: {dimension: x, direction: 1}\n")
    with pytest.raises(DataError, match="'indicators:'"):
        talent.load_indicator_file(csv, yml)
    csv, yml = write_pair(
        tmp_path, yaml_text="indicators:\n  jobs: {direction: 1, weight: 2, dimension: a}\n"
    )
    with pytest.raises(DataError, match="unknown keys: weight"):
        talent.load_indicator_file(csv, yml)
    csv, yml = write_pair(tmp_path, yaml_text="indicators:\n  jobs: {direction: 1}\n")
    with pytest.raises(DataError, match="dimension"):
        talent.load_indicator_file(csv, yml)
    with pytest.raises(DataError, match="file not found"):
        talent.load_indicator_file(tmp_path / "nope.csv", FIXTURES / "mapping.yaml")


def test_example_files_in_data_talent():
    iset = talent.load_indicator_file(ROOT / "data/talent/example_indicators.csv",
                                      ROOT / "data/talent/example_mapping.yaml")
    assert "ILLUSTRATIVE" in iset.note
    assert set(iset.dimensions.values()) == set(talent.ITA_DIMENSIONS)
    res = talent.composite_index(
        iset.values, directions=iset.directions, dimensions=iset.dimensions
    )
    assert res.loc["SRB", "n_imputed"] == 1 and len(res) == 8


# --------------------------------------------------------------------------------------------
# notebook parameters
# --------------------------------------------------------------------------------------------


def test_user_file_keeps_its_countries_that_are_listed_in_its_own_order(snapshot_dir):
    from analysis.talent import chapter

    csv, yml = ROOT / "data/talent/example_indicators.csv", ROOT / "data/talent/example_mapping.yaml"
    tables = chapter.load(snapshot_dir)
    every = chapter.open_indicators(tables, year=2022, countries=None, indicators_path=csv,
                                    mapping_path=yml)
    assert every.user_file and every.iset.values.index.tolist() == [
        "AUT", "DEU", "HRV", "POL", "PRT", "SRB", "SWE", "CAN"]  # the file's rows
    some = chapter.open_indicators(tables, year=2022, countries=["CAN", "AUT", "USA"],
                                   indicators_path=csv, mapping_path=yml)
    assert some.iset.values.index.tolist() == ["AUT", "CAN"]
    assert some.left_out == ("DEU", "HRV", "POL", "PRT", "SRB", "SWE") and every.left_out == ()
    from analysis.talent.narrative import source_text

    said = source_text(some, 2022)  # the reader is told who is left out, never silently
    assert "6 of its 8 countries are not among the countries chosen" in said
    assert "Germany, Croatia, Poland, Portugal, Serbia, Sweden" in said
    assert "left out" not in source_text(every, 2022)


def test_weights_without_effect():
    dims = {"a": "d1", "b": "d1", "c": "d2"}
    assert talent.weights_without_effect(dims, None) == []
    assert talent.weights_without_effect(dims, {"a": 2, "b": 1, "c": 3}) == ["c"]
    assert talent.weights_without_effect(dims, {"a": 2, "b": 1, "c": 1}) == []


def test_subset_countries_keeps_order_and_marks_absent():
    iset = talent.load_indicator_file(FIXTURES / "indicators.csv", FIXTURES / "mapping.yaml")
    sub = talent.subset_countries(iset, ["SRB", "AUT", "CAN"])
    assert sub.values.index.tolist() == ["SRB", "AUT", "CAN"]
    assert sub.values.loc["CAN"].isna().all()
