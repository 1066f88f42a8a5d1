"""Design-based estimators against samplics, hand linearisation and repeated sampling."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.survey import (
    ModelNotIdentified,
    domain_difference,
    survey_logit,
    weighted_crosstab,
    weighted_mean,
    weighted_proportion,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # "samplics is archived"
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

DESIGNS = {
    "strata+psu": {"strata": "st", "psu": "psu"},
    "psu only": {"strata": None, "psu": "psu"},
    "strata only": {"strata": "st", "psu": None},
    "srs": {"strata": None, "psu": None},
}


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """A clustered sample: 4 strata x 8 PSUs, PSU effects, unequal weights, 3 domains."""
    rng = np.random.default_rng(42)
    rows = []
    for h in range(4):
        for j in range(8):
            u = rng.normal(0, 0.8)
            for _ in range(rng.integers(5, 15)):
                eta = u - 0.3 + 0.2 * h
                rows.append({
                    "st": f"s{h}", "psu": j, "w": rng.uniform(0.5, 3.0),
                    "y": float(rng.random() < 1 / (1 + math.exp(-eta))),
                    "x": rng.normal(10 + h + u, 2),
                    "g": rng.choice(["a", "b", "c"]),
                    "c": rng.choice(["x", "y", "z"], p=[0.5, 0.3, 0.2]),
                })
    return pd.DataFrame(rows)


def _samplics(param, df, var, design, domain=None):
    est = TaylorEstimator(param)
    est.estimate(y=df[var], samp_weight=df["w"],
                 stratum=df[design["strata"]] if design["strata"] else None,
                 psu=df[design["psu"]] if design["psu"] else None,
                 domain=df[domain] if domain else None)
    return est


def _hand_variance(df: pd.DataFrame, scores: np.ndarray, strata, psu) -> float:
    """Textbook with-replacement linearisation variance, written independently with loops."""
    d = df.assign(_z=scores)
    d["_h"] = d[strata] if strata else "all"
    d["_j"] = d[psu].astype(str) if psu else np.arange(len(d)).astype(str)
    total = 0.0
    for _, part in d.groupby("_h"):
        z = part.groupby("_j")["_z"].sum().to_numpy()
        n_h = len(z)
        total += n_h / (n_h - 1) * ((z - z.mean()) ** 2).sum()
    return total


@pytest.mark.parametrize("name", list(DESIGNS))
def test_binary_proportion_matches_samplics(sample, name):
    design = DESIGNS[name]
    ours = weighted_proportion(sample, "y", weight="w", **design).iloc[0]
    ref = _samplics(PopParam.prop, sample, "y", design)
    assert ours["estimate"] == pytest.approx(ref.point_est[1.0], abs=1e-10)
    assert ours["se"] == pytest.approx(ref.stderror[1.0], abs=1e-10)
    # Logit interval with t on the design df, as samplics computes it.
    assert ours["df"] == ref.degree_of_freedom
    assert ours["ci_low"] == pytest.approx(ref.lower_ci[1.0], abs=1e-10)
    assert ours["ci_high"] == pytest.approx(ref.upper_ci[1.0], abs=1e-10)
    assert ours["n"] == len(sample)


@pytest.mark.parametrize("name", list(DESIGNS))
def test_domain_proportions_match_samplics(sample, name):
    design = DESIGNS[name]
    ours = weighted_proportion(sample, "y", weight="w", by="g", **design).set_index("g")
    ref = _samplics(PopParam.prop, sample, "y", design, domain="g")
    for g in "abc":
        assert ours.loc[g, "estimate"] == pytest.approx(ref.point_est[g][1.0], abs=1e-10)
        assert ours.loc[g, "se"] == pytest.approx(ref.stderror[g][1.0], abs=1e-10)
        # Degrees of freedom as R's degf of the domain: the PSUs holding it minus their strata
        # (samplics uses the full design's), with the logit interval on that df.
        dom = sample[sample["g"] == g]
        st = design["strata"]
        psus = (dom.groupby([st, design["psu"]]).ngroups if design["psu"] and st
                else dom[design["psu"]].nunique() if design["psu"] else len(dom))
        n_strata = dom[st].nunique() if st else 1
        assert ours.loc[g, "df"] == psus - n_strata
        p, se = ref.point_est[g][1.0], ref.stderror[g][1.0]
        half = stats.t.ppf(0.975, psus - n_strata) * se / (p * (1 - p))
        low = 1 / (1 + math.exp(-(math.log(p / (1 - p)) - half)))
        assert ours.loc[g, "ci_low"] == pytest.approx(low, abs=1e-10)
        assert ours.loc[g, "n"] == (sample["g"] == g).sum()


@pytest.mark.parametrize("name", ["strata+psu", "srs"])
def test_categorical_by_domain_matches_samplics(sample, name):
    design = DESIGNS[name]
    ours = weighted_proportion(sample, "c", weight="w", by="g", **design)
    ref = _samplics(PopParam.prop, sample, "c", design, domain="g")
    for row in ours.itertuples():
        assert row.estimate == pytest.approx(ref.point_est[row.g][row.category], abs=1e-10)
        assert row.se == pytest.approx(ref.stderror[row.g][row.category], abs=1e-10)
        assert row.n == ((sample["g"] == row.g) & (sample["c"] == row.category)).sum()
        assert row.n_base == (sample["g"] == row.g).sum()
    sums = ours.groupby("g", observed=True)["estimate"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)


@pytest.mark.parametrize("name", list(DESIGNS))
def test_mean_by_domain_matches_samplics(sample, name):
    design = DESIGNS[name]
    ours = weighted_mean(sample, "x", weight="w", by="g", **design).set_index("g")
    ref = _samplics(PopParam.mean, sample, "x", design, domain="g")
    for g in "abc":
        assert ours.loc[g, "estimate"] == pytest.approx(ref.point_est[g], abs=1e-10)
        assert ours.loc[g, "se"] == pytest.approx(ref.stderror[g], abs=1e-10)


def test_missing_values_are_dropped_counted_and_domain_estimated(sample):
    """Missing answers leave the design intact: hand linearisation with zero scores."""
    df = sample.copy()
    rng = np.random.default_rng(3)
    df.loc[rng.random(len(df)) < 0.1, "y"] = np.nan
    for by in (None, "g"):
        ours = weighted_proportion(df, "y", weight="w", strata="st", psu="psu", by=by)
        keys = [None] if by is None else ["a", "b", "c"]
        for key, row in zip(keys, ours.itertuples(), strict=True):
            dom = np.ones(len(df), bool) if key is None else (df["g"] == key).to_numpy()
            m = dom & df["y"].notna().to_numpy()
            w, y = df["w"].to_numpy(), df["y"].fillna(0).to_numpy()
            p = (w * y * m).sum() / (w * m).sum()
            z = w * m * (y - p) / (w * m).sum()
            se = math.sqrt(_hand_variance(df, z, "st", "psu"))
            assert row.estimate == pytest.approx(p, abs=1e-12)
            assert row.se == pytest.approx(se, abs=1e-12)
            assert row.n == m.sum()
            assert row.n_missing == (dom & df["y"].isna().to_numpy()).sum()


def test_deff_and_logit_interval_formulas(sample):
    r = weighted_proportion(sample, "y", weight="w", strata="st", psu="psu", level=0.9).iloc[0]
    p, n = r["estimate"], r["n"]
    assert r["deff"] == pytest.approx(r["se"] ** 2 / (p * (1 - p) / (n - 1)), rel=1e-12)
    q = stats.t.ppf(0.95, 4 * 8 - 4)
    logit = math.log(p / (1 - p))
    half = q * r["se"] / (p * (1 - p))
    assert r["ci_low"] == pytest.approx(1 / (1 + math.exp(-(logit - half))), abs=1e-12)
    assert r["ci_high"] == pytest.approx(1 / (1 + math.exp(-(logit + half))), abs=1e-12)
    # Clustering with PSU effects inflates the variance.
    assert r["deff"] > 1


def test_domain_df_counts_only_strata_holding_the_domain(sample):
    r = weighted_proportion(sample, "y", weight="w", strata="st", psu="psu", by="st")
    assert (r["df"] == 8 - 1).all()


def test_domain_difference_linearises_jointly(sample):
    d = domain_difference(sample, "y", domain="g", levels=("a", "b"), weight="w",
                          strata="st", psu="psu")
    w, y = sample["w"].to_numpy(), sample["y"].to_numpy()
    z = np.zeros(len(sample))
    means = []
    for sign, g in ((1, "a"), (-1, "b")):
        m = (sample["g"] == g).to_numpy()
        mean = (w * y * m).sum() / (w * m).sum()
        means.append(mean)
        z += sign * w * m * (y - mean) / (w * m).sum()
    assert d["estimate"] == pytest.approx(means[0] - means[1], abs=1e-12)
    assert d["se"] == pytest.approx(math.sqrt(_hand_variance(sample, z, "st", "psu")), abs=1e-12)


def test_interval_coverage_over_repeated_samples():
    """95% intervals cover the finite-population value in about 95% of 200 samples.

    Population: 2 strata of 150 and 300 PSUs of 40 people with PSU random effects. Sample: 12
    PSUs per stratum (simple random), 8 people per PSU; weights are inverse probabilities.
    """
    rng = np.random.default_rng(2024)
    size, m, k, reps = 40, 12, 8, 200
    strata = []
    for h, n_psu in enumerate((150, 300)):
        u = rng.normal(0, 0.7, n_psu)[:, None]
        female = rng.random((n_psu, size)) < 0.5
        eta = -0.4 + 0.3 * h - 0.5 * female + u
        y = (rng.random((n_psu, size)) < 1 / (1 + np.exp(-eta))).astype(float)
        strata.append((n_psu, y, female))
    all_y = np.concatenate([y.ravel() for _, y, _ in strata])
    all_f = np.concatenate([f.ravel() for _, _, f in strata])
    truth, truth_f = all_y.mean(), all_y[all_f].mean()
    hits = hits_f = 0
    for _ in range(reps):
        cols = {"st": [], "psu": [], "w": [], "y": [], "female": []}
        for h, (n_psu, y, female) in enumerate(strata):
            for j in rng.choice(n_psu, m, replace=False):
                take = rng.choice(size, k, replace=False)
                cols["st"].append(np.full(k, h))
                cols["psu"].append(np.full(k, j))
                cols["w"].append(np.full(k, (n_psu / m) * (size / k)))
                cols["y"].append(y[j, take])
                cols["female"].append(female[j, take])
        s = pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()})
        r = weighted_proportion(s, "y", weight="w", strata="st", psu="psu").iloc[0]
        hits += r["ci_low"] <= truth <= r["ci_high"]
        rf = weighted_proportion(s, "y", weight="w", strata="st", psu="psu",
                                 where=s["female"]).iloc[0]
        hits_f += rf["ci_low"] <= truth_f <= rf["ci_high"]
    assert 0.90 <= hits / reps <= 0.99
    assert 0.90 <= hits_f / reps <= 0.99


def _loglinear_rao_scott(p, v, nr, nc, n):
    """Rao & Scott (1984) in the log-linear form with pseudo-inverses (as samplics writes it)."""
    vsrs = (np.diag(p) - np.outer(p, p)) / n
    rows = np.tile(np.arange(nr), nc)
    cols = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack([np.ones(nr * nc)] + [(rows == i) * 1.0 for i in range(1, nr)]
                         + [(cols == j) * 1.0 for j in range(1, nc)])
    x2 = np.column_stack([((rows == i) & (cols == j)) * 1.0
                          for j in range(1, nc) for i in range(1, nr)])
    x2t = x2 - x1 @ np.linalg.pinv(x1.T @ vsrs @ x1) @ (x1.T @ vsrs @ x2)
    delta = np.linalg.pinv(x2t.T @ vsrs @ x2t) @ (x2t.T @ v @ x2t)
    return np.trace(delta), np.trace(delta @ delta)


def test_rao_scott_matches_loglinear_formulation(sample):
    res = weighted_crosstab(sample, "g", "c", weight="w", strata="st", psu="psu")
    # Independent pieces: cell proportions and their covariance by hand linearisation.
    cells = [(gi, ci) for ci in "xyz" for gi in "abc"]  # rows vary fastest
    w = sample["w"].to_numpy()
    ind = np.column_stack([((sample["g"] == g) & (sample["c"] == c)).to_numpy(float)
                           for g, c in cells])
    p = (w[:, None] * ind).sum(0) / w.sum()
    z = w[:, None] * (ind - p) / w.sum()
    v = np.array([[(_hand_variance(sample, z[:, a] + z[:, b], "st", "psu")
                    - _hand_variance(sample, z[:, a] - z[:, b], "st", "psu")) / 4
                   for b in range(9)] for a in range(9)])
    n = len(sample)
    tr, tr2 = _loglinear_rao_scott(p, v, 3, 3, n)
    table = p.reshape(3, 3).T * n
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    nu = 4 * 8 - 4
    assert res.pearson == pytest.approx(chi2, rel=1e-10)
    assert res.statistic == pytest.approx(chi2 / tr, rel=1e-8)
    assert res.df == pytest.approx(tr**2 / tr2, rel=1e-8)
    assert res.ddf == pytest.approx(nu * tr**2 / tr2, rel=1e-8)
    assert res.p_value == pytest.approx(stats.f.sf(chi2 / tr, tr**2 / tr2, nu * tr**2 / tr2),
                                        rel=1e-8)
    assert res.chisq_first_order == pytest.approx(chi2 / (tr / 4), rel=1e-8)


def test_rao_scott_reduces_to_pearson_under_srs(sample):
    """Equal weights, no clusters: Delta = n/(n-1) I, so F = X2 / (df n/(n-1)) on df."""
    df = sample.assign(one=1.0)
    res = weighted_crosstab(df, "g", "c", weight="one")
    n = len(df)
    chi2 = stats.chi2_contingency(pd.crosstab(df["g"], df["c"]), correction=False)[0]
    assert res.df == pytest.approx(4, rel=1e-10)
    assert res.statistic == pytest.approx(chi2 / (4 * n / (n - 1)), rel=1e-10)
    assert res.table["n"].sum() == n


def _svyglm_sandwich(df, x, y, w, strata, psu):
    """R's svyglm sandwich written out independently: Newton fit, then per-stratum loops."""
    b = np.zeros(x.shape[1])
    for _ in range(100):  # Newton-Raphson on the weighted log-likelihood
        mu = 1 / (1 + np.exp(-x @ b))
        step = np.linalg.solve((x.T * (w * mu * (1 - mu))) @ x, x.T @ (w * (y - mu)))
        b = b + step
        if np.max(np.abs(step)) < 1e-13:
            break
    mu = 1 / (1 + np.exp(-x @ b))
    inv_info = np.linalg.inv((x.T * (w * mu * (1 - mu))) @ x)
    u = x * (w * (y - mu))[:, None]
    meat = np.zeros((x.shape[1], x.shape[1]))
    n_psu = 0
    keys = df[strata] if strata else pd.Series(0, index=df.index)
    for h in keys.unique():
        rows = (keys == h).to_numpy()
        ids = df.loc[rows, psu].to_numpy() if psu else np.arange(rows.sum())
        totals = np.array([u[rows][ids == j].sum(axis=0) for j in np.unique(ids)])
        n_h = len(totals)
        n_psu += n_h
        dev = totals - totals.mean(axis=0)
        meat += n_h / (n_h - 1) * dev.T @ dev
    dfree = n_psu - keys.nunique() - (x.shape[1] - 1)
    return b, np.sqrt(np.diag(inv_info @ meat @ inv_info)), dfree


