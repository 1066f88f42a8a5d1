"""Build records in ``OUT/.build``: what was built from which inputs, and what failed.

``OUT/.build/CHAPTER.json`` describes the last *good* build of a chapter: its content key
(:func:`analysis.pipeline.fingerprint.chapter_key`), the key of its export (the key plus the
footer date), its parameters and data checksums, when it was built, and the SHA-256 of every
file it wrote. It is written last, after all the chapter's files, so an interrupted build
leaves no record and the chapter runs again.

``OUT/.build/CHAPTER.failed.json`` says the latest attempt failed (cell, error); it is
removed by the next good build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from analysis.io import atomic_write_text, sha256_file

BUILD_DIR = ".build"
FAILED_DIR = "failed"
#: Formats the pipeline can write besides the executed notebook and the key figures:
#: drafts (HTML, Markdown, PDF, Word), the workbook and the CSV files of every figure and table.
FORMATS = ("html", "markdown", "pdf", "docx", "xlsx", "csv")
#: What the library writes unless told otherwise (the command line asks for every format).
DRAFTS = ("html", "markdown")
SUFFIX = {"html": ".html", "markdown": ".md", "pdf": ".pdf", "docx": ".docx", "xlsx": ".xlsx"}
#: Folders of side files: a format -> ``CHAPTER{suffix}/`` (figures of the Markdown, CSVs).
SIDE_FOLDERS = {"markdown": "_files", "csv": "_data"}

Freshness = Literal["cached", "export", "run"]


def record_path(out: Path, chapter: str) -> Path:
    """``OUT/.build/CHAPTER.json``."""
    return out / BUILD_DIR / f"{chapter}.json"


def failed_marker_path(out: Path, chapter: str) -> Path:
    """``OUT/.build/CHAPTER.failed.json``."""
    return out / BUILD_DIR / f"{chapter}.failed.json"


def failed_notebook_path(out: Path, chapter: str) -> Path:
    """``OUT/failed/CHAPTER.ipynb``: the executed notebook of a failed run, with its traceback."""
    return out / FAILED_DIR / f"{chapter}.ipynb"


def output_files(chapter: str, formats: tuple[str, ...]) -> list[str]:
    """Names of the files a chapter build writes into ``OUT`` for ``formats``."""
    names = [f"{chapter}.ipynb", f"{chapter}.key_figures.json"]
    names += [f"{chapter}{SUFFIX[f]}" for f in FORMATS if f in formats and f in SUFFIX]
    return names


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def read_record(out: Path, chapter: str) -> dict[str, Any] | None:
    """The record of the last good build of ``chapter`` in ``out``, if any."""
    return _read_json(record_path(out, chapter))


def read_failure(out: Path, chapter: str) -> dict[str, Any] | None:
    """The failure marker of ``chapter`` in ``out``, if its latest attempt failed."""
    return _read_json(failed_marker_path(out, chapter))


def write_json(path: Path, value: dict[str, Any]) -> None:
    """Write ``value`` as sorted, indented JSON, atomically."""
    atomic_write_text(path, json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
                      + "\n")


def _intact(out: Path, record: dict[str, Any], names: list[str]) -> bool:
    recorded = record.get("outputs", {})
    for name in names:
        path = out / name
        if name not in recorded or not path.is_file():
            return False
        if sha256_file(path) != recorded[name]:
            return False
    return True


def freshness(out: Path, chapter: str, *, exec_key: str, export_key: str,
              formats: tuple[str, ...]) -> Freshness:
    """Decide what a chapter needs.

    Returns
    -------
    str
        ``"cached"``: every requested file is there, unchanged, from the same inputs;
        ``"export"``: the executed notebook is current but a draft must be written again
        (another footer date, a deleted or edited draft, a newly requested format);
        ``"run"``: the notebook must be executed.
    """
    record = read_record(out, chapter)
    if record is None or record.get("exec_key") != exec_key:
        return "run"
    if not _intact(out, record, [f"{chapter}.ipynb"]):
        return "run"
    if record.get("export_key") != export_key:
        return "export"
    if not set(formats) <= set(record.get("formats", formats)):
        return "export"  # a format not written last time (its files are not recorded)
    names = output_files(chapter, formats)
    for fmt, folder in SIDE_FOLDERS.items():  # the Markdown's figures, the CSV files
        if fmt in formats:
            names += [n for n in record.get("outputs", {})
                      if n.startswith(f"{chapter}{folder}/")]
    if not _intact(out, record, names):
        return "export"
    return "cached"
