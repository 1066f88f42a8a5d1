"""Streaming ingest of raw files larger than memory, with DuckDB.

The full Eurostat asylum table with every dimension is several gigabytes: pandas would need
many times that in memory. :func:`ingest_eurostat_tsv` streams such a file (plain or gzip) through
DuckDB — filter, unpivot the years, parse values and flags, map codes, aggregate — and writes
the canonical ``asylum`` table as Parquet partitioned by year; :func:`read_ingested` reads it
back (optionally a few years only) as a validated canonical table. Memory stays bounded by
DuckDB's ``memory_limit`` (it spills to disk beyond it), whatever the size of the file.

Modules: :mod:`.eurostat` (the Eurostat bulk TSV), :mod:`.tidy_csv` (big tidy CSV files),
:mod:`.staging` (DuckDB connections, staged writes and manifests).

:func:`stream_csv_to_parquet` does the same for big tidy CSV files (for instance the UN DESA
long table in the gdidata layout) without reshaping.

Canonical rules for Eurostat ``migr_asyappctza`` (any parser of this table must agree):

- keep ``freq = A`` (when the file has ``freq``), ``unit = PER``, ``age = TOTAL``, ``applicant = FRST`` and
  ``sex`` F/M/UNK (→ female/male/unknown; T, the total, is dropped);
- a cell is ``value[ flags]``, split at the first space; ``:`` (with or without a flag) and
  an empty cell are *not available* and give no row; any other value must be a non-negative
  whole number (``15`` or ``15.0``); flags (``p``, ``e``, ``b`` …) are ignored; zero counts give no row either (as in the
  IOM gdidata table);
- ``geo`` and ``citizen`` are Eurostat's 2-letter codes, mapped to ISO 3166-1 alpha-3 with
  pycountry, except ``EL`` → GRC, ``UK`` → GBR, ``XK`` → XKX; ``citizen`` ``STLS`` → STL and
  ``UNK`` → OOO; ``geo`` ``EU27_2020`` → EU27; other aggregates (``TOTAL``, ``EU28``,
  ``EXT_EU27_2020``, ``EU27_2020_FOR`` …, see :data:`AGGREGATE_PATTERN`) are dropped; any other
  unknown code is dropped with a :class:`UserWarning` naming it;
- applicants are summed over the canonical key (destination, year, citizenship, sex).
"""

from __future__ import annotations

from analysis.sources.ingest.eurostat import (
    AGGREGATE_PATTERN,
    CITIZEN_SPECIAL_CODES,
    EUROSTAT_COUNTRY_EXCEPTIONS,
    EUROSTAT_DIMENSIONS,
    GEO_SPECIAL_CODES,
    KEPT_CODES,
    OPTIONAL_DIMENSIONS,
    SEX_CODES,
    citizen_code_map,
    geo_code_map,
    ingest_eurostat_tsv,
    parse_eurostat_header,
    read_ingested,
)
from analysis.sources.ingest.tidy_csv import stream_csv_to_parquet

__all__ = [
    "AGGREGATE_PATTERN", "CITIZEN_SPECIAL_CODES", "EUROSTAT_COUNTRY_EXCEPTIONS",
    "EUROSTAT_DIMENSIONS", "GEO_SPECIAL_CODES", "KEPT_CODES", "OPTIONAL_DIMENSIONS",
    "SEX_CODES", "citizen_code_map", "geo_code_map", "ingest_eurostat_tsv",
    "parse_eurostat_header", "read_ingested", "stream_csv_to_parquet",
]
