"""Synthetic files in Eurostat's bulk TSV layout, for tests and benchmarks of the ingest.

The layout is that of ``migr_asyappctza`` as the dissemination API serves it with
``format=TSV`` (␠ marks a trailing space)::

    freq,unit,citizen,sex,age,applicant,geo\\TIME_PERIOD<TAB>2008 <TAB>2009 ...<TAB>2024␠
    A,PER,AF,F,TOTAL,FRST,AT<TAB>15 <TAB>: c ...<TAB>1234 p

Header cells of the years carry a trailing space; each observation cell is the value, a space
and the (possibly empty) flags, so an unflagged value also ends with a space (``"15 "``), as in
Eurostat's files. ``:`` marks a value that is not available, optionally flagged (``": c"``).

Rows are distinct combinations of the dimensions, drawn without replacement from the product of
the code lists below and written in sorted key order, in chunks: the file is never held in
memory, and the same ``seed`` gives the same bytes.
"""

from __future__ import annotations

import gzip
import os
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pycountry

from analysis.io import atomic_write_with

#: Dimensions of the series key, in the order of the first header cell.
DIMENSIONS: tuple[str, ...] = ("freq", "unit", "citizen", "sex", "age", "applicant", "geo")
#: Years written, one column each, ascending.
YEARS: tuple[int, ...] = tuple(range(2008, 2025))

#: Reporting countries (Eurostat codes, EL = Greece, UK = United Kingdom) and aggregates.
GEO_CODES: tuple[str, ...] = tuple(sorted((
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    "IS", "LI", "NO", "CH", "UK", "ME", "MK", "AL", "RS", "TR",
    "EU27_2020", "EU28",
)))
#: Citizenship aggregates and special codes Eurostat uses beside the 2-letter country codes.
CITIZEN_SPECIAL: tuple[str, ...] = ("STLS", "UNK", "TOTAL", "EU27_2020_FOR", "EXT_EU27_2020")
SEX_CODES: tuple[str, ...] = ("F", "M", "T", "UNK")
#: Age classes of migr_asyappctza. Single years (``Y0`` …) are added only when a file needs
#: more distinct keys than these give.
AGE_CLASSES: tuple[str, ...] = (
    "TOTAL", "UNK", "Y14-17", "Y18-34", "Y35-64", "Y_GE18", "Y_GE65", "Y_LT14", "Y_LT18",
)
MAX_SINGLE_YEARS = 100
APPLICANT_CODES: tuple[str, ...] = ("FRST", "NASY_APP", "SUBS")

_CHUNK_ROWS = 200_000
_FLAGS = ("", "p", "e", "b")
_FLAG_P = (0.85, 0.08, 0.05, 0.02)
_MISSING_FLAGS = ("", "c", "z")
_MISSING_FLAG_P = (0.7, 0.15, 0.15)
_P_MISSING = 0.08
_P_ZERO = 0.5


@cache
def citizen_codes() -> tuple[str, ...]:
    """Citizenship codes: every ISO 3166-1 alpha-2 code in Eurostat's spelling, plus specials.

    Greece is ``EL`` and the United Kingdom ``UK`` (not ``GR``/``GB``); Kosovo ``XK`` is added.
    """
    swap = {"GR": "EL", "GB": "UK"}
    codes = {swap.get(c.alpha_2, c.alpha_2) for c in pycountry.countries} | {"XK"}
    return tuple(sorted(codes | set(CITIZEN_SPECIAL)))


