"""Adapter for the official files fetched into ``data/raw/`` (recognised by ``manifest.json``).

Each canonical table is parsed from the raw files its source's manifest entries list, then
checked against its schema (:func:`analysis.validation.validate_table`). A table whose source
was not fetched raises a :class:`~analysis.errors.DataError` saying how to fetch it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources.base import Provenance, SourceAdapter, registry
from analysis.sources.official.fetch import MANIFEST, SOURCES, TABLE_SOURCES, Manifest
from analysis.validation import validate_table

#: Raw Eurostat files larger than this are streamed through duckdb into partitioned Parquet
#: under ``data/interim/`` (:mod:`analysis.sources.ingest`) instead of being parsed in pandas.
STREAMING_THRESHOLD_BYTES = 256 * 1024 * 1024


class OfficialRawAdapter(SourceAdapter):
    """Reads the Eurostat, World Bank, UN DESA, UNHCR and Frontex files of ``data/raw/``."""

    name = "official"

    def _manifest(self, directory: Path) -> Manifest:
        return Manifest.load(directory / MANIFEST)

    def detect(self, directory: Path) -> bool:
        path = directory / MANIFEST
        if not path.is_file():
            return False
        try:
            manifest = self._manifest(directory)
        except DataError:
            return False
        return any(f.source in SOURCES for f in manifest.files)

    def _source(self, table: str) -> str:
        if table not in TABLE_SOURCES:
            raise KeyError(f"unknown table {table!r}; known: {', '.join(TABLE_SOURCES)}")
        return TABLE_SOURCES[table]

    def files(self, directory: Path, table: str) -> list[Path]:
        source = self._source(table)
        entries = self._manifest(directory).for_source(source)
        if not entries:  # not fetched: a path that does not exist, for messages and tables()
            return [directory / f"{source} (not fetched)"]
        return [directory / f.file for f in entries]

    def provenance(self, directory: Path, table: str) -> Provenance:
        source = self._source(table)
        base = SOURCES[source].PROVENANCE
        entries = self._manifest(directory).for_source(source)
        if not entries:
            return base
        day = min(f.retrieved for f in entries)[:10]
        url = entries[0].url if len(entries) == 1 else base.url
        return Provenance(base.producer, base.dataset, f"retrieved {day}", base.licence, url)

    def read(self, directory: Path, table: str) -> pd.DataFrame:
        source = self._source(table)
        paths = self.files(directory, table)
        if not self._manifest(directory).for_source(source):
            raise DataError(directory, f"the {source} files for table '{table}' were not "
                                       "fetched; run 'migration-report data fetch --source "
                                       f"{source}'")
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise DataError(missing[0], "listed in manifest.json but missing; run "
                                        f"'migration-report data fetch --source {source}' again")
        if table == "asylum" and len(paths) == 1 \
                and paths[0].stat().st_size > STREAMING_THRESHOLD_BYTES:
            return _read_streamed(paths[0])
        frame = SOURCES[source].parse(paths)
        where = paths[0] if len(paths) == 1 else f"{directory}/{source} files ({len(paths)})"
        spec = TABLES[table]
        frame = frame.loc[:, list(spec.columns)].reset_index(drop=True)
        if frame.empty:
            raise DataError(where, f"yields no rows for table '{table}'")
        return validate_table(frame, spec, path=f"{where} (parsed into table '{table}')")


def _read_streamed(path: Path) -> pd.DataFrame:
    """Read a large Eurostat file through the streaming ingest, reusing an earlier ingest of
    the same bytes (the interim folder is named by the file's checksum)."""
    from analysis.config import INTERIM_DIR
    from analysis.io import sha256_file
    from analysis.sources.ingest import ingest_eurostat_tsv, read_ingested

    out = INTERIM_DIR / f"asylum-{sha256_file(path)[:16]}"
    if not out.is_dir():
        ingest_eurostat_tsv(path, out)
    return read_ingested(out)


registry.register(OfficialRawAdapter())
