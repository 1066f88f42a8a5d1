"""Reading input files defensively and checking tables against their schemas.

Every failure becomes one :class:`~analysis.errors.DataError` that names the file, the column
and the first offending rows (as file line numbers), so a researcher can open the file and fix
it. Nothing here writes anything.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import math
import os
import warnings
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd
import pandera.pandas as pa

from analysis.errors import DataError
from analysis.io import regular_file
from analysis.schemas import CHECK_COLUMNS, INDICATOR_BOUNDS, TableSpec

NumericKind = Literal["int", "float"]
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def _line(index: int) -> int:
    """File line number of a data row at positional ``index`` (line 1 is the header)."""
    return int(index) + 2


#: The largest table read into memory, after decompression (the real tables are under 6 MB;
#: a larger Eurostat file goes through ``migration-report data ingest``). A 3 MB gzip bomb
#: that inflates to gigabytes stops at this many bytes instead of ending in a MemoryError.
MAX_TABLE_BYTES = 512 * 1024 * 1024


def _read_capped(path: Path, limit: int) -> bytes:
    """The file's bytes, gunzipped as a stream when it is gzip, at most ``limit`` of them."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
        fh.seek(0)
        if path.suffix == ".gz" and magic and magic != b"\x1f\x8b":
            raise DataError(path, "is named .gz but is not a gzip file")
        stream = gzip.GzipFile(fileobj=fh) if magic == b"\x1f\x8b" else fh
        try:
            data = stream.read(limit + 1)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataError(path, f"is not a valid gzip file (truncated or corrupt: {exc})") from None
    if len(data) > limit:
        raise DataError(path, f"holds more than {limit / 2**20:,.0f} MiB of text (after "
                              "decompression): too large to read into memory; stream a large "
                              "Eurostat file with 'migration-report data ingest'")
    return data


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            path,
            f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line} "
            "(re-save the file as UTF-8)",
        ) from exc


def read_text_table(path: Path) -> str:
    """Return the decoded text of a CSV or CSV.gz file, or raise a :class:`DataError`.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    str
        The text, UTF-8 decoded, byte-order mark removed.
    """
    regular_file(path)
    if os.stat(path).st_size == 0:
        raise DataError(path, "is empty (0 bytes)")
    text = _decode(path, _read_capped(path, MAX_TABLE_BYTES))
    if not text.strip():
        raise DataError(path, "is empty (no header, no rows)")
    return text


def _short(name: str, limit: int = 60) -> str:
    """A column name shortened for a message (a broken file can have megabyte-long names)."""
    name = str(name)
    return name if len(name) <= limit else f"{name[: limit - 1]}… ({len(name):,} characters)"


def check_header(path: Path, found: Sequence[str], expected: Sequence[str]) -> None:
    """Check that a file's columns are exactly the expected ones (in any order).

    Raises
    ------
    DataError
        Naming a missing column (with a close match when it looks misspelt), a wrong delimiter,
        or an unexpected extra column.
    """
    found = [str(c) for c in found]
    missing = [c for c in expected if c not in found]
    listed = ", ".join(_short(c, 30) for c in found[:10]) + (
        f" … ({len(found):,} columns)" if len(found) > 10 else "")
    if missing:
        header = ",".join(found[:50])
        for sep, name in _DELIMITERS.items():
            if sep in header and len(header.split(sep)) >= len(expected):
                raise DataError(
                    path,
                    f"the header is separated by {name}s, expected commas: {header[:120]!r}",
                    column=missing[0],
                )
        col = missing[0]
        hint = difflib.get_close_matches(col, found, n=1)
        extra = f"; did you mean '{hint[0]}'?" if hint else ""
        raise DataError(
            path,
            f"required column is missing (found: {listed}){extra}",
            column=col,
        )
    counts = Counter(found)
    twice = sorted(c for c in expected if counts[c] > 1)
    if twice:
        raise DataError(path, "column appears more than once in the header", column=twice[0])
    unexpected = [c for c in found if c not in expected]
    if unexpected:
        raise DataError(
            path,
            f"unexpected column (expected exactly: {', '.join(expected)}; found {listed})",
            column=_short(unexpected[0]),
        )


def _format_rows(frame: pd.DataFrame, positions: Sequence[int]) -> list[str]:
    """``line N: values`` of rows at ``positions`` (the index label is the file line - 2)."""
    out = []
    for pos in positions:
        values = ",".join("" if pd.isna(v) else str(v) for v in frame.iloc[pos].tolist())
        out.append(f"line {_line(frame.index[pos])}: {values[:200]}")
    return out


#: Integers beyond this are not counts of anything (and would not fit in int64 anyway).
_INT_LIMIT = 2**53


