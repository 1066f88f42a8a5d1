"""OfficialRawAdapter: a data/raw folder (recorded samples + manifest.json) read as the
canonical tables through load_table, with errors that say what to do."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources import load_table, provenance, registry, verify_checksums
from analysis.sources.official import (
    MANIFEST,
    SOURCES,
    TABLE_SOURCES,
    Manifest,
    OfficialRawAdapter,
    RawFile,
    UnmappedCodeWarning,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "official"
RAW = {
    "eurostat": ["eurostat_migr_asyappctza.tsv.gz"],
    "worldbank": ["worldbank_BX.TRF.PWKR.CD.DT_p001.json", "worldbank_PV.EST_p001.json",
                  "worldbank_SP.POP.TOTL_p001.json", "worldbank_SP.POP.TOTL_p002.json"],
    "undesa": ["undesa_pd_2020_ims_stock_by_sex_destination_and_origin.xlsx"],
    "unhcr": ["unhcr_population_p0001.json", "unhcr_population_p0002.json"],
    "frontex": ["frontex_monthly_detections_of_ibc.xlsx"],
}


def _raw_dir(dest: Path, sources=tuple(RAW)) -> Path:
    """A data/raw folder as fetch_all leaves it, built from the recorded samples."""
    dest.mkdir(parents=True, exist_ok=True)
    files = []
    for source in sources:
        for name in RAW[source]:
            shutil.copyfile(FIXTURES / name, dest / name)
            data = (dest / name).read_bytes()
            files.append(RawFile(source, name, f"https://example.org/{name}",
                                 hashlib.sha256(data).hexdigest(), len(data),
                                 "2025-06-03T09:15:00Z"))
    Manifest(files).save(dest / MANIFEST)
    return dest


@pytest.fixture(autouse=True)
def _quiet_unmapped():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmappedCodeWarning)
        yield


def test_the_folder_is_recognised_as_official(tmp_path):
    raw = _raw_dir(tmp_path / "raw")
    assert registry.for_directory(raw).name == "official"
    assert OfficialRawAdapter().tables(raw) == list(TABLES)


@pytest.mark.parametrize("table", list(TABLES))
def test_load_table_gives_the_parsed_table(tmp_path, table):
    raw = _raw_dir(tmp_path / "raw")
    source = TABLE_SOURCES[table]
    frame = load_table(table, raw)
    expected = SOURCES[source].parse([raw / n for n in RAW[source]])
    pd.testing.assert_frame_equal(frame.reset_index(drop=True),
                                  expected.loc[:, list(TABLES[table].columns)])
    assert len(frame) > 0


def test_provenance_records_the_retrieval_date(tmp_path):
    raw = _raw_dir(tmp_path / "raw")
    prov = provenance("asylum", raw)
    assert prov.producer == "Eurostat" and prov.vintage == "retrieved 2025-06-03"
    assert prov.url == "https://example.org/eurostat_migr_asyappctza.tsv.gz"
    assert "CC BY 4.0" in prov.licence


def test_a_source_not_fetched_says_how_to_fetch_it(tmp_path):
    raw = _raw_dir(tmp_path / "raw", sources=("eurostat",))
    assert OfficialRawAdapter().tables(raw) == ["asylum"]
    with pytest.raises(DataError, match="data fetch --source frontex"):
        load_table("detections", raw)


def test_a_listed_file_that_is_missing_is_named(tmp_path):
    raw = _raw_dir(tmp_path / "raw")
    (raw / "unhcr_population_p0002.json").unlink()
    with pytest.raises(DataError, match="unhcr_population_p0002.json.*missing"):
        load_table("displaced", raw)


def test_checksums_from_the_manifest_are_verified(tmp_path):
    raw = _raw_dir(tmp_path / "raw")
    assert set(verify_checksums(raw)) == {n for names in RAW.values() for n in names}
    path = raw / "worldbank_PV.EST_p001.json"
    path.write_text(path.read_text().replace("-1.69211864471436", "-1.5"))
    with pytest.raises(DataError, match="checksum mismatch"):
        verify_checksums(raw)


def test_schema_failure_names_the_files_and_the_key(tmp_path):
    raw = _raw_dir(tmp_path / "raw")
    # The same page twice under another name: every population row is duplicated.
    shutil.copyfile(raw / "worldbank_SP.POP.TOTL_p001.json", raw / "worldbank_copy_p001.json")
    manifest = Manifest.load(raw / MANIFEST)
    data = (raw / "worldbank_copy_p001.json").read_bytes()
    manifest.files.append(RawFile("worldbank", "worldbank_copy_p001.json", "https://x",
                                  hashlib.sha256(data).hexdigest(), len(data), "2025-06-03"))
    manifest.save(raw / MANIFEST)
    with pytest.raises(DataError, match=r"worldbank files.*duplicated keys") as err:
        load_table("indicators", raw)
    assert err.value.column == "country"


def test_a_manifest_of_another_tool_is_not_claimed(tmp_path):
    (tmp_path / MANIFEST).write_text(json.dumps({"version": 1}))
    assert not OfficialRawAdapter().detect(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"files": []}))
    assert not OfficialRawAdapter().detect(tmp_path)


def test_a_large_eurostat_file_is_streamed_into_interim_parquet(tmp_path, monkeypatch):
    """Above the size threshold the asylum table comes from the duckdb ingest, cached under
    data/interim by the file's checksum, and equals the pandas parse of the same file."""
    from analysis import config
    from analysis.sources.official import adapter

    raw = _raw_dir(tmp_path / "raw", sources=("eurostat",))
    monkeypatch.setattr(adapter, "STREAMING_THRESHOLD_BYTES", 0)
    monkeypatch.setattr(config, "INTERIM_DIR", tmp_path / "interim")
    streamed = OfficialRawAdapter().read(raw, "asylum")
    parsed = SOURCES["eurostat"].parse([raw / n for n in RAW["eurostat"]])
    key = list(TABLES["asylum"].key)
    pd.testing.assert_frame_equal(
        streamed.sort_values(key).reset_index(drop=True),
        parsed.loc[:, list(TABLES["asylum"].columns)].sort_values(key).reset_index(drop=True),
        check_dtype=False)
    (folder,) = (tmp_path / "interim").iterdir()
    assert folder.name.startswith("asylum-") and any(folder.rglob("*.parquet"))
