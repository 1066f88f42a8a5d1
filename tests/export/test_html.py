"""The HTML chapter draft: structure, numbering, self-containment and sanitising."""

from __future__ import annotations

import base64
import importlib.util
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from analysis.export.html import clean_html, to_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pipeline"
_spec = importlib.util.spec_from_file_location("pipeline_synthetic", FIXTURES / "synthetic.py")
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)

PARAMS = {"year": 2021, "data_dir": "/secret/path"}
DATA = {"detections.parquet": "ab" * 32}


@pytest.fixture(scope="module")
def rendered() -> tuple[str, list[str]]:
    nb = synthetic.hostile_notebook()
    return to_html(nb, chapter="demo", title="Demo <em>chapter</em> & co", parameters=PARAMS,
                   data=DATA, version="9.9.9", date="2024-01-02")


@pytest.fixture(scope="module")
def soup(rendered) -> BeautifulSoup:
    return BeautifulSoup(rendered[0], "html.parser")


def test_title_comes_from_the_registry_and_is_escaped(rendered, soup):
    html = rendered[0]
    assert soup.title.get_text() == "Demo <em>chapter</em> & co"
    assert [h.get_text() for h in soup.find_all("h1")] == ["Demo <em>chapter</em> & co"]
    assert "<em>chapter</em>" not in html
    # the notebook's own title heading is replaced by the registry title
    assert "Notebook title" not in html


def test_no_code_prompts_parameters_streams_or_key_figures(rendered):
    html = rendered[0]
    for absent in ("show.table(", "print(", "data_dir = None", "/secret/path", "year = 2021",
                   "In [", "Out[", "debug text", "FutureWarning", "Text(0.5", "key-figure",
                   "jp-InputArea", "highlight"):
        assert absent not in html, absent


def test_self_contained_no_scripts_no_outside_references(soup, rendered):
    assert soup.find_all("script") == []
    assert soup.find_all("link") == []
    assert soup.find_all("iframe") == [] and soup.find_all("object") == []
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (tag.name, name)
            if name in ("src", "href"):
                assert not re.match(r"^\s*(https?:|//|javascript:)", str(value), re.I), value
    assert "@import" not in rendered[0] and "url(" not in rendered[0]
    assert len(soup.find_all("style")) == 1


def test_figures_are_numbered_with_alt_caption_and_source(soup):
    figures = soup.select("figure.mr-figure")
    assert [f["id"] for f in figures] == ["figure-1", "figure-2"]
    first = figures[0]
    img = first.find("img")
    assert img["src"].startswith("data:image/png;base64,")
    png = base64.b64decode(img["src"].split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert img["alt"] == 'Line "up" <rising>'
    caption = first.find("figcaption").get_text(" ", strip=True)
    assert caption == "Figure 1. <img src=x onerror=alert(1)>"
    assert first.find("p", class_="mr-source").get_text() == "Source: Synthetic, 2025"
    assert figures[1].find("figcaption").get_text(" ", strip=True) == "Figure 2. Second figure"


def test_tables_are_rendered_from_json_with_escaped_cells(soup, rendered):
    tables = soup.select("figure.mr-table")
    assert [t["id"] for t in tables] == ["table-1"]
    table = tables[0].find("table")
    assert table.caption.get_text(" ", strip=True) == "Table 1. Persons & <b>places</b>"
    assert [th.get_text() for th in table.thead.find_all("th")] == ["Country", "Persons"]
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")]
    assert rows == [["<script>window.__x=1</script>", "1,234,567"], ["A | B", "89"]]
    assert table.tbody.find_all("td")[1]["class"] == ["num"]
    assert tables[0].find("p", class_="mr-source").get_text() == "Source: Survey <i>2025</i>"
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in rendered[0]
    assert "<script>window" not in rendered[0]


def test_markdown_and_prose_raw_html_is_text(soup, rendered):
    html = rendered[0]
    assert "<b>raw</b>" not in html and "&lt;b&gt;raw&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "javascript:" not in " ".join(str(a.attrs) for a in soup.find_all(True))
    strong = [s.get_text() for s in soup.find_all("strong")]
    assert "bold" in strong  # Markdown formatting still works
    # a link that leaves the page is written as text followed by its address
    assert "the data (https://example.org/data)" in soup.get_text()


def test_table_of_contents_links_unique_heading_ids(soup):
    toc = soup.select("nav.mr-toc a")
    targets = [a["href"] for a in toc]
    # level-2 sections are numbered by the export
    assert [a.get_text() for a in toc] == ["1. First section", "Detail", "2. Second section",
                                           "3. Second section"]
    ids = [t[1:] for t in targets]
    assert len(set(ids)) == len(ids)
    for anchor in ids:
        heading = soup.find(id=anchor)
        assert heading is not None and heading.name in ("h2", "h3")
    # the chapter's top heading level is h2 (the registry title is the only h1)
    assert soup.find(id=ids[0]).name == "h2" and soup.find(id=ids[1]).name == "h3"


def test_footer_has_parameters_checksums_version_but_not_data_dir(soup):
    footer = soup.find("footer")
    text = footer.get_text(" ", strip=True)
    assert "year 2021" in text
    assert "data_dir" not in text and "/secret/path" not in text
    assert "detections.parquet " + "ab" * 32 in text
    assert "9.9.9" in text and "2024-01-02" in text


def test_rendering_is_deterministic(rendered):
    again = to_html(synthetic.hostile_notebook(), chapter="demo",
                    title="Demo <em>chapter</em> & co", parameters=PARAMS, data=DATA,
                    version="9.9.9", date="2024-01-02")
    assert again[0] == rendered[0]


def test_unlabelled_image_is_left_out_with_a_warning():
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    png = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    nb = new_notebook(cells=[new_code_cell("plt.show()", outputs=[
        new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})])])
    html, warnings = to_html(nb, chapter="x", title="X", parameters={}, data={},
                             version="0", date="2024-01-01")
    assert BeautifulSoup(html, "html.parser").find("img") is None
    assert len(warnings) == 1 and "cell 1 (plt.show())" in warnings[0]
    assert "a figure" in warnings[0]


@pytest.mark.parametrize(("dirty", "absent", "kept"), [
    ("<script>alert(1)</script><p>ok</p>", "<script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('<p onclick="alert(1)">x</p>', "onclick", "<p>x</p>"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:", "<a>x</a>"),
    ('<img src="https://cdn.example/x.png">', "<img", "&lt;img"),
    ('<h2 id="s" style="color:red">T</h2>', "style=", '<h2 id="s">T</h2>'),
])
def test_clean_html_removes_active_content(dirty, absent, kept):
    cleaned = clean_html(dirty)
    assert absent not in cleaned
    assert kept in cleaned
