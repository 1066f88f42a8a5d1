"""PDF drafts: the HTML draft printed by headless Chromium, made reproducible with pypdf.

The PDF is the same document as ``CHAPTER.html``, laid out by the print stylesheet of the
chapter template (A4, running head, page numbers; see ``templates/chapter/style.css``).
Playwright drives Debian's Chromium (``/usr/bin/chromium``, or the browser named by
``MIGRATION_CHROMIUM``); Playwright's own browser download is not needed. Chromium writes the
bookmarks (document outline) from the headings and a tagged PDF.

Chromium stamps every PDF with the time it was made. :func:`reproducible` rewrites the file
with pypdf: the creation and modification dates become the build's date, the document ID is a
hash of the content and the XMP packet (dates and a random UUID) is dropped, so the same
draft under the same ``SOURCE_DATE_EPOCH`` gives the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# pypdf warns about harmless quirks of Chromium's files (a trailer /Size one short).
logging.getLogger("pypdf").setLevel(logging.ERROR)

#: Environment variable naming the Chromium executable.
CHROMIUM_ENV = "MIGRATION_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: A quiet, offline headless browser (the drafts load nothing from outside the file).
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)


def chromium_path() -> str:
    """The Chromium executable the PDF step uses (it may not exist)."""
    return os.environ.get(CHROMIUM_ENV, "").strip() or DEFAULT_CHROMIUM


def pdf_unavailable() -> str | None:
    """Why PDFs cannot be made here, or ``None`` when they can.

    Returns
    -------
    str or None
        A sentence for the build's console, naming what is missing and how to get it.
    """
    path = Path(chromium_path())
    if not (path.is_file() and os.access(path, os.X_OK)):
        return (f"no PDF: Chromium was not found at {path} (install Debian's chromium, or set "
                f"{CHROMIUM_ENV} to a Chromium executable); the other formats are written")
    if importlib.util.find_spec("playwright") is None:  # found, not imported (0.4 s)
        return "no PDF: the playwright package is not installed; the other formats are written"
    return None


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        try:
            yield chromium
        finally:
            chromium.close()


def print_html(chromium: Any, html: str) -> bytes:
    """Print an HTML document (self-contained) to PDF bytes with its print stylesheet.

    Parameters
    ----------
    chromium : playwright.sync_api.Browser
        From :func:`browser`.
    html : str
        The document; it must not need the network (the drafts embed their images).
    """
    page = chromium.new_page()
    try:
        page.set_content(html, wait_until="load")
        return page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                        outline=True, tagged=True)
    finally:
        page.close()


def pdf_date(moment: datetime) -> str:
    """A PDF date string (``D:YYYYMMDDHHmmSSZ``) for a UTC time.

    Examples
    --------
    >>> from datetime import UTC
    >>> pdf_date(datetime(2024, 5, 1, 12, 30, tzinfo=UTC))
    'D:20240501123000Z'
    """
    return moment.strftime("D:%Y%m%d%H%M%SZ")


def reproducible(pdf: bytes, *, title: str, moment: datetime) -> bytes:
    """Rewrite a PDF so that its bytes depend only on its content, title and ``moment``.

    Parameters
    ----------
    pdf : bytes
        A PDF (from Chromium, or merged by :func:`merge`).
    title : str
        The document title (``/Title``, shown by viewers in the window title).
    moment : datetime
        The build time (UTC): creation and modification date.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    root = writer._root_object
    if "/Metadata" in root:  # XMP: creation time and a random document UUID
        del root[NameObject("/Metadata")]
    date = pdf_date(moment)
    writer.metadata = {"/Title": title, "/Creator": "migration-report",
                       "/Producer": "Chromium (Skia/PDF), pypdf", "/CreationDate": date,
                       "/ModDate": date}
    pages = b"".join(page.get_contents().get_data() if page.get_contents() else b""
                     for page in writer.pages)
    ident = hashlib.md5(title.encode() + date.encode() + pages, usedforsecurity=False).digest()
    writer._ID = ArrayObject([ByteStringObject(ident), ByteStringObject(ident)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def merge(parts: Sequence[tuple[str, bytes]]) -> bytes:
    """One PDF from several, each under a bookmark with its own bookmarks nested below.

    Parameters
    ----------
    parts : sequence of (title, pdf bytes)
        In order (the report: the index, then the chapters).
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for title, data in parts:
        writer.append(PdfReader(io.BytesIO(data)), outline_item=title, import_outline=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def off_loop(func: Callable[[], T]) -> T:
    """Call ``func`` here, or in a thread of its own if this thread runs an asyncio loop.

    Playwright's synchronous API refuses to run in a thread with a running loop (a Jupyter
    kernel, a test session that already drives a browser).
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func).result()


def html_to_pdf(html: str, *, title: str, moment: datetime) -> bytes:
    """Print one document in a fresh browser and make the PDF reproducible."""
    def run() -> bytes:
        with browser() as chromium:
            return print_html(chromium, html)

    return reproducible(off_loop(run), title=title, moment=moment)
