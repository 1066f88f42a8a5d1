"""The chapter blocks and the Markdown export for editors."""

from __future__ import annotations

import base64
import importlib.util
import re
from pathlib import Path

import pytest

from analysis.export.markdown import (
    chapter_blocks,
    escape_inline,
    neutralise_html,
    shift_headings,
    to_markdown,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pipeline"
_spec = importlib.util.spec_from_file_location("pipeline_synthetic", FIXTURES / "synthetic.py")
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)


@pytest.fixture(scope="module")
def nb():
    return synthetic.hostile_notebook()


@pytest.fixture(scope="module")
def exported(nb):
    return to_markdown(nb, chapter="demo", title="Demo | chapter", parameters={"year": 2021},
                       data={"detections.parquet": "cd" * 32}, version="9.9.9",
                       date="2024-01-02")


def test_blocks_skip_parameters_streams_and_key_figures(nb):
    blocks = chapter_blocks(nb)
    kinds = [b.kind for b in blocks]
    assert kinds == ["markdown", "markdown", "table", "figure", "markdown", "markdown", "figure"]
    assert [b.number for b in blocks if b.kind == "figure"] == [1, 2]
    assert [b.number for b in blocks if b.kind == "table"] == [1]
    # the notebook title is dropped, the summary kept
    assert blocks[0].text.strip() == "Summary line with <b>raw</b> HTML."
    # source cell indices: injected-parameters (2) and parameters (1) never appear
    assert {b.cell for b in blocks}.isdisjoint({1, 2})


def test_heading_levels_are_shifted_to_start_at_two(nb):
    texts = [b.text for b in chapter_blocks(nb) if b.kind == "markdown"]
    assert "## 1. First section" in texts[1] and "### Detail" in texts[1]
    assert shift_headings("## A\n### B", 1) == "### A\n#### B"
    assert shift_headings("# T\n\nintro\n# Real", 1, drop_title=True) == "intro\n## Real"
    # not inside code fences; never above level 2 or below 6
    assert shift_headings("```\n# x\n```\n###### deep", 1) == "```\n# x\n```\n###### deep"
    assert shift_headings("# top", -3) == "## top"


def test_neutralise_html_outside_code_only():
    text = 'a <script>x</script> `<b>` and\n```\n<div>\n```\nb <img src=x>'
    assert neutralise_html(text) == ('a &lt;script>x&lt;/script> `<b>` and\n```\n<div>\n```\n'
                                     'b &lt;img src=x>')
    assert neutralise_html("1 < 2 and 3 > 2") == "1 < 2 and 3 > 2"


def test_escape_inline():
    assert escape_inline("a|b") == "a\\|b"
    assert escape_inline("<i>x</i>") == "\\<i\\>x\\</i\\>"
    assert escape_inline("share_of_total *n*") == "share_of_total \\*n\\*"
    assert escape_inline("_lead and trail_") == "\\_lead and trail\\_"
    assert escape_inline("two\nlines") == "two lines"


def test_markdown_document(exported):
    text = exported.text
    assert text.startswith("# Demo \\| chapter\n\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "**Table 1.** Persons & \\<b\\>places\\</b\\>" in text
    assert ("| Country | Persons |\n| --- | ---: |\n"
            "| \\<script\\>window.\\__x=1\\</script\\> | 1,234,567 |\n| A \\| B | 89 |") in text
    assert "*Source: Survey \\<i\\>2025\\</i\\>*" in text
    assert "**Figure 1.** \\<img src=x onerror=alert(1)\\>" in text
    assert "![Line \"up\" \\<rising\\>](demo_files/figure-1.png)" in text
    assert "**Figure 2.** Second figure" in text
    assert "A comment: &lt;img src=x onerror=alert(2)>" in text
    assert re.search(r"(?<!\\)<(script|img|a\s|b>|i>)", text) is None  # no live tag
    for absent in ("debug text", "data_dir", "/secret/path", "Text(0.5", "Notebook title"):
        assert absent not in text, absent
    assert "*Parameters:* Report year: 2021" in text  # readable labels, no code
    assert "- detections.parquet: " + "cd" * 32 in text
    assert "migration-report 9.9.9" in text and "2024-01-02" in text


def test_side_car_figures_are_the_notebook_pngs(nb, exported):
    pngs = [b for b in chapter_blocks(nb) if b.kind == "figure"]
    assert sorted(exported.files) == ["demo_files/figure-1.png", "demo_files/figure-2.png"]
    assert exported.files["demo_files/figure-1.png"] == base64.b64decode(pngs[0].image)
    assert exported.files["demo_files/figure-1.png"][:4] == b"\x89PNG"


def test_markdown_export_is_deterministic(exported):
    again = to_markdown(synthetic.hostile_notebook(), chapter="demo", title="Demo | chapter",
                        parameters={"year": 2021}, data={"detections.parquet": "cd" * 32},
                        version="9.9.9", date="2024-01-02")
    assert again.text == exported.text and again.files == exported.files
