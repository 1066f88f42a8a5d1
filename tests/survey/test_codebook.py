"""The survey input contract: every format loads the same, and bad input fails clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.survey import load_survey, read_codebook, weighted_proportion
from analysis.survey import synthetic as syn
from analysis.survey.codebook import apply_codebook, parse_codebook

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "survey"
SMALL = {"n_per_psu": 6, "n_psu": 4, "seed": 11}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    out = tmp_path_factory.mktemp("formats")
    return {fmt: syn.write(out, fmt=fmt, stem=f"mrc_{fmt}", **SMALL)
            for fmt in ("csv", "xlsx", "sav", "dta")}


def _estimates(df: pd.DataFrame, cb) -> pd.DataFrame:
    return pd.concat([
        weighted_proportion(df, "aware_legal", by="country,gender", **cb.design_kwargs),
        weighted_proportion(df, "info_source", by="area", **cb.design_kwargs),
    ])


def test_every_format_loads_to_the_same_frame_and_estimates(written):
    expected, cb_mem = syn.load(**SMALL)
    reference = _estimates(expected, cb_mem)
    for fmt, (data, codebook) in written.items():
        df, cb = load_survey(data, codebook)
        pd.testing.assert_frame_equal(df, expected, obj=fmt)
        pd.testing.assert_frame_equal(_estimates(df, cb), reference, obj=fmt)


def test_codebook_maps_renamed_columns_and_drops_pii(written):
    data, codebook = written["csv"]
    raw = pd.read_csv(data, dtype=str)
    assert {"q_aware_legal", "resp_name", "resp_phone"} <= set(raw.columns)
    df, cb = load_survey(data, codebook)
    assert cb.synthetic and cb.pii == ("resp_name", "resp_phone")
    assert set(df.columns) == {"weight", "strata", "psu", "country", "gender", "area", "age",
                               "education", "intends_to_migrate", "aware_legal",
                               "info_source", "paid_fee", "comment"}
    # Codes became labels, independently of the loader: count "yes" codes in the raw file.
    assert int(df["aware_legal"].sum()) == int((raw["q_aware_legal"] == "yes").sum())
    assert int(df["aware_legal"].isna().sum()) == int(raw["q_aware_legal"].isna().sum())
    assert (df["gender"] == "female").sum() == (raw["q_sex"] == "2").sum()
    # Education code 9 is declared missing.
    assert df["education"].isna().sum() == (raw["q_educ"].astype(float) == 9).sum()
    assert set(df["country"].dropna()) == {"AFG", "BGD", "PAK"}
    np.testing.assert_array_equal(df["weight"].to_numpy(), raw["wt_final"].astype(float))


def test_fixture_codebook_and_kobo_csv_load():
    df, cb = load_survey(FIXTURES / "kobo_small.csv", FIXTURES / "kobo_small.codebook.yaml")
    assert len(df) == 12 and "respondent_name" not in df.columns
    # yes/no as YAML keys are text, not booleans; "1.0" and "1" are one code.
    aware = df["aware_legal"].astype(object).where(df["aware_legal"].notna(), None)
    assert aware.tolist() == [True, False, True, None, False, True,
                              False, False, True, True, False, True]
    assert df["gender"].tolist()[:3] == ["female", "male", "female"]
    # Vocabulary labels are matched case-insensitively and given their standard spelling.
    assert df["info_source"].tolist()[:3] == ["agent or sub-agent", "family and friends",
                                              "Migrant Resource Centre"]
    assert df["paid_fee"].isna().sum() == 1 and df["comment"].isna().sum() == 8
    assert cb.design.strata is None and cb.design.psu == "group_loc/village"


def _write(tmp: Path, text: str, name: str = "d.csv") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


CB = """
design: {weight: w, strata: s, psu: p}
pii: [name]
variables:
  q1: {as: aware_legal, label: Aware, type: binary, values: {1: "yes", 0: "no"}}
  cc: {as: country, label: Country, type: categorical}
