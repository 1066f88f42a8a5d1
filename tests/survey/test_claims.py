"""The claims register gives each verdict for the right reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.survey import synthetic as syn
from analysis.survey import weighted_proportion
from analysis.survey.claims import (
    NOT_SUPPORTED,
    NOT_TESTABLE,
    SUPPORTED,
    claim_agents_main_source,
    claim_unaware_share,
    claim_women_rural_gap,
    evaluate_claims,
    unaware_share,
)

DESIGN = {"weight": "weight", "strata": "strata", "psu": "psu"}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return syn.load()[0]


def test_register_on_the_synthetic_survey(survey):
    reg = evaluate_claims(survey, DESIGN)
    assert reg["verdict"].tolist() == [SUPPORTED, SUPPORTED, SUPPORTED, NOT_TESTABLE]
    assert set(reg.columns) >= {"claim", "value", "verdict", "rule"}
    assert "Pakistan" in reg["claim"].iloc[0]


def test_unaware_share_is_the_complement_within_intending_migrants(survey):
    share = unaware_share(survey, DESIGN, country="PAK")
    sub = survey[(survey["country"] == "PAK") & survey["intends_to_migrate"].fillna(False)
                 & survey["aware_legal"].notna()]
    w = sub["weight"].to_numpy()
    expected = 1 - np.sum(w * sub["aware_legal"].astype(float)) / w.sum()
    assert share["estimate"] == pytest.approx(expected, abs=1e-12)
    assert share["ci_low"] < share["estimate"] < share["ci_high"]
    assert share["n"] == len(sub)


def test_unaware_claim_verdict_follows_the_interval(survey):
    share = unaware_share(survey, DESIGN)
    inside = claim_unaware_share(survey, DESIGN, claimed=round(share["estimate"], 2))
    outside = claim_unaware_share(survey, DESIGN, claimed=share["ci_high"] + 0.02)
    assert inside.verdict == SUPPORTED and outside.verdict == NOT_SUPPORTED
    small = claim_unaware_share(survey, DESIGN, min_cell=100_000)
    assert small.verdict == NOT_TESTABLE


def test_gap_claim_not_supported_without_a_gap(survey):
    flat = survey.copy()
    # Awareness shuffled across the whole sample, equal weights: neither gap remains.
    rng = np.random.default_rng(0)
    flat["aware_legal"] = flat["aware_legal"].to_numpy()[rng.permutation(len(flat))]
    flat["weight"] = 1.0
    assert claim_women_rural_gap(flat, DESIGN).verdict == NOT_SUPPORTED


def test_agents_claim_not_supported_when_family_leads(survey):
    swapped = survey.copy()
    src = swapped["info_source"].astype(object)
    swapped["info_source"] = pd.Categorical(
        src.replace({"agent or sub-agent": "family and friends",
                     "family and friends": "agent or sub-agent"}),
        categories=survey["info_source"].cat.categories)
    res = claim_agents_main_source(swapped, DESIGN)
    assert res.verdict == NOT_SUPPORTED
    top = weighted_proportion(swapped, "info_source", **DESIGN).sort_values("estimate")
    assert top["category"].iloc[-1] == "family and friends"


def test_claims_need_their_variables(survey):
    reg = evaluate_claims(survey.drop(columns=["info_source", "intends_to_migrate"]), DESIGN)
    assert reg["verdict"].tolist()[0] == NOT_TESTABLE
    assert reg["verdict"].tolist()[2] == NOT_TESTABLE


def test_formatting_of_withheld_values():
    from analysis.survey.claims import WITHHELD, fmt_ci, fmt_pct

    assert fmt_pct(0.6391) == "63.9%"
    assert fmt_ci(0.6391, 0.58, 0.694, 0.95) == "63.9% (95% CI 58.0% to 69.4%)"
    assert fmt_ci(-0.076, -0.109, -0.042, 0.9, points=True) == "-7.6 pp (90% CI -10.9 to -4.2 pp)"
    assert fmt_pct(float("nan")) == WITHHELD and fmt_ci(float("nan"), 0, 1, 0.95) == WITHHELD

