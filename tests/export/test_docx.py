"""The Word draft: real headings, pictures with captions and sources, tables with header rows."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import docx
import matplotlib
import pandas as pd
import pytest

from analysis.export import display
from analysis.export.docx import to_docx
from analysis.export.markdown import chapter_blocks

matplotlib.use("Agg")

MOMENT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
COMMON = {"parameters": {"year": 2020}, "data": {"frontex.csv": "ab" * 32},
          "version": "0.1.0", "date": "2023-11-14"}


@pytest.fixture
def blocks(monkeypatch):
    import matplotlib.pyplot as plt

    published: list[tuple[dict, dict]] = []
    monkeypatch.setattr(display, "_publish", lambda data, metadata=None:
                        published.append((data, metadata or {})))
    display.prose("Detections **fell** by 12%, a *sharp* change (US$ 5 and US$ 6).")
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2], [3, 4])
    display.figure(fig, caption="Detections by year", source="Frontex (3 Jun 2025)",
                   alt="A rising line", data=pd.DataFrame({"year": [1, 2], "value": [3, 4]}))
    display.table(pd.DataFrame({"route": ["Eastern <b>Med</b>", "Central"], "n": [5, 6]}),
                  caption="Routes", source="Frontex table")
    outputs = [{"output_type": "display_data", "data": d, "metadata": m} for d, m in published]
    nb = {"cells": [
        {"cell_type": "markdown", "source": "# Title\n\n## Border crossings\n\nText.",
         "metadata": {}},
        {"cell_type": "code", "source": "print(1)", "metadata": {}, "outputs": [
            {"output_type": "stream", "name": "stdout", "text": "debug\n"}, *outputs]},
        {"cell_type": "markdown", "source": "### Detail", "metadata": {}},
    ]}
    return chapter_blocks(nb)


def _document(blocks, **kw) -> docx.document.Document:
    data = to_docx("trends", "Trends & routes", blocks, moment=MOMENT, csv_links=True,
                   **COMMON, **kw)
    return docx.Document(io.BytesIO(data))


def test_word_structure(blocks):
    doc = _document(blocks)
    styles = [(p.style.name, p.text) for p in doc.paragraphs if p.text.strip()]
    assert styles[0] == ("Title", "Trends & routes")
    assert ("Heading 1", "1. Border crossings") in styles  # sections numbered by the export
    assert ("Heading 2", "Detail") in styles
    assert doc.core_properties.title == "Trends & routes"
    # the figure: a picture, its caption and its source line with the CSV
    assert len(doc.inline_shapes) == 1
    assert 'descr="A rising line"' in doc.element.xml  # the alt text, not the caption
    text = "\n".join(t for _, t in styles)
    assert "Figure 1. Detections by year" in text
    assert "Source: Frontex (3 Jun 2025)" in text
    assert "trends_data/figure-1.csv" in text
    # the table: a Word table whose first row is a repeated header row
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Route", "n"]
    assert [c.text for c in table.rows[1].cells] == ["Eastern <b>Med</b>", "5"]
    assert "w:tblHeader" in table.rows[0]._tr.xml
    assert "Table 1. Routes" in text and "Source: Frontex table" in text
    # prose formatting survives; no code, no stream output, dollars are text
    assert "debug" not in text and "print(1)" not in text
    assert "US$ 5 and US$ 6" in text
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert "fell" in bold


def test_word_bytes_are_reproducible(blocks):
    one = to_docx("c", "T", blocks, moment=MOMENT, csv_links=False, **COMMON)
    assert to_docx("c", "T", blocks, moment=MOMENT, csv_links=False, **COMMON) == one
    doc = docx.Document(io.BytesIO(one))
    assert doc.core_properties.created == MOMENT