@pytest.mark.parametrize("name", list(DESIGNS))
def test_survey_logit_matches_independent_svyglm_sandwich(sample, name):
    design = DESIGNS[name]
    df = sample.assign(y=sample["y"].astype(bool))
    res = survey_logit(df, "y", ["g", "x"], weight="w", **design)
    x = np.column_stack([np.ones(len(df)), (df["g"] == "b").to_numpy(float),
                         (df["g"] == "c").to_numpy(float), df["x"].to_numpy()])
    b, se, dfree = _svyglm_sandwich(df, x, df["y"].to_numpy(float), df["w"].to_numpy(),
                                    design["strata"], design["psu"])
    np.testing.assert_allclose(res["coef"], b[1:], rtol=1e-7)
    np.testing.assert_allclose(res["se"], se[1:], rtol=1e-7)
    q = stats.t.ppf(0.975, dfree)
    np.testing.assert_allclose(res["ci_low"], np.exp(b[1:] - q * se[1:]), rtol=1e-7)
    np.testing.assert_allclose(res["p_value"], 2 * stats.t.sf(np.abs(b[1:] / se[1:]), dfree),
                               rtol=1e-6)
    assert res["term"].tolist() == ["g[b]", "g[c]", "x"]
    assert res.attrs["df"] == dfree and res.attrs["n"] == len(df)


