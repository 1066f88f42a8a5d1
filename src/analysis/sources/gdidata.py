"""Adapter for the IOM Global Data Institute tidy tables (the ``gdidata`` data package).

Five files, each CSV, CSV.gz or Parquet, named ``frontex``, ``eu_asyapp``,
``undesa_stocks_2020``, ``wdi`` and ``unhcr``; their layout is documented in the README of
``../shared/data/gdidata/``. Each becomes one canonical table with renamed columns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources.base import Provenance, SourceAdapter, registry
from analysis.validation import (
    read_csv_table,
    read_parquet_table,
    resolve_totals,
    validate_table,
)

GDI_LICENCE = "MIT (gdidata package, (c) 2024 gdiviz authors); underlying data per producer terms"


@dataclass(frozen=True)
class RawLayout:
    """How one gdidata file maps onto a canonical table."""

    stem: str
    columns: tuple[str, ...]
    numeric: dict[str, str]
    rename: dict[str, str]
    provenance: Provenance


#: World Bank WDI variable codes used by gdidata -> canonical indicator names.
WDI_VARS: dict[str, str] = {
    "remin": "remittances_received_usd",
    "remout": "remittances_paid_usd",
    "gdp": "gdp_usd",
    "income": "gdp_per_capita_ppp",
    "pop": "population",
    "unem": "unemployment_pct",
    "polstb": "political_stability",
    "inf": "inflation_pct",
    "nmig": "net_migration",
    "birth": "birth_rate",
    "depend": "age_dependency_ratio",
    "fdiin": "fdi_inflows_usd",
    "fdiout": "fdi_outflows_usd",
}

LAYOUTS: dict[str, RawLayout] = {
    "detections": RawLayout(
        "frontex",
        ("route", "type", "nat", "month", "n"),
        {"n": "int"},
        {"nat": "nationality", "n": "detections"},
        Provenance("Frontex", "Migratory map, monthly detections of illegal border-crossings",
                   "data as of 3 Jun 2025", GDI_LICENCE,
                   "https://www.frontex.europa.eu/what-we-do/monitoring-and-risk-analysis/migratory-map/"),
    ),
    "asylum": RawLayout(
        "eu_asyapp",
        ("geo", "year", "nat", "sex", "n"),
        {"year": "int", "n": "int"},
        {"geo": "destination", "nat": "citizenship", "n": "applicants"},
        Provenance("Eurostat", "First-time asylum applicants, migr_asyappctza",
                   "last updated 26 May 2025", GDI_LICENCE,
                   "https://ec.europa.eu/eurostat/databrowser/view/migr_asyappctza/default/table"),
    ),
    "migrant_stock": RawLayout(
        "undesa_stocks_2020",
        ("geo", "year", "from", "sex", "n", "type_b", "type_c", "type_r", "type_i"),
        {"year": "int", "n": "int", "type_b": "int", "type_c": "int", "type_r": "int",
         "type_i": "int"},
        {"geo": "destination", "from": "origin", "n": "migrants"},
        Provenance("UN DESA Population Division", "International Migrant Stock 2020",
                   "2020 revision", GDI_LICENCE,
                   "https://www.un.org/development/desa/pd/content/international-migrant-stock"),
    ),
    "indicators": RawLayout(
        "wdi",
        ("geo", "var", "year", "value"),
        {"year": "int", "value": "float"},
        {"geo": "country", "var": "indicator"},
        Provenance("World Bank", "World Development Indicators and Worldwide Governance "
                   "Indicators; UN WPP 2024 for population", "gdidata 2025 release",
                   GDI_LICENCE, "https://databank.worldbank.org/source/world-development-indicators"),
    ),
    "displaced": RawLayout(
        "unhcr",
        ("geo", "year", "from", "group", "n"),
        {"year": "int", "n": "int"},
        {"geo": "asylum_country", "from": "origin", "n": "persons"},
        Provenance("UNHCR", "Refugee Data Finder, forcibly displaced populations",
                   "mid-2025 release, data to end-2024", GDI_LICENCE,
                   "https://www.unhcr.org/refugee-statistics/"),
    ),
}

_SUFFIXES = (".csv.gz", ".csv", ".parquet")


#: The last month the Frontex file can hold: its vintage is "data as of 3 Jun 2025", so a
#: later month is a typo or a forecast, and would make a past year look partial.
FRONTEX_LAST_MONTH = "2025-06"


def _find(directory: Path, stem: str) -> Path:
    """The one file of ``stem`` (``.csv.gz``, ``.csv`` or ``.parquet``).

    Two of them (``frontex.csv`` beside ``frontex.csv.gz``) are refused as ambiguous: reading
    one and ignoring the other silently could publish the numbers of the wrong one.
    """
    found = [directory / f"{stem}{s}" for s in _SUFFIXES
             if os.path.lexists(directory / f"{stem}{s}")]
    if len(found) > 1:
        raise DataError(directory, f"ambiguous: {' and '.join(p.name for p in found)} are both "
                                   f"present; keep only one file for table '{stem}'")
    return found[0] if found else directory / f"{stem}.csv.gz"


class GdiDataAdapter(SourceAdapter):
    """Reads the IOM gdidata tables (``frontex.csv.gz`` …) into canonical tables."""

    name = "gdidata"

    def detect(self, directory: Path) -> bool:
        return any(
            os.path.lexists(directory / f"{layout.stem}{s}")
            for layout in LAYOUTS.values()
            for s in _SUFFIXES
        )

    def files(self, directory: Path, table: str) -> list[Path]:
        return [_find(directory, LAYOUTS[table].stem)]

    def provenance(self, directory: Path, table: str) -> Provenance:
        return LAYOUTS[table].provenance

    def read(self, directory: Path, table: str) -> pd.DataFrame:
        layout = LAYOUTS[table]
        path = _find(directory, layout.stem)
        if path.suffix == ".parquet":
            raw = read_parquet_table(path, layout.columns)
        else:
            raw = read_csv_table(path, layout.columns, layout.numeric)
        frame = raw.rename(columns=layout.rename)
        if table == "indicators":
            unknown = ~frame["indicator"].isin(WDI_VARS)
            if unknown.any():
                pos = unknown.to_numpy().nonzero()[0]
                raise DataError(
                    path, f"{len(pos)} unknown indicator code(s); known: {', '.join(WDI_VARS)}",
                    column="var",
                    rows=[f"line {raw.index[p] + 2}: "
                          f"{','.join(map(str, raw.iloc[p].tolist()))}" for p in pos[:5]],
                )
            frame["indicator"] = frame["indicator"].map(WDI_VARS)
        spec = TABLES[table]
        frame = frame.loc[:, list(spec.columns)]
        raw_names = {v: k for k, v in layout.rename.items()}
        frame = validate_table(frame, spec, path=path, raw_names=raw_names, source=raw)
        if table == "detections":
            late = (frame["month"] > FRONTEX_LAST_MONTH).to_numpy().nonzero()[0]
            if len(late):
                raise DataError(
                    path, f"{len(late)} month(s) after the data's vintage "
                          f"({layout.provenance.vintage}: the last possible month is "
                          f"{FRONTEX_LAST_MONTH})", column="month",
                    rows=[f"line {raw.index[p] + 2}: {','.join(map(str, raw.iloc[p].tolist()))}"
                          for p in late[:5]])
        return resolve_totals(frame, spec, path=path, raw_names=raw_names)


registry.register(GdiDataAdapter())
