"""A survey nobody here wrote, in every format, through one hand-written codebook.

The fixture (``tests/fixtures/survey/field/``) is laid out as KoboToolbox and SPSS users lay
out their files: a codebook that documents every column (PII and design columns included),
``values`` from codes to the labels the questionnaire showed, ``recode`` onto the chapter's
standard values, PSU numbers restarting in each stratum, "don't know" and "refused" codes, and
no questions on education, intentions or fees. A country (Sri Lanka) has 4 respondents.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.errors import DataError
from analysis.export import display as show
from analysis.survey import load_survey, weighted_proportion
from analysis.survey.codebook import parse_codebook

FIELD = Path(__file__).resolve().parents[1] / "fixtures" / "survey" / "field"
CSV = FIELD / "field_survey.csv"
CODEBOOK = FIELD / "field_survey.codebook.yaml"
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_mrc_survey.ipynb"
LABELS = {
    "q_country": {1: "Nepal", 2: "Bangladesh", 3: "Pakistan", 4: "Sri Lanka"},
    "q_sex": {1: "Male", 2: "Female", 3: "Other"},
    "q_locality": {1: "Urban area", 2: "Village"},
    "q_aware": {1: "Yes", 2: "No", 8: "Don't know", 9: "Refused"},
    "q_source": {1: "Recruitment agent", 2: "Relatives or friends", 3: "Facebook or TikTok",
                 4: "MRC help desk", 5: "Government office", 6: "Other"},
}
COMPARED = ["weight", "strata", "psu", "country", "gender", "area", "age", "aware_legal",
            "info_source", "comment"]


def _raw() -> pd.DataFrame:
    return pd.read_csv(CSV, keep_default_na=False, dtype=str)


def _numeric(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.copy()
    for col in ["cluster", "wt", "q_age", *LABELS]:
        out[col] = pd.to_numeric(out[col]).astype(float)
    return out


def write_format(fmt: str, folder: Path) -> Path:
    """The fixture as a user of each tool would have it."""
    raw = _raw()
    path = folder / f"field_survey.{fmt}"
    if fmt == "csv":
        path.write_bytes(CSV.read_bytes())
    elif fmt == "xlsx":  # a KoboToolbox "labels" export: the choice labels, not the codes
        labelled = raw.copy()
        for col, labels in LABELS.items():
            labelled[col] = labelled[col].astype(int).map(labels)
        labelled["wt"] = labelled["wt"].astype(float)
        labelled.to_excel(path, index=False, sheet_name="Labour migration survey")
    elif fmt == "sav":  # SPSS: numeric codes, value labels, 8 and 9 declared user-missing
        import pyreadstat

        pyreadstat.write_sav(
            _numeric(raw), str(path),
            variable_value_labels={c: {float(k): v for k, v in lab.items()}
                                   for c, lab in LABELS.items()},
            missing_ranges={"q_aware": [8.0, 9.0], "q_age": [98.0]})
    elif fmt == "dta":  # Stata: numeric codes, missing answers kept as their codes
        import pyreadstat

        pyreadstat.write_dta(_numeric(raw), str(path))
    return path


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    df, _ = load_survey(CSV, CODEBOOK)
    return df


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_every_format_loads_through_the_same_codebook(fmt, tmp_path, reference):
    df, cb = load_survey(write_format(fmt, tmp_path), CODEBOOK)
    pd.testing.assert_frame_equal(df[COMPARED], reference[COMPARED], check_dtype=False,
                                  obj=fmt)
    assert not {"resp_name", "phone", "gps"} & set(df.columns)
    assert set(cb.documented) == {"resp_name", "phone", "gps", "stratum", "cluster", "wt"}


def test_codes_labels_and_recodes_by_hand(reference):
    raw = _raw()
    df = reference
    # Countries from names through pycountry; PSUs nested in strata (1..6 restart).
    assert df["country"].value_counts().to_dict() == {
        "NPL": (raw["q_country"] == "1").sum(), "BGD": (raw["q_country"] == "2").sum(),
        "PAK": (raw["q_country"] == "3").sum(), "LKA": 4}
    assert list(df["country"].cat.categories) == ["NPL", "BGD", "PAK", "LKA"]
    # "Village" is rural, "Female" female: common labels recognised.
    assert ((df["area"] == "rural") == (raw["q_locality"] == "2")).all()
    assert ((df["gender"] == "female") == (raw["q_sex"] == "2")).all()
    # Don't know / refused are missing; the rest yes/no.
    assert df["aware_legal"].isna().sum() == raw["q_aware"].isin(["8", "9"]).sum()
    assert df["aware_legal"].sum() == (raw["q_aware"] == "1").sum()
    # recode: onto the standard sources.
    assert (df["info_source"] == "Migrant Resource Centre").sum() == (raw["q_source"] == "4").sum()
    assert df["age"].isna().sum() == (raw["q_age"] == "98").sum()


def test_domain_with_four_respondents_has_df_of_its_own_psus(reference):
    t = weighted_proportion(reference, "aware_legal", by="country", weight="weight",
                            strata="strata", psu="psu").set_index("country")
    assert t.loc["LKA", "df"] == 2 - 1  # two PSUs in one stratum hold Sri Lanka
    assert t.loc["NPL", "df"] == 12 - 2


def _codebook(**changes) -> dict:
    spec = yaml.safe_load(CODEBOOK.read_text())
    for key, value in changes.items():
        spec[key] = value
    return spec


def test_the_one_pii_error_is_a_pii_design_column():
    spec = _codebook(pii=["resp_name", "cluster"])
    with pytest.raises(DataError, match="PII column cluster is also a design column") as info:
        parse_codebook(spec, source="cb.yaml")
    assert info.value.column == "cluster"


def test_pii_column_described_as_a_variable_is_still_dropped(tmp_path):
    spec = _codebook()
    spec["variables"]["phone"] = {"as": "contact", "label": "Phone", "type": "text"}
    path = tmp_path / "cb.yaml"
    path.write_text(yaml.safe_dump(spec))
    df, _ = load_survey(CSV, path)
    assert "contact" not in df.columns and "phone" not in df.columns


def test_errors_show_the_value_in_the_file_and_its_label(tmp_path):
    raw = _raw()
    raw.loc[4, "q_country"] = "7"
    bad = tmp_path / "bad.csv"
    raw.to_csv(bad, index=False)
    with pytest.raises(DataError, match="neither a code nor a label") as info:
        load_survey(bad, CODEBOOK)
    assert info.value.rows[0] == "line 6: '7'"
    spec = _codebook()
    spec["variables"]["q_country"]["values"][4] = "Sri Lanca"
    with pytest.raises(DataError, match=r"4 -> 'Sri Lanca' is not") as info:
        parse_codebook(spec, source="cb.yaml")
    # Without values, the file's text is resolved directly and shown as it is.
    spec = _codebook()
    del spec["variables"]["q_country"]["values"]
    raw = _raw()
    raw["q_country"] = raw["q_country"].map({"1": "Nepal", "2": "bangladesh", "3": "PAK",
                                             "4": "Ceylon"})
    path, cb = tmp_path / "names.csv", tmp_path / "cb.yaml"
    raw.to_csv(path, index=False)
    cb.write_text(yaml.safe_dump(spec))
    with pytest.raises(DataError, match="ISO 3166-1 alpha-3 code or a country name") as info:
        load_survey(path, cb)
    assert info.value.rows[0].endswith(": 'Ceylon'")
    spec["variables"]["q_country"]["recode"] = {"Ceylon": "LKA"}
    cb.write_text(yaml.safe_dump(spec))
    df, _ = load_survey(path, cb)
    assert set(df["country"]) == {"NPL", "BGD", "PAK", "LKA"}


def test_yaml_aliases_are_refused():
    text = CODEBOOK.read_text() + "\nextra: &a [1, 2]\nmore: *a\n"
    with pytest.raises(DataError, match="aliases"):
        parse_codebook(text, source="cb.yaml")


@pytest.mark.notebooks
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_chapter_runs_on_the_field_survey(fmt, tmp_path):
    import papermill as pm

    data = write_format(fmt, tmp_path)
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False,
                        cwd=str(tmp_path),
                        parameters={"survey_path": str(data), "codebook_path": str(CODEBOOK)})
    nb = json.loads(out.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] in ("error", "stream")]
    data_out = [o.get("data", {}) for o in outputs]
    prose = "\n".join("".join(d["text/markdown"]) for d in data_out if "text/markdown" in d)
    # Sections without their variables say so in one sentence; the rest is published.
    assert ("This section is left out: the survey does not record whether a recruitment fee "
            "was paid or asked for.") in prose
    assert "does not record the level of education" in prose
    assert "whether the respondent intends to migrate" in prose
    figures = {d[show.KEY_FIGURE_MIME]["name"]: d[show.KEY_FIGURE_MIME]
               for d in data_out if show.KEY_FIGURE_MIME in d}
    assert set(figures) == {"respondents", "psus", "cells_suppressed", "claims_tested",
                            "claims_supported"}
    assert figures["respondents"]["value"] == 364 and figures["psus"]["value"] == 38
    audit = figures["cells_suppressed"]
    assert audit["audit_checked"] >= audit["value"] - audit["audit_added"] > 0
    # Sri Lanka (4 respondents): no share, interval or count in any table.
    tables = [d[show.TABLE_MIME] for d in data_out if show.TABLE_MIME in d]
    assert any("odds" in " ".join(t["columns"]).lower() for t in tables)
    lka_rows = [row for t in tables for row in t["rows"] if "Sri Lanka" in row]
    assert lka_rows
    for row in lka_rows:
        shown = [c for c in row if c not in ("Sri Lanka", "–", None, "suppressed")]
        assert all(not any(ch.isdigit() for ch in str(c)) for c in shown), row
    # Markup stays text; PII never appears.
    html_out = "".join("".join(d["text/html"]) for d in data_out if "text/html" in d)
    assert "&lt;script&gt;alert" in html_out and "<script>alert" not in html_out
    assert "&lt;b&gt;for two months&lt;/b&gt;" in html_out
    text = out.read_text()
    raw = _raw()
    for value in pd.concat([raw["resp_name"], raw["phone"], raw["gps"]]).unique():
        assert value not in text
    assert not np.any([col in text for col in ("resp_name", '"phone"', "gps")])


@pytest.mark.notebooks
def test_chapter_publishes_no_model_that_is_not_identified(tmp_path):
    """Everyone aware: shares of 100% get Korn-Graubard intervals, the regression is refused."""
    import papermill as pm

    raw = _raw()
    raw.loc[raw["q_aware"] == "2", "q_aware"] = "1"
    data = tmp_path / "all_yes.csv"
    raw.to_csv(data, index=False)
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False,
                        cwd=str(tmp_path),
                        parameters={"survey_path": str(data), "codebook_path": str(CODEBOOK),
                                    "by": "country"})
    nb = json.loads(out.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] in ("error", "stream")]
    data_out = [o.get("data", {}) for o in outputs]
    prose = "\n".join("".join(d["text/markdown"]) for d in data_out if "text/markdown" in d)
    assert ("No regression is published: the model is not identified because aware_legal has "
            "no variation among the") in prose
    tables = [d[show.TABLE_MIME] for d in data_out if show.TABLE_MIME in d]
    assert not any("Odds ratio" in t["columns"] for t in tables)
    shares = next(t for t in tables if t["columns"][:2] == ["Country", "Share"])
    npl = next(row for row in shares["rows"] if row[0] == "Nepal")
    assert npl[1] == "100.0\u00a0%" and npl[2] != "100.0\u00a0%"  # an interval, not a point
