"""Outputs do not change by accident: every chapter and a sweep against recorded files.

``tests/fixtures/golden/`` was recorded with ``python tests/pipeline/golden.py record`` from
the embedded snapshot with ``SOURCE_DATE_EPOCH`` fixed; regenerate it only for an intended
change of the outputs. The recorded sweep runs the country brief for PAK in 2020, which the
report's ``run country_brief`` also builds: both must give the same key figures and the same
Markdown draft (the HTML drafts differ only in their navigation links: the report's links
its neighbouring chapters, the sweep's its index one folder up).

Everything is built twice: with a new kernel per notebook (the ``local`` runner, as the files
were recorded) and in warm kernels (the ``warm`` runner, the default), and both must give the
recorded bytes.
"""

from __future__ import annotations

import json

import pytest

from .golden import GOLDEN, build_all, collect

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module", params=["local", "warm"])
def fresh(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"golden-{request.param}")
    build_all(out, runner=request.param)
    return collect(out)


def test_key_figures_are_the_recorded_ones(fresh):
    figures, _ = fresh
    recorded = {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
                for p in GOLDEN.rglob("*.key_figures.json")}
    assert sorted(figures) == sorted(recorded)
    for name, text in recorded.items():
        assert json.loads(figures[name]) == json.loads(text), name
        assert figures[name] == text, name


def test_drafts_and_sweep_tables_are_byte_identical(fresh):
    _, hashes = fresh
    recorded = json.loads((GOLDEN / "hashes.json").read_text(encoding="utf-8"))
    changed = sorted(n for n in recorded if hashes.get(n) != recorded[n])
    assert sorted(hashes) == sorted(recorded)
    assert changed == []


def test_run_and_sweep_give_the_same_chapter(fresh):
    figures, hashes = fresh
    combination = "sweep/country=PAK__year=2020/country_brief"
    assert figures[f"{combination}.key_figures.json"] == \
        figures["report/country_brief.key_figures.json"]
    assert hashes[f"{combination}.md"] == hashes["report/country_brief.md"]
