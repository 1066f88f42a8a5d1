"""Eurostat bulk TSV (``migr_asyappctza``) -> the canonical ``asylum`` table, streamed with DuckDB.

The canonical rules are in :mod:`analysis.sources.ingest`.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

import pandas as pd
import pycountry

from analysis import config
from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources.ingest.staging import (
    duckdb_problem,
    first_line,
    flatten,
    is_gzip,
    sql_str,
    staged_write,
    write_manifest,
)
from analysis.sources.official.common import EUROSTAT_ALPHA2 as EUROSTAT_COUNTRY_EXCEPTIONS
from analysis.sources.official.common import UnmappedCodeWarning
from analysis.sources.official.eurostat import AGGREGATE
from analysis.sources.official.eurostat import CITIZEN_SPECIAL as CITIZEN_SPECIAL_CODES
from analysis.sources.official.eurostat import GEO_SPECIAL as GEO_SPECIAL_CODES
from analysis.sources.official.eurostat import SEX as SEX_CODES
from analysis.validation import validate_table

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
    line = first_line(path)
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

    columns = "{" + ", ".join([sql_str("series") + ": 'VARCHAR'"]
                              + [f"{sql_str(y)}: 'VARCHAR'" for y in years]) + "}"
    compression = "gzip" if is_gzip(path) else "none"
    sexes = ", ".join(sql_str(s) for s in SEX_CODES)
    keep = " AND ".join([f"{part(d)} = {sql_str(v)}" for d, v in KEPT_CODES.items() if d in pos]
                        + [f"{part('sex')} IN ({sexes})"])
    commas = len(dims) - 1
    year_cols = ", ".join(f'"{y}"' for y in years)
    return f"""
    CREATE TEMP TABLE raw_agg AS
    WITH src AS (
        SELECT * FROM read_csv({sql_str(path)}, delim = '\t', header = true,
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
            f"WHERE NOT regexp_full_match(r.{dim}, {sql_str(AGGREGATE_PATTERN)}) "
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
                                  f"{duckdb_problem(exc)}", column=first_cell) from exc
        counts = _check_raw(con, path, first_cell)
        _code_tables(con)
        unknown = _unknown_codes(con)
        n_rows = con.execute(f"SELECT count(*) FROM ({_CANONICAL_SQL})").fetchall()[0][0]
        if not n_rows:
            raise DataError(path, "no data left after keeping unit=PER, age=TOTAL, "
                                  "applicant=FRST, sex F/M/UNK and country codes",
                            column=first_cell)
        con.execute(f"COPY ({_CANONICAL_SQL}) TO {sql_str(staging_data)} "
                    "(FORMAT parquet, PARTITION_BY (year), COMPRESSION zstd)")
        flatten(staging_data)
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
        write_manifest(staging_data.parent, summary)

    done = staged_write(Path(out_dir), memory_limit, threads, work)
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
