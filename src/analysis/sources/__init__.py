"""Source adapters and the one entry point chapters use: :func:`load_table`.

>>> from analysis.sources import load_table
>>> detections = load_table("detections")          # the default data (see analysis.config)
>>> asylum = load_table("asylum", "../shared/data/gdidata")
"""

from __future__ import annotations

import json
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.config import resolve_data_dir
from analysis.errors import DataError
from analysis.io import sha256_file
from analysis.schemas import TABLES
from analysis.sources import gdidata, official, snapshot  # noqa: F401  (register the adapters)
from analysis.sources.base import Provenance, SourceAdapter, registry

__all__ = [
    "Provenance",
    "SourceAdapter",
    "load_table",
    "load_tables",
    "table_loader",
    "provenance",
    "registry",
    "verify_checksums",
]


def _adapter(data_dir: str | os.PathLike[str] | None) -> tuple[Path, SourceAdapter]:
    directory = resolve_data_dir(data_dir).path
    return directory, registry.for_directory(directory)


@lru_cache(maxsize=256)
def _file_checksum(path: str, mtime_ns: int, size: int) -> str:
    """SHA-256 of a file, computed once per version of it (its time and size)."""
    return sha256_file(Path(path)) if size >= 0 else ""


def _checksums(paths: list[Path]) -> tuple[tuple[str, str], ...]:
    """``(file name, SHA-256)`` of each source file of a table ("" for a missing one)."""
    out = []
    for p in paths:
        try:
            st = p.stat()
            key = (str(p), st.st_mtime_ns, st.st_size) if p.is_file() else (str(p), -1, -1)
        except OSError:
            key = (str(p), -1, -1)
        out.append((p.name, _file_checksum(*key)))
    return tuple(out)


#: Canonical tables read in this process: (adapter, table, checksums) -> validated frame.
_TABLES: OrderedDict[tuple[str, str, tuple[tuple[str, str], ...]], pd.DataFrame] = OrderedDict()
#: Tables kept in memory (a warm kernel keeps each data vintage's tables).
_TABLES_KEPT = 16


def _read_cached(directory: Path, adapter: SourceAdapter, table: str) -> pd.DataFrame:
    """The validated table, read once per content (keyed by its files' checksums)."""
    key = (adapter.name, table, _checksums(adapter.files(directory, table)))
    if key in _TABLES:
        _TABLES.move_to_end(key)
        return _TABLES[key]
    frame = adapter.read(directory, table)
    if all(sha for _, sha in key[2]):  # a table with a missing file is never kept
        _TABLES[key] = frame
        while len(_TABLES) > _TABLES_KEPT:
            _TABLES.popitem(last=False)
    return frame


def load_table(table: str, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load a canonical table, validated against its schema.

    Parameters
    ----------
    table : str
        One of ``detections``, ``asylum``, ``migrant_stock``, ``indicators``, ``displaced``.
    data_dir : path-like, optional
        Directory of source files; by default the precedence of :mod:`analysis.config`
        (``MIGRATION_DATA_DIR``, then fetched ``data/raw/``, then the embedded snapshot).

    Returns
    -------
    DataFrame
        A copy the caller may modify; repeated loads in one process (a warm kernel's
        notebooks) are served from memory, keyed by the checksums of the table's files.

    Raises
    ------
    DataError
        When a file is missing or fails validation (naming file, column and rows).
    """
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}; known: {', '.join(TABLES)}")
    directory, adapter = _adapter(data_dir)
    return _read_cached(directory, adapter, table).copy(deep=False)


def load_tables(tables: Iterable[str],
                data_dir: str | os.PathLike[str] | None = None) -> dict[str, pd.DataFrame]:
    """Load several canonical tables with :func:`load_table`, in the order given.

    The one way a subject's ``chapter.load`` reads its tables.

    Returns
    -------
    dict
        Table name -> DataFrame.
    """
    return {table: load_table(table, data_dir) for table in tables}


def table_loader(tables: Sequence[str]) -> Callable[..., dict[str, pd.DataFrame]]:
    """The ``load(data_dir)`` of a subject's chapter module: its ``tables``, by name.

    Every subject reads its canonical tables the same way
    (``load = table_loader(TABLES)`` in ``SUBJECT/chapter.py``).

    Examples
    --------
    >>> load = table_loader(("detections",))
    >>> sorted(load())
    ['detections']
    """
    names = tuple(tables)

    def load(data_dir: str | os.PathLike[str] | None = None) -> dict[str, pd.DataFrame]:
        return load_tables(names, data_dir)

    load.__doc__ = (f"The chapter's canonical tables ({', '.join(names)}), by name, read with "
                    ":func:`analysis.sources.load_tables` from ``data_dir`` (the notebook's).")
    return load


def provenance(table: str, data_dir: str | os.PathLike[str] | None = None) -> Provenance:
    """Provenance (producer, dataset, vintage, licence) of a table in the chosen data."""
    directory, adapter = _adapter(data_dir)
    return adapter.provenance(directory, table)


_SHA_LINE = re.compile(r"^([0-9a-f]{64})\s+\*?(\S+)\s*$")


def expected_checksums(directory: Path) -> dict[str, str]:
    """Checksums a data directory declares for its files.

    Read from ``snapshot.json`` (the snapshot), ``manifest.json`` (fetched raw data), or the
    ``sha256sum``-style lines of a ``README.md`` or ``SHA256SUMS`` file (the gdidata package).
    """
    found: dict[str, str] = {}
    if (directory / snapshot.SNAPSHOT_INDEX).is_file():
        index = json.loads((directory / snapshot.SNAPSHOT_INDEX).read_text(encoding="utf-8"))
        found.update({e["file"]: e["sha256"] for e in index.values()})
    if (directory / "manifest.json").is_file():
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest.get("files", []):
            found[entry["file"]] = entry["sha256"]
    for name in ("SHA256SUMS", "README.md"):
        path = directory / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                m = _SHA_LINE.match(line.strip())
                if m:
                    found.setdefault(m.group(2), m.group(1))
    return found


def verify_checksums(data_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Check every declared checksum of the data directory.

    Returns
    -------
    dict
        File name -> ``"ok"`` for each declared checksum that matches.

    Raises
    ------
    DataError
        For the first file whose content does not match its declared checksum.
    """
    directory, _ = _adapter(data_dir)
    result: dict[str, str] = {}
    for name, expected in sorted(expected_checksums(directory).items()):
        path = directory / name
        if not path.is_file():
            continue
        actual = sha256_file(path)
        if actual != expected:
            raise DataError(path, f"checksum mismatch: expected sha256 {expected}, got {actual} "
                                  "(the file changed after it was recorded)")
        result[name] = "ok"
    return result
