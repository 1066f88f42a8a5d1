"""Downloaders and an adapter for the official sources, for users with internet access.

- :func:`fetch_all` downloads Eurostat ``migr_asyappctza``, the World Bank indicators, UN DESA
  International Migrant Stock 2020, UNHCR's population statistics and Frontex's monthly
  detections into ``data/raw/`` and records them in ``data/raw/manifest.json``;
- :class:`OfficialRawAdapter` (registered as ``"official"``) reads that folder as the
  canonical tables, so ``load_table`` uses the fetched data once it is there.

Each source module (:mod:`.eurostat`, :mod:`.worldbank`, :mod:`.undesa`, :mod:`.unhcr`,
:mod:`.frontex`) has its URL(s), ``fetch(session, dest)`` and ``parse(paths)``; see
``docs/data-sources.md``.
"""

from __future__ import annotations

from analysis.sources.official.adapter import OfficialRawAdapter
from analysis.sources.official.common import FetchError, RawFile, UnmappedCodeWarning
from analysis.sources.official.fetch import (
    MANIFEST,
    SOURCES,
    TABLE_SOURCES,
    Manifest,
    fetch_all,
    make_session,
    rich_progress,
)

__all__ = [
    "MANIFEST",
    "SOURCES",
    "TABLE_SOURCES",
    "FetchError",
    "Manifest",
    "OfficialRawAdapter",
    "RawFile",
    "UnmappedCodeWarning",
    "fetch_all",
    "make_session",
    "rich_progress",
]
