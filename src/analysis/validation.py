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
import warnings
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd
import pandera.pandas as pa

from analysis.errors import DataError
from analysis.schemas import TableSpec

NumericKind = Literal["int", "float"]
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def _line(index: int) -> int:
    """File line number of a data row at positional ``index`` (line 1 is the header)."""
    return int(index) + 2


def _decompress(path: Path, raw: bytes) -> bytes:
    if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
        if raw[:2] != b"\x1f\x8b":
            raise DataError(path, "is named .gz but is not a gzip file")
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataError(path, f"is not a valid gzip file (truncated or corrupt: {exc})") from exc
    return raw


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
    if not path.is_file():
        raise DataError(path, "file not found")
    raw = path.read_bytes()
    if not raw:
        raise DataError(path, "is empty (0 bytes)")
    text = _decode(path, _decompress(path, raw))
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
    out = []
    for pos in positions:
        values = ",".join("" if pd.isna(v) else str(v) for v in frame.iloc[pos].tolist())
        out.append(f"line {_line(pos)}: {values[:200]}")
    return out


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
        With a default RangeIndex, so that row ``i`` is file line ``i + 2``.
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
                skipinitialspace=False, index_col=False,
            )
    except pd.errors.ParserWarning:
        raise DataError(path, "line 2 has more fields than the header (a stray comma?)",
                        column=columns[-1]) from None
    except pd.errors.ParserError as exc:
        detail = str(exc).replace("Error tokenizing data. C error: ", "")
        raise DataError(path, f"cannot be parsed as CSV: {detail[:200]}") from None
    frame = frame.loc[:, list(columns)]
    if frame.empty:
        raise DataError(path, "has a header but no data rows")
    for col in columns:
        missing = frame[col].isna().to_numpy().nonzero()[0]
        if len(missing):
            raise DataError(path, f"{len(missing)} missing value(s)", column=col,
                            rows=_format_rows(frame, missing))
    for col, kind in numeric.items():
        converted = pd.to_numeric(frame[col].str.strip(), errors="coerce")
        bad = converted.isna()
        if kind == "int":
            bad |= converted.notna() & (converted != converted.round())
        positions = bad.to_numpy().nonzero()[0]
        if len(positions):
            what = "whole numbers" if kind == "int" else "numbers"
            raise DataError(path, f"{len(positions)} value(s) are not {what}", column=col,
                            rows=_format_rows(frame, positions))
        frame[col] = converted.astype("int64" if kind == "int" else "float64")
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
        shown = source if source is not None else frame
        positions = [shown.index.get_loc(i) for i in index if i in shown.index][:5]
        rows = [f"line {_line(shown.index[p])}: "
                + ",".join(str(v) for v in shown.iloc[p].tolist()) for p in positions]
        raise DataError(path, problem, column=raw_names.get(column, column) if column else None,
                        rows=rows) from None
