"""Streaming ingest (DuckDB) of Eurostat bulk TSV files, checked against pandas on small files."""

from __future__ import annotations

import gzip
import hashlib
import re
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pycountry
import pytest

from analysis.errors import DataError
from analysis.sources.eurostat_synth import write_synthetic_eurostat_tsv
from analysis.sources.ingest import eurostat as ingest_eurostat
from analysis.sources.ingest import (
    ingest_eurostat_tsv,
    read_ingested,
    stream_csv_to_parquet,
)

YEARS = list(range(2008, 2025))
HEADER = ("freq,unit,citizen,sex,age,applicant,geo\\TIME_PERIOD\t"
          + "\t".join(f"{y} " for y in YEARS) + "\n")
KEY = ["destination", "year", "citizenship", "sex"]


def _reference(path: Path) -> pd.DataFrame:
    """The canonical table computed independently with pandas (read whole, melt, group)."""
    raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    first = raw.columns[0]
    dims = first.split("\\")[0].split(",")
    keys = raw[first].str.split(",", expand=True)
    keys.columns = dims
    wide = pd.concat([keys, raw.drop(columns=first)], axis=1)
    wide = wide[(wide["freq"] == "A") & (wide["unit"] == "PER") & (wide["age"] == "TOTAL")
                & (wide["applicant"] == "FRST") & wide["sex"].isin(["F", "M", "UNK"])]
    long = wide.melt(id_vars=dims, var_name="year", value_name="cell")
    value = long["cell"].str.strip().str.split(" ").str[0]
    long = long[value != ":"].assign(applicants=value[value != ":"].astype("int64"))
    iso = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    iso |= {"EL": "GRC", "UK": "GBR", "XK": "XKX"}
    long = long.assign(
        destination=long["geo"].map(iso | {"EU27_2020": "EU27"}),
        citizenship=long["citizen"].map(iso | {"STLS": "STL", "UNK": "OOO"}),
        sex=long["sex"].map({"F": "female", "M": "male", "UNK": "unknown"}),
        year=long["year"].str.strip().astype("int64"),
    ).dropna(subset=["destination", "citizenship"])
    out = long.groupby(KEY, as_index=False)["applicants"].sum()
    out = out[out["applicants"] > 0]
    return out.sort_values(KEY).reset_index(drop=True)


def _write(path: Path, lines: list[str], years: tuple[int, ...] = (2008, 2009)) -> Path:
    header = ("freq,unit,citizen,sex,age,applicant,geo\\TIME_PERIOD\t"
              + "\t".join(f"{y} " for y in years) + "\n")
    path.write_text(header + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- generator -------------------------------------------------------------------------------


def test_generator_layout(tmp_path):
    path = write_synthetic_eurostat_tsv(tmp_path / "a.tsv", 700, seed=3)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] + "\n" == HEADER
    assert lines[-1] == ""  # ends with a newline
    rows = [line.split("\t") for line in lines[1:-1]]
    assert len(rows) == 700
    assert all(len(r) == 1 + len(YEARS) for r in rows)
    keys = [r[0] for r in rows]
    assert len(set(keys)) == 700
    codes = [k.split(",") for k in keys]
    assert {c[0] for c in codes} == {"A"} and {c[1] for c in codes} == {"PER"}
    assert {c[3] for c in codes} <= {"F", "M", "T", "UNK"}
    cell = re.compile(r"^([0-9]+|:) [a-z]*$")
    cells = [c for r in rows for c in r[1:]]
    assert all(cell.match(c) for c in cells)
    assert any(c.startswith(":") for c in cells) and any(c.endswith(" p") for c in cells)


def test_generator_is_deterministic_and_gzip_matches(tmp_path):
    a = write_synthetic_eurostat_tsv(tmp_path / "a.tsv", 2_000, seed=7)
    b = write_synthetic_eurostat_tsv(tmp_path / "b.tsv", 2_000, seed=7)
    c = write_synthetic_eurostat_tsv(tmp_path / "c.tsv", 2_000, seed=8)
    z = write_synthetic_eurostat_tsv(tmp_path / "z.tsv.gz", 2_000, seed=7, compress=True)
    assert _sha(a) == _sha(b) != _sha(c)
    assert gzip.decompress(z.read_bytes()) == a.read_bytes()
    with pytest.raises(ValueError, match="n_rows"):
        write_synthetic_eurostat_tsv(tmp_path / "d.tsv", 0)


