"""The command line as a researcher meets it: `chapters`, suggestions, the --force flag, where
`run` writes, and a cache key that ignores tools installed beside the project."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.config import CHAPTERS_FILE
from analysis.pipeline.chapters import load_chapters

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "pipeline"
SNAPSHOT = ROOT / "data" / "snapshot"


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("MIGRATION_DATA_DIR", raising=False)
    monkeypatch.delenv("MIGRATION_CHAPTERS_FILE", raising=False)


def test_chapters_lists_every_parameter_with_type_default_and_help(cache_env, capsys):
    with pytest.raises(SystemExit) as done:
        main(["chapters"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for chapter in load_chapters(CHAPTERS_FILE).values():
        assert chapter.id in text and chapter.notebook.name in text
        for name, spec in chapter.parameters.items():
            row = next((line for line in text.splitlines()
                        if re.search(rf"[│|]\s*{name}\s*[│|]", line)
                        and spec.help[:15] in line), None)
            assert row is not None, (chapter.id, name)
            assert spec.type in row
            shown = repr(spec.default) if isinstance(spec.default, str) else str(spec.default)
            assert shown in row, (chapter.id, name, row)
    assert "(not in the report)" in text  # the country brief
    assert "minmax, zscore" in text and "[1..50]" in text


@pytest.mark.parametrize(("args", "message"), [
    (["run", "trend"], "unknown chapter 'trend' (did you mean 'trends'?)"),
    (["run", "trends", "-p", "region=silk_route"], "SILK_ROUTE (did you mean silk_routes?)"),
    (["run", "trends", "-p", "region=PAK,Afganistan"], "AFGANISTAN (did you mean AFG?)"),
    (["run", "trends", "-p", "yeer=2020"], "unknown parameter 'yeer'; did you mean 'year'?"),
    (["run", "country_brief", "-p", "country=PAKK"], "did you mean 'PAK'?"),
    (["sweep", "country_brif", "--over", "country=PAK"],
     "unknown chapter 'country_brif' (did you mean 'country_brief'?)"),
])
def test_mistyped_names_get_a_suggestion(cache_env, capsys, tmp_path, args, message):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as done:
        main([*args, "--data-dir", str(SNAPSHOT), "--out", str(out)])
    assert done.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("command", ["run", "build", "sweep"])
def test_force_is_a_plain_flag_in_help(cache_env, capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    line = next(x for x in capsys.readouterr().out.splitlines() if "--force" in x)
    assert "<bool>" not in line and "Run even the chapters" in line


def test_run_dir_names_the_parameters_given(monkeypatch, tmp_path):
    import analysis.config
    from analysis.pipeline.build import run_dir

    monkeypatch.setattr(analysis.config, "REPORTS_DIR", tmp_path / "reports")
    trends = load_chapters(CHAPTERS_FILE)["trends"]
    values = {**trends.defaults(), "year": 2016, "region": "silk_routes"}
    got = run_dir(trends, values, {"region": "SILK_ROUTES", "year": "2016"})
    assert got == tmp_path / "reports" / "runs" / "trends" / "year=2016__region=silk_routes"
    assert run_dir(trends, trends.defaults(), {}).name == "defaults"


@pytest.mark.notebooks
def test_run_without_out_never_writes_the_annual_report(cache_env, monkeypatch, tmp_path):
    import analysis.config

    reports = tmp_path / "reports"
    monkeypatch.setattr(analysis.config, "REPORTS_DIR", reports)
    with pytest.raises(SystemExit) as done:
        main(["run", "beta", "-p", "mode=fancy", "--data-dir", str(SNAPSHOT),
              "--chapters", str(FIXTURES / "chapters.toml"), "--to", "html"])
    assert done.value.code == 0
    folder = reports / "runs" / "beta" / "mode=fancy"
    assert (folder / "beta.html").is_file() and (folder / "index.html").is_file()
    assert sorted(p.name for p in reports.iterdir()) == ["runs"]


def test_cache_key_counts_only_the_project_dependency_closure(tmp_path, monkeypatch):
    """A tool installed beside the project (here a fake distribution) leaves the key alone;
    the closure holds what the chapters import and not the test or dev tools."""
    import sys

    from analysis.pipeline import fingerprint

    closure = fingerprint.dependency_closure()
    assert closure is not None
    for needed in ("numpy", "pandas", "papermill", "ipykernel", "matplotlib", "pyzmq"):
        assert needed in closure, needed
    for tool in ("pytest", "pre-commit", "nbstripout", "jupytext", "ruff", "samplics"):
        assert tool not in closure, tool
    fingerprint.environment_digest.cache_clear()
    before = fingerprint.environment_digest()
    info = tmp_path / "sometool-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sometool\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from importlib.metadata import version

    assert version("sometool") == "1.0"
    fingerprint.environment_digest.cache_clear()
    try:
        assert fingerprint.environment_digest() == before
        assert "sometool" not in (fingerprint.dependency_closure() or {})
    finally:
        sys.path.remove(str(tmp_path))
        fingerprint.environment_digest.cache_clear()
