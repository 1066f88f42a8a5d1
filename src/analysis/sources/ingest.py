"""Streaming ingest of raw files larger than memory, with DuckDB.

The full Eurostat asylum table with every dimension is several gigabytes: pandas would need
many times that in memory. :func:`ingest_eurostat_tsv` streams such a file (plain or gzip) through
DuckDB — filter, unpivot the years, parse values and flags, map codes, aggregate — and writes
the canonical ``asylum`` table as Parquet partitioned by year; :func:`read_ingested` reads it
back (optionally a few years only) as a validated canonical table. Memory stays bounded by
DuckDB's ``memory_limit`` (it spills to disk beyond it), whatever the size of the file.

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

import gzip
import json
import os
import re
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

import pandas as pd
import pycountry

from analysis import config
from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources.official.common import EUROSTAT_ALPHA2 as EUROSTAT_COUNTRY_EXCEPTIONS
from analysis.sources.official.common import UnmappedCodeWarning
from analysis.sources.official.eurostat import AGGREGATE
from analysis.sources.official.eurostat import CITIZEN_SPECIAL as CITIZEN_SPECIAL_CODES
from analysis.sources.official.eurostat import GEO_SPECIAL as GEO_SPECIAL_CODES
from analysis.sources.official.eurostat import SEX as SEX_CODES
from analysis.validation import check_header, validate_table

# Code mappings (EUROSTAT_COUNTRY_EXCEPTIONS, …) are shared with the pandas parser of small
# downloaded files, analysis.sources.official.eurostat: one definition.

#: The single value kept for the other dimensions of ``migr_asyappctza``.
KEPT_CODES: dict[str, str] = {"freq": "A", "unit": "PER", "age": "TOTAL", "applicant": "FRST"}
#: Dimensions of the series key of ``migr_asyappctza`` (in any order in a file).
EUROSTAT_DIMENSIONS: tuple[str, ...] = ("freq", "unit", "citizen", "sex", "age", "applicant",
                                        "geo")
#: Dimensions a file may lack (then nothing is filtered on them).
OPTIONAL_DIMENSIONS: frozenset[str] = frozenset({"freq"})
#: Aggregate codes dropped silently (not countries): totals, EU/EA/EFTA groups, "extra-EU".
AGGREGATE_PATTERN = AGGREGATE.pattern.replace("\\d", "[0-9]")

_TIME_SUFFIX = "\\TIME_PERIOD"
_YEAR = re.compile(r"^[0-9]{4}$")
_MANIFEST = "_ingest.json"


@cache
def _iso2_to_iso3() -> dict[str, str]:
    out = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    out.update(EUROSTAT_COUNTRY_EXCEPTIONS)
    return out


def geo_code_map() -> dict[str, str]:
    """Eurostat ``geo`` code -> canonical destination code (ISO-3, or ``EU27``)."""
    return {**_iso2_to_iso3(), **GEO_SPECIAL_CODES}


def citizen_code_map() -> dict[str, str]:
    """Eurostat ``citizen`` code -> canonical citizenship code (ISO-3, ``STL`` or ``OOO``)."""
    return {**_iso2_to_iso3(), **CITIZEN_SPECIAL_CODES}


# --- small helpers ---------------------------------------------------------------------------


def _sql_str(value: str | os.PathLike[str]) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _first_line(path: Path) -> str:
    """The first line of a (possibly gzip-compressed) text file, without its newline."""
    if not path.is_file():
        raise DataError(path, "file not found")
    if path.stat().st_size == 0:
        raise DataError(path, "is empty (0 bytes)")
    opener: Callable = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.readline(1 << 20)
    except (OSError, EOFError) as exc:
        raise DataError(path, f"cannot be read (corrupt gzip file?): {exc}") from exc
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, "the header is not UTF-8 text") from exc
    line = line.rstrip("\r\n")
    if not line.strip():
        raise DataError(path, "is empty (no header)")
    return line


def _connect(memory_limit: str, threads: int | None, temp_dir: Path):
    import duckdb

    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    cfg = {
        "memory_limit": str(memory_limit),
        "preserve_insertion_order": False,
        "temp_directory": str(temp_dir),
    }
    if threads is not None:
        cfg["threads"] = threads
    try:
        con = duckdb.connect(":memory:", config=cfg)
    except duckdb.Error as exc:
        raise ValueError(f"invalid DuckDB setting (memory_limit={memory_limit!r}): {exc}") \
            from exc
    con.execute("SET enable_progress_bar = false")
    return con


def _duckdb_problem(exc: Exception) -> str:
    """The first informative line of a DuckDB error."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return "; ".join(lines[:3])[:500]