# --- ingest against pandas -------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return write_synthetic_eurostat_tsv(tmp_path_factory.mktemp("gen") / "asylum.tsv", 30_000,
                                        seed=11)


def test_ingest_equals_pandas(generated, tmp_path):
    out = ingest_eurostat_tsv(generated, tmp_path / "asylum", memory_limit="256MB", threads=2)
    got = read_ingested(out)
    expected = _reference(generated)
    assert len(expected) > 1_000
    # The sample exercises the special codes, not only plain countries.
    assert {"GRC", "GBR", "EU27"} <= set(expected["destination"])
    assert {"STL", "OOO", "XKX"} <= set(expected["citizenship"])
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["year"].dtype == "int64" and got["applicants"].dtype == "int64"


def test_ingest_gzip_equals_plain(tmp_path):
    plain = write_synthetic_eurostat_tsv(tmp_path / "a.tsv", 3_000, seed=5)
    packed = write_synthetic_eurostat_tsv(tmp_path / "a.tsv.gz", 3_000, seed=5, compress=True)
    a = read_ingested(ingest_eurostat_tsv(plain, tmp_path / "out_a"))
    b = read_ingested(ingest_eurostat_tsv(packed, tmp_path / "out_b"))
    pd.testing.assert_frame_equal(a, b)


