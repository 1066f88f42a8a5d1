"""Bad input of every kind gives one clear message naming the file and the column, exit 1,
and writes nothing."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.errors import DataError
from analysis.sources import load_table

GOOD = {
    "frontex": "route,type,nat,month,n\n"
               "Central Mediterranean Route,Sea,NGA,2020-01,10\n"
               "Central Mediterranean Route,Sea,TUN,2020-02,5\n",
    "eu_asyapp": "geo,year,nat,sex,n\nDEU,2020,SYR,female,100\nEU27,2020,SYR,female,300\n",
    "undesa_stocks_2020": "geo,year,from,sex,n,type_b,type_c,type_r,type_i\n"
                          "DEU,2020,TUR,male,700,1,0,1,0\nDEU,2020,OOO,female,5,1,0,1,0\n",
    "wdi": "geo,var,year,value\nNAM,pop,2020,2489098.0\nPAK,remin,2020,26105000000.0\n",
    "unhcr": "geo,year,from,group,n\nPAK,2020,AFG,refugee,1438432\nDEU,2020,SYR,asylum,50\n",
}


def make_dir(tmp_path: Path, **override: str | bytes) -> Path:
    """A tiny but valid gdidata-layout directory, with some files replaced."""
    d = tmp_path / "data"
    d.mkdir()
    for stem, text in GOOD.items():
        content = override.get(stem, text)
        raw = content if isinstance(content, bytes) else content.encode("utf-8")
        if content is not None:
            (d / f"{stem}.csv.gz").write_bytes(gzip.compress(raw, mtime=0))
    return d


def run_validate(d: Path, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(["data", "validate", "--data-dir", str(d)])
    captured = capsys.readouterr()
    return int(exc.value.code or 0), captured.err + captured.out


def test_good_directory_validates(tmp_path, capsys):
    code, text = run_validate(make_dir(tmp_path), capsys)
    assert code == 0, text
    assert "valid" in text
    assert load_table("indicators", tmp_path / "data")["country"].tolist() == ["NAM", "PAK"]


CASES = {
    "missing column": ("frontex", "route,type,month,n\nOther,Sea,2020-01,1\n", "nat",
                       "required column is missing"),
    "misspelt column": ("eu_asyapp", "geo,year,nat,sx,n\nDEU,2020,SYR,female,1\n", "sex",
                        "did you mean 'sx'"),
    "wrong type": ("unhcr", "geo,year,from,group,n\nPAK,2020,AFG,refugee,many\n", "n",
                   "not whole numbers"),
    "negative count": ("eu_asyapp", "geo,year,nat,sex,n\nDEU,2020,SYR,female,-4\n", "n",
                       "negative count"),
    "duplicated keys": ("unhcr", "geo,year,from,group,n\nPAK,2020,AFG,refugee,1\n"
                        "PAK,2020,AFG,refugee,2\n", "geo", "duplicated keys"),
    "unknown country code": ("frontex", "route,type,nat,month,n\nOther,Sea,ZZZ,2020-01,1\n", "nat",
                             "unknown country code"),
    "unknown indicator": ("wdi", "geo,var,year,value\nPAK,remitz,2020,1.0\n", "var",
                          "unknown indicator"),
    "wrong delimiter": ("wdi", "geo;var;year;value\nPAK;pop;2020;1.0\n", "geo", "semicolon"),
    "extra column": ("unhcr", "geo,year,from,group,n,extra\nPAK,2020,AFG,refugee,1,x\n",
                     "extra", "unexpected column"),
    "missing value": ("frontex", "route,type,nat,month,n\nOther,Sea,,2020-01,1\n", "nat",
                      "missing value"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_content_names_file_column_and_rows(case, tmp_path, capsys):
    stem, text, column, phrase = CASES[case]
    d = make_dir(tmp_path, **{stem: text})
    before = sorted(p.name for p in d.iterdir())
    code, out = run_validate(d, capsys)
    assert code == 1
    assert f"{stem}.csv.gz" in out
    assert f"column '{column}'" in out
    assert phrase in out
    if case not in ("missing column", "misspelt column", "wrong delimiter", "extra column"):
        assert "line 2:" in out  # the first offending row, as a file line number
    assert sorted(p.name for p in d.iterdir()) == before  # nothing written


@pytest.mark.parametrize(
    ("case", "payload", "phrase"),
    [
        ("empty file", b"", "is empty (0 bytes)"),
        ("not gzip", b"route,type,nat,month,n\n", "not a gzip file"),
        ("truncated gzip", gzip.compress(b"route,type,nat,month,n\n" + b"x" * 5000)[:40],
         "not a valid gzip file"),
        ("header only", None, "no data rows"),
        ("latin-1", None, "is not UTF-8"),
    ],
)
def test_bad_files(case, payload, phrase, tmp_path, capsys):
    d = make_dir(tmp_path)
    target = d / "frontex.csv.gz"
    if case == "header only":
        target.write_bytes(gzip.compress(b"route,type,nat,month,n\n"))
    elif case == "latin-1":
        text = "route,type,nat,month,n\nRoute de la Méditerranée,Sea,NGA,2020-01,1\n"
        target.write_bytes(gzip.compress(text.encode("latin-1")))
    else:
        target.write_bytes(payload)
    code, out = run_validate(d, capsys)
    assert code == 1
    assert "frontex.csv.gz" in out and phrase in out


def test_missing_file(tmp_path, capsys):
    d = make_dir(tmp_path)
    (d / "wdi.csv.gz").unlink()
    code, out = run_validate(d, capsys)
    assert code == 1 and "wdi.csv.gz" in out and "file not found" in out


def test_not_a_data_directory(tmp_path, capsys):
    code, out = run_validate(tmp_path, capsys)
    assert code == 1 and "no known data layout" in out


def test_checksum_mismatch_is_reported(tmp_path, capsys):
    d = make_dir(tmp_path)
    (d / "SHA256SUMS").write_text("0" * 64 + "  frontex.csv.gz\n", encoding="utf-8")
    code, out = run_validate(d, capsys)
    assert code == 1 and "checksum mismatch" in out and "frontex.csv.gz" in out


def test_error_lists_at_most_five_rows():
    err = DataError("f.csv", "bad", column="n", rows=[f"line {i}" for i in range(2, 12)])
    assert err.message.count("line ") == 5 and "and 5 more" in err.message


@pytest.mark.parametrize(
    ("text", "column", "phrase"),
    [
        ("route,type,nat,month,n,n\nOther,Sea,NGA,2020-01,1,1\n", "n", "more than once"),
        ("route,type,nat,month,n\nOther,Sea,NGA,2020-01,1,7\n", "n", "more fields than the header"),
        ("route,type,nat,month,n\nOther,Sea,NGA,2020-01,1\nOther,Sea,TUN,2020-01,1,7\n", None,
         "Expected 5 fields in line 3"),
    ],
)
def test_malformed_rows_are_refused(tmp_path, capsys, text, column, phrase):
    code, out = run_validate(make_dir(tmp_path, frontex=text), capsys)
    assert code == 1 and "frontex.csv.gz" in out and phrase in out
    if column:
        assert f"column '{column}'" in out


def test_megabyte_column_names_are_shortened(tmp_path, capsys):
    text = "route,type,nat,month,n," + "x" * 1_000_000 + "\n"
    code, out = run_validate(make_dir(tmp_path, frontex=text), capsys)
    assert code == 1 and "unexpected column" in out and len(out) < 2000
