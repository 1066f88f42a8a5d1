"""The report index page."""

from __future__ import annotations

from bs4 import BeautifulSoup

from analysis.export.index import IndexEntry, render_index


def _render() -> str:
    entries = [
        IndexEntry("trends", "Trends <script>alert(1)</script>", "ok",
                   links={"HTML draft": "trends.html", "Markdown": "trends.md"},
                   parameters={"year": 2020, "region": "<b>x</b>"}, built_at="2024-01-02T00:00:00Z",
                   vintages=[{"table": "detections", "producer": "Frontex", "dataset": "Map",
                              "vintage": "data as of 3 Jun 2025"}]),
        IndexEntry("survey", "Survey", "failed", links={"Failed notebook": "failed/survey.ipynb"},
                   message="cell 5 (In [3]) of s.ipynb:\n  KeyError: '<x>'"),
        IndexEntry("talent", "Talent", "missing"),
    ]
    return render_index(entries, built_at="2024-01-02T00:00:00Z", version="1.2.3",
                        data_label="data/snapshot (snapshot)", data={"a.parquet": "f" * 64},
                        vintages=[{"table": "detections", "producer": "Frontex",
                                   "dataset": "Map", "vintage": "v1", "licence": "MIT"}])


def test_index_links_chapters_with_titles_parameters_and_vintages():
    soup = BeautifulSoup(_render(), "html.parser")
    sections = soup.select("section.mr-chapter")
    assert [s["id"] for s in sections] == ["chapter-trends", "chapter-survey", "chapter-talent"]
    trends = sections[0]
    assert trends.h2.a["href"] == "trends.html"
    assert trends.h2.get_text() == "Trends <script>alert(1)</script>"
    assert "year 2020" in trends.get_text(" ", strip=True)
    assert "data as of 3 Jun 2025" in trends.get_text()
    assert "2024-01-02T00:00:00Z" in trends.get_text()
    assert "the latest build failed" in sections[1].get_text()
    assert sections[1].find("a", href="failed/survey.ipynb") is not None
    assert "KeyError: '<x>'" in sections[1].pre.get_text()
    assert "not written yet" in sections[2].get_text()
    assert "1.2.3" in soup.get_text() and "f" * 64 in soup.get_text()


def test_index_escapes_and_has_no_scripts():
    html = _render()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all("script") == [] and soup.find_all("link") == []
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "http" not in " ".join(str(a.get("href", "")) for a in soup.find_all("a"))
