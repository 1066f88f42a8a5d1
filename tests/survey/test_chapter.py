"""Chapter helpers: loading and labelling, design description, charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.errors import DataError
from analysis.survey import synthetic as syn
from analysis.survey import weighted_proportion
from analysis.survey.chapter import design_summary, open_survey, sample_size
from analysis.survey.figures import pointrange_figure


@pytest.fixture(scope="module")
def survey():
    return open_survey(seed=3, n_per_psu=6)


def test_synthetic_survey_is_labelled_everywhere(survey):
    assert survey.synthetic and survey.title.endswith("(synthetic data)")
    assert "synthetic" in survey.source and "synthetic" in survey.vintage
    assert survey.caption("Table") == "Table (synthetic data)"
    assert "not findings about real people" in survey.notice


def test_real_survey_is_not_labelled_synthetic(tmp_path):
    data, codebook = syn.write(tmp_path, fmt="csv", n_per_psu=4, n_psu=3, seed=1)
    text = codebook.read_text().replace("synthetic: true\n", "").replace(
        "title: Migrant Resource Centre survey (synthetic data)\n", "")
    codebook.write_text(text)
    real = open_survey(data, codebook)
    assert not real.synthetic and "synthetic" not in real.title + real.caption("x")
    assert real.source.endswith(f"(file {data.name})")


def test_parameters_the_survey_cannot_serve_are_refused(survey, tmp_path):
    survey.check(outcome="aware_legal", by=["country", "gender"])
    with pytest.raises(ValueError, match="must be a binary variable"):
        survey.check(outcome="info_source", by=["country"])
    with pytest.raises(ValueError, match="categorical variables"):
        survey.check(outcome="aware_legal", by=["age"])
    with pytest.raises(ValueError, match="both survey_path and codebook_path"):
        open_survey("x.csv", None)
    data, codebook = syn.write(tmp_path, fmt="csv", n_per_psu=4, n_psu=3, seed=1)
    spec = syn.codebook().to_dict()
    del spec["variables"]["q_fee"]
    codebook.write_text(yaml.safe_dump(spec))
    # A survey without the fee question loads; only the outcome is required.
    partial = open_survey(data, codebook)
    assert "paid_fee" not in partial.data.columns and partial.absent("paid_fee") == ["paid_fee"]
    with pytest.raises(ValueError, match="must be a binary variable"):
        partial.check(outcome="paid_fee", by=["country"])
    assert partial.check(outcome="aware_legal", by=["country", "religion"]) == ["country"]
    nobody = partial.data.assign(aware_legal=pd.array([None] * len(partial.data),
                                                      dtype="boolean"))
    empty = weighted_proportion(nobody, "aware_legal", by="country", **partial.design)
    assert empty.empty and "country" in empty.columns
    import dataclasses

    with pytest.raises(ValueError, match="no answers"):
        dataclasses.replace(partial, data=nobody).check(outcome="aware_legal", by=["country"])
    assert partial.lacks("This section", "paid_fee", "religion") == (
        "This section is left out: the survey does not record whether a recruitment fee was "
        "paid or asked for or religion.")
    with pytest.raises(DataError, match="paid_fee"):
        open_survey(data, codebook, require=["paid_fee"])


def test_design_summary_by_hand(survey):
    df, design = survey.data, survey.design
    out = design_summary(df, **design).set_index("stratum")
    for stratum, part in df.groupby("strata"):
        w = part["weight"].to_numpy()
        row = out.loc[stratum]
        assert row["n"] == len(part) and row["psus"] == part["psu"].nunique()
        assert row["population"] == pytest.approx(w.sum())
        assert row["deff_weights"] == pytest.approx(1 + np.var(w) / np.mean(w) ** 2)
    assert out.loc["total", "n"] == len(df)
    assert sample_size(df, **design) == {"respondents": len(df),
                                         "psus": int(out.loc["total", "psus"]), "strata": 6}


def test_pointrange_figure_leaves_suppressed_rows_without_points():
    t = pd.DataFrame({"g": ["a", "b", "c"], "estimate": [0.2, np.nan, 0.5],
                      "ci_low": [0.1, np.nan, 0.4], "ci_high": [0.3, np.nan, 0.6],
                      "suppressed": [False, True, False]})
    fig = pointrange_figure(t, label_cols=["g"], title="x (synthetic data)")
    ax = fig.axes[0]
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels == ["a", "b (suppressed)", "c"]
    points = [line for line in ax.lines if line.get_marker() == "o"]
    assert sorted(p.get_xdata()[0] for p in points) == [0.2, 0.5]