def _replace_dir(staged: Path, out_dir: Path) -> None:
    """Move the fully written ``staged`` directory to ``out_dir``, replacing it.

    The previous ``out_dir`` is first renamed aside, then ``staged`` is renamed into place and
    the old one deleted; if the second rename fails the old directory is put back. Both renames
    are within one folder, so each is atomic (readers may see no directory for an instant).
    """
    backup: Path | None = None
    if out_dir.exists():
        backup = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(out_dir, backup)
    try:
        os.replace(staged, out_dir)
    except BaseException:
        if backup is not None:
            os.replace(backup, out_dir)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def _staged_write(out_dir: Path, memory_limit: str, threads: int | None,
                  work: Callable[[object, Path], None]) -> Path:
    """Run ``work(connection, staging_dir)`` then move the staging dir to ``out_dir``.

    On any exception the staging directory is removed and ``out_dir`` is left as it was.
    """
    out_dir = Path(out_dir).expanduser().resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".staging",
                                    dir=out_dir.parent))
    spill = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".spill",
                                  dir=out_dir.parent))
    try:
        con = _connect(memory_limit, threads, spill)
        try:
            work(con, staging / "data")
        finally:
            con.close()
        os.chmod(staging, 0o755)
        _replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return out_dir


def _flatten(staging_data: Path) -> None:
    """Move the partition folders written under ``staging/data`` up into ``staging``."""
    for child in staging_data.iterdir():
        os.replace(child, staging_data.parent / child.name)
    staging_data.rmdir()


def _write_manifest(directory: Path, manifest: Mapping[str, object]) -> None:
    """Write ``_ingest.json`` (ignored by Parquet readers: it starts with ``_``)."""
    text = json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n"
    (directory / _MANIFEST).write_text(text, encoding="utf-8")


# --- Eurostat bulk TSV -----------------------------------------------------------------------


def parse_eurostat_header(path: Path) -> tuple[list[str], list[str]]:
    """Check the header of a Eurostat bulk TSV file and return its dimensions and years.

    Parameters
    ----------
    path : Path
        The file (``.tsv`` or ``.tsv.gz``).

    Returns
    -------
    dimensions : list of str
        The dimension codes of the series key, in file order.
    years : list of str
        The year column headers, stripped (``"2008"`` …), in file order.

    Raises
    ------
    DataError
        Naming the file and the header cell when the file is not in this layout.
    """
    line = _first_line(path)
    cells = line.split("\t")
    first = cells[0].strip()
    if len(cells) < 2:
        raise DataError(path, "is not a Eurostat bulk TSV file: the header is not tab-separated "
                              f"(found {line[:120]!r})", column=first[:80])
    if not first.endswith(_TIME_SUFFIX):
        raise DataError(path, "is not a Eurostat bulk TSV file: the first header cell should be "
                              "the dimensions followed by '\\TIME_PERIOD', e.g. "
                              "'freq,unit,citizen,sex,age,applicant,geo\\TIME_PERIOD'",
                        column=first[:80])
    dims = [d.strip() for d in first[: -len(_TIME_SUFFIX)].split(",")]
    missing = [d for d in EUROSTAT_DIMENSIONS if d not in dims and d not in OPTIONAL_DIMENSIONS]
    if missing:
        raise DataError(path, f"the series key lacks the dimension '{missing[0]}' of "
                              f"migr_asyappctza (expected {','.join(EUROSTAT_DIMENSIONS)})",
                        column=first)
    extra = [d for d in dims if d not in EUROSTAT_DIMENSIONS] + \
        [d for d in set(dims) if dims.count(d) > 1]
    if extra:
        raise DataError(path, f"the series key has an unexpected or repeated dimension "
                              f"'{extra[0]}' (expected exactly {','.join(EUROSTAT_DIMENSIONS)})",
                        column=first)
    years = [c.strip() for c in cells[1:]]
    for raw, year in zip(cells[1:], years, strict=True):
        if not _YEAR.match(year):
            raise DataError(path, "header cell is not a year (YYYY): annual data expected",
                            column=raw)
    if len(set(years)) != len(years):
        dup = next(y for y in years if years.count(y) > 1)
        raise DataError(path, "year column appears twice in the header", column=dup)
    return dims, years