"""
GOOD = "name,w,s,p,q1,cc\nA,1.5,x,1,1,PAK\nB,2,x,2,0,BGD\nC,1,y,3,1,AFG\n"


@pytest.mark.parametrize(
    ("data", "column", "problem", "row"),
    [
        ("name,s,p,q1,cc\nA,x,1,1,PAK\n", "w", "design's weight column is missing", None),
        ("name,w,s,p,q1,cc\nA,1,x,1,1,PAK\nB,0,x,2,0,BGD\n", "w", "greater than zero", "line 3"),
        ("name,w,s,p,q1,cc\nA,abc,x,1,1,PAK\n", "w", "greater than zero", "line 2"),
        ("name,w,s,p,q1,cc\nA,1,x,1,1,PAK\nB,,x,2,0,BGD\n", "w", "greater than zero", "line 3"),
        ("name,w,s,p,q1,cc\nA,1,x,1,7,PAK\n", "q1", "neither a code nor a label", "line 2"),
        ("name,w,s,p,q1,cc\nA,1,x,1,1,PAK\nB,1,x,1,1,XYZ\n", "cc", "not recognised as an ISO 3166-1 alpha-3 code", "line 3"),
        ("name,w,s,p,q1,cc\nA,1,,1,1,PAK\n", "s", "missing values", "line 2"),
        ("name,w,s,p,cc\nA,1,x,1,PAK\n", "q1", "missing from the file", None),
    ],
)
def test_bad_values_name_file_column_and_rows(tmp_path, data, column, problem, row):
    cb = _write(tmp_path, CB, "cb.yaml")
    path = _write(tmp_path, data)
    with pytest.raises(DataError) as info:
        load_survey(path, cb)
    err = info.value
    assert err.path == str(path) and err.column == column and problem in err.problem
    if row:
        assert any(r.startswith(row + ":") for r in err.rows), err.rows
    assert str(path) in str(err)


def test_good_minimal_file_loads(tmp_path):
    df, _ = load_survey(_write(tmp_path, GOOD), _write(tmp_path, CB, "cb.yaml"))
    assert df["aware_legal"].tolist() == [True, False, True]
    assert "name" not in df.columns


def test_unsupported_unreadable_and_missing_files(tmp_path):
    cb = _write(tmp_path, CB, "cb.yaml")
    with pytest.raises(DataError, match="unsupported file type '.json'"):
        load_survey(_write(tmp_path, "{}", "d.json"), cb)
    with pytest.raises(DataError, match="not found"):
        load_survey(tmp_path / "absent.csv", cb)
    with pytest.raises(DataError, match="cannot be read as a Stata file"):
        load_survey(_write(tmp_path, "this is not stata", "d.dta"), cb)
    with pytest.raises(DataError, match="cannot be read as an Excel workbook"):
        load_survey(_write(tmp_path, "no zip", "d.xlsx"), cb)
    with pytest.raises(DataError, match="cannot be read as an SPSS file"):
        load_survey(_write(tmp_path, "no sav", "d.sav"), cb)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("variables: {a: {type: numeric}}", "needs design"),
        ("design: {weight: w}\nvariables: {a: {type: numbr}}", "type must be one of"),
        ("design: {weight: w}\nvariables: {a: {as: aware_legal, type: binary, values: {1: x}}}",
         "exactly two values"),
        ("design: {weight: w}\nvariables: {a: {as: gender, type: categorical,"
         " values: {1: robot}}}", "labels of 'gender'"),
        ("design: {weight: w}\npii: [w]\nvariables: {a: {type: text}}", "PII column w"),
        ("design: {weight: w}\nvariables: {a: {as: x, type: text}, b: {as: x, type: text}}",
         "same name"),
        ("design: {weight: w}\nvariables: {a: {as: age, type: categorical}}", "must have type"),
        ("design: {weight: w}\nvariables: {a: {type: text, colour: red}}", "unknown key"),
        ("design: [w]", "needs design"),
        ("design: {weight: w\n", "not valid YAML"),
    ],
)
def test_bad_codebooks_are_refused(tmp_path, text, message):
    path = _write(tmp_path, text, "cb.yaml")
    with pytest.raises(DataError, match=message) as info:
        read_codebook(path)
    assert info.value.path == str(path)


def test_codebook_round_trips_through_yaml():
    cb = syn.codebook()
    again = parse_codebook(syn.codebook_yaml())
    assert again.to_dict() == cb.to_dict()
    assert again.variable("aware_legal").yes_code == "yes"
    assert again.variable("paid_fee").yes_code == "1"


def test_apply_codebook_never_keeps_unlisted_columns():
    raw = pd.DataFrame({"w": [1.0, 2.0], "s": ["a", "a"], "p": ["1", "2"], "q1": [1, 0],
                        "cc": ["PAK", "PAK"], "gps": ["33.7,73.1", "33.6,73.0"],
                        "name": ["A", "B"]})
    df = apply_codebook(raw, parse_codebook(CB))
    assert "gps" not in df.columns and "name" not in df.columns
