"""UN DESA International Migrant Stock 2020, destination and origin → canonical ``migrant_stock``.

The workbook ``undesa_pd_2020_ims_stock_by_sex_destination_and_origin.xlsx``, sheet
``Table 1``: title rows, then a row of block labels ("… (both sexes)", "… (males)",
"… (females)"), then the header row::

    Index | Region, development group, country or area of destination | Notes of destination |
    Location code of destination | Type of data of destination |
    Region, development group, country or area of origin | Location code of origin |
    1990 … 2020 (both sexes) | 1990 … 2020 (males) | 1990 … 2020 (females)

then one row per destination and origin. The header row is found by its "Location code of
destination" and "Location code of origin" cells, so the number of title rows does not matter;
the sex of each block of years is read from the label row above it (falling back to the
order both sexes, males, females).

Codes are UN M49 numbers: countries through pycountry's numeric codes, ``830`` Channel Islands
→ ``XCX``; regions and groups (900 and above, continents) are dropped; the origin row
"Others" (migrants whose origin is not known or not listed) → ``OOO``. Cells ``..``, ``-`` or
empty are missing. Kept: female and male counts of a destination, origin and year when both
are present (the both-sexes block is their sum and is left out), zeros included: a zero is a
definite absence, a missing row means "not estimated".
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.errors import DataError
from analysis.sources.base import Provenance
from analysis.sources.official.common import (
    ProgressCallback,
    RawFile,
    clean_name,
    download,
    is_m49_aggregate,
    iso3_from_m49,
    warn_unmapped,
)

if TYPE_CHECKING:  # pragma: no cover
    import requests

NAME = "undesa"
TABLE = "migrant_stock"
FILE = "undesa_pd_2020_ims_stock_by_sex_destination_and_origin.xlsx"
URL = ("https://www.un.org/development/desa/pd/sites/www.un.org.development.desa.pd/files/"
       + FILE)
SHEET = "Table 1"
PROVENANCE = Provenance(
    "UN DESA Population Division",
    "International Migrant Stock 2020, by sex, destination and origin (POP/DB/MIG/Stock/Rev.2020)",
    "2020 revision",
    "CC BY 3.0 IGO (United Nations)",
    "https://www.un.org/development/desa/pd/content/international-migrant-stock",
)

DEST_CODE = "location code of destination"
ORIGIN_CODE = "location code of origin"
ORIGIN_NAME = "region, development group, country or area of origin"
OTHERS = {"others", "other"}
_MISSING = {"", "..", "-", "…", "...", "n/a"}


def fetch(session: requests.Session, dest: Path, *,
          progress: ProgressCallback | None = None) -> list[RawFile]:
    """Download the workbook into ``dest``.

    Returns
    -------
    list of RawFile
        The one downloaded file.
    """
    return [download(session, URL, dest / FILE, source=NAME, progress=progress)]


def _rows(path: Path) -> list[tuple]:
    import openpyxl

    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise DataError(path, f"is not a readable XLSX workbook: {exc}") from exc
    try:
        if SHEET not in book.sheetnames:
            raise DataError(path, f"has no sheet '{SHEET}' (sheets: {', '.join(book.sheetnames)})")
        return list(book[SHEET].iter_rows(values_only=True))
    finally:
        book.close()


def _text(cell: object) -> str:
    return re.sub(r"\s+", " ", str(cell)).strip().lower() if cell is not None else ""


def _year(cell: object) -> int | None:
    text = _text(cell).removesuffix(".0")
    return int(text) if re.fullmatch(r"(19|20)\d\d", text) else None


def _layout(path: Path, rows: list[tuple]) -> tuple[int, dict[str, int], list[tuple[int, int, str]]]:
    """Header row index, named columns, and (column, year, sex) of every value column."""
    h = next((i for i, row in enumerate(rows[:40])
              if {DEST_CODE, ORIGIN_CODE} <= {_text(c) for c in row}), None)
    if h is None:
        raise DataError(path, f"sheet '{SHEET}': no header row with '{DEST_CODE}' and "
                              f"'{ORIGIN_CODE}' in the first 40 rows")
    names = [_text(c) for c in rows[h]]
    cols = {n: names.index(n) for n in (DEST_CODE, ORIGIN_CODE, ORIGIN_NAME) if n in names}
    if ORIGIN_NAME not in cols:
        cols[ORIGIN_NAME] = cols[ORIGIN_CODE] - 1
    labels = [_text(c) for c in rows[h - 1]] if h > 0 else []
    order = ("total", "male", "female")
    seen: dict[int, int] = {}
    values: list[tuple[int, int, str]] = []
    for j, cell in enumerate(rows[h]):
        year = _year(cell)
        if year is None:
            continue
        block = seen.get(year, 0)
        seen[year] = block + 1
        label = next((labels[k] for k in range(min(j, len(labels) - 1), -1, -1)
                      if k < len(labels) and labels[k]), "")
        if "female" in label:
            sex = "female"
        elif "male" in label:
            sex = "male"
        elif "both" in label or block >= len(order):
            sex = "total"
        else:
            sex = order[block]
        values.append((j, year, sex))
    if not any(s == "female" for *_, s in values) or not any(s == "male" for *_, s in values):
        raise DataError(path, f"sheet '{SHEET}': found no year columns for both females and "
                              "males in the header row")
    return h, cols, values


def _code(cell: object) -> int | None:
    text = _text(cell).removesuffix(".0")
    return int(text) if text.isdigit() else None


def _number(cell: object) -> float | None:
    if cell is None:
        return None
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return float(cell)
    text = _text(cell).replace(" ", "").replace(",", "")
    if text in _MISSING:
        return None
    try:
        return float(text)
    except ValueError:
        return float("nan")


def parse(paths: Path | Sequence[Path]) -> pd.DataFrame:
    """Parse the workbook into the canonical ``migrant_stock`` table.

    Parameters
    ----------
    paths : Path or sequence of one Path
        The ``.xlsx`` file.

    Returns
    -------
    DataFrame
        destination, origin, year, sex (female/male), migrants; sorted by the key.

    Raises
    ------
    DataError
        When the sheet or header is missing, or a cell is not a count (naming the sheet row).
    """
    path = Path(paths) if isinstance(paths, (str, Path)) else Path(next(iter(paths)))
    rows = _rows(path)
    h, cols, values = _layout(path, rows)
    records = []
    unknown: dict[str, set[str]] = {"destination": set(), "origin": set()}
    for r, row in enumerate(rows[h + 1:], start=h + 2):  # r: the row number Excel shows
        if not row or all(c is None for c in row):
            continue
        d_code = _code(row[cols[DEST_CODE]])
        o_code = _code(row[cols[ORIGIN_CODE]])
        o_name = clean_name(row[cols[ORIGIN_NAME]] or "").lower()
        if d_code is None:
            continue  # notes under the table
        dest = iso3_from_m49(d_code)
        if o_name in OTHERS:
            origin = "OOO"
        elif o_code is None:
            continue
        else:
            origin = iso3_from_m49(o_code)
            if origin is None and not is_m49_aggregate(o_code):
                unknown["origin"].add(f"{o_code} {o_name}")
        if dest is None:
            if not is_m49_aggregate(d_code):
                unknown["destination"].add(str(d_code))
            continue
        if origin is None:
            continue
        by_year: dict[int, dict[str, float]] = {}
        for j, year, sex in values:
            if sex == "total":
                continue
            n = _number(row[j] if j < len(row) else None)
            if n is None:
                continue
            if n != n or n < 0 or n != round(n):
                raise DataError(path, f"sheet '{SHEET}' row {r}: {row[j]!r} is not a count",
                                column=f"{year} ({sex})",
                                rows=[f"row {r}: " + ", ".join(map(str, row[:7]))])
            by_year.setdefault(year, {})[sex] = n
        for year, pair in by_year.items():
            if "female" in pair and "male" in pair:
                records.append((dest, origin, year, "female", int(pair["female"])))
                records.append((dest, origin, year, "male", int(pair["male"])))
    for column, codes in unknown.items():
        warn_unmapped(path, column, codes)
    out = pd.DataFrame.from_records(
        records, columns=["destination", "origin", "year", "sex", "migrants"])
    out = out.astype({"destination": str, "origin": str, "year": "int64", "sex": str,
                      "migrants": "int64"})
    return out.sort_values(["destination", "origin", "year", "sex"]).reset_index(drop=True)