def _code_tables(con) -> None:  # noqa: ANN001 - a DuckDB connection
    """Register the code mappings as small DuckDB tables."""
    import pyarrow as pa

    def table(mapping: Mapping[str, str]) -> pa.Table:
        return pa.table({"code": list(mapping), "canonical": list(mapping.values())})

    con.register("geo_map", table(geo_code_map()))
    con.register("citizen_map", table(citizen_code_map()))
    con.register("sex_map", table(SEX_CODES))


def _raw_aggregate_sql(path: Path, dims: Sequence[str], years: Sequence[str]) -> str:
    """SQL that aggregates the kept series by raw (geo, citizen, sex, year) in one pass."""
    pos = {d: i + 1 for i, d in enumerate(dims)}

    def part(dim: str) -> str:
        return f"split_part(series, ',', {pos[dim]})"

    columns = "{" + ", ".join([_sql_str("series") + ": 'VARCHAR'"]
                              + [f"{_sql_str(y)}: 'VARCHAR'" for y in years]) + "}"
    compression = "gzip" if _is_gzip(path) else "none"
    sexes = ", ".join(_sql_str(s) for s in SEX_CODES)
    keep = " AND ".join([f"{part(d)} = {_sql_str(v)}" for d, v in KEPT_CODES.items() if d in pos]
                        + [f"{part('sex')} IN ({sexes})"])
    commas = len(dims) - 1
    year_cols = ", ".join(f'"{y}"' for y in years)
    return f"""
    CREATE TEMP TABLE raw_agg AS
    WITH src AS (
        SELECT * FROM read_csv({_sql_str(path)}, delim = '\t', header = true,
            auto_detect = false, all_varchar = true, quote = '', escape = '',
            compression = '{compression}', columns = {columns})
    ), kept AS (
        SELECT {part('geo')} AS geo, {part('citizen')} AS citizen, {part('sex')} AS sex,
               series,
               length(series) - length(replace(series, ',', '')) <> {commas} AS bad_key,
               {year_cols}
        FROM src
        WHERE ({keep})
           OR length(series) - length(replace(series, ',', '')) <> {commas}
    ), long AS (
        UNPIVOT kept ON {year_cols} INTO NAME period VALUE cell
    ), parsed AS (
        SELECT geo, citizen, sex, series, bad_key, cell,
               CAST(period AS INTEGER) AS year,
               split_part(trim(cell), ' ', 1) AS v,
               strpos(trim(cell), ' ') > 0 AS has_flags
        FROM long
    ), valued AS (
        SELECT *, CASE WHEN v IN (':', '') THEN NULL ELSE TRY_CAST(v AS DOUBLE) END AS x
        FROM parsed
    ), checked AS (
        SELECT *, (bad_key OR (v NOT IN (':', '') AND (x IS NULL OR NOT isfinite(x)
                   OR x < 0 OR x <> floor(x)))) AS bad
        FROM valued
    )
    SELECT geo, citizen, sex, year,
           CAST(sum(CAST(x AS BIGINT)) FILTER (WHERE NOT bad) AS BIGINT) AS applicants,
           count(*) FILTER (WHERE NOT bad) AS cells,
           count(x) FILTER (WHERE NOT bad) AS available,
           count(*) FILTER (WHERE NOT bad AND has_flags) AS flagged,
           count(*) FILTER (WHERE bad) AS n_bad,
           any_value(series || ' [' || CAST(year AS VARCHAR) || '] ''' || cell || '''')
               FILTER (WHERE bad) AS bad_example,
           any_value(series) AS example
    FROM checked
    GROUP BY geo, citizen, sex, year
    """


