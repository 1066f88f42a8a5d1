"""Eurostat migr_asyappctza: the recorded TSV sample parsed into the canonical asylum table."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources.official import UnmappedCodeWarning, eurostat
from analysis.validation import validate_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "official"
SAMPLE = FIXTURES / "eurostat_migr_asyappctza.tsv.gz"

#: Worked out by hand from eurostat_migr_asyappctza.tsv: FRST, age TOTAL, sex F/M/UNK only;
#: ':' and zeros dropped; EL->GRC, UK->GBR, XK->XKX, NA->NAM (Namibia, not missing),
#: STLS->STL, UNK->OOO, EU27_2020->EU27; TOTAL, EXT_EU27_2020 and RNC dropped.
EXPECTED = [
    ("CHE", 2019, "XKX", "male", 95), ("CHE", 2020, "XKX", "male", 60),
    ("CHE", 2021, "XKX", "male", 75),
    ("DEU", 2019, "AFG", "female", 12730), ("DEU", 2019, "AFG", "male", 19085),
    ("DEU", 2019, "SYR", "female", 15000),
    ("DEU", 2020, "AFG", "female", 9740), ("DEU", 2020, "AFG", "male", 14280),
    ("DEU", 2020, "SYR", "female", 11995),
    ("DEU", 2021, "AFG", "female", 21935), ("DEU", 2021, "AFG", "male", 27150),
    ("DEU", 2021, "AFG", "unknown", 5), ("DEU", 2021, "SYR", "female", 21260),
    ("EU27", 2019, "AFG", "female", 17675), ("EU27", 2020, "AFG", "female", 13790),
    ("EU27", 2021, "AFG", "female", 30980),
    ("GBR", 2019, "NAM", "male", 10),
    ("GRC", 2019, "AFG", "female", 3160), ("GRC", 2020, "AFG", "female", 1390),
    ("IRL", 2020, "GBR", "male", 5),
    ("ITA", 2019, "OOO", "female", 30), ("ITA", 2020, "OOO", "female", 15),
    ("ITA", 2021, "OOO", "female", 20),
    ("SWE", 2019, "STL", "male", 245), ("SWE", 2020, "STL", "male", 120),
    ("SWE", 2021, "STL", "male", 150),
]


def _parse(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmappedCodeWarning)
        return eurostat.parse(path)


def test_sample_parses_to_hand_computed_table():
    out = _parse(SAMPLE)
    got = list(out.itertuples(index=False, name=None))
    assert got == EXPECTED
    assert list(out.columns) == list(TABLES["asylum"].columns)
    validate_table(out, TABLES["asylum"], path=SAMPLE)


def test_unknown_citizenship_code_is_dropped_with_a_warning():
    with pytest.warns(UnmappedCodeWarning, match=r"column 'citizen'.*RNC"):
        out = eurostat.parse(SAMPLE)
    assert "LVA" not in set(out["destination"])  # RNC's only series was in Latvia


def test_uncompressed_tsv_gives_the_same_table():
    assert _parse(FIXTURES / "eurostat_migr_asyappctza.tsv").equals(_parse(SAMPLE))


def test_dimension_order_is_read_from_the_header(tmp_path):
    # Same series with the dimensions in another order: geo first, freq last.
    lines = (FIXTURES / "eurostat_migr_asyappctza.tsv").read_text().splitlines()
    out_lines = []
    for i, line in enumerate(lines):
        key, rest = line.split("\t", 1)
        if i == 0:
            dims = key.split("\\")[0].split(",")
            new = ",".join([dims[-1], *dims[1:-1], dims[0]]) + "\\TIME_PERIOD"
        else:
            parts = key.split(",")
            new = ",".join([parts[-1], *parts[1:-1], parts[0]])
        out_lines.append(f"{new}\t{rest}")
    path = tmp_path / "reordered.tsv.gz"
    path.write_bytes(gzip.compress(("\n".join(out_lines) + "\n").encode()))
    assert _parse(path).equals(_parse(SAMPLE))


def test_a_cell_that_is_not_a_count_is_named_with_its_line(tmp_path):
    text = (FIXTURES / "eurostat_migr_asyappctza.tsv").read_text()
    path = tmp_path / "bad.tsv"
    path.write_text(text.replace("12730 \t", "12x30 \t"))
    with pytest.raises(DataError) as err:
        eurostat.parse(path)
    assert err.value.column == "2019"
    assert "line 3" in str(err.value) and "12x30" in str(err.value)


def test_a_file_that_is_not_eurostat_tsv_is_refused(tmp_path):
    path = tmp_path / "other.tsv"
    path.write_text("geo,year,n\nDEU,2020,5\n")
    with pytest.raises(DataError, match="not a Eurostat TSV"):
        eurostat.parse(path)


def test_a_missing_dimension_is_named(tmp_path):
    path = tmp_path / "nosex.tsv"
    path.write_text("freq,unit,citizen,age,applicant,geo\\TIME_PERIOD\t2020 \n"
                    "A,PER,AF,TOTAL,FRST,DE\t5 \n")
    with pytest.raises(DataError, match="no dimension 'sex'"):
        eurostat.parse(path)


def test_uncompressed_bytes_under_the_gz_name_are_read(tmp_path):
    # A server (or the HTTP layer) may deliver the TSV already decompressed.
    path = tmp_path / eurostat.FILE
    path.write_bytes((FIXTURES / "eurostat_migr_asyappctza.tsv").read_bytes())
    assert _parse(path).equals(_parse(SAMPLE))


def test_agrees_with_the_duckdb_ingest_of_large_files(tmp_path):
    # analysis.sources.ingest reads the same dataset through DuckDB (a second implementation
    # of the same rules); on the recorded sample both must give the same table.
    ingest = pytest.importorskip("analysis.sources.ingest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ingest.ingest_eurostat_tsv(SAMPLE, out_dir=tmp_path / "asylum")
        other = ingest.read_ingested(tmp_path / "asylum")
    other = other.sort_values(["destination", "year", "citizenship", "sex"])
    mine = _parse(SAMPLE)
    pd.testing.assert_frame_equal(other.reset_index(drop=True).astype(mine.dtypes.to_dict()),
                                  mine)
