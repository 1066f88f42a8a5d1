"""HTML chapter drafts: nbconvert with the project's own template, sanitised, self-contained.

:class:`ChapterHTMLExporter` is an nbconvert :class:`~nbconvert.exporters.HTMLExporter` whose
template lives in ``analysis/export/templates/chapter`` (found through
``extra_template_basedirs``). The draft has

- the registry title, a table of contents built from the markdown headings, with anchors;
- prose and markdown cells, numbered figures (PNG as ``data:`` URIs, alt text, caption and a
  source line) and numbered tables with captions, rendered from the table JSON;
- no code, no prompts, no injected parameters, no key figures, no streams;
- one inline stylesheet and no scripts, fonts or links to anything outside the file;
- a footer with the parameters (not ``data_dir``), the data checksums and the project version.

Sanitising. The Jinja environment autoescapes everything rendered from metadata (captions,
sources, alt text, table cells, parameters). Markdown (cells and prose from
:func:`analysis.export.display.prose`) is rendered with nbconvert's markdown filter after raw
HTML tags in it have been turned into text, then cleaned by nbconvert's
:class:`~nbconvert.preprocessors.SanitizeHTML` (bleach) with an allow-list; other HTML
outputs go through the same cleaner. The exporter sets ``sanitize_html = True`` and replaces
nbconvert's ``clean_html`` filter by that cleaner: nbconvert 7.17's own filter allows neither
headings nor paragraphs (it escapes ``<h2>`` and ``<p>``), which would print them as text.
Links that leave the page are written as their text followed by the address in brackets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from markupsafe import Markup
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown import markdown2html
from nbconvert.preprocessors import Preprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from traitlets import default

from analysis.export.data import data_file, with_data
from analysis.export.labels import parameter_label, value_label
from analysis.export.markdown import (
    chapter_blocks,
    exploratory_outputs,
    neutralise_html,
    notebook_title,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "chapter"
BLOCKS_KEY = "migration_report_blocks"

_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
ALLOWED_TAGS = [
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
    "em", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", *_HEADINGS,
]
_CELL_ATTRS = ["align", "colspan", "rowspan", "scope", "style"]
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "ol": ["start"],
    "td": _CELL_ATTRS,
    "th": _CELL_ATTRS,
    **{h: ["id"] for h in _HEADINGS},
}
ALLOWED_STYLES = ["text-align"]
_RESERVED_IDS = {"top", "contents", "about"}



_CODE = re.compile(r"(```[\s\S]*?```|`[^`\n]*`)")


def escape_dollars(text: str) -> str:
    """Escape ``$`` outside code, so that "US$ 1 … US$ 2" is text, not inline maths.

    The drafts load no maths renderer (they must open offline), and nbconvert's Markdown
    parser would otherwise take the text between two dollar signs as a formula and leave it
    unformatted (bold and links inside it were lost).

    Examples
    --------
    >>> print(escape_dollars("**US$ 1** and US$ 2 in `a$b`"))
    **US\\$ 1** and US\\$ 2 in `a$b`
    """
    parts = _CODE.split(text)
    return "".join(p if i % 2 else re.sub(r"(?<!\\)\$", r"\\$", p) for i, p in enumerate(parts))

def css_string(text: str) -> Markup:
    r"""``text`` as a quoted CSS string, every character but letters, digits and spaces escaped.

    For the running head of the print stylesheet: nothing in it can end the string or the
    ``<style>`` element.

    Examples
    --------
    >>> str(css_string('Trends "2020" </style>'))
    '"Trends \\22 2020\\22  \\3c \\2f style\\3e "'
    """
    out = [c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):x} " for c in text]
    return Markup('"' + "".join(out) + '"')  # safe: nothing but letters, digits, escapes


def sanitizer() -> SanitizeHTML:
    """nbconvert's bleach-based sanitiser with the allow-list of the chapter drafts."""
    return SanitizeHTML(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, styles=ALLOWED_STYLES,
                        strip=False, strip_comments=True)


def clean_html(html: str) -> str:
    """Sanitise an HTML fragment: disallowed tags become text, scripts never survive."""
    return sanitizer().sanitize_html_tags(str(html))


class _Anchors:
    """Unique heading ids for one document."""

    def __init__(self) -> None:
        self.used: set[str] = set(_RESERVED_IDS)

    def take(self, wanted: str) -> str:
        base = re.sub(r"[^\w%.-]+", "-", wanted).strip("-") or "section"
        if re.match(r"^(figure|table)-\d+$", base):
            base = f"section-{base}"
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}-{n}"
        self.used.add(candidate)
        return candidate


def _finish_fragment(html: str, anchors: _Anchors, toc: list[dict[str, Any]]) -> str:
    """Give headings unique ids (collecting the contents) and unlink outside addresses."""
    soup = BeautifulSoup(html, "html.parser")
    for heading in soup.find_all(list(_HEADINGS)):
        for link in heading.find_all("a", class_="anchor-link"):
            link.decompose()
        for link in heading.find_all("a"):
            if link.get_text() == "¶":
                link.decompose()
        text = heading.get_text(" ", strip=True)
        heading["id"] = anchors.take(str(heading.get("id") or text))
        level = int(heading.name[1])
        if level <= 3 and text:
            toc.append({"level": level, "text": text, "id": heading["id"]})
    for link in soup.find_all("a"):
        href = str(link.get("href", ""))
        if href.startswith("#"):
            del link["title"]
            continue
        text = link.get_text()
        if href and href != text:
            link.insert_after(f" ({href})")
        link.unwrap()
    return str(soup)