def _age_codes(n_rows: int) -> tuple[str, ...]:
    """The age codes needed for ``n_rows`` distinct keys (classes, then single years)."""
    per_age = len(GEO_CODES) * len(citizen_codes()) * len(SEX_CODES) * len(APPLICANT_CODES)
    needed = -(-n_rows // per_age)
    extra = max(0, needed - len(AGE_CLASSES))
    if extra > MAX_SINGLE_YEARS:
        capacity = per_age * (len(AGE_CLASSES) + MAX_SINGLE_YEARS)
        raise ValueError(f"n_rows={n_rows:,} exceeds the {capacity:,} distinct keys the "
                         "synthetic code lists allow")
    return tuple(sorted(AGE_CLASSES + tuple(f"Y{i}" for i in range(extra))))


def header_line(years: tuple[int, ...] = YEARS) -> str:
    """The header line (with its newline) of a synthetic file."""
    return ",".join(DIMENSIONS) + "\\TIME_PERIOD\t" + "\t".join(f"{y} " for y in years) + "\n"


def _prefixes(ages: tuple[str, ...]) -> pa.Array:
    """Key prefixes ``A,PER,citizen,sex,age,applicant`` in mixed-radix order."""
    out = [
        f"A,PER,{c},{s},{a},{p}"
        for c in citizen_codes() for s in SEX_CODES for a in ages for p in APPLICANT_CODES
    ]
    return pa.array(out, pa.string())


def _cells(rng: np.random.Generator, k: int) -> pa.Array:
    """``k`` observation cells: counts with flags, some ``:`` (not available)."""
    values = np.where(
        rng.random(k) < _P_ZERO,
        0,
        np.clip(np.rint(rng.lognormal(2.5, 2.0, k)), 1, 500_000),
    ).astype(np.int64)
    flags = pa.array(_FLAGS).take(pa.array(rng.choice(len(_FLAGS), k, p=_FLAG_P)))
    cells = pc.binary_join_element_wise(pc.cast(pa.array(values), pa.string()), flags, " ")
    missing = rng.random(k) < _P_MISSING
    missing_flags = rng.choice(len(_MISSING_FLAGS), k, p=_MISSING_FLAG_P)
    missing_cells = pa.array([f": {f}" for f in _MISSING_FLAGS]).take(
        pa.array(missing_flags))
    return pc.if_else(pa.array(missing), missing_cells, cells)


def _chunks(n_rows: int, seed: int):
    """Yield Arrow tables of at most ``_CHUNK_ROWS`` rows: the series key and one cell per year."""
    rng = np.random.default_rng(seed)
    ages = _age_codes(n_rows)
    prefixes = _prefixes(ages)
    geos = pa.array(GEO_CODES, pa.string())
    n_geo = len(GEO_CODES)
    space = len(prefixes) * n_geo
    names = ["series", *(f"{y} " for y in YEARS)]
    for start in range(0, n_rows, _CHUNK_ROWS):
        i = np.arange(start, min(start + _CHUNK_ROWS, n_rows), dtype=np.int64)
        # One stratum of the key space per row: distinct, sorted, spread over the whole space.
        lo = i * space // n_rows
        hi = (i + 1) * space // n_rows
        idx = lo + rng.integers(0, hi - lo)
        keys = pc.binary_join_element_wise(
            prefixes.take(pa.array(idx // n_geo)), geos.take(pa.array(idx % n_geo)), ","
        )
        columns = [keys, *(_cells(rng, len(i)) for _ in YEARS)]
        yield pa.Table.from_arrays(columns, names=names)


def _write(path: Path, n_rows: int, seed: int, compress: bool) -> None:
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    raw = open(path, "wb")  # noqa: SIM115 - closed below, wrapped by gzip when compressing
    try:
        sink = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) if compress \
            else raw
        try:
            sink.write(header_line().encode("utf-8"))
            for table in _chunks(n_rows, seed):
                buffer = pa.BufferOutputStream()
                pacsv.write_csv(table, buffer, write_options=options)
                sink.write(buffer.getvalue().to_pybytes())
        finally:
            if sink is not raw:
                sink.close()
    finally:
        raw.close()


def write_synthetic_eurostat_tsv(
    path: str | os.PathLike[str],
    n_rows: int,
    *,
    seed: int = 0,
    compress: bool = False,
) -> Path:
    """Write a synthetic ``migr_asyappctza`` file in Eurostat's bulk TSV layout.

    Parameters
    ----------
    path : path-like
        The file to write (replaced atomically). Give it a ``.gz`` suffix when ``compress``.
    n_rows : int
        Number of data rows (distinct series keys), at least 1.
    seed : int, default 0
        Seed of the random generator; the same seed and ``n_rows`` give the same file.
    compress : bool, default False
        Write gzip-compressed (deterministic bytes: the gzip timestamp is zero).

    Returns
    -------
    Path
        The file written.

    Notes
    -----
    Codes: ``geo`` among the EU member states, EFTA, the United Kingdom, five candidate
    countries and the aggregates ``EU27_2020``/``EU28``; ``citizen`` among every 2-letter
    country code plus ``STLS``, ``UNK`` and the aggregates ``TOTAL``, ``EU27_2020_FOR``,
    ``EXT_EU27_2020``; ``sex`` F/M/T/UNK; ``age`` the age classes of the table (single years
    ``Y0`` … are added only when ``n_rows`` needs more distinct keys); ``applicant``
    FRST/NASY_APP/SUBS; ``unit`` PER; years 2008–2024. About half of the values are zero, 8 %
    are ``:`` (some flagged ``c`` or ``z``) and 15 % of the others carry a flag (p, e, b).
    Memory use is bounded by one chunk of 200,000 rows.

    Examples
    --------
    >>> write_synthetic_eurostat_tsv("/tmp/asylum.tsv", 1_000)  # doctest: +SKIP
    """
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer) or n_rows < 1:
        raise ValueError(f"n_rows must be a positive integer, got {n_rows!r}")
    path = Path(path)
    atomic_write_with(path, lambda tmp: _write(tmp, int(n_rows), seed, compress))
    return path
