"""Coverage of the remittance trend intervals (simulation, fixed seeds) and of the backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import remittances as rm
from analysis.remittances.models import _simulate_ets, forecast_arrays
from analysis.sources import load_table


@pytest.fixture(scope="module")
def indicators(gdidata_dir):
    return load_table("indicators", gdidata_dir)


def _drift_coverage(n_series: int, keep: np.ndarray, steps: int, seed: int) -> float:
    """Share of ``n_series`` simulated walks whose value ``steps`` years after the last kept
    year falls inside the closed-form 95 % interval."""
    rng = np.random.default_rng(seed)
    n = len(keep)
    hits = 0
    for _ in range(n_series):
        walk = np.cumsum(np.r_[0.0, rng.normal(0.03, 0.08, n + steps - 1)])
        years = np.arange(n)[keep]
        mean, half = rm.drift_forecast(years, walk[:n][keep], n - 1 - years[-1] + steps)
        hits += abs(walk[n - 1 + steps] - mean[-1]) <= half[-1]
    return 100 * hits / n_series


@pytest.mark.parametrize(("keep", "steps", "seed"), [
    (np.ones(10, bool), 1, 1),                                          # ten years, one ahead
    (np.ones(10, bool), 3, 2),                                          # three ahead
    (np.isin(np.arange(12), [3, 6, 7], invert=True), 1, 3),             # gaps of one and two
    (np.isin(np.arange(10), [9], invert=True), 1, 4),                   # the last year missing
])
def test_drift_interval_covers_95_percent(keep, steps, seed):
    assert _drift_coverage(2000, keep, steps, seed) == pytest.approx(95, abs=1.5)


def test_ml_drift_interval_without_drift_uncertainty_covers_too_little():
    """The interval the chapter used before (normal quantile, ML sigma, known drift) on the
    same kind of series: well under 95 %, as the issue measured (88-89 %)."""
    rng = np.random.default_rng(1)
    z = stats.norm.ppf(0.975)
    walks = np.cumsum(np.c_[np.zeros(2000), rng.normal(0.03, 0.08, (2000, 10))], axis=1)
    d = np.diff(walks[:, :10], axis=1)
    centre = walks[:, 9] + d.mean(axis=1)
    covered = np.abs(walks[:, 10] - centre) <= z * d.std(axis=1, ddof=0)
    assert 100 * covered.mean() < 91


@pytest.mark.parametrize(("model", "phi", "seed"), [("holt", 1.0, 7), ("damped", 0.9, 8)])
def test_ets_calibrated_interval_covers_better_than_the_model_interval(model, phi, seed):
    """Series of 10 + 1 years from an ETS process with real smoothing: the model-based
    interval (equal to statsmodels', tested elsewhere) covers about 75-80 %; the bootstrap-
    calibrated interval covers about 90-94 % (benchmarks/interval_coverage.py; the simulation's
    standard error here is about 1.5 points).
    """
    truth = {"alpha": 0.5, "beta": 0.1, "phi": phi, "init": np.array([10.0, 0.04]),
             "sigma2": 0.05 ** 2}
    sims = _simulate_ets(truth, 11, np.random.default_rng(seed), 300)
    nominal = calibrated = 0
    for y in sims:
        f = forecast_arrays(np.arange(10), y[:10], model, 1)
        g = forecast_arrays(np.arange(10), y[:10], model, 1, calibrate=False)
        calibrated += abs(y[10] - f["mean"][0]) <= f["half"][0]
        nominal += abs(y[10] - g["mean"][0]) <= g["half"][0]
    nominal, calibrated = nominal / 3, calibrated / 3
    assert nominal < 86
    assert 88 <= calibrated <= 98
    assert calibrated >= nominal + 8


# ------------------------------------------------------------------------------- backtest


def test_backtest_records_coverage_and_width():
    rng = np.random.default_rng(4)
    logs = 4 + np.cumsum(np.r_[0, rng.normal(0.05, 0.1, 14)])
    levels = pd.Series(np.exp(logs), index=range(2010, 2025))
    bt = rm.backtest(levels, "drift", year=2024, trend_start=2010)
    for _, r in bt.iterrows():
        train = logs[:r["origin"] - 2010]
        mean, half = rm.drift_forecast(np.arange(len(train)), train, 1)
        assert (r["lower"], r["upper"]) == pytest.approx(
            (np.exp(mean[0] - half[0]), np.exp(mean[0] + half[0])), rel=1e-12)
        assert r["covered"] == (r["lower"] <= r["actual"] <= r["upper"])
        assert r["width_pct"] == pytest.approx(
            100 * (np.exp(half[0]) - np.exp(-half[0])), rel=1e-9)
    # a missing actual leaves coverage unknown
    bt = rm.backtest(levels.drop(2022), "drift", year=2024, trend_start=2010)
    assert bt.set_index("origin")["covered"].isna().tolist() == [False, False, False, True, False]


def _toy(hits: dict[str, int], ape: dict[str, float], n: int = 5) -> pd.DataFrame:
    rows = []
    for model in rm.MODELS:
        for origin in range(n):
            rows.append({"series": "X", "model": model, "origin": origin, "ape": ape[model],
                         "covered": origin < hits[model], "width_pct": 10.0,
                         "deterministic": False})
    return pd.DataFrame(rows).astype({"covered": "boolean"})


def test_select_model_excludes_intervals_that_cover_badly():
    ape = {"drift": 5.0, "holt": 3.0, "damped": 4.0}
    # 4 of 5 is consistent with 95 % (p = 0.23): the lowest MAPE wins
    assert rm.select_model(_toy({"drift": 5, "holt": 4, "damped": 5}, ape)) == "holt"
    # 3 of 5 is not (p = 0.023): holt is excluded, damped has the next-lowest MAPE
    assert stats.binom.cdf(3, 5, 0.95) < rm.trend.COVERAGE_TEST < stats.binom.cdf(4, 5, 0.95)
    assert rm.select_model(_toy({"drift": 5, "holt": 3, "damped": 5}, ape)) == "damped"
    # no model covers: the one that covered most often
    assert rm.select_model(_toy({"drift": 2, "holt": 1, "damped": 3}, ape)) == "damped"
    summary = rm.backtest_summary(_toy({"drift": 5, "holt": 3, "damped": 4}, ape))
    assert summary["coverage_pct"].tolist() == [100.0, 60.0, 80.0]
    assert summary["forecasts"].tolist() == [5, 5, 5]
    assert summary["coverage_p"].tolist() == pytest.approx(
        [1.0, stats.binom.cdf(3, 5, 0.95), stats.binom.cdf(4, 5, 0.95)])


def test_counterfactual_coverage_and_model_table(indicators):
    cf = rm.counterfactual(indicators, ["PAK", "NGA", "MAR"], 2020, 2010)
    bt = cf.backtests
    used = bt[((bt["series"] == "WLD") & (bt["model"] == cf.world_model))
              | ((bt["series"] != "WLD") & (bt["model"] == cf.country_model))]
    inside = [(r.lower <= r.actual <= r.upper) for r in used.itertuples() if r.actual > 0]
    cov = cf.coverage()
    assert cov["n"] == len(inside) == 20
    assert cov["pct"] == pytest.approx(100 * np.mean(inside))
    assert cov["low"] <= cov["pct"] <= cov["high"]
    table = cf.model_table()
    assert list(table["series"].unique()) == ["World", "Selected countries"]
    row = table[(table["series"] == "World") & table["used"]].iloc[0]
    assert row["model"] == cf.world_model
    common = bt[bt["series"] == "WLD"].pivot(index="origin", columns="model", values="ape")
    common = common.dropna().index
    mine = bt[(bt["series"] == "WLD") & (bt["model"] == cf.world_model)
              & bt["origin"].isin(common)]
    assert row["forecasts"] == len(common)
    assert row["mape_pct"] == pytest.approx(mine["ape"].mean())
    assert row["width_pct"] == pytest.approx(
        (100 * (mine["upper"] - mine["lower"]) / mine["forecast"]).mean())
    assert cf.table["coverage_pct"].notna().all()
    assert rm.verdict(cf.world["position"], 2010, 2020).endswith("the 2010-2019 trend")
