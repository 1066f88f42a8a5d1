"""Frontex monthly detections of illegal border-crossings (IBC) → canonical ``detections``.

Frontex publishes one workbook on its Migratory Map page, renamed at every monthly release
(``…/assets/Migratory_routes/2025/Monthly_detections_of_IBC_2025_06_03.xlsx``), so its link
is read from that page (or given with the ``MIGRATION_FRONTEX_URL`` environment variable).

Layout (as published since about 2021): sheet ``Detections_of_IBC``, a blank first row, then
the header row and one row per route, border type and nationality::

    Route | Border type or inland | Nationality | JAN2009 | FEB2009 | … | <latest month>

The header row is found by its ``Route`` cell; month columns are recognised by their label
(``JAN2009``; also ``2009-01`` or an Excel date, as in older files), so added months need no
change. Nationalities are English names (``Syria``, ``Kosovo*``, ``Côte d'Ivoire``), mapped to
ISO-3 with pycountry and a table of aliases; ``Stateless`` → ``STL``, ``Unspecified
sub-Saharan nationals`` → ``OOS``, ``Not specified``/``Unknown``/``Other`` → ``OOO``. Kept:
border types ``Land`` and ``Sea``; positive counts (zero and empty cells are dropped, as in the
IOM gdidata table). Rows whose labels share a code (``Not specified`` and ``Unknown``) are
summed. Unknown names and border types are dropped with a warning.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import pandas as pd

from analysis.errors import DataError
from analysis.sources.base import Provenance
from analysis.sources.official.common import (
    FetchError,
    ProgressCallback,
    RawFile,
    UnmappedCodeWarning,
    clean_name,
    download,
    get_text,
    iso3_from_name,
    warn_unmapped,
)

if TYPE_CHECKING:  # pragma: no cover
    import requests

NAME = "frontex"
TABLE = "detections"
FILE = "frontex_monthly_detections_of_ibc.xlsx"
SHEET = "Detections_of_IBC"
ENV_URL = "MIGRATION_FRONTEX_URL"
PAGES = (
    "https://www.frontex.europa.eu/what-we-do/monitoring-and-risk-analysis/migratory-map/",
    "https://www.frontex.europa.eu/along-eu-borders/migratory-map/",
)
PROVENANCE = Provenance(
    "Frontex",
    "Migratory map, monthly detections of illegal border-crossings",
    "as downloaded",
    "© Frontex; reuse with acknowledgement of the source (check Frontex's reuse terms)",
    PAGES[0],
)

#: Nationality labels that are not countries, lower case, without footnote marks.
SPECIAL_NAMES: dict[str, str] = {
    "stateless": "STL",
    "unspecified sub-saharan nationals": "OOS",
    "unspecified sub-saharan": "OOS",
    "not specified": "OOO",
    "unknown": "OOO",
    "other": "OOO",
    "others": "OOO",
    "nationality unknown": "OOO",
}
#: Rows that are totals, not nationalities.
TOTALS = {"total", "all nationalities", "grand total", "all"}
_XLSX_LINK = re.compile(r"""href=["']([^"']*Monthly_detections_of_IBC[^"']*\.xlsx)["']""",
                        re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate(
    "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), start=1)}


def find_workbook_url(html: str, page: str) -> str | None:
    """The newest ``Monthly_detections_of_IBC….xlsx`` link in a Migratory Map page."""
    links = sorted({urljoin(page, href) for href in _XLSX_LINK.findall(html)})
    return links[-1] if links else None  # names end in the release date: the last is newest


def fetch(session: requests.Session, dest: Path, *,
          progress: ProgressCallback | None = None) -> list[RawFile]:
    """Find the current workbook on the Migratory Map page and download it into ``dest``.

    Raises
    ------
    FetchError
        When no page can be read, no workbook link is found, or the download fails.
    """
    address = os.environ.get(ENV_URL, "").strip() or None
    errors = []
    for page in PAGES if address is None else ():
        try:
            address = find_workbook_url(get_text(session, page, source=NAME), page)
        except FetchError as exc:
            errors.append(exc.reason)
            continue
        if address:
            break
        errors.append("no Monthly_detections_of_IBC….xlsx link in the page")
    if address is None:
        raise FetchError(NAME, PAGES[0], "cannot find the workbook link ("
                         + "; ".join(errors) + f"); set {ENV_URL} to the workbook's URL")
    return [download(session, address, dest / FILE, source=NAME, progress=progress)]


def _month(cell: object) -> str | None:
    if isinstance(cell, datetime | date):
        return f"{cell.year:04d}-{cell.month:02d}"
    text = str(cell or "").strip().upper()
    if m := re.fullmatch(r"([A-Z]{3})[\s\-_]?((?:19|20)\d\d)", text):
        if m.group(1) in _MONTHS:
            return f"{m.group(2)}-{_MONTHS[m.group(1)]:02d}"
    if m := re.fullmatch(r"((?:19|20)\d\d)-(0[1-9]|1[0-2])(-01)?( 00:00:00)?", text):
        return f"{m.group(1)}-{m.group(2)}"
    return None


def _sheet_rows(path: Path) -> list[tuple]:
    import openpyxl

    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise DataError(path, f"is not a readable XLSX workbook: {exc}") from exc
    try:
        names = [SHEET] if SHEET in book.sheetnames else book.sheetnames
        for name in names:
            rows = list(book[name].iter_rows(values_only=True))
            if any(_header(r) for r in rows[:20]):
                return rows
        raise DataError(path, f"has no sheet '{SHEET}' nor any sheet with a header row "
                              f"starting 'Route' (sheets: {', '.join(book.sheetnames)})")
    finally:
        book.close()


def _header(row: tuple) -> bool:
    return bool(row) and str(row[0] or "").strip().lower() == "route"


def parse(paths: Path | Sequence[Path]) -> pd.DataFrame:
    """Parse the workbook into the canonical ``detections`` table.

    Parameters
    ----------
    paths : Path or sequence of one Path
        The ``.xlsx`` file.

    Returns
    -------
    DataFrame
        route, type (Land/Sea), nationality, month (YYYY-MM), detections; sorted by the key.

    Raises
    ------
    DataError
        When the header is missing or a cell is not a count (naming the sheet row).
    """
    path = Path(paths) if isinstance(paths, (str, Path)) else Path(next(iter(paths)))
    rows = _sheet_rows(path)
    h = next(i for i, r in enumerate(rows[:20]) if _header(r))
    header = [str(c or "").strip().lower() for c in rows[h]]
    try:
        c_type = next(j for j, c in enumerate(header) if c.startswith("border"))
        c_nat = next(j for j, c in enumerate(header) if c.startswith("nationality"))
    except StopIteration:
        raise DataError(path, "the header row has no 'Border type…' or 'Nationality' column",
                        rows=[", ".join(header[:6])]) from None
    months = [(j, m) for j, c in enumerate(rows[h]) if (m := _month(c))]
    if not months:
        raise DataError(path, "the header row has no month columns (JAN2009 …)")
    records = []
    names: dict[str, str | None] = {}
    bad_types: set[str] = set()
    for r, row in enumerate(rows[h + 1:], start=h + 2):
        if not row or all(c is None for c in row[: c_nat + 1]):
            continue
        route = str(row[0] or "").strip()
        kind = str(row[c_type] or "").strip().capitalize()
        label = clean_name(row[c_nat] or "")
        if label.lower() in TOTALS or route.lower() in TOTALS:
            continue
        if label not in names:
            names[label] = SPECIAL_NAMES.get(label.lower()) or iso3_from_name(label)
        if kind not in ("Land", "Sea"):
            bad_types.add(kind or "(empty)")
            continue
        nationality = names[label]
        if nationality is None or not route:
            continue
        for j, month in months:
            cell = row[j] if j < len(row) else None
            if cell is None or (isinstance(cell, str) and cell.strip() in ("", "-", ":")):
                continue
            if isinstance(cell, bool) or not isinstance(cell, int | float) or cell < 0 \
                    or cell != int(cell):
                raise DataError(path, f"sheet row {r}: {cell!r} is not a count",
                                column=str(rows[h][j]),
                                rows=[f"row {r}: {route}, {kind}, {label}"])
            if cell > 0:
                records.append((route, kind, nationality, month, int(cell)))
    warn_unmapped(path, "Nationality", [n for n, code in names.items() if code is None])
    if bad_types:
        warnings.warn(f"{path}, column 'Border type or inland': rows of type(s) "
                      f"{', '.join(sorted(bad_types))} were dropped (the canonical table has "
                      "Land and Sea only)", UnmappedCodeWarning, stacklevel=2)
    out = pd.DataFrame.from_records(
        records, columns=["route", "type", "nationality", "month", "detections"])
    # Labels that share a code (e.g. "Not specified" and "Unknown" -> OOO) are summed.
    out = out.groupby(["route", "type", "nationality", "month"], as_index=False,
                      sort=True)["detections"].sum()
    return out.astype({"route": str, "type": str, "nationality": str, "month": str,
                       "detections": "int64"}).reset_index(drop=True)
