"""Every output format through the pipeline: reproducible, cached, and PDF-less without Chromium.

Builds the fixture chapter ``alpha`` (a table and a figure from the embedded snapshot) with
every format, twice, under the same ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from analysis.pipeline import cache
from analysis.pipeline.build import BuildOptions, build, parse_formats

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "tests" / "fixtures" / "pipeline" / "chapters.toml"
SNAPSHOT = ROOT / "data" / "snapshot"
HAS_CHROMIUM = Path("/usr/bin/chromium").is_file()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGRATION_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        mp.delenv("MIGRATION_DATA_DIR", raising=False)
        mp.delenv("MIGRATION_CHROMIUM", raising=False)
        yield


def _build(out: Path, **kw) -> tuple[object, str]:
    log = io.StringIO()
    options = BuildOptions(out=out, data_dir=SNAPSHOT, jobs=1, chapters_file=REGISTRY,
                           formats=cache.FORMATS, **kw)
    report = build(["alpha"], options=options, console=Console(file=log, width=200))
    return report, log.getvalue()


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).parts[0].startswith(".")}


@pytest.fixture(scope="module")
def twice(env, tmp_path_factory):
    one, two = tmp_path_factory.mktemp("one"), tmp_path_factory.mktemp("two")
    return (_build(one, force=True)[0], _build(two, force=True)[0])


def test_parse_formats_accepts_all_and_aliases():
    assert parse_formats("all") == cache.FORMATS
    assert parse_formats("word,excel,data") == ("docx", "xlsx", "csv")


def test_every_format_is_written_and_byte_identical_across_builds(twice):
    one, two = (_files(r.out) for r in twice)
    expected = {"alpha.html", "alpha.md", "alpha.docx", "alpha.xlsx", "alpha_data/table-1.csv"}
    if HAS_CHROMIUM:
        expected |= {"alpha.pdf", "report.pdf"}
    assert expected <= set(one)
    assert one.keys() == two.keys()
    # (the executed notebook records papermill's run times: it is not a reader's format)
    different = [name for name in one if one[name] != two[name] and name != "alpha.ipynb"]
    assert not different, f"not reproducible: {different}"


def test_outputs_are_recorded_and_a_second_build_writes_nothing(twice, tmp_path):
    out = twice[0].out
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
              and p.name not in ("index.html", ".lock") and ".build" not in p.parts}
    report, _ = _build(out)
    assert [r.status for r in report.results] == ["cached"]
    after = {p: p.stat().st_mtime_ns for p in before}
    assert after == before
    record = cache.read_record(out, "alpha")
    assert {"alpha.docx", "alpha.xlsx", "alpha_data/table-1.csv"} <= set(record["outputs"])


def test_removed_csv_is_written_again(twice):
    out = twice[0].out
    (out / "alpha_data" / "table-1.csv").unlink()
    report, _ = _build(out)
    assert [r.status for r in report.results] == ["exported"]
    assert (out / "alpha_data" / "table-1.csv").is_file()


def test_without_chromium_the_build_says_so_once_and_writes_the_rest(env, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("MIGRATION_CHROMIUM", str(tmp_path / "no-such-chromium"))
    report, log = _build(tmp_path / "out", force=True)
    assert not report.failed
    assert log.count("no PDF") == 1 and "no-such-chromium" in log
    written = set(os.listdir(tmp_path / "out"))
    assert {"alpha.html", "alpha.docx", "alpha.xlsx", "alpha_data"} <= written
    assert not [n for n in written if n.endswith(".pdf")]
    assert "report.pdf" not in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