def test_survey_logit_psu_codes_are_nested_in_strata(sample):
    """PSU codes 0..7 restart in each stratum; renumbering them within strata changes nothing."""
    df = sample.assign(y=sample["y"].astype(bool))
    base = survey_logit(df, "y", ["g", "x"], weight="w", strata="st", psu="psu")
    rng = np.random.default_rng(5)
    perm = {(h, j): int(k) for h in df["st"].unique()
            for j, k in zip(range(8), rng.permutation(8), strict=True)}
    renumbered = df.assign(psu=[perm[(h, j)] for h, j in zip(df["st"], df["psu"], strict=True)])
    unique_ids = df.assign(psu=df["st"] + "-" + df["psu"].astype(str))
    for other in (renumbered, unique_ids):
        res = survey_logit(other, "y", ["g", "x"], weight="w", strata="st", psu="psu")
        np.testing.assert_allclose(res["se"], base["se"], rtol=1e-12)
    assert base.attrs["n_psu"] == 32 and base.attrs["df"] == 32 - 4 - 3


@pytest.mark.parametrize("case", ["constant", "separated", "quasi", "singular"])
def test_survey_logit_refuses_models_that_are_not_identified(sample, case):
    df = sample.assign(y=sample["y"].astype(bool))
    preds = ["g", "x"]
    if case == "constant":
        df["y"] = True
    elif case == "separated":
        df["y"] = df["x"] > df["x"].median()
    elif case == "quasi":
        df["y"] = df["y"] | (df["g"] == "c")  # every respondent in g == c says yes
    else:
        df["x2"] = 2 * df["x"]
        preds = ["g", "x", "x2"]
    with pytest.raises(ModelNotIdentified, match="not identified"):
        survey_logit(df, "y", preds, weight="w", strata="st", psu="psu")