def _check_raw(con, path: Path, first_cell: str) -> dict[str, int]:  # noqa: ANN001
    """Raise for malformed cells or duplicated series; return counts for the manifest."""
    bad = con.execute(
        "SELECT sum(n_bad), list(bad_example)[1:5] FROM raw_agg WHERE n_bad > 0"
    ).fetchall()[0]
    if bad[0]:
        raise DataError(path, f"{int(bad[0]):,} cell(s) are not a count or ':' followed by "
                              "optional flags (or the series key has the wrong number of codes)",
                        column=first_cell, rows=list(bad[1] or []))
    dup = con.execute(
        "SELECT count(DISTINCT example), list(DISTINCT example ORDER BY example)[1:5] "
        "FROM raw_agg WHERE cells > 1"
    ).fetchall()[0]
    if dup[0]:
        raise DataError(path, "duplicated series: the same key appears on more than one row",
                        column=first_cell, rows=list(dup[1] or []))
    cells, available, flagged = con.execute(
        "SELECT coalesce(sum(cells), 0), coalesce(sum(available), 0), "
        "coalesce(sum(flagged), 0) FROM raw_agg"
    ).fetchall()[0]
    return {"cells_kept": int(cells), "cells_available": int(available),
            "cells_flagged": int(flagged)}


def _unknown_codes(con) -> dict[str, list[str]]:  # noqa: ANN001
    """Raw geo/citizen codes neither mapped nor aggregates (dropped, with a warning)."""
    out: dict[str, list[str]] = {}
    for dim, table in (("geo", "geo_map"), ("citizen", "citizen_map")):
        rows = con.execute(
            f"SELECT DISTINCT r.{dim} FROM raw_agg r ANTI JOIN {table} m ON r.{dim} = m.code "
            f"WHERE NOT regexp_full_match(r.{dim}, {_sql_str(AGGREGATE_PATTERN)}) "
            f"ORDER BY 1"
        ).fetchall()
        if rows:
            out[dim] = [r[0] for r in rows]
    return out


_CANONICAL_SQL = """
    SELECT g.canonical AS destination, r.year AS year, c.canonical AS citizenship,
           s.canonical AS sex, CAST(sum(r.applicants) AS BIGINT) AS applicants
    FROM raw_agg r
    JOIN geo_map g ON r.geo = g.code
    JOIN citizen_map c ON r.citizen = c.code
    JOIN sex_map s ON r.sex = s.code
    WHERE r.applicants > 0
    GROUP BY ALL
"""


