"""World Bank Indicators API v2: country indicators → canonical ``indicators``.

One request per indicator, all countries and years, JSON::

    https://api.worldbank.org/v2/country/all/indicator/SP.POP.TOTL?format=json&per_page=20000&date=1990:2025&page=1

The answer is a two-element array, ``[meta, data]``: ``meta`` has ``page``, ``pages``,
``per_page``, ``total``, ``sourceid``, ``lastupdated``; ``data`` is a list of observations
``{"indicator": {"id", "value"}, "country": {"id", "value"}, "countryiso3code", "date",
"value", "unit", "obs_status", "decimal"}`` (``data`` is ``null`` when there is none). More
pages are fetched while ``page < pages``; each page is kept as its own raw file. A request the
API rejects is answered ``[{"message": [{"id", "key", "value"}]}]``.

The Worldwide Governance Indicators live in source 3 (``PV.EST`` with ``source=3``); the July
2026 WDI release renamed them ``GOV_WGI_*`` inside WDI, so both forms are tried in turn, and the
indicator is skipped with a warning when the API rejects both.

Kept: observations with a value, of codes that are countries (ISO-3 codes known to the project,
which excludes the World Bank's region and income aggregates such as ``WLD``, ``EUU``, ``AFE``,
plus ``XKX`` Kosovo and ``CHI`` Channel Islands).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
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
)

if TYPE_CHECKING:  # pragma: no cover
    import requests

NAME = "worldbank"
TABLE = "indicators"
BASE = "https://api.worldbank.org/v2/country/all/indicator/{code}"
PER_PAGE = 20000
START_YEAR = 1990
PROVENANCE = Provenance(
    "World Bank",
    "World Development Indicators and Worldwide Governance Indicators (Indicators API v2)",
    "as downloaded",
    "CC BY 4.0 (World Bank Open Data terms of use)",
    "https://data.worldbank.org/",
)


@dataclass(frozen=True)
class Series:
    """One canonical indicator and the API forms (code, source id) that may serve it."""

    name: str
    forms: tuple[tuple[str, int | None], ...]
    optional: bool = False


#: Canonical indicator -> API code(s). ``None`` as source means the default (WDI, source 2).
SERIES: tuple[Series, ...] = (
    Series("remittances_received_usd", (("BX.TRF.PWKR.CD.DT", None),)),
    Series("remittances_paid_usd", (("BM.TRF.PWKR.CD.DT", None),)),
    Series("gdp_usd", (("NY.GDP.MKTP.CD", None),)),
    Series("gdp_per_capita_ppp", (("NY.GDP.PCAP.PP.KD", None),)),
    Series("population", (("SP.POP.TOTL", None),)),
    Series("unemployment_pct", (("SL.UEM.TOTL.ZS", None),)),
    Series("inflation_pct", (("FP.CPI.TOTL.ZG", None),)),
    Series("net_migration", (("SM.POP.NETM", None),)),
    Series("birth_rate", (("SP.DYN.CBRT.IN", None),)),
    Series("age_dependency_ratio", (("SP.POP.DPND", None),)),
    Series("fdi_inflows_usd", (("BX.KLT.DINV.CD.WD", None),)),
    Series("fdi_outflows_usd", (("BM.KLT.DINV.CD.WD", None),)),
    Series("political_stability", (("PV.EST", 3), ("GOV_WGI_PV.EST", None)), optional=True),
)
#: API indicator id -> canonical name.
CODES: dict[str, str] = {code: s.name for s in SERIES for code, _ in s.forms}

#: World Bank aggregate codes (regions, income and lending groups). They are not ISO codes, so
#: the known-code filter drops them already; listed to make the intent explicit.
AGGREGATES = frozenset(
    "AFE AFW ARB CEB CSS EAP EAR EAS ECA ECS EMU EUU FCS HIC HPC IBD IBT IDA IDB IDX INX LAC "
    "LCN LDC LIC LMC LMY LTE MEA MIC MNA NAC OED OSS PRE PSS PST SAS SSA SSF SST TEA TEC TLA "
    "TMN TSA TSS UMC WLD".split()
)
COUNTRIES = frozenset(known_codes() - {"EU27"} - AGGREGATES)


def url(code: str, source: int | None = None, page: int = 1,
        end_year: int | None = None) -> tuple[str, dict[str, object]]:
    """The request for one page of one indicator: URL and query parameters."""
    params: dict[str, object] = {
        "format": "json", "per_page": PER_PAGE,
        "date": f"{START_YEAR}:{end_year or date.today().year}", "page": page,
    }
    if source is not None:
        params["source"] = source
    return BASE.format(code=code), params


def file_name(code: str, page: int) -> str:
    """Raw file name of one page of one indicator."""
    return f"worldbank_{code}_p{page:03d}.json"


class _Rejected(Exception):
    """The API answered with an error message instead of data."""


def _meta(path: Path) -> dict:
    """The ``meta`` object of a page, or raise :class:`_Rejected` / :class:`DataError`."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(path, f"is not valid JSON: {exc}") from exc
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "message" in doc[0]:
        msgs = doc[0]["message"] or [{}]
        raise _Rejected("; ".join(f"{m.get('key', '')}: {m.get('value', '')}".strip(": ")
                                  for m in msgs))
    if not (isinstance(doc, list) and len(doc) == 2 and isinstance(doc[0], dict)
            and "pages" in doc[0]):
        raise DataError(path, "is not a World Bank API page: expected [meta, data] with "
                              "meta.pages")
    return doc[0]


