"""A notebook can set its chapter title (e.g. "… (synthetic data)"), escaped like any text."""

from __future__ import annotations

import nbformat
import pytest

from analysis.export import display
from analysis.export.html import to_html
from analysis.export.markdown import notebook_title, to_markdown


def _notebook(monkeypatch, *titles: str):
    """A notebook whose only code cell shows what display.title publishes."""
    outputs = []
    monkeypatch.setattr(display, "_publish", lambda data, metadata=None: outputs.append(
        nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})))
    for t in titles:
        display.title(t)
    display.prose("Some prose.")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show.title(...)")
    cell.outputs = outputs
    nb.cells = [nbformat.v4.new_markdown_cell("# Registry-less title"), cell]
    return nb


COMMON = {"chapter": "demo", "parameters": {}, "data": {}, "version": "0", "date": "2024-01-01"}


def test_notebook_title_replaces_registry_title(monkeypatch):
    nb = _notebook(monkeypatch, "First", "Survey <b>(synthetic data)</b>")
    assert notebook_title(nb) == "Survey <b>(synthetic data)</b>"
    html, _ = to_html(nb, title="Registry title", **COMMON)
    assert "<title>Survey &lt;b&gt;(synthetic data)&lt;/b&gt;</title>" in html
    assert "Registry title" not in html and "<b>(synthetic" not in html
    md = to_markdown(nb, title="Registry title", **COMMON)
    assert md.text.splitlines()[0] == r"# Survey \<b\>(synthetic data)\</b\>"


def test_without_a_notebook_title_the_registry_title_stays(monkeypatch):
    nb = _notebook(monkeypatch)
    html, _ = to_html(nb, title="Registry title", **COMMON)
    assert "<title>Registry title</title>" in html


def test_empty_title_is_refused():
    with pytest.raises(ValueError, match="cannot be empty"):
        display.title("  ")


def test_dollar_amounts_in_prose_keep_their_formatting(monkeypatch):
    """Two "US$" in one paragraph are not inline maths: the bold between them is kept."""
    outputs = []
    monkeypatch.setattr(display, "_publish", lambda data, metadata=None: outputs.append(
        nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})))
    display.prose("Received **US$ 661.6 billion**; paid US$ 435.1 billion, see `a$b`.")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show.prose(...)")
    cell.outputs = outputs
    nb.cells = [cell]
    html, _ = to_html(nb, title="T", **COMMON)
    assert "<strong>US$ 661.6 billion</strong>" in html
    assert "paid US$ 435.1 billion" in html and "<code>a$b</code>" in html
