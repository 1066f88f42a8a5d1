"""DuckDB plumbing of the streaming ingest: connections, staged writes, manifests."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from analysis.errors import DataError

MANIFEST = "_ingest.json"


def sql_str(value: str | os.PathLike[str]) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def first_line(path: Path) -> str:
    """The first line of a (possibly gzip-compressed) text file, without its newline."""
    if not path.is_file():
        raise DataError(path, "file not found")
    if path.stat().st_size == 0:
        raise DataError(path, "is empty (0 bytes)")
    opener: Callable = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.readline(1 << 20)
    except (OSError, EOFError) as exc:
        raise DataError(path, f"cannot be read (corrupt gzip file?): {exc}") from exc
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, "the header is not UTF-8 text") from exc
    line = line.rstrip("\r\n")
    if not line.strip():
        raise DataError(path, "is empty (no header)")
    return line


def connect(memory_limit: str, threads: int | None, temp_dir: Path):
    import duckdb

    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    cfg = {
        "memory_limit": str(memory_limit),
        "preserve_insertion_order": False,
        "temp_directory": str(temp_dir),
    }
    if threads is not None:
        cfg["threads"] = threads
    try:
        con = duckdb.connect(":memory:", config=cfg)
    except duckdb.Error as exc:
        raise ValueError(f"invalid DuckDB setting (memory_limit={memory_limit!r}): {exc}") \
            from exc
    con.execute("SET enable_progress_bar = false")
    return con


def duckdb_problem(exc: Exception) -> str:
    """The first informative line of a DuckDB error."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return "; ".join(lines[:3])[:500]


def replace_dir(staged: Path, out_dir: Path) -> None:
    """Move the fully written ``staged`` directory to ``out_dir``, replacing it.

    The previous ``out_dir`` is first renamed aside, then ``staged`` is renamed into place and
    the old one deleted; if the second rename fails the old directory is put back. Both renames
    are within one folder, so each is atomic (readers may see no directory for an instant).
    """
    backup: Path | None = None
    if out_dir.exists():
        backup = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(out_dir, backup)
    try:
        os.replace(staged, out_dir)
    except BaseException:
        if backup is not None:
            os.replace(backup, out_dir)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def staged_write(out_dir: Path, memory_limit: str, threads: int | None,
                  work: Callable[[object, Path], None]) -> Path:
    """Run ``work(connection, staging_dir)`` then move the staging dir to ``out_dir``.

    On any exception the staging directory is removed and ``out_dir`` is left as it was.
    """
    out_dir = Path(out_dir).expanduser().resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".staging",
                                    dir=out_dir.parent))
    spill = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".spill",
                                  dir=out_dir.parent))
    try:
        con = connect(memory_limit, threads, spill)
        try:
            work(con, staging / "data")
        finally:
            con.close()
        os.chmod(staging, 0o755)
        replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return out_dir


def flatten(staging_data: Path) -> None:
    """Move the partition folders written under ``staging/data`` up into ``staging``."""
    for child in staging_data.iterdir():
        os.replace(child, staging_data.parent / child.name)
    staging_data.rmdir()


def write_manifest(directory: Path, manifest: Mapping[str, object]) -> None:
    """Write ``_ingest.json`` (ignored by Parquet readers: it starts with ``_``)."""
    text = json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n"
    (directory / MANIFEST).write_text(text, encoding="utf-8")
