"""The report in a real browser (headless Chromium): every page loads offline without errors,
its images show with alt text, its links lead somewhere, its figures and tables are numbered
1..N, and text from hostile data is shown as text, never run.

A full-page screenshot of every page is kept for inspection (MIGRATION_SCREENSHOT_DIR, or the
session's temporary directory).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

from analysis.pipeline.chapters import load_chapters

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__x=1</script>"
IMG = '<img src=x onerror="window.__x=1">'
#: The pages of the report: the index and every chapter of the report whose notebook exists.
PAGES = ["index", *(c.id for c in load_chapters(Path(__file__).resolve().parents[2]
                                                / "notebooks" / "chapters.toml").values()
                    if c.exists and getattr(c, "report", True))]


@dataclass
class Visit:
    """A page opened in the browser, with everything that went wrong while loading it."""

    page: object
    path: Path
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser):
    """Open a report file offline: any request that is not file: or data: is aborted."""
    contexts = []

    def visit(path: Path) -> Visit:
        context = browser.new_context(viewport={"width": 1200, "height": 900},
                                      service_workers="block")
        contexts.append(context)
        page = context.new_page()
        found = Visit(page, path)

        def route(r) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                found.outside_requests.append(url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and found.console_errors.append(m.text))
        page.on("pageerror", lambda e: found.page_errors.append(str(e)))
        page.on("requestfailed",
                lambda r: found.failed_requests.append(f"{r.url[:120]}: {r.failure}"))
        page.goto(path.as_uri(), wait_until="load")
        return found

    yield visit
    for context in contexts:
        context.close()


def numbers(labels: list[str], word: str) -> list[int]:
    """``["Figure 1.", "Figure 2."]`` -> ``[1, 2]`` (fails on any other label)."""
    out = []
    for label in labels:
        m = re.fullmatch(rf"{word} (\d+)\.", label.strip())
        assert m, f"unexpected {word.lower()} label {label!r}"
        out.append(int(m.group(1)))
    return out


def check_page(v: Visit, *, chapter: bool) -> dict[str, int]:
    """Everything a page must satisfy; returns what was counted."""
    page = v.page
    assert v.console_errors == [], v.console_errors
    assert v.page_errors == [], v.page_errors
    assert v.failed_requests == [], v.failed_requests
    assert v.outside_requests == [], f"the page is not self-contained: {v.outside_requests}"
    assert page.title().strip()
    assert page.locator("h1").first.is_visible()

    images = page.evaluate("""() => Array.from(document.images).map(i => ({
        src: (i.getAttribute('src') || '').slice(0, 40), complete: i.complete,
        width: i.naturalWidth, alt: (i.getAttribute('alt') || '').trim()}))""")
    for img in images:
        assert img["complete"] and img["width"] > 0, f"image not loaded: {img['src']}"
        assert img["alt"], f"image without alt text: {img['src']}"

    anchors = page.evaluate("""() => Array.from(document.querySelectorAll('a[href]')).map(
        a => ({href: a.getAttribute('href'), toc: a.closest('nav.mr-toc') !== null}))""")
    for a in anchors:
        href = a["href"]
        assert not re.match(r"^\s*(https?:|//|javascript:)", href, re.I), href
        target, _, fragment = href.partition("#")
        if not target:
            found = page.evaluate("id => document.getElementById(id) !== null",
                                  unquote(fragment))
            assert found, f"link {href!r} points to no element"
            continue
        file = v.path.parent / unquote(target)
        assert file.is_file(), f"link {href!r} points to a missing file"
        if fragment and file.suffix == ".html":
            soup = BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")
            assert soup.find(id=unquote(fragment)), f"link {href!r}: no such element"
    toc = [a["href"] for a in anchors if a["toc"]]

    figures = numbers(page.locator("figure.mr-figure figcaption .mr-label").all_inner_texts(),
                      "Figure")
    tables = numbers(page.locator("figure.mr-table caption .mr-label").all_inner_texts(),
                     "Table")
    assert figures == list(range(1, len(figures) + 1)), figures
    assert tables == list(range(1, len(tables) + 1)), tables
    assert page.locator("figure.mr-figure img").count() == len(figures)
    if chapter:
        assert toc, "a chapter without a table of contents"
        # the contents really take the reader there: the last section scrolls to the top
        last = toc[-1]
        page.locator(f'nav.mr-toc a[href="{last}"]').click()
        page.wait_for_function("id => location.hash === '#' + id", arg=last[1:])
        top = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top",
                            unquote(last[1:]))
        at_end = page.evaluate(
            "() => Math.ceil(window.scrollY + window.innerHeight) >= "
            "document.documentElement.scrollHeight - 2")
        assert abs(top) < 5 or at_end, f"the contents link {last} did not scroll there ({top})"
    return {"images": len(images), "links": len(anchors), "toc": len(toc),
            "figures": len(figures), "tables": len(tables)}


def screenshot(v: Visit, directory: Path, name: str) -> Path:
    path = directory / f"{name}.png"
    v.page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_offline_and_complete(name, report, open_page, screenshot_dir):
    path = report / f"{name}.html"
    assert path.is_file(), f"{name}.html was not built"
    v = open_page(path)
    counted = check_page(v, chapter=name != "index")
    if name == "index":
        drafts = v.page.locator("section.mr-chapter h2 a").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))")
        assert drafts == [f"{c}.html" for c in PAGES[1:]]  # every chapter, in order
        assert v.page.locator(".mr-status-failed").count() == 0
    else:
        assert counted["figures"] >= 1 and counted["tables"] >= 1, counted
    screenshot(v, screenshot_dir, name)


def test_hostile_survey_text_is_shown_not_run(hostile_survey, open_page, browser,
                                               screenshot_dir):
    # A control: in this browser, an injected script does run and is seen.
    control = browser.new_page()
    control.set_content(f"<p>control</p>{SCRIPT}")
    assert control.evaluate("window.__x") == 1
    control.close()

    path = hostile_survey / "survey.html"
    raw = path.read_text(encoding="utf-8")
    escaped = "&lt;script&gt;window.__x=1&lt;/script&gt;"
    # the hostile strings reach the file (codebook title, education label, comments) ...
    assert f"education: {escaped} (vs none)" in raw
    assert f"MRC survey {escaped}" in raw
    assert raw.count(escaped) >= 4
    assert re.search(r"&lt;img src=x onerror=(\"|&#34;|&quot;)window\.__x=1", raw)
    # ... only as escaped text
    assert "<script" not in raw.lower() and "<img src=x" not in raw

    v = open_page(path)
    check_page(v, chapter=True)
    assert v.page.evaluate("typeof window.__x") == "undefined"
    assert v.page.locator("script").count() == 0 and v.page.locator("img[src='x']").count() == 0
    text = v.page.inner_text("body")
    assert SCRIPT in text and IMG in text
    term = v.page.locator("figure.mr-table td", has_text=f"education: {SCRIPT} (vs none)")
    assert term.count() == 1 and term.is_visible()
    comments = v.page.locator("figure.mr-table", has_text="Comments from respondents")
    cells = comments.locator("tbody td").all_inner_texts()
    assert SCRIPT in cells and IMG in cells
    screenshot(v, screenshot_dir, "hostile-survey")
