"""Content keys, remembered file hashes, build records, the data coverage cache and the lock."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from analysis.pipeline import cache, datainfo, fingerprint
from analysis.pipeline.fingerprint import FileHasher, chapter_key, data_checksums


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_data_checksums_hash_only_the_files_the_chapters_read(tmp_path):
    (tmp_path / "wdi.csv").write_bytes(b"b,1\n")
    (tmp_path / "frontex.csv.gz").write_bytes(b"gz")
    (tmp_path / "README.md").write_bytes(b"# data\n")
    (tmp_path / "notes.txt").write_bytes(b"not read")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.yml").write_bytes(b"x: 1\n")
    os.mkfifo(tmp_path / "pipe")  # would block a read forever
    got = data_checksums(tmp_path)
    assert got == {"README.md": _sha(b"# data\n"), "frontex.csv.gz": _sha(b"gz"),
                   "wdi.csv": _sha(b"b,1\n")}
    assert list(got) == sorted(got)


def test_gdidata_stems_agree_with_the_adapter():
    from analysis.sources.gdidata import _SUFFIXES, LAYOUTS

    assert set(fingerprint.GDI_STEMS) == {layout.stem for layout in LAYOUTS.values()}
    assert set(fingerprint.GDI_SUFFIXES) == set(_SUFFIXES)


def test_file_hasher_remembers_unchanged_files(tmp_path, monkeypatch):
    store = tmp_path / "hashes.json"
    data = tmp_path / "d.bin"
    data.write_bytes(b"one")
    first = FileHasher(store)
    assert first.sha256(data) == _sha(b"one")
    first.save()
    calls = []
    monkeypatch.setattr(fingerprint, "RACY_SECONDS", -10.0)  # no racy window for this test
    monkeypatch.setattr(fingerprint, "sha256_file", lambda p: calls.append(p) or "x")
    again = FileHasher(store)
    assert again.sha256(data) == _sha(b"one") and calls == []  # from the store
    data.write_bytes(b"three")  # new size and time: read again
    assert again.sha256(data) == "x" and calls == [data]


def _key(tmp_path: Path, **change) -> str:
    nb = tmp_path / "n.ipynb"
    if not nb.exists():
        nb.write_text("{}")
    args = {"notebook": nb, "title": "T", "parameters": {"year": 2020},
            "data": {"a.parquet": "1" * 64}, "inputs": {}}
    args.update(change)
    return chapter_key(hasher=FileHasher(), **args)


def test_chapter_key_changes_with_each_input(tmp_path):
    base = _key(tmp_path)
    assert _key(tmp_path) == base
    assert _key(tmp_path, parameters={"year": 2021}) != base
    assert _key(tmp_path, data={"a.parquet": "2" * 64}) != base
    assert _key(tmp_path, inputs={"survey_path": "3" * 64}) != base
    assert _key(tmp_path, title="U") != base
    (tmp_path / "n.ipynb").write_text("{ }")
    assert _key(tmp_path) != base


def test_package_digest_covers_templates():
    root = Path(fingerprint.__file__).resolve().parents[1]
    assert (root / "export" / "templates" / "chapter" / "index.html.j2").is_file()
    assert len(fingerprint.package_digest()) == 64
    assert len(fingerprint.environment_digest()) == 64


def _record(out: Path, chapter: str, files: dict[str, bytes], **extra) -> None:
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    rec = {"exec_key": "E", "export_key": "X",
           "outputs": {n: _sha(d) for n, d in files.items()}, **extra}
    cache.write_json(cache.record_path(out, chapter), rec)


def test_freshness_decides_run_export_or_cached(tmp_path):
    files = {"c.ipynb": b"nb", "c.key_figures.json": b"{}", "c.html": b"<html>",
             "c.md": b"# c", "c_files/figure-1.png": b"png"}
    both = ("html", "markdown")
    assert cache.freshness(tmp_path, "c", exec_key="E", export_key="X", formats=both) == "run"
    _record(tmp_path, "c", files)
    assert cache.freshness(tmp_path, "c", exec_key="E", export_key="X", formats=both) == "cached"
    assert cache.freshness(tmp_path, "c", exec_key="F", export_key="X", formats=both) == "run"
    assert cache.freshness(tmp_path, "c", exec_key="E", export_key="Y", formats=both) == "export"
    (tmp_path / "c_files" / "figure-1.png").write_bytes(b"edited")
    assert cache.freshness(tmp_path, "c", exec_key="E", export_key="X", formats=both) == "export"
    assert cache.freshness(tmp_path, "c", exec_key="E", export_key="X",
                           formats=("html",)) == "cached"
    (tmp_path / "c.ipynb").unlink()
    assert cache.freshness(tmp_path, "c", exec_key="E", export_key="X", formats=both) == "run"


def test_write_json_is_sorted_with_newline(tmp_path):
    path = tmp_path / "r.json"
    cache.write_json(path, {"b": 1, "a": {"d": 2, "c": 3}})
    text = path.read_text()
    assert text.endswith("\n") and text.index('"a"') < text.index('"b"')
    assert text.index('"c"') < text.index('"d"')


def test_data_info_computes_a_table_once_per_data_version(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path / "cache"))
    calls = []

    def fake(directory, table):
        calls.append(table)
        return {"years": [2014, 2015], "indicators": {"gdp_usd": [2015]}}

    monkeypatch.setattr(datainfo, "_years_of", fake)
    info = datainfo.DataInfo(tmp_path, {"a": "1"})
    assert info.years("indicators") == [2014, 2015]
    assert info.years("indicators", "gdp_usd") == [2015]
    with pytest.raises(KeyError):
        info.years("indicators", "nope")
    info.save()
    assert calls == ["indicators"]
    again = datainfo.DataInfo(tmp_path, {"a": "1"})
    assert again.years("indicators") == [2014, 2015] and calls == ["indicators"]
    other = datainfo.DataInfo(tmp_path, {"a": "2"})  # other data: computed again
    other.years("indicators")
    assert calls == ["indicators", "indicators"]
    stored = json.loads(info.path.read_text())
    assert stored["coverage"]["indicators"]["years"] == [2014, 2015]


def test_year_span():
    assert datainfo.year_span([2016, 2014, 2025]) == "2014–2025"
    assert datainfo.year_span([2020]) == "2020"
    assert datainfo.year_span([]) == "no years"


def test_a_second_build_waits_then_refuses(tmp_path):
    from filelock import FileLock

    from analysis.pipeline.lock import BuildLocked, build_lock

    waited = []
    holder = FileLock(tmp_path / ".lock")
    with holder:
        with pytest.raises(BuildLocked) as err:
            with build_lock(tmp_path, timeout=0.3, on_wait=waited.append):
                pytest.fail("the lock was taken twice")
    assert "another build is still writing to" in str(err.value)
    assert err.value.exit_code == 3 and len(waited) == 1
    with build_lock(tmp_path, timeout=0.3):  # free again
        pass
