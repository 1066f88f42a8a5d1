"""``OUT/report.pdf``: the whole report in one PDF, the index first, then every chapter.

Made from the index printed by Chromium and the chapters' own PDFs (``CHAPTER.pdf``, listed in
their build records), each under a bookmark with the chapter's bookmarks nested below. It is
written again only when one of its parts changed: its key (the SHA-256 of every part) is kept
in ``OUT/.build/report.json``, so a build with nothing to do does not touch it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from analysis.io import atomic_write_bytes, sha256_file
from analysis.pipeline import cache
from analysis.pipeline.chapters import Chapter
from analysis.pipeline.fingerprint import digest

REPORT_PDF = "report.pdf"
REPORT_TITLE = "Migration-policy report: chapter drafts"


def parts(out: Path, chapters: dict[str, Chapter]) -> list[tuple[str, Path]]:
    """The chapters' PDFs in report order: (title, path), those built and intact only."""
    parts = []
    for chapter in chapters.values():
        record = cache.read_record(out, chapter.id)
        name = f"{chapter.id}.pdf"
        if not chapter.report or record is None or name not in record.get("outputs", {}):
            continue
        path = out / name
        if path.is_file() and sha256_file(path) == record["outputs"][name]:
            parts.append((str(record.get("title") or chapter.title), path))
    return parts


def write_report_pdf(out: Path, chapters: dict[str, Chapter], *, built_at: str,
                     console: Console | None = None) -> Path | None:
    """Write ``OUT/report.pdf`` if a part changed; return its path (``None``: no chapter PDF).

    Parameters
    ----------
    out : Path
        The output directory (``index.html`` is already written).
    chapters : dict
        The registry; chapters of the report, in order.
    built_at : str
        Build time ``YYYY-MM-DDTHH:MM:SSZ``: the PDF's dates.
    console : Console, optional
        Where to say that the report PDF was written.
    """
    from analysis.export import pdf

    found = parts(out, chapters)
    target = out / REPORT_PDF
    state = out / cache.BUILD_DIR / "report.json"
    if not found:
        target.unlink(missing_ok=True)
        return None
    index = out / "index.html"
    key = digest({"index": sha256_file(index), "built_at": built_at,
                  "parts": [[title, sha256_file(path)] for title, path in found]})
    previous = cache._read_json(state) or {}
    if previous.get("key") == key and target.is_file() \
            and sha256_file(target) == previous.get("sha256"):
        return target
    moment = datetime.strptime(built_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    html = index.read_text(encoding="utf-8")

    def front_page() -> bytes:
        with pdf.browser() as chromium:
            return pdf.print_html(chromium, html)

    front = pdf.off_loop(front_page)
    merged = pdf.merge([("Contents", front)] + [(t, p.read_bytes()) for t, p in found])
    atomic_write_bytes(target, pdf.reproducible(merged, title=REPORT_TITLE, moment=moment))
    cache.write_json(state, {"key": key, "sha256": sha256_file(target)})
    if console is not None:
        console.print(f"report PDF: {target.name} ({len(found)} chapters)", style="dim")
    return target
