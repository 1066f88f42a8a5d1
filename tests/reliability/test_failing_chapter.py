"""Chapters that fail — by raising, by killing their kernel, by killing their worker process —
leave the other chapters and the index written, and keep their own last good draft.

The registry uses the pipeline fixture notebooks (alpha, beta, gamma: gamma raises when
``fail = 1``) and ``fixtures/crash.ipynb`` (its kernel exits, or kills the build's worker
process, on request). ``tests/test_pipeline_build.py`` covers a failure after a good build and
the terminal output; this module covers a first failure with no good draft yet, what the index
and the kept notebook say, recovery, and failures that take processes down.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from .conftest import EPOCH, HERE, PIPELINE_FIXTURES, ROOT

pytestmark = pytest.mark.reliability

SNAPSHOT = ROOT / "data" / "snapshot"
BUILT_AT = "2023-11-14T22:13:20Z"
assert EPOCH == "1700000000"

REGISTRY = """\
[chapters.alpha]
notebook = "{fixtures}/alpha.ipynb"
title = "Alpha: detections on the Silk Routes"
tables = ["detections"]
parameters.year = {{ type = "year", default = 2020, table = "detections", help = "Report year" }}
parameters.countries = {{ type = "codes", default = "silk_routes", help = "Countries" }}
parameters.top_n = {{ type = "int", default = 3, min = 1, max = 10, help = "Rows in the table" }}
parameters.label = {{ type = "str", default = "routes", help = "A label" }}

[chapters.beta]
notebook = "{fixtures}/beta.ipynb"
title = "Beta: data-derived text"
parameters.scale = {{ type = "float", default = 1.5, min = 0.0, max = 10.0, help = "Scale" }}
parameters.mode = {{ type = "choice", default = "plain", choices = ["plain", "fancy"], help = "Mode" }}

[chapters.gamma]
notebook = "{fixtures}/gamma.ipynb"
title = "Gamma: a chapter that can fail"
parameters.fail = {{ type = "int", default = {fail}, min = 0, max = 1, help = "1: raise in cell 5" }}
parameters.notes_path = {{ type = "path", default = "", help = "A text file shown as prose" }}

