"""Tests of analysis.remittances against hand computations and direct statsmodels fits."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from analysis import remittances as rm
from analysis.sources import load_table


@pytest.fixture(scope="module")
def indicators(gdidata_dir):
    return load_table("indicators", gdidata_dir)


@pytest.fixture(scope="module")
def default_run(indicators):
    """Year 2020, trend from 2010, two countries (warnings kept).

    The world result does not depend on the countries (tested below), so a short list keeps
    the tests fast; the notebook runs the full default group.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cf = rm.counterfactual(indicators, ["PAK", "NGA"], 2020, 2010)
    return cf, caught


def _received(indicators: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas: received remittances, positive values, country x year."""
    r = indicators[(indicators["indicator"] == "remittances_received_usd")
                   & (indicators["value"] > 0)]
    return r.pivot(index="country", columns="year", values="value")


def _series(values, start=2010) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=range(start, start + len(values)))


# ------------------------------------------------------------------------- real data, levels


def test_world_change_2020_matches_hand_computation(indicators):
    wide = _received(indicators)
    both = wide[[2019, 2020]].dropna()
    expected = (both[2020].sum() / both[2019].sum() - 1) * 100
    got = rm.world_change(indicators, 2020)
    assert got.change_pct == pytest.approx(expected, rel=1e-12)
    assert got.n_countries == len(both)
    assert set(got.only_one_year) == set(
        wide.index[wide[2019].notna() ^ wide[2020].notna()])
    # the recorded level is the same sum
    assert got.value == pytest.approx(both[2020].sum())


def test_world_total_and_top_recipient_match_hand_computation(indicators):
    wide = _received(indicators)
    total = rm.world_total(indicators, 2020)
    assert total.total == pytest.approx(wide[2020].sum())
    assert total.n_countries == wide[2020].notna().sum()
    # zeros are not counted as countries with data
    rows = indicators[(indicators["indicator"] == "remittances_received_usd")
                      & (indicators["year"] == 2020)]
    zeros = set(rows.loc[rows["value"] == 0, "country"])
    assert zeros and zeros.isdisjoint(total.countries)
    assert set(total.zeros) == zeros
    top = rm.top_countries(indicators, 2020, n=3)
    assert top["country"].iloc[0] == wide[2020].idxmax() == "IND"
    assert top["share"].iloc[0] == pytest.approx(wide[2020].max() / wide[2020].sum())
    paid = indicators[(indicators["indicator"] == "remittances_paid_usd")
                      & (indicators["year"] == 2020)].set_index("country")["value"]
    assert rm.top_countries(indicators, 2020, rm.PAID, n=1)["country"].iloc[0] == paid.idxmax()


def test_missing_large_names_big_economies_without_data(indicators):
    missing = rm.world_total(indicators, 2020).missing
    gdp = indicators[(indicators["indicator"] == "gdp_usd") & (indicators["year"] == 2020)]
    gdp = gdp.set_index("country")["value"]
    # the United Arab Emirates report no remittances received at all, with a large GDP
    assert gdp["ARE"] / gdp.sum() >= 0.001
    assert "ARE" in set(missing["country"])
    assert set(missing["country"]).isdisjoint(rm.world_total(indicators, 2020).countries)
    # a country with a large flow in an adjacent year only is named for that reason
    toy = pd.DataFrame({
        "country": ["AAA", "AAA", "BBB", "BBB", "CCC"],
        "indicator": ["remittances_received_usd"] * 5,
        "year": [2019, 2020, 2019, 2021, 2020],
        "value": [10.0, 12.0, 5.0, 6.0, 0.0],
    }).assign(country=lambda d: d["country"].replace({"AAA": "PAK", "BBB": "BGD",
                                                       "CCC": "IRN"}))
    found = rm.missing_large(toy, 2020)
    assert list(found["country"]) == ["BGD"]
    assert found["adjacent_year"].iloc[0] == 2021
    assert found["adjacent_value"].iloc[0] == 6.0


def test_dependence_is_share_of_gdp(indicators):
    dep = rm.dependence(indicators, 2020, n=5)
    rem = indicators[(indicators["indicator"] == "remittances_received_usd")
                     & (indicators["year"] == 2020)].set_index("country")["value"]
    gdp = indicators[(indicators["indicator"] == "gdp_usd")
                     & (indicators["year"] == 2020)].set_index("country")["value"]
    share = (rem / gdp).dropna().sort_values(ascending=False)
    assert list(dep["country"]) == list(share.index[:5])
    assert dep["share"].to_numpy() == pytest.approx(share.to_numpy()[:5])


def test_country_change(indicators):
    got = rm.country_change(indicators, 2020, ["NGA", "IRN"])
    wide = _received(indicators)
    assert got["change_pct"].iloc[0] == pytest.approx(
        (wide.at["NGA", 2020] / wide.at["NGA", 2019] - 1) * 100)
    assert np.isnan(got["change_pct"].iloc[1])  # Iran: zeros, i.e. not reported


def test_claims_register(indicators):
    reg = rm.claims_register(indicators)
    expected = rm.world_change(indicators, 2020).change_pct
    assert reg["computed_pct"].iloc[0] == pytest.approx(expected)
    assert expected > 0  # the data show no fall
    assert reg["verdict"].iloc[0] == "contradicted"
    assert rm.check_claim(-14, -13.0) == "consistent"
    assert rm.check_claim(-14, -5.0) == "right direction, wrong size"
    assert rm.check_claim(-14, 3.0) == "contradicted"
    assert rm.check_claim(-14, float("nan")) == "cannot be checked"


def test_snapshot_gives_the_same_world_figures(indicators, snapshot_dir):
    snap = load_table("indicators", snapshot_dir)
    assert rm.world_total(snap, 2020).total == pytest.approx(
        rm.world_total(indicators, 2020).total)
    assert rm.world_change(snap, 2020).change_pct == pytest.approx(
        rm.world_change(indicators, 2020).change_pct)


# ----------------------------------------------------------------------- country selection


def test_select_countries_refuses_dataless_codes(indicators):
    assert rm.select_countries(["PAK", "BGD", "MAR"], indicators, 2010, 2020) == \
        ["PAK", "BGD", "MAR"]
    with pytest.raises(ValueError, match=r"IRN.*Iran"):  # only zeros in the source
        rm.select_countries(["PAK", "IRN"], indicators, 2010, 2020)
    with pytest.raises(ValueError, match="ATA"):  # a valid code with no data at all
        rm.select_countries(["ATA"], indicators, 2010, 2020)
    every = rm.select_countries(None, indicators, 2010, 2020)  # countries=all
    assert {"PAK", "BGD", "MAR"} <= set(every) and "IRN" not in every and "ATA" not in every


def test_counterfactual_refuses_a_short_window(indicators):
    with pytest.raises(ValueError, match="trend_start"):
        rm.counterfactual(indicators, ["PAK"], 2020, 2015)


# --------------------------------------------------------------------------- the models


def test_drift_forecast_equals_hand_computation():
    rng = np.random.default_rng(3)
    logs = 10 + np.cumsum(np.r_[0, rng.normal(0.04, 0.03, 11)])
    levels = _series(np.exp(logs))
    d = np.diff(logs)
    m = len(d)
    s = d.std(ddof=1)
    f = rm.forecast(levels, "drift", steps=3)
    h = np.arange(1, 4)
    mean = logs[-1] + h * d.mean()
    half = stats.t.ppf(0.975, m - 1) * s * np.sqrt(h + h ** 2 / m)
    assert f["forecast"].to_numpy() == pytest.approx(np.exp(mean), rel=1e-12)
    assert f["lower"].to_numpy() == pytest.approx(np.exp(mean - half), rel=1e-12)
    assert f["upper"].to_numpy() == pytest.approx(np.exp(mean + half), rel=1e-12)
    assert list(f.index) == [2022, 2023, 2024]
    # the interval widens with the horizon
    width = np.log(f["upper"] / f["lower"]).to_numpy()
    assert np.all(np.diff(width) > 0)
    # and with the noise of the data: four times the deviations, four times the log width
    noisier = _series(np.exp(10 + np.cumsum(np.r_[0, d.mean() + 4 * (d - d.mean())])))
    f2 = rm.forecast(noisier, "drift")
    assert np.log(f2["upper"] / f2["lower"]).iloc[0] == pytest.approx(4 * width[0], rel=1e-9)


def test_drift_over_gaps_equals_weighted_least_squares():
    """Differences over gaps: d_i = mu * g_i + e_i with var(e_i) = sigma^2 g_i, which is a
    weighted regression through the origin (statsmodels WLS); the forecast variance is the
    walk's h * s^2 plus h^2 times the variance of the estimated drift."""
    import statsmodels.api as sm

    rng = np.random.default_rng(11)
    logs = 3 + np.cumsum(np.r_[0, rng.normal(0.05, 0.04, 13)])
    levels = _series(np.exp(logs))
    levels[[2013, 2017, 2018]] = np.nan             # two gaps, one of them two years long
    f = rm.forecast(levels, "drift", steps=2)
    obs = levels.dropna()
    years, y = obs.index.to_numpy(float), np.log(obs.to_numpy())
    g, d = np.diff(years), np.diff(y)
    res = sm.WLS(d, g, weights=1 / g).fit()
    h = np.arange(1, 3)
    mean = y[-1] + h * res.params[0]
    se = np.sqrt(h * res.scale + h ** 2 * res.bse[0] ** 2)
    half = stats.t.ppf(0.975, res.df_resid) * se
    assert f["log_forecast"].to_numpy() == pytest.approx(mean, rel=1e-12)
    assert f["log_half"].to_numpy() == pytest.approx(half, rel=1e-9)
    assert f.attrs["n_obs"] == len(obs)


def test_world_counterfactual_equals_the_closed_form_drift_interval(indicators):
    """2020 and 2019 on the shared data: the drift model is chosen for the world and its
    interval is the closed form on the balanced panel (summed here with plain pandas)."""
    wide = _received(indicators)
    for year in (2020, 2019):
        cf = rm.counterfactual(indicators, [], year, 2010)
        assert cf.world_model == "drift"
        panel = wide.reindex(columns=range(2010, year + 1)).dropna()
        logs = np.log(panel.loc[:, 2010:year - 1].sum().to_numpy())
        d = np.diff(logs)
        m = len(d)
        centre = logs[-1] + d.mean()
        half = stats.t.ppf(0.975, m - 1) * d.std(ddof=1) * np.sqrt(1 + 1 / m)
        w = cf.world
        assert w["forecast"] == pytest.approx(np.exp(centre), rel=1e-9)
        assert (w["lower"], w["upper"]) == pytest.approx(
            (np.exp(centre - half), np.exp(centre + half)), rel=1e-9)
        assert w["actual"] == pytest.approx(panel[year].sum(), rel=1e-12)
        assert w["position"] == ("inside" if w["lower"] <= w["actual"] <= w["upper"] else
                                 "below" if w["actual"] < w["lower"] else "above")
    # 2020: about US$ 619-771 billion (the ML interval without drift uncertainty was 635-751)
    cf = rm.counterfactual(indicators, [], 2020, 2010)
    assert round(cf.world["lower"] / 1e9) == 619 and round(cf.world["upper"] / 1e9) == 771


@pytest.mark.parametrize(("seed", "damped"), [(5, False), (6, True), (8, False), (3, True)])
def test_ets_fit_and_model_interval_agree_with_statsmodels(seed, damped):
    """The fit reaches at least statsmodels' likelihood (statsmodels often stops at the lower
    bound of the weights, a local optimum), and at the fitted parameters statsmodels' own
    forecast and model-based interval equal ours."""
    rng = np.random.default_rng(seed)
    logs = 5 + np.cumsum(np.r_[0, rng.normal(0.05, 0.04 * (1 + seed % 3), 11)])
    model = "damped" if damped else "holt"
    f = rm.forecast(_series(np.exp(logs)), model, steps=2, calibrate=False)
    y = pd.Series(logs, index=pd.period_range("2010", periods=len(logs), freq="Y"))
    ets = ETSModel(y, error="add", trend="add", damped_trend=damped,
                   initialization_method="estimated")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ets.fit(disp=False)
    ours = np.array(list(f.attrs["params"].values()))
    assert ets.loglike(ours) >= fitted.llf - 1e-6
    at_ours = ets.smooth(ours)
    frame = at_ours.get_prediction(start=len(y), end=len(y) + 1).summary_frame(alpha=0.05)
    assert f["log_forecast"].to_numpy() == pytest.approx(frame["mean"].to_numpy(), rel=1e-9)
    assert f["lower"].to_numpy() == pytest.approx(np.exp(frame["pi_lower"].to_numpy()),
                                                  rel=1e-6)
    assert f["upper"].to_numpy() == pytest.approx(np.exp(frame["pi_upper"].to_numpy()),
                                                  rel=1e-6)
    # the calibrated interval has the same centre and is wider
    cal = rm.forecast(_series(np.exp(logs)), model, steps=2)
    assert cal["log_forecast"].to_numpy() == pytest.approx(f["log_forecast"].to_numpy())
    assert np.all(cal["log_half"] > f["log_half"])


def test_backtest_mape_zero_for_exponential_series():
    levels = _series(100 * 1.07 ** np.arange(15))
    bt = rm.backtest(levels, "drift", year=2024, trend_start=2010)
    assert list(bt["origin"]) == [2019, 2020, 2021, 2022, 2023]
    assert bt["ape"].mean() < 1e-6


def test_backtest_mape_matches_hand_computation_after_a_kink():
    # growth of 5 % a year, then 20 % a year from 2016: the drift model lags behind
    growth = np.where(np.arange(1, 14) + 2010 >= 2016, 1.20, 1.05)
    levels = _series(100 * np.cumprod(np.r_[1.0, growth]))
    bt = rm.backtest(levels, "drift", year=2023, trend_start=2010)
    expected = []
    for t in range(2018, 2023):
        train = levels.loc[2010:t - 1]
        fc = train.iloc[-1] * (train.iloc[-1] / train.iloc[0]) ** (1 / (len(train) - 1))
        expected.append(abs(fc / levels[t] - 1) * 100)
    assert bt["ape"].to_numpy() == pytest.approx(expected, rel=1e-5)


def test_forecast_reaches_the_target_year_across_a_gap():
    logs = 2 + 0.1 * np.arange(8) + 0.02 * np.tile([1, -1], 4)
    levels = _series(np.exp(logs)).reindex(range(2010, 2020))  # no data for 2018 and 2019
    bt = rm.backtest(levels.fillna(0).where(levels.index < 2018, np.nan), "drift",
                     year=2021, trend_start=2010, n_origins=1)
    d = np.diff(logs)
    expected = np.exp(logs[-1] + 3 * d.mean())  # three steps from 2017 to 2020
    assert bt["forecast"].iloc[0] == pytest.approx(expected, rel=1e-5)
    assert np.isnan(bt["ape"].iloc[0])  # no actual for 2020


def test_select_model_uses_common_forecasts_and_prefers_simpler_on_ties():
    bt = pd.DataFrame({
        "series": ["A"] * 6, "origin": [1, 2, 1, 2, 1, 2],
        "model": ["drift", "drift", "holt", "holt", "damped", "damped"],
        "ape": [5.0, 5.0, 1.0, 9.05, np.nan, 0.1],
    })
    # only origin 2 is common to all three: damped wins there
    assert rm.select_model(bt) == "damped"
    assert rm.pooled_mape(bt).attrs["n"] == 1
    tied = bt[bt["model"] != "damped"]
    assert rm.select_model(tied) == "drift"  # 5.0 against 5.025: a tie


def test_default_run_is_quiet_and_complete(default_run, indicators):
    cf, caught = default_run
    assert not caught, [str(w.message) for w in caught]
    assert list(cf.table["series"]) == ["WLD", "PAK", "NGA"]
    assert cf.table[["forecast", "lower", "upper"]].notna().all().all()
    assert (cf.table["lower"] < cf.table["forecast"]).all()
    assert (cf.table["forecast"] < cf.table["upper"]).all()
    # the balanced panel: countries with data in every year 2010-2020
    wide = _received(indicators).reindex(columns=range(2010, 2021)).dropna()
    assert cf.world_series[2020] == pytest.approx(wide[2020].sum())
    assert len(cf.world_countries) == len(wide)
    # the world MAPE of the chosen model is the mean of its backtest errors
    w = cf.backtests[(cf.backtests["series"] == "WLD")
                     & (cf.backtests["model"] == cf.world_model)]
    assert cf.world["mape_pct"] == pytest.approx(w["ape"].mean())
    # with auto-selection the world model is chosen on the world's own backtest
    assert cf.world_model == rm.select_model(cf.backtests[cf.backtests["series"] == "WLD"])
    assert cf.world_model == "drift"


def test_world_result_does_not_depend_on_the_countries(default_run, indicators):
    cf, _ = default_run
    other = rm.counterfactual(indicators, ["MAR"], 2020, 2010)
    cols = ["forecast", "lower", "upper", "vs_trend_pct", "mape_pct"]
    assert other.world[cols].to_numpy(float) == pytest.approx(cf.world[cols].to_numpy(float))
    assert list(other.table["series"]) == ["WLD", "MAR"]
    assert other.table["model"].iloc[1] == other.country_model


def test_ets_fits_flagged_deterministic_when_smoothing_is_zero():
    # a straight line in logs with small alternating noise: ETS estimates no smoothing, so the
    # fit is a fixed line and its interval keeps the same width at every horizon
    logs = 3 + 0.05 * np.arange(10) + 0.01 * np.tile([1, -1], 5)
    f = rm.forecast(_series(np.exp(logs)), "holt", steps=3, calibrate=False)
    width = np.log(f["upper"] / f["lower"]).to_numpy()
    assert f.attrs["deterministic"]
    assert width == pytest.approx(np.full(3, width[0]), rel=1e-6)
    # a random walk: the level is smoothed and the interval widens
    walk = 3 + np.cumsum(np.random.default_rng(0).normal(0, 0.2, 15))
    f = rm.forecast(_series(np.exp(walk)), "holt", steps=3, calibrate=False)
    assert not f.attrs["deterministic"]
    assert np.all(np.diff(np.log(f["upper"] / f["lower"]).to_numpy()) > 0)


def test_other_parameters(indicators):
    codes = rm.select_countries(["PAK", "BGD", "MAR"], indicators, 2010, 2019)
    cf = rm.counterfactual(indicators, codes, 2019, 2010, model="drift")
    assert list(cf.table["series"]) == ["WLD", "PAK", "BGD", "MAR"]
    assert cf.table["n_train"].iloc[1] == 9  # 2010-2018
    wide = _received(indicators)
    logs = np.log(wide.loc["PAK", 2010:2018].to_numpy())
    assert cf.table["forecast"].iloc[1] == pytest.approx(
        np.exp(logs[-1] + np.diff(logs).mean()), rel=1e-5)
    fig = rm.plot_counterfactual(cf)
    assert len(fig.axes[0].get_yticklabels()) == 4


def test_select_model_skips_models_whose_fits_collapsed():
    """A model with the best MAPE but mostly deterministic fits is not chosen."""
    from analysis.remittances import select_model

    rows = []
    for origin in range(2015, 2020):
        rows.append({"series": "X", "model": "drift", "origin": origin, "ape": 5.0,
                     "deterministic": False})
        rows.append({"series": "X", "model": "holt", "origin": origin, "ape": 6.0,
                     "deterministic": False})
        rows.append({"series": "X", "model": "damped", "origin": origin, "ape": 1.0,
                     "deterministic": True})
    bt = pd.DataFrame(rows)
    assert select_model(bt) == "drift"
    bt["deterministic"] = False
    assert select_model(bt) == "damped"