def _numbers(path: Path, frame: pd.DataFrame, col: str, kind: NumericKind) -> pd.Series:
    """Column ``col`` converted to numbers, or a :class:`DataError` naming the bad rows."""
    converted = pd.to_numeric(frame[col].str.strip(), errors="coerce")
    bad = converted.isna()
    positions = bad.to_numpy().nonzero()[0]
    if len(positions):
        what = "whole numbers" if kind == "int" else "numbers"
        raise DataError(path, f"{len(positions)} value(s) are not {what}", column=col,
                        rows=_format_rows(frame, positions))
    values = converted.to_numpy(dtype="float64")
    infinite = ~pd.Series(values).map(math.isfinite).to_numpy()
    if infinite.any():
        positions = infinite.nonzero()[0]
        raise DataError(path, f"{len(positions)} value(s) are infinite (inf); a count or an "
                              "amount must be a finite number", column=col,
                        rows=_format_rows(frame, positions))
    if kind == "int":
        huge = abs(values) >= _INT_LIMIT
        if huge.any():
            positions = huge.nonzero()[0]
            raise DataError(path, f"{len(positions)} value(s) are too large to be counts "
                                  f"(at least {_INT_LIMIT:.1e})", column=col,
                            rows=_format_rows(frame, positions))
        fraction = converted != converted.round()
        positions = fraction.to_numpy().nonzero()[0]
        if len(positions):
            raise DataError(path, f"{len(positions)} value(s) are not whole numbers", column=col,
                            rows=_format_rows(frame, positions))
    return converted.astype("int64" if kind == "int" else "float64")


def _refuse_padding(path: Path, frame: pd.DataFrame, text_columns: Sequence[str]) -> None:
    """Refuse text values with leading or trailing spaces.

    ``"Central Mediterranean Route "`` would otherwise become a second route that prints like
    the first; identifiers are compared exactly, so a padded one is an error, not a variant.
    """
    for col in text_columns:
        values = frame[col]
        padded = (values != values.str.strip()).to_numpy().nonzero()[0]
        if len(padded):
            shown = [f"line {_line(frame.index[p])}: {values.iloc[p]!r}" for p in padded]
            raise DataError(path, f"{len(padded)} value(s) have leading or trailing spaces "
                                  "(identifiers must match exactly)", column=col, rows=shown)


def read_csv_table(
    path: Path,
    columns: Sequence[str],
    numeric: Mapping[str, NumericKind],
) -> pd.DataFrame:
    """Read a comma-separated table whose columns must be exactly ``columns``.

    Text columns stay strings (``"NA"`` is Namibia, not missing); ``numeric`` columns are
    converted, and any value that is not a number (or, for ``"int"``, not a whole number)
    is reported with its line.

    Parameters
    ----------
    path : Path
        A ``.csv`` or ``.csv.gz`` file.
    columns : sequence of str
        The expected header.
    numeric : mapping of str to {"int", "float"}
        Columns to convert, and to what.

    Returns
    -------
    DataFrame
        Indexed by file line - 2 (row with label ``i`` is file line ``i + 2``; blank lines
        are skipped, so the labels may have gaps).
    """
    text = read_text_table(path)
    # The header is checked before pandas sees the file: a file whose line ends were lost is
    # one line of hundreds of thousands of fields, which pandas would take minutes to parse.
    header_line = text.split("\n", 1)[0].rstrip("\r")
    try:
        header = next(csv.reader([header_line]))
    except csv.Error:  # a field over the csv module's limit (128 KiB): not a header of ours
        header = header_line.split(",")
    check_header(path, header, columns)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""],
                skipinitialspace=False, index_col=False, skip_blank_lines=False,
            )
    except pd.errors.ParserWarning:
        raise DataError(path, "line 2 has more fields than the header (a stray comma?)",
                        column=columns[-1]) from None
    except pd.errors.ParserError as exc:
        detail = str(exc).replace("Error tokenizing data. C error: ", "")
        raise DataError(path, f"cannot be parsed as CSV: {detail[:200]}") from None
    frame = frame.loc[:, list(columns)]
    # Blank lines are kept by the parser (as empty rows) and dropped here, so that the index
    # stays the file line - 2 and a message after a blank line names the right line.
    frame = frame[frame.notna().any(axis=1)]
    if frame.empty:
        raise DataError(path, "has a header but no data rows")
    for col in columns:
        missing = frame[col].isna().to_numpy().nonzero()[0]
        if len(missing):
            raise DataError(path, f"{len(missing)} missing value(s)", column=col,
                            rows=_format_rows(frame, missing))
    _refuse_padding(path, frame, [c for c in columns if c not in numeric])
    for col, kind in numeric.items():
        frame[col] = _numbers(path, frame, col, kind)
    return frame