def test_bad_arguments_are_refused(sample):
    with pytest.raises(ValueError, match="not in the data"):
        weighted_proportion(sample, "nope", weight="w")
    with pytest.raises(ValueError, match="positive"):
        weighted_proportion(sample.assign(w=0.0), "y", weight="w")
    with pytest.raises(ValueError, match="single PSU"):
        weighted_proportion(sample.assign(psu=sample["st"]), "y", weight="w", strata="st",
                            psu="psu")
    with pytest.raises(ValueError, match="level"):
        weighted_proportion(sample, "y", weight="w", level=95)


@pytest.fixture(scope="module")
def yrbs() -> pd.DataFrame:
    """2015 YRBS extract from samplics' test suite (see tests/fixtures/survey/yrbs.README.md)."""
    from pathlib import Path

    df = pd.read_csv(Path(__file__).resolve().parents[1] / "fixtures" / "survey" / "yrbs.csv")
    return df.assign(qn8=df["qn8"].map({1: True, 2: False}).astype("boolean"))


def test_yrbs_answered_rows_match_r(yrbs):
    """R/samplics: svymean(~qn8, na.rm = TRUE) on the answered rows, logit interval on 39 df."""
    answered = yrbs[yrbs["qn8"].notna()]
    r = weighted_proportion(answered, "qn8", weight="weight", strata="stratum",
                            psu="psu").iloc[0]
    assert r["estimate"] == pytest.approx(0.8136225, abs=5e-8)
    assert r["se"] == pytest.approx(0.0198621, abs=5e-8)
    assert r["ci_low"] == pytest.approx(0.7700845, abs=5e-8)
    assert r["ci_high"] == pytest.approx(0.8505163, abs=5e-8)
    assert r["df"] == 39


