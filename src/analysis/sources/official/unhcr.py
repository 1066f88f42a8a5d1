"""UNHCR Refugee Data Finder API: displaced and stateless people → canonical ``displaced``.

The population endpoint, broken down by origin and by asylum country, JSON, paginated::

    https://api.unhcr.org/population/v1/population/?limit=10000&page=1&yearFrom=1990&yearTo=2025&coo_all=true&coa_all=true

Each page is ``{"page": 1, "maxPages": 20, "items": [...]}``; an item is
``{"year", "coo_id", "coo_name", "coo", "coo_iso", "coa_id", "coa_name", "coa", "coa_iso",
"refugees", "asylum_seekers", "returned_refugees", "idps", "returned_idps", "stateless",
"ooc", "oip", "hst"}``. ``coo``/``coa`` are UNHCR's own codes (``GFR`` for Germany);
``coo_iso``/``coa_iso`` are ISO-3 and are the ones used. Counts come as numbers or as strings
(``"0"``, ``"-"``). Pages are fetched while ``page < maxPages``; each is its own raw file.

Groups: ``refugees`` → refugee, ``asylum_seekers`` → asylum, ``idps`` → idp, ``returned_idps``
→ idp return, ``returned_refugees`` → refugee return, ``stateless`` → stateless, ``ooc``
(others of concern) plus ``oip`` (other people in need of international protection) → other.
``hst`` (host communities) is not a displaced population and is left out. Zero, missing
(``"-"``, empty) counts are dropped, as in the IOM gdidata table.

Codes: ISO-3 codes known to the project are kept as they are; UNHCR's stateless codes (``STA``,
``XXA``) → ``STL``, unknown or various origin (``UKN``, ``UNK``, ``XXX``, ``VAR``) → ``OOO``,
Tibetans ``TIB`` → ``TIB``, Kosovo (``KOS``, ``XKX``) → ``XKX``. Anything else is dropped
with a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.countries import known_codes
from analysis.errors import DataError
from analysis.sources.base import Provenance
from analysis.sources.official.common import (
    FetchError,
    ProgressCallback,
    RawFile,
    download,
    warn_unmapped,
)

if TYPE_CHECKING:  # pragma: no cover
    import requests

NAME = "unhcr"
TABLE = "displaced"
URL = "https://api.unhcr.org/population/v1/population/"
LIMIT = 10000
START_YEAR = 1990
PROVENANCE = Provenance(
    "UNHCR",
    "Refugee Data Finder, forcibly displaced and stateless populations (population API v1)",
    "as downloaded",
    "CC BY 4.0 (UNHCR Refugee Data Finder terms)",
    "https://www.unhcr.org/refugee-statistics/",
)

#: API field -> canonical group. Two fields may share a group; their counts are summed.
GROUPS: dict[str, str] = {
    "refugees": "refugee",
    "asylum_seekers": "asylum",
    "idps": "idp",
    "returned_idps": "idp return",
    "returned_refugees": "refugee return",
    "stateless": "stateless",
    "ooc": "other",
    "oip": "other",
}
SPECIAL_CODES: dict[str, str] = {
    "STA": "STL", "XXA": "STL", "UKN": "OOO", "UNK": "OOO", "XXX": "OOO", "VAR": "OOO",
    "TIB": "TIB", "KOS": "XKX", "XKX": "XKX",
}


def params(page: int, end_year: int | None = None) -> dict[str, object]:
    """Query parameters of one page."""
    return {"limit": LIMIT, "page": page, "yearFrom": START_YEAR,
            "yearTo": end_year or date.today().year, "coo_all": "true", "coa_all": "true"}


def file_name(page: int) -> str:
    """Raw file name of one page."""
    return f"unhcr_population_p{page:04d}.json"


def _load(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(path, f"is not a readable JSON file: {exc}") from exc
    if not (isinstance(doc, dict) and isinstance(doc.get("items"), list)):
        raise DataError(path, "is not a UNHCR population API page: expected an object with "
                              "'items'")
    return doc


def fetch(session: requests.Session, dest: Path, *,
          progress: ProgressCallback | None = None) -> list[RawFile]:
    """Download every page of the population endpoint into ``dest``.

    Returns
    -------
    list of RawFile
        One per page.
    """
    files: list[RawFile] = []
    page, pages = 1, 1
    while page <= pages:
        path = dest / file_name(page)
        record = download(session, URL, path, source=NAME, progress=progress,
                          params=params(page))
        try:
            doc = _load(path)
        except DataError as exc:
            path.unlink(missing_ok=True)
            raise FetchError(NAME, record.url, f"the answer {exc.problem}") from None
        pages = int(doc.get("maxPages") or 1)
        files.append(record)
        page += 1
    return files


def _count(value: object) -> int | None:
    """A count from the API: numbers, numeric strings; ``"-"``/empty/None are missing."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if value == int(value) and value >= 0 else -1
    text = str(value).strip().replace(",", "")
    if text in ("", "-", "*"):
        return None
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    return -1


def _code(value: object) -> str | None:
    code = str(value or "").strip().upper()
    if code in SPECIAL_CODES:
        return SPECIAL_CODES[code]
    if code in known_codes() and len(code) == 3:
        return code
    return None


def parse(paths: Path | Sequence[Path]) -> pd.DataFrame:
    """Parse UNHCR population API pages into the canonical ``displaced`` table.

    Parameters
    ----------
    paths : Path or sequence of Path
        Page files, any order.

    Returns
    -------
    DataFrame
        asylum_country, origin, year, group, persons; sorted by the key.

    Raises
    ------
    DataError
        For a page that is not an API page or a count that is not a whole number (naming the
        file and the item).
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    records = []
    unknown: dict[str, set[str]] = {"coa_iso": set(), "coo_iso": set()}
    seen: dict[tuple[str, str, str], str] = {}
    for path in paths:
        for i, item in enumerate(_load(path)["items"]):
            where = f"item {i}: {json.dumps(item, ensure_ascii=False)[:200]}"
            year = item.get("year")
            if not re.fullmatch(r"\d{4}", str(year)):
                raise DataError(path, f"year {year!r} is not a year", column="year",
                                rows=[where])
            raw_key = (str(item.get("coa_iso")), str(item.get("coo_iso")), str(year))
            if raw_key in seen:
                raise DataError(path, "the same (coa_iso, coo_iso, year) appears twice",
                                column="coo_iso", rows=[seen[raw_key], f"{path.name} {where}"])
            seen[raw_key] = f"{path.name} {where}"
            coa = _code(item.get("coa_iso"))
            coo = _code(item.get("coo_iso"))
            if coa is None or coo is None:
                if coa is None:
                    unknown["coa_iso"].add(str(item.get("coa_iso")))
                if coo is None:
                    unknown["coo_iso"].add(str(item.get("coo_iso")))
                continue
            for field, group in GROUPS.items():
                n = _count(item.get(field))
                if n is None or n == 0:
                    continue
                if n < 0:
                    raise DataError(path, f"count {item.get(field)!r} is not a whole number",
                                    column=field, rows=[where])
                records.append((coa, coo, int(year), group, n))
    for column, values in unknown.items():
        warn_unmapped(paths[0] if len(paths) == 1 else paths[0].parent, column, values)
    out = pd.DataFrame.from_records(
        records, columns=["asylum_country", "origin", "year", "group", "persons"])
    out = out.groupby(["asylum_country", "origin", "year", "group"], as_index=False,
                      sort=True)["persons"].sum()
    return out.astype({"asylum_country": str, "origin": str, "group": str, "year": "int64",
                       "persons": "int64"}).reset_index(drop=True)
