"""Big tidy CSV files -> Parquet, streamed with DuckDB (no reshaping)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from analysis.errors import DataError
from analysis.sources.ingest.staging import (
    duckdb_problem,
    first_line,
    flatten,
    is_gzip,
    sql_str,
    staged_write,
    write_manifest,
)
from analysis.validation import check_header


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
    found = [c.strip().strip('"') for c in first_line(path).split(",")]
    check_header(path, found, list(columns))
    types = "{" + ", ".join(f"{sql_str(c)}: {sql_str(columns[c])}" for c in found) + "}"
    compression = "gzip" if is_gzip(path) else "none"
    options = "FORMAT parquet, COMPRESSION zstd"
    if parts:
        options += ", PARTITION_BY (" + ", ".join(f'"{c}"' for c in parts) + ")"

    def work(con, staging_data: Path) -> None:  # noqa: ANN001
        sql = (f"COPY (SELECT * FROM read_csv({sql_str(path)}, delim = ',', header = true, "
               f"auto_detect = false, compression = '{compression}', columns = {types})) "
               f"TO {sql_str(staging_data if parts else staging_data.with_suffix('.parquet'))}"
               f" ({options})")
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            raise DataError(path, f"cannot be converted: {duckdb_problem(exc)}") from exc
        if parts:
            flatten(staging_data)
        write_manifest(staging_data.parent, {"source": str(path), "columns": dict(columns),
                                              "partition_by": parts})

    return staged_write(Path(out_dir), memory_limit, threads, work)