def test_yrbs_unanswered_rows_kept_as_a_domain_match_r(yrbs):
    """Unanswered rows stay in the design (R: SE 0.020089006) and df counts the domain's PSUs."""
    r = weighted_proportion(yrbs, "qn8", weight="weight", strata="stratum", psu="psu").iloc[0]
    assert r["se"] == pytest.approx(0.020089006, abs=5e-10)
    assert r["df"] == 39
    assert r["n_missing"] == yrbs["qn8"].isna().sum()


def test_zero_proportion_gets_clopper_pearson_interval_under_srs():
    """With no design, n_eff = n and df = n - 1: Korn-Graubard is exactly Clopper-Pearson."""
    from statsmodels.stats.proportion import proportion_confint

    df = pd.DataFrame({"y": [False] * 40 + [True] * 60, "w": 1.0,
                       "g": ["a"] * 40 + ["b"] * 60})
    out = weighted_proportion(df, "y", weight="w", by="g", level=0.9).set_index("g")
    for g, count, n in (("a", 0, 40), ("b", 60, 60)):
        low, high = proportion_confint(count, n, alpha=0.1, method="beta")
        assert out.loc[g, "ci_low"] == pytest.approx(low, abs=1e-10)
        assert out.loc[g, "ci_high"] == pytest.approx(high, abs=1e-10)
    assert out.loc["a", "ci_high"] > 0.05  # not a point


def test_korn_graubard_interval_covers_rare_domains():
    """A domain with p = 0 in the sample: the interval covers small true values about 95%."""
    rng = np.random.default_rng(11)
    truth, reps, hits = 0.01, 300, 0
    zero_seen = 0
    for _ in range(reps):
        rows = []
        for h in range(3):
            for j in range(6):
                u = rng.normal(0, 0.3)
                for _ in range(8):
                    rows.append({"st": h, "psu": j, "w": rng.uniform(1, 2),
                                 "y": bool(rng.random() < truth * math.exp(u - 0.045))})
        s = pd.DataFrame(rows)
        r = weighted_proportion(s, "y", weight="w", strata="st", psu="psu").iloc[0]
        zero_seen += r["estimate"] == 0
        assert r["ci_high"] > r["ci_low"] or r["estimate"] > 0
        hits += r["ci_low"] <= truth <= r["ci_high"]
    assert zero_seen > 0
    assert hits / reps >= 0.9