def ingest_eurostat_tsv(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] = config.INTERIM_DIR / "asylum",
    *,
    memory_limit: str = "1GB",
    threads: int | None = None,
) -> Path:
    """Stream a Eurostat ``migr_asyappctza`` bulk TSV file into year-partitioned Parquet.

    The file is read by DuckDB in one pass and never loaded whole: the kept series
    (module docstring) are unpivoted, parsed and aggregated in SQL, and only the canonical
    ``asylum`` table — a few hundred thousand rows at most — is written, as
    ``out_dir/year=YYYY/*.parquet`` plus ``out_dir/_ingest.json`` (source, counts, dropped
    codes). The output is written beside ``out_dir`` and moved into place at the end, so a
    failure leaves any previous output as it was.

    Parameters
    ----------
    path : path-like
        The TSV file, plain or gzip-compressed (detected from its content).
    out_dir : path-like, default ``data/interim/asylum``
        The output directory (replaced).
    memory_limit : str, default "1GB"
        DuckDB's memory limit; it spills to a temporary folder beside ``out_dir`` beyond it.
    threads : int, optional
        DuckDB threads (default: one per core).

    Returns
    -------
    Path
        ``out_dir``, absolute.

    Raises
    ------
    DataError
        When the file is missing, not in this layout (naming the header cell at fault), has
        malformed cells or duplicated series (naming rows), or keeps no data.

    Warns
    -----
    UserWarning
        For codes that are neither countries nor known aggregates (their rows are dropped).

    See Also
    --------
    read_ingested : Read the output back as the canonical table.
    """
    import duckdb

    path = Path(path).expanduser().resolve()
    dims, years = parse_eurostat_header(path)
    first_cell = ",".join(dims) + _TIME_SUFFIX
    summary: dict[str, object] = {}

    def work(con, staging_data: Path) -> None:  # noqa: ANN001
        try:
            con.execute(_raw_aggregate_sql(path, dims, years))
        except duckdb.OutOfMemoryException as exc:
            raise MemoryError(f"DuckDB ran out of memory reading {path} with memory_limit="
                              f"{memory_limit!r}; raise it or lower threads") from exc
        except duckdb.Error as exc:
            raise DataError(path, f"cannot be read as a Eurostat TSV file: "
                                  f"{_duckdb_problem(exc)}", column=first_cell) from exc
        counts = _check_raw(con, path, first_cell)
        _code_tables(con)
        unknown = _unknown_codes(con)
        n_rows = con.execute(f"SELECT count(*) FROM ({_CANONICAL_SQL})").fetchall()[0][0]
        if not n_rows:
            raise DataError(path, "no data left after keeping unit=PER, age=TOTAL, "
                                  "applicant=FRST, sex F/M/UNK and country codes",
                            column=first_cell)
        con.execute(f"COPY ({_CANONICAL_SQL}) TO {_sql_str(staging_data)} "
                    "(FORMAT parquet, PARTITION_BY (year), COMPRESSION zstd)")
        _flatten(staging_data)
        stat = path.stat()
        summary.update(
            table="asylum",
            source=str(path),
            source_bytes=stat.st_size,
            source_mtime_ns=stat.st_mtime_ns,
            dimensions=dims,
            years=[int(y) for y in years],
            kept={**KEPT_CODES, "sex": sorted(SEX_CODES)},
            rows=int(n_rows),
            dropped_unknown_codes=unknown,
            duckdb=duckdb.__version__,
            **counts,
        )
        _write_manifest(staging_data.parent, summary)

    done = _staged_write(Path(out_dir), memory_limit, threads, work)
    unknown = summary.get("dropped_unknown_codes") or {}
    if unknown:
        listed = "; ".join(f"{dim}: {', '.join(codes[:20])}" for dim, codes in unknown.items())
        warnings.warn(f"{path}: codes that are neither countries nor known aggregates were "
                      f"dropped ({listed})", UnmappedCodeWarning, stacklevel=2)
    return done


def _normalise_years(years: int | Iterable[int] | None) -> list[int] | None:
    if years is None:
        return None
    items = [years] if isinstance(years, int | str) else list(years)
    out = []
    for y in items:
        try:
            out.append(int(y))
        except (TypeError, ValueError):
            raise ValueError(f"years must be integers, got {y!r}") from None
    return out