def test_flags_missing_values_and_codes(tmp_path):
    path = _write(tmp_path / "flags.tsv", [
        "A,PER,AF,F,TOTAL,FRST,DE\t12 p\t: c",      # flag ignored; ':' with flag -> no row
        "A,PER,AF,M,TOTAL,FRST,EL\t1234 e\t0 ",     # EL -> GRC; zero: no row
        "A,PER,AF,T,TOTAL,FRST,DE\t99 \t99 ",       # sex total: dropped
        "A,PER,AF,F,Y14-17,FRST,DE\t5 \t5 ",        # age class: dropped
        "A,PER,AF,F,TOTAL,NASY_APP,DE\t7 \t7 ",     # all applicants: dropped
        "A,PER,TOTAL,F,TOTAL,FRST,DE\t50 \t50 ",    # citizen aggregate: dropped
        "A,PER,AF,F,TOTAL,FRST,EU28\t50 \t50 ",     # geo aggregate: dropped
        "A,PER,STLS,UNK,TOTAL,FRST,UK\t3\t: z",     # no trailing space; UK, STLS, UNK sex
        "A,PER,UNK,F,TOTAL,FRST,EU27_2020\t: \t8 b",
        "A,PER,XK,F,TOTAL,FRST,GB\t4 \t:",          # GB and UK both -> GBR: summed
        "A,PER,XK,F,TOTAL,FRST,UK\t6.0 \t1 ",     # a whole number written with decimals
    ])
    got = read_ingested(ingest_eurostat_tsv(path, tmp_path / "out"))
    expected = pd.DataFrame(
        [("DEU", 2008, "AFG", "female", 12),
         ("EU27", 2009, "OOO", "female", 8),
         ("GBR", 2008, "STL", "unknown", 3),
         ("GBR", 2008, "XKX", "female", 10),
         ("GBR", 2009, "XKX", "female", 1),
         ("GRC", 2008, "AFG", "male", 1234)],
        columns=[*KEY, "applicants"],
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_dimension_order_and_optional_freq(tmp_path):
    path = tmp_path / "nofreq.tsv"
    path.write_text("geo,citizen,sex,age,applicant,unit\\TIME_PERIOD\t2020 \n"
                    "DE,SY,F,TOTAL,FRST,PER\t9 \n"
                    "DE,SY,F,TOTAL,FRST,THS_PER\t1 \n", encoding="utf-8")
    got = read_ingested(ingest_eurostat_tsv(path, tmp_path / "out"))
    assert got.values.tolist() == [["DEU", 2020, "SYR", "female", 9]]


def test_unknown_code_warns_and_is_dropped(tmp_path):
    path = _write(tmp_path / "unk.tsv", ["A,PER,AF,F,TOTAL,FRST,DE\t1 \t2 ",
                                         "A,PER,QQ,F,TOTAL,FRST,DE\t5 \t5 "])
    with pytest.warns(UserWarning, match="citizen: QQ"):
        out = ingest_eurostat_tsv(path, tmp_path / "out")
    assert read_ingested(out)["applicants"].tolist() == [1, 2]


def test_partitioned_output(generated, tmp_path):
    out = ingest_eurostat_tsv(generated, tmp_path / "asylum")
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == [f"year={y}" for y in YEARS]
    some = read_ingested(out, years=[2009, 2015])
    assert sorted(some["year"].unique()) == [2009, 2015]
    every = read_ingested(out)
    pd.testing.assert_frame_equal(
        some, every[every["year"].isin([2009, 2015])].reset_index(drop=True))
    # A plain Parquet reader sees the same rows in one partition.
    part = ds.dataset(out / "year=2009", format="parquet").to_table().to_pandas()
    assert len(part) == (every["year"] == 2009).sum()
    assert (out / "_ingest.json").is_file()


# --- errors for people -----------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found") as err:
        ingest_eurostat_tsv(tmp_path / "nope.tsv", tmp_path / "out")
    assert "nope.tsv" in str(err.value)
    with pytest.raises(DataError, match="not found"):
        read_ingested(tmp_path / "nothing")


@pytest.mark.parametrize(
    ("header", "problem", "column"),
    [
        ("geo,year,nat,sex,n\n", "not tab-separated", "geo,year,nat,sex,n"),
        ("freq,unit,citizen,sex,age,applicant,geo\t2008 \n", "TIME_PERIOD",
         "freq,unit,citizen,sex,age,applicant,geo"),
        ("freq,unit,citizen,sex,age,geo\\TIME_PERIOD\t2008 \n", "applicant",
         "freq,unit,citizen,sex,age,geo\\TIME_PERIOD"),
        ("freq,unit,citizen,sex,age,applicant,geo,decision\\TIME_PERIOD\t2008 \n", "decision",
         "freq,unit,citizen,sex,age,applicant,geo,decision\\TIME_PERIOD"),
        ("freq,unit,citizen,sex,age,applicant,geo\\TIME_PERIOD\t2008-01 \n", "not a year",
         "2008-01 "),
    ],
)
def test_bad_layout_names_file_and_column(tmp_path, header, problem, column):
    path = tmp_path / "bad.tsv"
    path.write_text(header + "A,PER,AF,F,TOTAL,FRST,DE\t1 \n", encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(problem)) as err:
        ingest_eurostat_tsv(path, tmp_path / "out")
    assert err.value.path == str(path)
    assert err.value.column == column
    assert not (tmp_path / "out").exists()


def test_bad_cells_and_duplicates_name_rows(tmp_path):
    bad = _write(tmp_path / "cells.tsv", ["A,PER,AF,F,TOTAL,FRST,DE\t-1 \tn/a ",
                                          "A,PER,AF,M,TOTAL,FRST,DE,XX\t1 \t1 "])
    with pytest.raises(DataError, match="4 cell") as err:
        ingest_eurostat_tsv(bad, tmp_path / "out")
    assert any("n/a" in r for r in err.value.rows)
    dup = _write(tmp_path / "dup.tsv", ["A,PER,AF,F,TOTAL,FRST,DE\t1 \t2 ",
                                        "A,PER,AF,F,TOTAL,FRST,DE\t3 \t4 "])
    with pytest.raises(DataError, match="duplicated series") as err:
        ingest_eurostat_tsv(dup, tmp_path / "out")
    assert err.value.rows == ["A,PER,AF,F,TOTAL,FRST,DE"]
    ragged = _write(tmp_path / "ragged.tsv", ["A,PER,AF,F,TOTAL,FRST,DE\t1 "])
    with pytest.raises(DataError, match="ragged.tsv"):
        ingest_eurostat_tsv(ragged, tmp_path / "out")
    empty = _write(tmp_path / "empty.tsv", ["A,PER,AF,T,TOTAL,FRST,DE\t1 \t2 "])
    with pytest.raises(DataError, match="no data left"):
        ingest_eurostat_tsv(empty, tmp_path / "out")


def test_failed_ingest_leaves_previous_output(tmp_path, monkeypatch):
    first = _write(tmp_path / "first.tsv", ["A,PER,AF,F,TOTAL,FRST,DE\t1 \t2 "])
    second = _write(tmp_path / "second.tsv", ["A,PER,SY,F,TOTAL,FRST,AT\t7 \t8 "])
    out = tmp_path / "data" / "asylum"
    ingest_eurostat_tsv(first, out)
    before = read_ingested(out)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_eurostat, "write_manifest", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_eurostat_tsv(second, out)
    pd.testing.assert_frame_equal(read_ingested(out), before)
    assert sorted(p.name for p in out.parent.iterdir()) == ["asylum"]  # no staging left over
    monkeypatch.undo()
    # A bad input file also leaves it, and a good one then replaces it.
    with pytest.raises(DataError):
        ingest_eurostat_tsv(tmp_path / "missing.tsv", out)
    pd.testing.assert_frame_equal(read_ingested(out), before)
    ingest_eurostat_tsv(second, out)
    assert read_ingested(out)["citizenship"].unique().tolist() == ["SYR"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["asylum"]


def test_bad_arguments(tmp_path, generated):
    with pytest.raises(ValueError, match="threads"):
        ingest_eurostat_tsv(generated, tmp_path / "out", threads=0)
    with pytest.raises(ValueError, match="years"):
        read_ingested(tmp_path, years=["twenty"])


# --- generic tidy CSV ------------------------------------------------------------------------

STOCK_COLUMNS = {"geo": "VARCHAR", "year": "INTEGER", "from": "VARCHAR", "sex": "VARCHAR",
                 "n": "BIGINT"}


def test_stream_csv_to_parquet(tmp_path):
    text = ("geo,year,from,sex,n\n"
            "NAM,1990,NA,female,25\n"          # 'NA' is a code here, never missing
            "ABW,1990,BES,male,28\n"
            "ABW,1995,NAM,female,3\n")
    src = tmp_path / "stocks.csv.gz"
    src.write_bytes(gzip.compress(text.encode()))
    out = stream_csv_to_parquet(src, tmp_path / "stocks", columns=STOCK_COLUMNS,
                                partition_by="year")
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["year=1990", "year=1995"]
    got = (ds.dataset(out, format="parquet", partitioning="hive").to_table().to_pandas()
           .loc[:, list(STOCK_COLUMNS)].sort_values(["year", "geo"]).reset_index(drop=True))
    expected = pd.read_csv(tmp_path / "stocks.csv.gz", keep_default_na=False)
    expected = expected.sort_values(["year", "geo"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    whole = stream_csv_to_parquet(src, tmp_path / "whole", columns=STOCK_COLUMNS)
    assert (whole / "data.parquet").is_file()


def test_stream_csv_errors(tmp_path):
    src = tmp_path / "s.csv"
    src.write_text("geo,year,origin,sex,n\nNAM,1990,AGO,female,25\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        stream_csv_to_parquet(src, tmp_path / "o", columns=STOCK_COLUMNS)
    assert err.value.column == "from"
    src.write_text("geo,year,from,sex,n\nNAM,1990,AGO,female,2.5x\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="cannot be converted") as err:
            stream_csv_to_parquet(src, tmp_path / "o", columns=STOCK_COLUMNS)
    assert "2.5x" in str(err.value)
    with pytest.raises(ValueError, match="partition_by"):
        stream_csv_to_parquet(src, tmp_path / "o", columns=STOCK_COLUMNS, partition_by="month")
    assert not (tmp_path / "o").exists()


def test_cli_ingest_writes_partitions_and_reports_rows(tmp_path, capsys):
    from analysis.cli import main
    from analysis.sources.eurostat_synth import write_synthetic_eurostat_tsv
    from analysis.sources.ingest import read_ingested

    src = tmp_path / "bulk.tsv"
    write_synthetic_eurostat_tsv(src, 5000, seed=3)
    with pytest.raises(SystemExit) as exc:
        main(["data", "ingest", str(src), "--out", str(tmp_path / "out")])
    assert exc.value.code == 0
    rows = len(read_ingested(tmp_path / "out"))
    assert f"{rows:,} canonical asylum rows" in capsys.readouterr().out