[chapters.crash]
notebook = "{crash}"
title = "Crash: a chapter whose processes die"
parameters.how = {{ type = "choice", default = "{how}", choices = ["none", "kernel", "worker"], help = "What dies" }}
"""


def write_registry(path: Path, *, fail: int, how: str) -> Path:
    path.write_text(REGISTRY.format(fixtures=PIPELINE_FIXTURES.as_posix(), fail=fail, how=how,
                                    crash=(HERE / "fixtures" / "crash.ipynb").as_posix()),
                    encoding="utf-8")
    return path


def statuses(stdout: str) -> dict[str, str]:
    """Chapter -> status from the closing table."""
    return dict(re.findall(r"│ (alpha|beta|gamma|crash)\s+│ (\w+)\s+│", stdout))


def sections(out: Path) -> dict[str, BeautifulSoup]:
    index = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    for a in index.find_all("a", href=True):  # every link of the index resolves
        assert (out / a["href"]).is_file(), a["href"]
    return {s["id"].removeprefix("chapter-"): s for s in index.select("section.mr-chapter")}


def said(section: BeautifulSoup) -> str:
    """The text of a section as a reader sees it (white space collapsed)."""
    return " ".join(section.get_text().split())


def links(section: BeautifulSoup) -> dict[str, str]:
    return {a.get_text(): a["href"] for a in section.find_all("a", href=True)}


def test_failures_keep_the_others_the_index_and_the_last_good_drafts(cli, tmp_path):
    registry = tmp_path / "chapters.toml"
    out = tmp_path / "report"
    build = ("build", "--data-dir", SNAPSHOT, "--out", out, "--chapters", registry,
             "--jobs", "2", "--to", "html,markdown")  # the links below are of these formats

    # 1. First build ever: gamma raises, crash's kernel dies. No good draft of either yet.
    write_registry(registry, fail=1, how="kernel")
    done = cli(*build)
    assert done.code == 1, done.text
    assert statuses(done.out) == {"alpha": "done", "beta": "done", "gamma": "FAILED",
                                  "crash": "FAILED"}
    assert re.search(r"2 chapter\(s\) failed: (gamma, crash|crash, gamma)", done.err)
    for chapter in ("alpha", "beta"):
        for suffix in (".html", ".md", ".key_figures.json", ".ipynb"):
            assert (out / f"{chapter}{suffix}").is_file()
    assert not list(out.glob("gamma.*")) and not list(out.glob("crash.*"))
    index = sections(out)
    gamma = index["gamma"]
    assert "the latest build failed; no good draft yet" in said(gamma)
    assert gamma.h2.find("a") is None  # no draft to link to
    message = gamma.find("pre").get_text()
    assert re.search(r"cell 5 \(In \[\d+\]\) of .*gamma\.ipynb", message)
    assert "RuntimeError: deliberate failure (fail=1)" in message
    assert links(gamma) == {"Failed notebook": "failed/gamma.ipynb"}
    crash = index["crash"]
    assert "DeadKernelError" in crash.find("pre").get_text()
    assert links(crash) == {"Failed notebook": "failed/crash.ipynb"}
    assert links(index["alpha"])["HTML draft"] == "alpha.html"
    assert f"built {BUILT_AT}" in said(index["alpha"])

    # The kept notebook shows what ran, with which parameters, and the traceback.
    failed = nbformat.read(out / "failed" / "gamma.ipynb", as_version=4)
    injected = [c for c in failed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and re.search(r"^fail = 1$", injected[0].source, re.M)
    assert f'data_dir = "{SNAPSHOT}"' in injected[0].source
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "RuntimeError"
    assert any("deliberate failure" in line for line in errors[0].traceback)
    ran = [c for c in failed.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in ran)  # every cell up to the failure

    # 2. Fixed: both build, the failure records and kept notebooks are cleared.
    write_registry(registry, fail=0, how="none")
    done = cli(*build)
    assert done.code == 0, done.text
    assert statuses(done.out) == {"alpha": "cached", "beta": "cached", "gamma": "done",
                                  "crash": "done"}
    assert not (out / "failed" / "gamma.ipynb").exists()
    assert not (out / "failed" / "crash.ipynb").exists()
    assert not list((out / ".build").glob("*.failed.json"))
    index = sections(out)
    assert all("failed" not in s.get_text() for s in index.values())
    good = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    # 3. Everything runs again (--force); gamma raises and crash kills its worker process,
    #    which breaks the whole process pool: alpha and beta must still be built.
    write_registry(registry, fail=1, how="worker")
    done = cli(*build, "--force")
    assert done.code == 1, done.text
    assert statuses(done.out) == {"alpha": "done", "beta": "done", "gamma": "FAILED",
                                  "crash": "FAILED"}
    assert "the worker process died (BrokenProcessPool), also when run alone" in done.out
    for name in ("alpha.html", "alpha.md", "beta.html", "beta.key_figures.json",
                 "gamma.html", "gamma.md", "gamma.key_figures.json", "gamma.ipynb",
                 "crash.html", "crash.ipynb"):
        assert (out / name).read_bytes() == good[name], name  # rebuilt identical, or kept
    index = sections(out)
    text = said(index["gamma"])
    assert f"the latest build failed; the draft below is the last good one, built {BUILT_AT}" \
        in text
    assert links(index["gamma"]) == {"Gamma: a chapter that can fail": "gamma.html",
                                     "HTML draft": "gamma.html", "Markdown": "gamma.md",
                                     "Key figures (JSON)": "gamma.key_figures.json",
                                     "Executed notebook": "gamma.ipynb",
                                     "Failed notebook": "failed/gamma.ipynb"}
    crash_text = said(index["crash"])
    assert "the worker process died" in crash_text and "the last good one" in crash_text
    assert links(index["crash"])["HTML draft"] == "crash.html"
    assert "failed" not in index["alpha"].get_text() and "failed" not in index["beta"].get_text()