def read_ingested(
    out_dir: str | os.PathLike[str] = config.INTERIM_DIR / "asylum",
    years: int | Iterable[int] | None = None,
) -> pd.DataFrame:
    """Read the output of :func:`ingest_eurostat_tsv` as the canonical ``asylum`` table.

    Parameters
    ----------
    out_dir : path-like, default ``data/interim/asylum``
        The directory written by :func:`ingest_eurostat_tsv`.
    years : int or iterable of int, optional
        Only these years (only their partitions are read); all years by default.

    Returns
    -------
    DataFrame
        Columns destination, year, citizenship, sex, applicants; sorted by the key, validated
        against ``analysis.schemas.TABLES["asylum"]``.

    Raises
    ------
    DataError
        When the directory is missing or not an ingested table, or fails validation.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    wanted = _normalise_years(years)
    directory = Path(out_dir).expanduser()
    spec = TABLES["asylum"]
    if not directory.is_dir():
        raise DataError(directory, "ingested table not found (run ingest_eurostat_tsv first)")
    try:
        dataset = ds.dataset(directory, format="parquet", partitioning="hive")
        if "year" not in dataset.schema.names:
            raise DataError(directory, "is not partitioned by year (year=YYYY folders)",
                            column="year")
        flt = ds.field("year").isin(wanted) if wanted is not None else None
        table = dataset.to_table(columns=list(spec.columns), filter=flt)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(directory, f"is not a readable partitioned Parquet table: {exc}") \
            from exc
    frame = table.to_pandas()
    frame = frame.astype({"year": "int64", "applicants": "int64"})
    frame = frame.sort_values(list(spec.key), kind="stable").reset_index(drop=True)
    return validate_table(frame.loc[:, list(spec.columns)], spec, path=directory)


# --- generic tidy CSV ------------------------------------------------------------------------


def stream_csv_to_parquet(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    columns: Mapping[str, str],
    partition_by: str | Sequence[str] | None = None,
    memory_limit: str = "1GB",
    threads: int | None = None,
) -> Path:
    """Stream a big tidy CSV (plain or gzip) into Parquet, optionally Hive-partitioned.

    Parameters
    ----------
    path : path-like
        A comma-separated file with a header row, e.g. ``undesa_stocks_2020.csv.gz``.
    out_dir : path-like
        The output directory (replaced atomically, as in :func:`ingest_eurostat_tsv`).
    columns : mapping of str to str
        Expected columns (exactly these, in any order) and their DuckDB types, e.g.
        ``{"geo": "VARCHAR", "year": "INTEGER", "n": "BIGINT"}``. Only the empty string is
        missing: ``"NA"`` (Namibia) stays text.
    partition_by : str or sequence of str, optional
        Columns to partition by (``col=value`` folders).
    memory_limit, threads
        As in :func:`ingest_eurostat_tsv`.

    Returns
    -------
    Path
        ``out_dir``, absolute.

    Raises
    ------
    DataError
        For a missing file, a header that is not ``columns``, or a value that does not convert
        to its type (DuckDB's message names the column and line).
    """
    import duckdb

    path = Path(path).expanduser().resolve()
    if not columns:
        raise ValueError("columns must name at least one column")
    parts = [partition_by] if isinstance(partition_by, str) else list(partition_by or [])
    unknown = [c for c in parts if c not in columns]
    if unknown:
        raise ValueError(f"partition_by column {unknown[0]!r} is not among columns "
                         f"({', '.join(columns)})")
    found = [c.strip().strip('"') for c in _first_line(path).split(",")]
    check_header(path, found, list(columns))
    types = "{" + ", ".join(f"{_sql_str(c)}: {_sql_str(columns[c])}" for c in found) + "}"
    compression = "gzip" if _is_gzip(path) else "none"
    options = "FORMAT parquet, COMPRESSION zstd"
    if parts:
        options += ", PARTITION_BY (" + ", ".join(f'"{c}"' for c in parts) + ")"

    def work(con, staging_data: Path) -> None:  # noqa: ANN001
        sql = (f"COPY (SELECT * FROM read_csv({_sql_str(path)}, delim = ',', header = true, "
               f"auto_detect = false, compression = '{compression}', columns = {types})) "
               f"TO {_sql_str(staging_data if parts else staging_data.with_suffix('.parquet'))}"
               f" ({options})")
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            raise DataError(path, f"cannot be converted: {_duckdb_problem(exc)}") from exc
        if parts:
            _flatten(staging_data)
        _write_manifest(staging_data.parent, {"source": str(path), "columns": dict(columns),
                                              "partition_by": parts})

    return _staged_write(Path(out_dir), memory_limit, threads, work)
