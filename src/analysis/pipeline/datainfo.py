"""What a data directory covers (the years per table and per indicator), and whether it is valid.

Checking ``year=1999`` against the data needs the tables, and loading them costs pandas and
pandera (seconds). So the answer is computed once per data content and kept as a small JSON
file under the cache directory, named by the digest of the data checksums::

    .cache/migration-report/data/<digest>.json
    {"coverage": {"detections": {"years": [2014, ...]},
                  "indicators": {"years": [...], "indicators": {"gdp_usd": [...]}}},
     "validated": "<digest of the analysis package>"}

Only the tables asked for are loaded (when a year parameter names them), each at most once
per data version. :meth:`DataInfo.validate` loads *every* table (the checks of
``migration-report data validate``) before a build runs any chapter, so bad input stops the
build before anything is written; a data version found valid is remembered (with the package
version that checked it) and not loaded again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.config import DataChoice, cache_dir, resolve_data_dir
from analysis.errors import DataError
from analysis.io import atomic_write_text
from analysis.pipeline.fingerprint import FileHasher, data_checksums, digest


def _years_of(directory: Path, table: str) -> dict[str, Any]:
    from analysis.sources import load_table

    return _coverage(load_table(table, directory))


def _coverage(frame: Any) -> dict[str, Any]:
    if "year" in frame.columns:
        years = frame["year"].astype("int64")
    elif "month" in frame.columns:
        years = frame["month"].astype(str).str.slice(0, 4).astype("int64")
    else:  # pragma: no cover - every canonical table has a year or month column
        return {"years": []}
    out: dict[str, Any] = {"years": sorted(int(y) for y in years.unique())}
    if "indicator" in frame.columns:
        per = frame.assign(_y=years).groupby("indicator")["_y"].unique()
        out["indicators"] = {str(k): sorted(int(y) for y in v) for k, v in per.items()}
    return out


class DataInfo:
    """Cached year coverage of one data directory.

    Parameters
    ----------
    directory : Path
        The data directory.
    checksums : dict
        Its file checksums (:func:`analysis.pipeline.fingerprint.data_checksums`); their
        digest names the cache file.
    """

    def __init__(self, directory: Path, checksums: dict[str, str]) -> None:
        self.directory = directory
        self.key = digest(checksums)
        self.path = cache_dir() / "data" / f"{self.key}.json"
        self._info: dict[str, Any] = {"coverage": {}}
        if self.path.is_file():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                self._info["coverage"].update(loaded.get("coverage", {}))
                if isinstance(loaded.get("validated"), str):
                    self._info["validated"] = loaded["validated"]
            except (ValueError, OSError, AttributeError):
                pass
        self._dirty = False

    def years(self, table: str, indicator: str | None = None) -> list[int]:
        """Years with data in ``table`` (for one ``indicator`` of the indicators table).

        Raises
        ------
        KeyError
            For an unknown table or indicator.
        """
        cov = self._info["coverage"]
        if table not in cov:
            cov[table] = _years_of(self.directory, table)
            self._dirty = True
        if indicator is None:
            return list(cov[table]["years"])
        per = cov[table].get("indicators", {})
        if indicator not in per:
            raise KeyError(f"table {table!r} has no indicator {indicator!r}")
        return list(per[indicator])

    def validate(self) -> None:
        """Check every table and declared checksum, as ``migration-report data validate`` does.

        Done once per data version and package version: the result is kept in the cache file
        (:meth:`save` writes it). The year coverage of every table is recorded on the way.

        Raises
        ------
        DataError
            For the first file that is missing, unreadable or fails its schema (naming the
            file, the column and the first offending rows), or whose checksum does not match.
        """
        from analysis.pipeline.fingerprint import package_digest

        token = package_digest()
        if self._info.get("validated") == token:
            return
        from analysis.schemas import TABLES
        from analysis.sources import load_table, verify_checksums

        verify_checksums(self.directory)
        cov = self._info["coverage"]
        for table in TABLES:
            frame = load_table(table, self.directory)
            if table not in cov:
                cov[table] = _coverage(frame)
        self._info["validated"] = token
        self._dirty = True

    def save(self) -> None:
        """Write what was computed to the cache (atomically); a read-only cache is ignored."""
        if not self._dirty:
            return
        try:
            atomic_write_text(self.path, json.dumps(self._info, indent=1, sort_keys=True))
        except OSError:
            pass
        self._dirty = False


@dataclass(frozen=True)
class InputData:
    """The data a build or sweep reads: where it is, its checksums and its coverage."""

    choice: DataChoice
    checksums: dict[str, str]
    hasher: FileHasher
    info: DataInfo


def open_input_data(data_dir: str | os.PathLike[str] | None) -> InputData:
    """Resolve the data directory (:func:`analysis.config.resolve_data_dir`) and checksum it.

    Raises
    ------
    DataError
        When the directory does not exist.
    """
    choice = resolve_data_dir(data_dir)
    if not choice.path.is_dir():
        raise DataError(choice.path, "data directory not found")
    hasher = FileHasher(cache_dir() / "file-hashes.json")
    checksums = data_checksums(choice.path, hasher)
    return InputData(choice, checksums, hasher, DataInfo(choice.path, checksums))


def year_span(years: list[int]) -> str:
    """``"2014–2025"`` for a list of years (``"no years"`` when empty)."""
    if not years:
        return "no years"
    return f"{min(years)}–{max(years)}" if min(years) != max(years) else str(years[0])