def read_parquet_table(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """Read a Parquet table whose columns must be exactly ``columns``."""
    import pyarrow as pyarrow_mod
    import pyarrow.parquet as pq

    if not path.is_file():
        raise DataError(path, "file not found")
    if path.stat().st_size == 0:
        raise DataError(path, "is empty (0 bytes)")
    try:
        table = pq.read_table(path)
    except (pyarrow_mod.ArrowInvalid, OSError) as exc:
        raise DataError(path, f"is not a readable Parquet file: {exc}") from exc
    check_header(path, table.column_names, columns)
    frame = table.to_pandas().loc[:, list(columns)].reset_index(drop=True)
    if frame.empty:
        raise DataError(path, "has no data rows")
    return frame


def validate_table(
    frame: pd.DataFrame,
    spec: TableSpec,
    *,
    path: Path | str,
    raw_names: Mapping[str, str] | None = None,
    source: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Check a canonical table against its schema.

    Parameters
    ----------
    frame : DataFrame
        The canonical table; its index is the position of each row in the source file.
    spec : TableSpec
        The table's specification.
    path : path-like
        The file it came from, for the message.
    raw_names : mapping, optional
        Canonical column name -> the column's name in the file, so the message names the
        column as the user sees it.

    Returns
    -------
    DataFrame
        The validated table (unchanged).

    Raises
    ------
    DataError
        For the first failing column, with the first offending rows.
    """
    raw_names = raw_names or {}
    try:
        return spec.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        column = first["column"] if isinstance(first["column"], str) else None
        check = str(first["check"])
        same = cases[(cases["check"] == first["check"]) & (cases["column"] == first["column"])]
        index = [int(i) for i in same["index"].dropna().unique()]
        if check == "multiple_fields_uniqueness":
            shown = ", ".join(raw_names.get(c, c) for c in spec.key)
            problem = f"duplicated keys: more than one row for the same ({shown})"
            column = spec.key[0]
        elif check.startswith("column_in_dataframe") or check.startswith("column_in_schema"):
            problem = f"column problem: {first['failure_case']}"
        else:
            problem = f"{len(index)} value(s) fail the check '{check}'"
            if check in CHECK_COLUMNS:  # a check over several columns: name the value's
                column = CHECK_COLUMNS[check]
            if check.startswith("value outside the plausible range") and index:
                name = str(frame.loc[index[0], "indicator"])
                low, high, closed, why = INDICATOR_BOUNDS[name]
                problem += (f" ({name} must be {'at least' if closed else 'above'} {low:g} "
                            f"and below {high:g}: {why})")
        shown = source if source is not None else frame
        positions = [shown.index.get_loc(i) for i in index if i in shown.index][:5]
        rows = [f"line {_line(shown.index[p])}: "
                + ",".join(str(v) for v in shown.iloc[p].tolist()) for p in positions]
        raise DataError(path, problem, column=raw_names.get(column, column) if column else None,
                        rows=rows) from None


#: The parts a ``sex=total`` row sums.
SEX_PARTS = ("female", "male", "unknown")


def resolve_totals(frame: pd.DataFrame, spec: TableSpec, *, path: Path | str,
                   raw_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Keep a ``sex=total`` row instead of its parts, or refuse when they disagree.

    A table may give, for the same other key, a ``total`` row and ``female``/``male``/
    ``unknown`` rows. Summed together they would count every person twice. When the parts
    add up to the total, the total is kept and the parts are dropped (the table then counts
    each person once, whatever is summed); when they do not, the build stops naming both
    numbers, since there is no telling which one is right.

    Parameters
    ----------
    frame : DataFrame
        A validated canonical table with a ``sex`` column (others are returned unchanged);
        its index is the file line - 2.
    spec : TableSpec
        The table's specification.
    path : path-like
        The file, for the message.
    raw_names : mapping, optional
        Canonical column name -> the file's column name.

    Returns
    -------
    DataFrame
        The table without the parts that a total replaces.
    """
    if "sex" not in frame.columns or not (frame["sex"] == "total").any():
        return frame
    raw_names = raw_names or {}
    others = [c for c in spec.key if c != "sex"]
    is_total = frame["sex"] == "total"
    parts = frame[frame["sex"].isin(SEX_PARTS)]
    sums = parts.groupby(others, sort=False)[spec.value].sum()
    totals = frame[is_total].set_index(others)[spec.value]
    both = totals.index.intersection(sums.index)
    if not len(both):
        return frame
    disagree = both[totals.loc[both].to_numpy() != sums.loc[both].to_numpy()]
    if len(disagree):
        key = disagree[0] if isinstance(disagree[0], tuple) else (disagree[0],)
        where = ", ".join(f"{raw_names.get(c, c)}={v}" for c, v in zip(others, key, strict=True))
        mask = (frame[others].apply(tuple, axis=1) == key).to_numpy()
        rows = [f"line {_line(i)}: " + ",".join(str(v) for v in frame.loc[i].tolist())
                for i in frame.index[mask]]
        raise DataError(
            path, f"a sex=total row and its parts disagree for {where}: total "
                  f"{int(totals.loc[disagree[0]]):,}, female+male+unknown "
                  f"{int(sums.loc[disagree[0]]):,} ({len(disagree)} such key(s)); give either "
                  "the total or the parts, or make them agree",
            column=raw_names.get(spec.value, spec.value), rows=rows)
    replaced = frame[others].apply(tuple, axis=1).isin(set(map(
        lambda k: k if isinstance(k, tuple) else (k,), both)))
    return frame[~(replaced & frame["sex"].isin(SEX_PARTS))]
