"""The data layer: canonical tables from the real gdidata tables and from the embedded snapshot.

Expected values are the issue's hand computations on the raw files (plain gzip + csv sums).
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd
import pytest

from analysis.pipeline.fingerprint import data_checksums
from analysis.schemas import TABLES
from analysis.sources import load_table, provenance, verify_checksums
from analysis.sources.snapshot import MAX_SNAPSHOT_BYTES, SNAPSHOT_INDEX, build_snapshot


def _raw_sum(path: Path, keep) -> int:
    """Sum column n of a gdidata csv.gz over rows where keep(row) holds, without pandas."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return sum(int(r["n"]) for r in csv.DictReader(fh) if keep(r))


@pytest.fixture(scope="module", params=["gdidata", "snapshot"])
def data(request, gdidata_dir, snapshot_dir) -> Path:
    return gdidata_dir if request.param == "gdidata" else snapshot_dir


def test_frontex_2015_total(data):
    d = load_table("detections", data)
    assert d.loc[d["month"].str.startswith("2015"), "detections"].sum() == 1_822_102


def test_eu27_asylum_2020_total(data):
    a = load_table("asylum", data)
    assert a.loc[(a["destination"] == "EU27") & (a["year"] == 2020), "applicants"].sum() == 476_615


def test_world_migrant_stock_2020(data):
    s = load_table("migrant_stock", data)
    assert s.loc[s["year"] == 2020, "migrants"].sum() == 280_598_105


def test_totals_agree_with_raw_files(gdidata_dir, snapshot_dir):
    """Every snapshot total equals an independent sum over the raw file."""
    raw = _raw_sum(gdidata_dir / "frontex.csv.gz", lambda r: r["month"] >= "2014")
    snap = load_table("detections", snapshot_dir)["detections"].sum()
    assert snap == raw
    raw = _raw_sum(gdidata_dir / "unhcr.csv.gz",
                   lambda r: int(r["year"]) == 2020 and r["group"] == "refugee")
    disp = load_table("displaced", snapshot_dir)
    assert disp.loc[(disp["year"] == 2020) & (disp["group"] == "refugee"), "persons"].sum() == raw
    ind = load_table("indicators", snapshot_dir)
    with gzip.open(gdidata_dir / "wdi.csv.gz", "rt", encoding="utf-8") as fh:
        expected = sum(float(r["value"]) for r in csv.DictReader(fh)
                       if r["var"] == "remin" and r["year"] == "2020")
    got = ind.loc[(ind["indicator"] == "remittances_received_usd") & (ind["year"] == 2020),
                  "value"].sum()
    assert got == pytest.approx(expected, rel=1e-12)


def test_canonical_columns_and_types(data):
    for name, spec in TABLES.items():
        frame = load_table(name, data)
        assert tuple(frame.columns) == spec.columns
        assert not frame.duplicated(list(spec.key)).any()
        assert str(frame[spec.value].dtype) in ("int64", "float64")


def test_load_table_returns_independent_copies(snapshot_dir):
    a = load_table("asylum", snapshot_dir)
    a["applicants"] = -1
    assert (load_table("asylum", snapshot_dir)["applicants"] >= 0).all()


def test_snapshot_is_small_and_has_provenance(snapshot_dir):
    files = sorted(p for p in snapshot_dir.iterdir() if p.is_file())
    assert sum(p.stat().st_size for p in files) <= MAX_SNAPSHOT_BYTES
    for name in TABLES:
        meta = (snapshot_dir / f"{name}.meta.yml").read_text(encoding="utf-8")
        for field in ("producer:", "dataset:", "vintage:", "licence:", "inputs_sha256:",
                      "sha256:"):
            assert field in meta, (name, field)
    assert verify_checksums(snapshot_dir) == {f"{n}.parquet": "ok" for n in sorted(TABLES)}


def test_snapshot_rebuild_is_byte_identical(gdidata_dir, snapshot_dir, tmp_path):
    """The committed snapshot is exactly what the project's own code derives from the sources."""
    build_snapshot(gdidata_dir, tmp_path)
    for path in sorted(snapshot_dir.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_gdidata_checksums_verified(gdidata_dir):
    checked = verify_checksums(gdidata_dir)
    assert set(checked) == {"eu_asyapp.csv.gz", "frontex.csv.gz", "undesa_stocks_2020.csv.gz",
                            "unhcr.csv.gz", "wdi.csv.gz"}
    assert data_checksums(gdidata_dir)["frontex.csv.gz"] == (
        "c5ec72d4f2af7dcfe3da0e46a8eac97afc5f5d9e9fa9d547583162ade3f3c123")


def test_provenance_of_snapshot_names_producer(snapshot_dir):
    p = provenance("asylum", snapshot_dir)
    assert p.producer == "Eurostat" and "migr_asyappctza" in p.dataset


def test_snapshot_matches_raw_aggregation_exactly(gdidata_dir, snapshot_dir):
    """Asylum summed over sex in the snapshot equals pandas on the raw file, row by row."""
    raw = pd.read_csv(gdidata_dir / "eu_asyapp.csv.gz", keep_default_na=False)
    expected = (raw.groupby(["geo", "year", "nat"], as_index=False)["n"].sum()
                .rename(columns={"geo": "destination", "nat": "citizenship", "n": "applicants"})
                .sort_values(["destination", "year", "citizenship"]).reset_index(drop=True))
    got = load_table("asylum", snapshot_dir).drop(columns="sex")
    got = got.sort_values(["destination", "year", "citizenship"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_snapshot_index_lists_every_table(snapshot_dir):
    text = (snapshot_dir / SNAPSHOT_INDEX).read_text(encoding="utf-8")
    for name in TABLES:
        assert f'"{name}"' in text


def test_csv_reader_keeps_namibia(tmp_path):
    """'NA' is Namibia's ISO-2 code family: text columns never turn 'NA' into missing."""
    from analysis.validation import read_csv_table

    p = tmp_path / "t.csv"
    p.write_text("geo,n\nNA,1\n", encoding="utf-8")
    assert read_csv_table(p, ("geo", "n"), {"n": "int"})["geo"].tolist() == ["NA"]


def test_read_gz_roundtrip(tmp_path):
    from analysis.validation import read_text_table

    p = tmp_path / "x.csv.gz"
    p.write_bytes(gzip.compress(b"a,b\n1,2\n"))
    assert list(csv.reader(io.StringIO(read_text_table(p)))) == [["a", "b"], ["1", "2"]]