class ChapterPreprocessor(Preprocessor):
    """Turn an executed notebook into report blocks (see :mod:`analysis.export.markdown`).

    Each kept cell gets ``metadata.migration_report_blocks``: plain dicts the template renders;
    markdown is rendered and sanitised here; cells without blocks are dropped. The table of
    contents goes to ``resources["chapter"]["toc"]`` and the outputs left out because they
    were not shown with the display helpers to ``resources["chapter"]["warnings"]``.
    """

    def preprocess(self, nb, resources):  # noqa: ANN001, ANN201 - nbconvert's signature
        chapter = resources.setdefault("chapter", {})
        anchors = _Anchors()
        toc: list[dict[str, Any]] = []
        warnings: list[str] = exploratory_outputs(nb)
        by_cell: dict[int, list[dict[str, Any]]] = {}
        data_links = bool(chapter.get("data_links"))
        for block in chapter_blocks(nb):
            item = block.to_dict()
            item.pop("data", None)  # the numbers go to CSV files, not into the page
            item["data_href"] = (data_file(str(chapter.get("id", "")), block)
                                 if data_links and block in with_data([block]) else "")
            if block.kind == "markdown":
                item["html"] = _finish_fragment(
                    clean_html(markdown2html(escape_dollars(neutralise_html(block.text)))),
                    anchors, toc)
            elif block.kind == "html":
                item["html"] = _finish_fragment(clean_html(block.text), anchors, toc)
            by_cell.setdefault(block.cell, []).append(item)
        kept = []
        for index, cell in enumerate(nb.cells):
            if index in by_cell:
                cell.metadata[BLOCKS_KEY] = by_cell[index]
                kept.append(cell)
        nb.cells = kept
        top = min((e["level"] for e in toc), default=2)
        for entry in toc:
            entry["depth"] = entry["level"] - top
        chapter["toc"] = toc
        chapter["warnings"] = warnings
        return nb, resources


class ChapterHTMLExporter(HTMLExporter):
    """nbconvert exporter for chapter drafts (template ``chapter``, autoescaping Jinja)."""

    export_from_notebook = None

    @default("template_name")
    def _template_name_default(self) -> str:
        return TEMPLATE_NAME

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self) -> list[str]:
        return [str(TEMPLATES_DIR)]

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self) -> bool:
        return True

    @default("sanitize_html")
    def _sanitize_html_default(self) -> bool:
        return True

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.register_preprocessor(ChapterPreprocessor(parent=self), enabled=True)

    def _create_environment(self):  # noqa: ANN202 - nbconvert's signature
        env = super()._create_environment()
        env.autoescape = True
        return env

    def default_filters(self):  # noqa: ANN201 - nbconvert's signature
        yield from super().default_filters()
        yield ("clean_html", clean_html)
        yield ("css_string", css_string)


def to_html(nb: Any, *, chapter: str, title: str, parameters: Mapping[str, Any],
            data: Mapping[str, str], version: str, date: str,
            data_links: bool = False,
            nav: Mapping[str, Mapping[str, str]] | None = None) -> tuple[str, list[str]]:
    """Render an executed notebook as a chapter draft.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    chapter, title : str
        Chapter id and title.
    parameters : mapping
        Parameter values for the footer (``data_dir`` is left out if present).
    data : mapping
        Data file -> SHA-256, for the footer.
    version, date : str
        Project version and build date, for the footer.
    data_links : bool, default False
        Link each figure and table that carries its numbers to its CSV
        (``CHAPTER_data/figure-N.csv``, written by :mod:`analysis.export.data`).
    nav : mapping, optional
        ``{"previous": {"href", "title"}, "next": {...}}``: the neighbouring chapters linked
        at the top and bottom (with the report index, ``index.html``, always).

    Returns
    -------
    html : str
        The document.
    warnings : list of str
        Things an editor should fix in the notebook (e.g. a figure without caption).
    """
    title = notebook_title(nb) or title
    shown = {parameter_label(k): value_label(v) for k, v in parameters.items()
             if k != "data_dir"}
    resources = {"chapter": {"id": chapter, "title": title, "parameters": shown,
                             "data": dict(data), "version": version, "date": date,
                             "data_links": data_links, "nav": dict(nav or {})}}
    html, resources = _exporter().from_notebook_node(nb, resources=resources)
    return html, list(resources["chapter"].get("warnings", []))


@lru_cache(maxsize=1)
def _exporter() -> ChapterHTMLExporter:
    """One exporter per process: its compiled template serves every chapter after the first
    (compiling it took a tenth of a second per draft). Everything about a chapter travels in
    ``resources``, so nothing of one draft reaches the next."""
    return ChapterHTMLExporter()
