"""End-to-end builds of the fixture chapters: outputs, determinism, cache, failures, escaping.

The fixture registry (tests/fixtures/pipeline/chapters.toml) has three small notebooks that
execute in a couple of seconds each, and one chapter without a notebook. Two full builds are
made once per module (directories A and B); the other tests work on copies of A.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis import __version__
from analysis.cli import main
from analysis.export.key_figures import dumps
from analysis.pipeline.build import BuildOptions, build

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "pipeline"
SNAPSHOT = ROOT / "data" / "snapshot"
CHAPTERS = ("alpha", "beta", "gamma")
EPOCH = "1700000000"  # 2023-11-14


def _options(out: Path, registry: Path = FIXTURES / "chapters.toml", **kw) -> BuildOptions:
    return BuildOptions(out=out, data_dir=SNAPSHOT, jobs=2, chapters_file=registry, **kw)


@pytest.fixture(scope="module")
def built_a(env, tmp_path_factory):
    out = tmp_path_factory.mktemp("a")
    return build(options=_options(out, force=True))


@pytest.fixture(scope="module")
def built_b(env, tmp_path_factory):
    out = tmp_path_factory.mktemp("b")
    return build(options=_options(out, force=True))


def _copy(built, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(built.out, out)
    return out


def _snapshot_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).as_posix().startswith(".")}


def test_build_writes_every_output_and_the_index(built_a):
    statuses = {r.chapter: r.status for r in built_a.results}
    assert statuses == {"alpha": "done", "beta": "done", "gamma": "done", "missing": "missing"}
    for chapter in CHAPTERS:
        for suffix in (".ipynb", ".html", ".md", ".key_figures.json"):
            assert (built_a.out / f"{chapter}{suffix}").is_file(), chapter + suffix
        record = json.loads((built_a.out / ".build" / f"{chapter}.json").read_text())
        assert len(record["exec_key"]) == 64 and record["built_on"] == "2023-11-14"
    assert (built_a.out / "alpha_files" / "figure-1.png").read_bytes()[:4] == b"\x89PNG"
    index = BeautifulSoup((built_a.out / "index.html").read_text(), "html.parser")
    links = {a["href"]: a.get_text() for a in index.select("section h2 a")}
    assert links == {"alpha.html": "Alpha: detections on the Silk Routes",
                     "beta.html": "Beta: <em>escaping</em> & data-derived text",
                     "gamma.html": "Gamma: a chapter that can fail"}
    text = index.get_text(" ", strip=True)
    assert "notebook not written yet" in text and "2023-11-14T22:13:20Z" in text
    assert "data as of 3 Jun 2025" in text  # the vintage of detections, from the snapshot


def test_two_builds_are_byte_identical(built_a, built_b):
    a, b = _snapshot_files(built_a.out), _snapshot_files(built_b.out)
    compared = [n for n in a if n.endswith((".html", ".md", ".key_figures.json", ".png"))]
    assert len(compared) >= 3 * 3 + 2
    assert set(a) == set(b)
    for name in compared:
        assert a[name] == b[name], name


def test_key_figures_json(built_a):
    text = (built_a.out / "alpha.key_figures.json").read_text()
    doc = json.loads(text)
    assert dumps(doc) == text  # sorted keys, fixed layout
    assert doc["chapter"] == "alpha" and doc["parameters"]["year"] == 2020
    assert doc["data"]["detections.parquet"] == json.loads(
        (SNAPSHOT / "snapshot.json").read_text())["detections"]["sha256"]
    det = pd.read_parquet(SNAPSHOT / "detections.parquet")
    expected = det.loc[det["month"].str.startswith("2020")
                       & det["nationality"].isin(["AFG", "BGD", "IRN", "IRQ", "PAK"]),
                       "detections"].sum()
    figure = doc["key_figures"]["detections_total"]
    assert figure["value"] == int(expected) and figure["unit"] == "persons"
    assert figure["vintage"] == "data as of 3 Jun 2025"


def test_html_drafts_have_no_code_no_scripts_no_outside_references(built_a):
    for chapter in CHAPTERS:
        html = (built_a.out / f"{chapter}.html").read_text()
        soup = BeautifulSoup(html, "html.parser")
        assert soup.find_all("script") == [] and soup.find_all("link") == []
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
        for absent in ("data_dir", "injected-parameters", "import ", "show.", "In [",
                       "debug output", "Text(0.5"):
            assert absent not in html, (chapter, absent)
        for img in soup.find_all("img"):
            assert img["src"].startswith("data:image/png;base64,") and img["alt"].strip()
        for fig in soup.select("figure.mr-figure, figure.mr-table"):
            assert fig.find("p", class_="mr-source").get_text().startswith("Source: ")
        footer = soup.find("footer").get_text(" ", strip=True)
        assert __version__ in footer and "2023-11-14" in footer
    alpha = BeautifulSoup((built_a.out / "alpha.html").read_text(), "html.parser")
    assert alpha.h1.get_text() == "Alpha: detections on the Silk Routes"
    toc = [a.get_text() for a in alpha.select("nav.mr-toc a")]
    assert [t.split(". ", 1)[-1] for t in toc] == [
        "Detections in the report year", "A figure", "Detail"]
    assert toc[0] == "1. Detections in the report year"  # sections are numbered
    assert alpha.select_one("figure.mr-figure figcaption").get_text(" ", strip=True) == \
        "Figure 1. Detections by nationality, 2020"
    assert alpha.select_one("figure.mr-table caption").get_text(" ", strip=True) == \
        "Table 1. Top 3 nationalities, 2020"
    assert "Frontex" in alpha.select_one("figure.mr-figure p.mr-source").get_text()


def test_markup_in_data_is_rendered_as_text(built_a):
    html = (built_a.out / "beta.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    for raw in ("<script>window.__x=1</script>", "<img src=x onerror", "<script>window.__md",
                "<b>raw</b>", '<a href="javascript:'):
        assert raw not in html, raw
    assert all("javascript" not in str(a.attrs) for a in soup.find_all(True))
    for escaped in ("&lt;script&gt;window.__x=1&lt;/script&gt;",
                    "&lt;img src=x onerror=alert(1)&gt;", "&lt;img src=x onerror=alert(2)&gt;",
                    "&lt;b&gt;raw&lt;/b&gt;", '&lt;a href="javascript:alert(3)"&gt;'):
        assert escaped in html, escaped
    assert not any(name.startswith("on") for tag in soup.find_all(True) for name in tag.attrs)
    cells = [td.get_text() for td in soup.select("figure.mr-table td")]
    assert "<script>window.__x=1</script>" in cells  # shown, as text
    md = (built_a.out / "beta.md").read_text()
    assert not re.search(r"(?<!\\)<(script|img|a\s|b>)", md)


def test_unchanged_build_runs_nothing(built_a, tmp_path):
    out = _copy(built_a, tmp_path)
    before = _snapshot_files(out)
    report = build(options=_options(out))
    assert {r.chapter: r.status for r in report.results} == {
        "alpha": "cached", "beta": "cached", "gamma": "cached", "missing": "missing"}
    assert report.executed == []
    after = _snapshot_files(out)
    assert {k: v for k, v in after.items() if k != "index.html"} == \
        {k: v for k, v in before.items() if k != "index.html"}


def test_cached_build_imports_nothing_heavy(built_a, tmp_path):
    out = _copy(built_a, tmp_path)
    code = (
        "import json, sys, time\n"
        "t = time.perf_counter()\n"
        "from analysis.cli import main\n"
        "try:\n"
        f"    main(['build', '--out', {str(out)!r}, '--data-dir', {str(SNAPSHOT)!r},\n"
        f"          '--chapters', {str(FIXTURES / 'chapters.toml')!r},\n"
        "          '--to', 'html,markdown'])\n"  # the formats built_a was built with
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "else:\n"
        "    code = 0\n"
        "heavy = [m for m in ('pandas', 'pandera', 'papermill', 'nbconvert', 'nbformat',\n"
        "                     'matplotlib', 'numpy') if m in sys.modules]\n"
        "print(json.dumps({'code': code, 'heavy': heavy, 's': time.perf_counter() - t}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # The no-op build's speed is measured in benchmarks/build.py (README), not asserted here:
    # what keeps it fast is that nothing heavy is imported.
    assert result["code"] == 0 and result["heavy"] == []


def test_changed_input_file_reruns_only_that_chapter(built_a, tmp_path, capsys):
    out = _copy(built_a, tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("first <b>note</b>")
    registry = FIXTURES / "chapters.toml"
    opts = _options(out, registry)
    before = _snapshot_files(out)
    report = build(["gamma"], {"notes_path": str(notes)}, options=opts)
    assert report.executed == ["gamma"]
    html = (out / "gamma.html").read_text()
    assert "Notes: first &lt;b&gt;note&lt;/b&gt;" in html
    after = _snapshot_files(out)
    for name in ("alpha.html", "beta.html", "alpha.md", "beta.key_figures.json"):
        assert after[name] == before[name]
    assert build(["gamma"], {"notes_path": str(notes)}, options=opts).executed == []
    notes.write_text("second note")  # same parameter, new content: runs again
    assert build(["gamma"], {"notes_path": str(notes)}, options=opts).executed == ["gamma"]
    assert "Notes: second note" in (out / "gamma.html").read_text()


def test_failing_chapter_keeps_the_previous_drafts(built_a, tmp_path, capsys):
    registry_dir = tmp_path / "registry"
    shutil.copytree(FIXTURES, registry_dir)
    registry = registry_dir / "chapters.toml"
    out = _copy(built_a, tmp_path)
    before = _snapshot_files(out)
    alpha_record = (out / ".build" / "alpha.json").read_bytes()
    # change beta's notebook (a markdown cell) and make gamma fail through its default
    nb = nbformat.read(registry_dir / "beta.ipynb", as_version=4)
    nb.cells[-1].source += "\n\nAn added sentence."
    nbformat.write(nb, registry_dir / "beta.ipynb")
    original = registry.read_text()
    registry.write_text(original.replace('parameters.fail = { type = "int", default = 0',
                                         'parameters.fail = { type = "int", default = 1'))
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--out", str(out), "--data-dir", str(SNAPSHOT), "--jobs", "2",
              "--chapters", str(registry), "--to", "html,markdown"])  # as built_a
    assert exit_.value.code == 1
    printed = capsys.readouterr()
    assert "gamma failed" in printed.out
    assert "cell 5 (In [5]) of gamma.ipynb" in printed.out
    assert "RuntimeError: deliberate failure (fail=1)" in printed.out
    assert "1 chapter(s) failed: gamma" in printed.err
    after = _snapshot_files(out)
    for name in ("gamma.html", "gamma.md", "gamma.key_figures.json", "gamma.ipynb"):
        assert after[name] == before[name], name  # the last good outputs are kept
    assert after["alpha.html"] == before["alpha.html"]
    assert "An added sentence." in after["beta.html"].decode()  # beta ran again
    failed = nbformat.read(out / "failed" / "gamma.ipynb", as_version=4)
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors and errors[0].evalue == "deliberate failure (fail=1)"
    index = BeautifulSoup(after["index.html"].decode(), "html.parser")
    gamma = index.find(id="chapter-gamma")
    assert "the latest build failed" in gamma.get_text()
    assert gamma.find("a", href="failed/gamma.ipynb") and gamma.find("a", href="gamma.html")
    assert (out / ".build" / "alpha.json").read_bytes() == alpha_record  # alpha was cached
    # back to the good parameters: gamma's earlier build is current again, nothing runs
    registry.write_text(original)
    report = build(options=_options(out, registry))
    assert report.executed == [] and not (out / "failed" / "gamma.ipynb").exists()
    index = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert "failed" not in index.find(id="chapter-gamma").get_text()