def _fetch_form(session, dest, code, source, progress) -> list[RawFile]:  # noqa: ANN001
    files: list[RawFile] = []
    page, pages = 1, 1
    while page <= pages:
        address, params = url(code, source, page)
        path = dest / file_name(code, page)
        try:
            record = download(session, address, path, source=NAME, progress=progress,
                              params=params)
        except FetchError as exc:
            if page == 1 and re.match(r"HTTP 4\d\d", exc.reason):
                raise _Rejected(exc.reason) from exc
            raise
        try:
            meta = _meta(path)
        except _Rejected:
            path.unlink(missing_ok=True)
            if page == 1:
                raise
            raise FetchError(NAME, record.url, "the API rejected a later page") from None
        except DataError as exc:
            path.unlink(missing_ok=True)
            raise FetchError(NAME, record.url, f"the answer {exc.problem}") from None
        pages = int(meta.get("pages") or 0)
        files.append(record)
        page += 1
    return files


def fetch(session: requests.Session, dest: Path, *,
          progress: ProgressCallback | None = None) -> list[RawFile]:
    """Download every indicator of :data:`SERIES`, all pages, into ``dest``.

    Returns
    -------
    list of RawFile
        One per page per indicator.

    Raises
    ------
    FetchError
        When a download fails, or the API rejects a required indicator.
    """
    files: list[RawFile] = []
    for series in SERIES:
        reasons = []
        for code, source in series.forms:
            try:
                files += _fetch_form(session, dest, code, source, progress)
                break
            except _Rejected as exc:
                reasons.append(f"{code}" + (f" (source {source})" if source else "")
                               + f": {exc}")
        else:
            text = "; ".join(reasons)
            if not series.optional:
                address, _ = url(series.forms[0][0], series.forms[0][1])
                raise FetchError(NAME, address, f"the API rejected the indicator: {text}")
            warnings.warn(f"World Bank: indicator {series.name} skipped, the API rejected "
                          f"every form of it ({text})", UserWarning, stacklevel=2)
    return files


def _observations(path: Path) -> list[dict]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(path, f"is not a readable JSON file: {exc}") from exc
    if not (isinstance(doc, list) and len(doc) == 2 and isinstance(doc[0], dict)):
        raise DataError(path, "is not a World Bank API page: expected [meta, data]")
    return doc[1] or []


def parse(paths: Path | Sequence[Path]) -> pd.DataFrame:
    """Parse World Bank API pages into the canonical ``indicators`` table.

    Parameters
    ----------
    paths : Path or sequence of Path
        Page files (any indicators, any order).

    Returns
    -------
    DataFrame
        country, indicator, year, value; sorted by the key.

    Raises
    ------
    DataError
        For a file that is not an API page, an unknown indicator, or a bad year or value
        (naming the file and the observation).
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    records = []
    for path in paths:
        for i, obs in enumerate(_observations(path)):
            where = f"observation {i}: {json.dumps(obs)[:160]}"
            try:
                code = obs["indicator"]["id"]
                iso3 = obs.get("countryiso3code") or ""
                year, value = obs["date"], obs["value"]
            except (KeyError, TypeError):
                raise DataError(path, "observation lacks indicator.id, date or value",
                                rows=[where]) from None
            if code not in CODES:
                raise DataError(path, f"unknown indicator {code!r}", column="indicator.id",
                                rows=[where])
            if value is None or iso3 not in COUNTRIES:
                continue
            if not (isinstance(year, str | int) and re.fullmatch(r"\d{4}", str(year))):
                raise DataError(path, f"date {year!r} is not a year", column="date",
                                rows=[where])
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise DataError(path, f"value {value!r} is not a number", column="value",
                                rows=[where])
            records.append((iso3, CODES[code], int(year), float(value)))
    out = pd.DataFrame.from_records(records, columns=["country", "indicator", "year", "value"])
    out = out.astype({"country": str, "indicator": str, "year": "int64", "value": "float64"})
    return out.sort_values(["country", "indicator", "year"]).reset_index(drop=True)
