"""The report as the policy unit prints, edits and reuses it: print layout, PDF, Word, Excel, CSV.

Every page is laid out in print media at the width of an A4 text block and must fit it; each
chapter's PDF, Word document and workbook are opened with pypdf, python-docx and openpyxl and
compared with the HTML draft; every CSV linked under a figure or table must exist and hold the
numbers the draft shows and the key figures it backs.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import docx
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from pypdf import PdfReader

from analysis.pipeline.chapters import load_chapters

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
#: The chapters of the report whose notebook exists, and the pages: the index and those.
CHAPTERS = [c.id for c in load_chapters(ROOT / "notebooks" / "chapters.toml").values()
            if c.exists and c.report]
PAGES = ["index", *CHAPTERS]
#: A4 (210 mm) less the print margins of the chapter stylesheet (2 × 16 mm), in CSS pixels.
TEXT_WIDTH_PX = round((210 - 2 * 16) / 25.4 * 96)

_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [], scrolls = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 1 || r.left < -1))
      wide.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
    const ox = getComputedStyle(el).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1)
      scrolls.push(`${el.tagName.toLowerCase()}.${el.className}`);
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, wide, scrolls};
}"""


@pytest.mark.parametrize("name", PAGES)
def test_print_layout_fits_an_a4_page(browser, report, name):
    context = browser.new_context(viewport={"width": TEXT_WIDTH_PX, "height": 1000})
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        page.goto((report / f"{name}.html").as_uri())
        found = page.evaluate(_WIDE)
    finally:
        context.close()
    assert found["scrollWidth"] <= found["width"], f"{name} scrolls sideways in print"
    assert not found["wide"], f"{name}: wider than the page in print: {found['wide'][:5]}"
    assert not found["scrolls"], f"{name}: scroll bars in print: {found['scrolls'][:5]}"


