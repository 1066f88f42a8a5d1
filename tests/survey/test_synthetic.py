"""The synthetic survey: seeded, a real two-stage design, calibrated, plainly synthetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from analysis.survey import load_survey, weighted_proportion
from analysis.survey import synthetic as syn


@pytest.fixture(scope="module")
def default() -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = syn.generate()
    df, _ = syn.load()
    return raw, df


def test_seeded_and_default_size(default):
    raw, _ = default
    pd.testing.assert_frame_equal(raw, syn.generate())
    assert not raw.equals(syn.generate(seed=1))
    assert 2700 <= len(raw) <= 3300
    assert raw["strat"].nunique() == 6
    assert raw.groupby("strat")["cluster_id"].nunique().eq(25).all()


def test_weights_are_inverse_probabilities_adjusted_within_strata(default):
    raw, _ = default
    fr = syn.frame()
    for stratum, part in raw.groupby("strat"):
        country, area = stratum.split("_")
        frame_h = fr[(fr.country == country) & (fr.area == area)].set_index("psu_id")
        # Base weight = 1 / (pi1 * pi2) from the stated frame.
        mos = frame_h["mos"]
        k = int(np.ceil(20 / syn.RESPONSE_RATES[(country, area)]))
        first = part.drop_duplicates("cluster_id").set_index("cluster_id")
        pi1 = 25 * mos.loc[first.index] / mos.sum()
        pi2 = np.minimum(k, frame_h.loc[first.index, "size"]) / frame_h.loc[first.index, "size"]
        np.testing.assert_allclose(first["wt_design"], 1 / (pi1 * pi2), atol=1e-4)
        # Non-response adjustment is one factor per stratum, above 1.
        ratio = (part["wt_final"] / part["wt_design"]).to_numpy()
        assert np.ptp(ratio) < 1e-3 and ratio.mean() > 1
    # Weighted totals estimate the frame population (unbiased design, one sample: +-15 %).
    total = raw["wt_final"].sum()
    assert total == pytest.approx(fr["size"].sum(), rel=0.15)


def test_calibration_hits_the_population_target():
    """The country intercepts reproduce the target share of unaware intending migrants.

    Checked by an independent Monte Carlo over 200,000 simulated people per stratum
    (the calibration itself used quadrature for the PSU effect).
    """
    rng = np.random.default_rng(99)
    a = syn.calibration()["PAK"]
    fr = syn.frame()
    num = den = 0.0
    for area in syn.AREAS:
        pop = fr.loc[(fr.country == "PAK") & (fr.area == area), "size"].sum()
        n_psu = 10_000
        p = syn._persons("PAK", area, np.repeat(np.arange(n_psu), 20), n_psu, rng)
        u = rng.normal(0, syn._SD_AWARE, n_psu)[np.repeat(np.arange(n_psu), 20)]
        intend = special.expit(p["eta_intend"])
        unaware = 1 - special.expit(a + p["eta_aware"] + u)
        num += pop * np.mean(intend * unaware)
        den += pop * np.mean(intend)
    assert num / den == pytest.approx(syn.TARGET_UNAWARE["PAK"], abs=0.006)


def test_estimates_have_the_intended_features(default):
    _, df = default
    design = {"weight": "weight", "strata": "strata", "psu": "psu"}
    pak = weighted_proportion(df, "aware_legal", by="country", where=df["intends_to_migrate"],
                              **design).set_index("country").loc["PAK"]
    unaware_lo, unaware_hi = 1 - pak["ci_high"], 1 - pak["ci_low"]
    assert unaware_lo <= 0.67 <= unaware_hi
    gender = weighted_proportion(df, "aware_legal", by="gender", **design).set_index("gender")
    assert gender.loc["female", "estimate"] < gender.loc["male", "estimate"]
    area = weighted_proportion(df, "aware_legal", by="area", **design).set_index("area")
    assert area.loc["rural", "estimate"] < area.loc["urban", "estimate"]
    src = weighted_proportion(df, "info_source", **design)
    assert src.sort_values("estimate")["category"].iloc[-1] == "agent or sub-agent"
    by_country = weighted_proportion(df, "aware_legal", by="country", **design)
    assert (by_country["deff"] > 1).all()
    # A few per cent item non-response, and comments from some respondents.
    for var in ("aware_legal", "info_source", "paid_fee", "education", "age"):
        assert 0.005 < df[var].isna().mean() < 0.07, var
    assert 0.05 < df["comment"].notna().mean() < 0.2


def test_raw_table_is_kobo_like_with_pii(default):
    raw, df = default
    assert {"resp_name", "resp_phone", "q_aware_legal", "cluster_id", "wt_final"} <= set(raw)
    assert raw["resp_phone"].str.startswith("+").all()
    assert not {"resp_name", "resp_phone"} & set(df.columns)


@pytest.mark.parametrize("fmt", ["csv", "dta"])
def test_write_is_atomic_and_says_synthetic(tmp_path, fmt):
    data, codebook = syn.write(tmp_path, fmt=fmt, n_per_psu=4, n_psu=3, seed=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([data.name, codebook.name])
    text = codebook.read_text()
    assert "SYNTHETIC" in text and "synthetic: true" in text
    df, cb = load_survey(data, codebook)
    assert cb.synthetic and "synthetic" in (cb.title or "")
    pd.testing.assert_frame_equal(df, syn.load(n_per_psu=4, n_psu=3, seed=5)[0])


def test_write_refuses_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="fmt must be one of"):
        syn.write(tmp_path, fmt="json")
    assert list(tmp_path.iterdir()) == []
