"""Eurostat ``migr_asyappctza``: first-time asylum applicants, yearly → canonical ``asylum``.

Downloaded whole from the SDMX 2.1 dissemination API as Eurostat's gzip-compressed TSV::

    https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/migr_asyappctza?format=TSV&compressed=true

The TSV has one time series per line. The first column joins the dimension codes with commas;
its header names them and ends with ``\\TIME_PERIOD``; the other columns are periods. Every
period label and every cell ends with a space, shown here as ␣::

    freq,unit,citizen,sex,age,applicant,geo\\TIME_PERIOD<TAB>2023␣<TAB>2024␣
    A,PER,AF,F,TOTAL,FRST,DE<TAB>12345␣<TAB>11020␣p

Each cell is a value and a (possibly empty) status flag separated by that space: ``12345␣``,
``11020␣p`` (provisional), ``:␣`` (not available), ``:␣c`` (confidential). Values are kept
whatever their flag; ``:`` is missing. The dimensions are found by name in the header, so
their order does not matter.

Kept: ``freq = A``, ``unit = PER``, ``age = TOTAL``, ``applicant = FRST``, ``sex`` in
``F``/``M``/``UNK`` (``T`` is dropped: it is their sum). Zero and missing counts are dropped,
as in the IOM gdidata table. Codes become ISO 3166-1 alpha-3: two-letter country codes through
pycountry, with Eurostat's ``EL`` → ``GRC``, ``UK`` → ``GBR``, ``XK`` → ``XKX``; ``EU27_2020``
→ ``EU27`` (geo); citizenship ``STLS`` (stateless) → ``STL`` and ``UNK`` (unknown) → ``OOO``.
Other aggregates (``TOTAL``, ``EXT_EU27_2020``, ``EU28`` …) are dropped; any other unknown code
is dropped with an :class:`~analysis.sources.official.common.UnmappedCodeWarning`. Applicants
are summed over the canonical key. These are the rules of :mod:`analysis.sources.ingest`
(the DuckDB reader of very large files); the two parsers must agree.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.sources.base import Provenance
from analysis.sources.official.common import (
    ProgressCallback,
    RawFile,
    download,
    iso3_from_alpha2,
    warn_unmapped,
)

if TYPE_CHECKING:  # pragma: no cover
    import requests

NAME = "eurostat"
TABLE = "asylum"
DATASET = "migr_asyappctza"
URL = (f"https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/{DATASET}"
       "?format=TSV&compressed=true")
FILE = f"eurostat_{DATASET}.tsv.gz"
PROVENANCE = Provenance(
    "Eurostat",
    "Asylum applicants by type, citizenship, age and sex, annual aggregated data "
    f"({DATASET}), first-time applicants",
    "as downloaded",
    "CC BY 4.0 (Eurostat copyright notice, Commission Decision 2011/833/EU)",
    f"https://ec.europa.eu/eurostat/databrowser/view/{DATASET}/default/table",
)

REQUIRED_DIMENSIONS = ("unit", "citizen", "sex", "age", "applicant", "geo")
SEX = {"F": "female", "M": "male", "UNK": "unknown"}
#: Codes that are not countries but are kept, by dimension.
GEO_SPECIAL = {"EU27_2020": "EU27"}
CITIZEN_SPECIAL = {"STLS": "STL", "UNK": "OOO"}
AGGREGATE = re.compile(r"^(TOTAL|EXT_.*|EU\d.*|EA\d.*|EFTA.*|.*_FOR|.*_\d{4}|NEU.*|OTH.*)$")


def fetch(session: requests.Session, dest: Path, *,
          progress: ProgressCallback | None = None) -> list[RawFile]:
    """Download the whole dataset as gzip-compressed TSV into ``dest``.

    Returns
    -------
    list of RawFile
        The one downloaded file.
    """
    return [download(session, URL, dest / FILE, source=NAME, progress=progress)]


#: The series kept: dimension -> accepted codes (``freq`` only when the file has it).
KEEP: dict[str, frozenset[str]] = {
    "freq": frozenset({"A"}), "unit": frozenset({"PER"}), "age": frozenset({"TOTAL"}),
    "applicant": frozenset({"FRST"}), "sex": frozenset(SEX),
}


def _text(path: Path) -> str:
    """The file's text, gunzipped when it is gzip (whatever its name: a server may have sent
    it uncompressed, or the HTTP layer may have decoded it)."""
    if not path.is_file():
        raise DataError(path, "file not found")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataError(path, f"is not a valid gzip file (truncated or corrupt: {exc})") \
                from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"is not UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise DataError(path, "is empty")
    return text


def _read_tsv(path: Path) -> tuple[list[str], pd.DataFrame, pd.Series]:
    """Dimensions, the kept series (key column split) and their file line numbers."""
    lines = _text(path).splitlines()
    key_header = lines[0].split("\t", 1)[0]
    if "\\" not in key_header:
        raise DataError(path, "is not a Eurostat TSV: the first header cell should look like "
                              f"'freq,unit,…,geo\\TIME_PERIOD', found {key_header[:80]!r}")
    dims = [d.strip().lower() for d in key_header.split("\\", 1)[0].split(",")]
    missing = [d for d in REQUIRED_DIMENSIONS if d not in dims]
    if missing:
        raise DataError(path, f"the series key has no dimension '{missing[0]}' "
                              f"(found: {', '.join(dims)})", column=key_header)
    tests = [(dims.index(d), codes) for d, codes in KEEP.items() if d in dims]
    kept, numbers = [lines[0]], []
    for number, line in enumerate(lines[1:], start=2):  # selecting here is 10x faster
        key = line.split("\t", 1)[0].split(",")
        if len(key) != len(dims):
            if not line.strip():
                continue
            raise DataError(path, f"the series key has {len(key)} parts, the header names "
                                  f"{len(dims)} dimensions", column=key_header,
                            rows=[f"line {number}: {line[:120]}"])
        if all(key[i] in codes for i, codes in tests):
            kept.append(line)
            numbers.append(number)
    frame = pd.read_csv(io.StringIO("\n".join(kept) + "\n"), sep="\t", dtype=str,
                        keep_default_na=False, na_filter=False)
    keys = frame.iloc[:, 0].str.split(",", expand=True) if len(frame) else pd.DataFrame(
        columns=range(len(dims)))
    keys.columns = dims
    return dims, pd.concat([keys, frame.iloc[:, 1:]], axis=1), pd.Series(numbers, dtype="int64")


_CELL = r"^\s*(:|[0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$"


def _parse_values(path: Path, cells: pd.Series, lines: pd.Series, period: str) -> pd.Series:
    """Counts of a period column: ``value[ flags]``; ``:`` (any flags) and empty are missing."""
    parts = cells.str.extract(_CELL)
    value = parts[0]
    missing = value.eq(":").fillna(False) | cells.str.strip().eq("")
    number = pd.to_numeric(value.where(~missing), errors="coerce")
    bad = ~missing & (number.isna() | (number != np.round(number)))
    if bad.any():
        rows = [f"line {ln}: {c!r}" for ln, c in zip(lines[bad], cells[bad], strict=True)]
        raise DataError(path, f"{int(bad.sum())} cell(s) are not a count or ':'",
                        column=period, rows=rows)
    return number


def _map_codes(path: Path, codes: pd.Series, column: str, special: dict[str, str]) -> pd.Series:
    mapped: dict[str, str | None] = {}
    unknown = []
    for code in codes.unique():
        if code in special:
            mapped[code] = special[code]
        elif (iso := iso3_from_alpha2(code)) is not None:
            mapped[code] = iso
        else:
            mapped[code] = None
            if not AGGREGATE.match(code):
                unknown.append(code)
    warn_unmapped(path, column, unknown)
    return codes.map(mapped)


def parse(paths: Path | Sequence[Path]) -> pd.DataFrame:
    """Parse the downloaded TSV into the canonical ``asylum`` table.

    Parameters
    ----------
    paths : Path or sequence of one Path
        The ``.tsv.gz`` (or plain ``.tsv``) file.

    Returns
    -------
    DataFrame
        destination, year, citizenship, sex, applicants; sorted by the key.

    Raises
    ------
    DataError
        When the file is not a Eurostat TSV of this dataset or a cell is not a count.
    """
    path = Path(paths) if isinstance(paths, (str, Path)) else Path(next(iter(paths)))
    dims, frame, lines = _read_tsv(path)
    keys = frame[dims]
    periods = [c for c in frame.columns[len(dims):] if str(c).strip()]
    pieces = []
    for period in periods:
        label = str(period).strip()
        if not re.fullmatch(r"\d{4}", label):
            raise DataError(path, f"period {label!r} is not a year", column=label)
        count = _parse_values(path, frame[period], lines, label)
        ok = count.notna() & (count > 0)
        pieces.append(pd.DataFrame({
            "geo": keys.loc[ok, "geo"], "citizen": keys.loc[ok, "citizen"],
            "sex": keys.loc[ok, "sex"], "year": int(label), "applicants": count[ok],
        }))
    long = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(
        columns=["geo", "citizen", "sex", "year", "applicants"])
    out = pd.DataFrame({
        "destination": _map_codes(path, long["geo"], "geo", GEO_SPECIAL),
        "year": long["year"].astype("int64"),
        "citizenship": _map_codes(path, long["citizen"], "citizen", CITIZEN_SPECIAL),
        "sex": long["sex"].map(SEX),
        "applicants": long["applicants"].astype("int64"),
    })
    out = out.dropna(subset=["destination", "citizenship"])
    # Summed over the canonical key, like analysis.sources.ingest (codes that share an ISO-3).
    out = out.groupby(["destination", "year", "citizenship", "sex"], as_index=False,
                      sort=True)["applicants"].sum()
    return out.astype({"destination": str, "citizenship": str, "sex": str,
                       "year": "int64", "applicants": "int64"}).reset_index(drop=True)