def _soup(report: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((report / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def _pdf_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.mark.parametrize("name", CHAPTERS)
def test_pdf_is_the_draft_with_title_outline_and_every_figure_and_table(report, name):
    soup = _soup(report, name)
    reader = PdfReader(report / f"{name}.pdf")
    title = soup.title.get_text()
    assert reader.metadata.title == title
    assert len(reader.pages) >= 2
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4 portrait, points
    assert reader.outline, "no bookmarks"
    text = " ".join(_pdf_text(reader).split())
    for kind, selector in (("Figure", "figure.mr-figure"), ("Table", "figure.mr-table")):
        shown = len(soup.select(selector))
        numbers = {int(n) for n in re.findall(rf"{kind} (\d+)\.", text)}
        assert numbers == set(range(1, shown + 1)), f"{name}: {kind}s in the PDF: {numbers}"
    assert f"Page 2 of {len(reader.pages)}" in text  # the page numbers of the print stylesheet


def test_report_pdf_is_the_index_then_every_chapter(report):
    reader = PdfReader(report / "report.pdf")
    chapters = [PdfReader(report / f"{name}.pdf") for name in CHAPTERS]
    tops = [item.title for item in reader.outline if not isinstance(item, list)]
    assert tops == ["Contents", *(c.metadata.title for c in chapters)]
    assert len(reader.pages) > sum(len(c.pages) for c in chapters)
    assert "report.pdf" in (report / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CHAPTERS)
def test_word_draft_has_the_figures_and_tables_of_the_html(report, name):
    soup = _soup(report, name)
    doc = docx.Document(report / f"{name}.docx")
    assert doc.core_properties.title == soup.title.get_text()
    assert len(doc.tables) == len(soup.select("figure.mr-table table"))
    assert len(doc.inline_shapes) == len(soup.select("figure.mr-figure img"))
    headings = [" ".join(p.text.split()) for p in doc.paragraphs
                if p.style.name.startswith("Heading")]
    html = [" ".join(h.get_text(" ", strip=True).split())
            for h in soup.select("main h2, main h3, main h4, main h5, main h6")]
    assert headings and headings == html
    for table in doc.tables:
        assert "w:tblHeader" in table.rows[0]._tr.xml


@pytest.mark.parametrize("name", CHAPTERS)
def test_workbook_has_one_sheet_per_figure_and_table(report, name):
    soup = _soup(report, name)
    wb = load_workbook(report / f"{name}.xlsx", read_only=True)
    figures, tables = len(soup.select("figure.mr-figure")), len(soup.select("figure.mr-table"))
    expected = [f"Figure {i}" for i in range(1, figures + 1)]
    expected += [f"Table {i}" for i in range(1, tables + 1)]
    assert wb.sheetnames[0] == "Contents"
    assert sorted(wb.sheetnames[1:]) == sorted(expected)


def _csv(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    body = [ln for ln in lines if not ln.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(body))))
    return rows[0], rows[1:]




_READER = re.compile(r"^(?P<cmp>[<>] )?(?P<sign>[+-])?(?P<cur>US\$ ?)?(?P<num>\d+(?:\.\d+)?)"
                     r" ?(?P<scale>bn|m)?(?: ?(?P<pct>%|pp))?$")


def _matches(shown: str, value: str) -> bool:
    """A cell as shown for readers is the CSV value written the same way.

    The reader's forms (:mod:`analysis.export.numbers`): the minus sign, thousands
    separators, ``US$ 83.1 bn`` / ``US$ 435 m``, counts in millions (``12.3 m``),
    percentages and percentage points (``pp``) with a (narrow) space, and bounds such as ``> 99.9 %`` or ``< 0.001``.
    """
    text = (shown.replace("\xa0", " ").replace("\u202f", " ").replace("\u2212", "-")
            .replace(",", "").strip())
    m = _READER.match(text)
    if not m:
        if value.lower() in ("true", "false"):  # a flag shown as yes / no, kept as a boolean
            return shown == {"true": "yes", "false": "no"}[value.lower()]
        return shown == value or (shown == "\u2013" and value == "")
    if value == "":
        return False
    try:
        actual = float(value)
    except ValueError:  # a survey table keeps the text it shows (suppression included)
        return value == shown
    scale = {"bn": 1e9, "m": 1e6, None: 1.0}[m["scale"]]
    number = float(m["num"]) * scale * (-1 if m["sign"] == "-" else 1)
    candidates = (actual, 100 * actual) if m["pct"] or not m["scale"] else (actual,)
    if m["cmp"]:
        return any((c > number) if m["cmp"].startswith(">") else (c < number)
                   for c in candidates)
    decimals = len(m["num"].split(".")[1]) if "." in m["num"] else 0
    half = (0.5 * 10 ** -decimals) * scale + 1e-9
    if m["cur"] and not m["scale"]:  # money in full, rounded to three significant figures
        half = max(half, 0.005 * abs(number))
    return any(abs(c - number) <= half for c in candidates)


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_csv_link_resolves_and_holds_the_numbers_shown(report, name):
    soup = _soup(report, name)
    items = soup.select("figure.mr-figure, figure.mr-table")
    for item in items:
        link = item.select_one("p.mr-data a")
        assert link is not None, f"{name}: {item['id']} has no data link"
        path = report / link["href"]
        assert path.is_file(), f"{name}: {link['href']} does not exist"
        header, rows = _csv(path)
        assert header and all(h.strip() for h in header)
        if "mr-table" in item["class"]:
            shown = [[td.get_text() for td in tr.find_all("td")]
                     for tr in item.select("tbody tr")]
            assert len(rows) == len(shown)
            for shown_row, row in zip(shown, rows, strict=True):
                for cell, value in zip(shown_row, row, strict=True):
                    assert _matches(cell, value), f"{name} {item['id']}: {cell!r} vs {value!r}"


def _numbers(report: Path, name: str) -> set[float]:
    found = set()
    for path in (report / f"{name}_data").glob("*.csv"):
        for row in _csv(path)[1]:
            for cell in row:
                try:
                    found.add(float(cell))
                except ValueError:
                    continue
    return found


@pytest.mark.parametrize("name", CHAPTERS)
def test_csv_numbers_back_the_key_figures(report, name):
    doc = json.loads((report / f"{name}.key_figures.json").read_text(encoding="utf-8"))
    figures = doc["key_figures"]
    figures = figures if isinstance(figures, list) else [
        {"name": k, **v} for k, v in figures.items()]
    numbers = _numbers(report, name)
    backed = [f["name"] for f in figures
              if isinstance(f["value"], int | float) and not isinstance(f["value"], bool)
              and f["unit"] not in ("year", "ISO-3")
              and any(math.isclose(f["value"], n, rel_tol=1e-12) for n in numbers)]
    assert backed, f"{name}: no key figure is among the numbers of its CSV files"
