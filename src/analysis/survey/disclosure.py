"""Statistical disclosure control for everything the survey chapter publishes.

Rules
-----
1. **Primary suppression.** A cell (a row of a published table, a point of a chart, a key
   figure) whose unweighted count ``n`` is below ``min_cell`` (default 10) is suppressed: its
   estimate, standard error, interval, design effect and counts are set to missing and
   ``suppressed`` is ``True``. Displayed tables show ``suppressed`` instead (not "n<10":
   a complementary cell below may have many respondents; the chapter says why cells are
   suppressed).
2. **Secondary (complementary) suppression.** Cells that add up to a published total form a
   *line* - the categories of one domain (they sum to the domain), or one category across the
   levels of a ``by`` column (they sum to the margin). Where a line has exactly one suppressed
   cell, it could be recovered by subtraction, so the next smallest cell of that line is
   suppressed too. Lines are revisited until nothing changes. :func:`lines_for` gives the
   lines of a ``by`` breakdown.
2b. **Audit.** Lines taken together can still pin a suppressed cell; the LP audit
   (:mod:`analysis.survey.audit`) computes each suppressed cell's feasible range given every
   published cell and total of the table and suppresses further cells until each range is at
   least ``min_cell`` wide. It runs on every table :func:`suppress` handles.
3. **PII** columns are dropped when a survey is read (:func:`~.codebook.load_survey`) and never
   reach an estimator, a table or a chart.
4. **Free text** is shown only through :func:`analysis.export.display.table`, which escapes it;
   :func:`redact` removes phone numbers, e-mail addresses and long digit runs first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.survey.audit import protect

__all__ = [
    "DEFAULT_MIN_CELL",
    "SuppressionLog",
    "for_display",
    "lines_for",
    "redact",
    "select_comments",
    "suppress",
    "suppressed_text",
]

DEFAULT_MIN_CELL = 10
_COUNT_COLUMNS = ("n", "n_base", "n_missing", "n_a", "n_b", "respondents", "psus")


def suppressed_text(min_cell: int = DEFAULT_MIN_CELL) -> str:
    """The marker shown in place of a suppressed value: ``"suppressed"``.

    The same for a cell with fewer than ``min_cell`` respondents and for a complementary
    cell suppressed to protect one (which may have many respondents), so that the marker
    never states a count that is not true and does not tell which cell is the small one.
    """
    del min_cell  # kept in the signature: callers pass the threshold they use
    return "suppressed"


def lines_for(by: Sequence[str], *, category: bool = False) -> list[list[str]]:
    """Lines (sets of cells adding up to a published total) of a ``by`` breakdown.

    Parameters
    ----------
    by : list of str
        The domain columns of the table.
    category : bool
        Whether the table has a ``category`` column (a categorical variable's breakdown).

    Returns
    -------
    list of list of str
        Each inner list names the columns a line's cells share: with ``category``, the
        categories within a domain (``by``) and each category across one ``by`` column; for a
        binary variable, the domains across each ``by`` column (their counts add up to the
        margin).

    Examples
    --------
    >>> lines_for(["country"], category=True)
    [['country'], ['category']]
    >>> lines_for(["country", "gender"])
    [['gender'], ['country']]
    """
    by = list(by)
    out: list[list[str]] = []
    if category:
        out.append(by)
    for col in by:
        rest = [c for c in by if c != col] + (["category"] if category else [])
        out.append(rest)
    return out


def suppress(
    table: pd.DataFrame,
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    count: str = "n",
    lines: Iterable[Sequence[str]] = (),
) -> pd.DataFrame:
    """Apply primary and secondary suppression to an estimates table.

    Parameters
    ----------
    table : DataFrame
        Estimates with an unweighted count column.
    min_cell : int, default 10
        Smallest publishable unweighted count.
    count : str, default "n"
        The count column the rule applies to.
    lines : iterable of column lists
        Lines for secondary suppression (see :func:`lines_for`); an empty list names the line
        of all rows.

    Returns
    -------
    DataFrame
        A copy with a boolean ``suppressed`` column; in suppressed rows every numeric column
        (estimates and counts) is missing, only the label columns remain. Counts become
        nullable integers. ``attrs["suppressed"]`` is the number of suppressed cells,
        ``attrs["min_cell"]`` the threshold, ``attrs["audit_checked"]`` and
        ``attrs["audit_added"]`` what the LP audit (:mod:`analysis.survey.audit`) checked
        and added, ``attrs["audit_unresolved"]`` cells it could not widen.
    """
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    if count not in table.columns:
        raise ValueError(f"count column {count!r} is not in the table")
    out = table.reset_index(drop=True).copy()
    counts = pd.to_numeric(out[count], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    flag = ~(counts >= min_cell)  # missing counts are suppressed too
    groups: list[np.ndarray] = []
    for line in (list(line) for line in lines):
        found = (out.groupby(line, observed=True, dropna=False, sort=False).indices
                 if line else {(): np.arange(len(out))})
        groups.extend(np.asarray(idx) for idx in found.values())
    audit = protect(counts, flag, groups, min_cell)
    flag = audit.flags
    numeric = [c for c in out.columns
               if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    for col in numeric:
        if col in _COUNT_COLUMNS or pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].astype("Int64")
            out.loc[flag, col] = pd.NA
        else:
            out[col] = out[col].astype("float64")
            out.loc[flag, col] = np.nan
    out["suppressed"] = flag
    out.attrs.update(table.attrs)
    out.attrs.update(suppressed=int(flag.sum()), min_cell=min_cell,
                     audit_checked=audit.checked, audit_added=audit.added,
                     audit_unresolved=len(audit.unresolved))
    return out


class SuppressionLog:
    """Suppress tables with one threshold and count the suppressed cells of a chapter.

    ``total`` counts suppressed cells, ``tables`` tables, ``checked`` the suppressed cells whose
    range the LP audit computed and ``added`` the cells the audit suppressed on top.

    Examples
    --------
    >>> log = SuppressionLog(min_cell=10)
    >>> t = log.apply(table, lines=lines_for(["country"]))  # doctest: +SKIP
    >>> log.total                                            # doctest: +SKIP
    """

    def __init__(self, min_cell: int = DEFAULT_MIN_CELL) -> None:
        if min_cell < 1:
            raise ValueError("min_cell must be at least 1")
        self.min_cell = int(min_cell)
        self.total = 0
        self.tables = 0
        self.checked = 0
        self.added = 0

    def apply(self, table: pd.DataFrame, *, count: str = "n",
              lines: Iterable[Sequence[str]] = ()) -> pd.DataFrame:
        """:func:`suppress` with this log's threshold, adding to :attr:`total`."""
        out = suppress(table, min_cell=self.min_cell, count=count, lines=lines)
        self.total += int(out.attrs["suppressed"])
        self.tables += 1
        self.checked += int(out.attrs["audit_checked"])
        self.added += int(out.attrs["audit_added"])
        return out

    def value(self, table: pd.DataFrame, column: str = "estimate", **match: Any) -> float:
        """One published value of a suppressed table: NaN when suppressed or absent."""
        mask = np.ones(len(table), dtype=bool)
        for col, val in match.items():
            mask &= (table[col] == val).fillna(False).to_numpy(dtype=bool)
        if mask.sum() != 1 or bool(table.loc[mask, "suppressed"].iloc[0]):
            return math.nan
        return float(table.loc[mask, column].iloc[0])


def _fmt(value: Any, spec: Any) -> str | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return spec(value) if callable(spec) else spec.format(value)


def for_display(
    table: pd.DataFrame,
    *,
    columns: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
    flag: str | None = None,
    min_cell: int | None = None,
) -> pd.DataFrame:
    """A suppressed table ready for :func:`analysis.export.display.table`.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`suppress` (needs ``suppressed``).
    columns : mapping
        Column -> heading, in display order (other columns are dropped).
    formats : mapping, optional
        Column -> format string (``"{:.1%}"``) or function; numbers without one use ``"{:,}"`` for
        integers and ``"{:.2f}"`` otherwise.
    flag : str, optional
        The column that shows ``suppressed`` in suppressed rows (default: the first
        numeric column shown).
    min_cell : int, optional
        Threshold for the marker (default: ``table.attrs["min_cell"]``).

    Returns
    -------
    DataFrame
        Text cells only; suppressed rows hold the marker in ``flag`` and ``None`` (shown as
        "–") in every other numeric column.
    """
    if "suppressed" not in table.columns:
        raise ValueError("run suppress() on the table first")
    formats = dict(formats or {})
    min_cell = int(min_cell if min_cell is not None else table.attrs.get("min_cell",
                                                                         DEFAULT_MIN_CELL))
    numeric = [c for c in columns if c in table.columns
               and pd.api.types.is_numeric_dtype(table[c])
               and not pd.api.types.is_bool_dtype(table[c])]
    flag = flag or (numeric[0] if numeric else None)
    marker = suppressed_text(min_cell)
    out: dict[str, list[Any]] = {}
    sup = table["suppressed"].to_numpy(dtype=bool)
    for col, heading in columns.items():
        values = table[col].tolist()
        cells: list[Any] = []
        for i, v in enumerate(values):
            if col in numeric:
                if sup[i]:
                    cells.append(marker if col == flag else None)
                    continue
                spec = formats.get(col) or (
                    "{:,}" if isinstance(v, int | np.integer) else "{:.2f}")
                cells.append(_fmt(v, spec))
            else:
                cells.append(None if v is None or (isinstance(v, float) and math.isnan(v))
                             else str(v))
        out[heading] = cells
    return pd.DataFrame(out, dtype=object)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def redact(text: str) -> str:
    """Remove e-mail addresses and phone-like digit runs (6+ digits) from free text."""
    text = _EMAIL.sub("[e-mail removed]", text)
    return _PHONE.sub("[number removed]", text)


def select_comments(
    df: pd.DataFrame,
    *,
    column: str = "comment",
    by: str | None = "country",
    k: int = 6,
    seed: int = 0,
    min_cell: int = DEFAULT_MIN_CELL,
    max_chars: int = 280,
) -> pd.DataFrame:
    """A few anonymised comments to quote.

    Picks up to ``k`` non-empty comments at random (seeded), spread over the levels of ``by``,
    from levels with at least ``min_cell`` respondents; each comment is :func:`redact`-ed and
    cut to ``max_chars``. Only the comment and the ``by`` level are returned - no other
    attribute that could single a respondent out.

    Returns
    -------
    DataFrame
        Columns ``by`` (if given) and ``comment``; text is not escaped here - show it with
        :func:`analysis.export.display.table`, which escapes every cell.
    """
    if column not in df.columns:
        raise ValueError(f"column {column!r} is not in the data")
    rng = np.random.default_rng(seed)
    text = df[column].astype("string").str.strip()
    has = text.notna() & (text != "")
    if by is None:
        groups = {None: np.flatnonzero(has.to_numpy(dtype=bool))}
    else:
        sizes = df[by].value_counts()
        big = df[by].isin(sizes[sizes >= min_cell].index).to_numpy(dtype=bool)
        keep = has.to_numpy(dtype=bool) & big
        groups = {lev: np.flatnonzero(keep & (df[by] == lev).fillna(False).to_numpy(bool))
                  for lev in sorted(df.loc[keep, by].dropna().unique(), key=str)}
    picks: list[tuple[Any, int]] = []
    pools = {g: list(rng.permutation(idx)) for g, idx in groups.items()}
    while len(picks) < k and any(pools.values()):
        for g, pool in pools.items():
            if pool and len(picks) < k:
                picks.append((g, int(pool.pop())))
    rows = []
    for g, i in picks:
        comment = redact(str(text.iloc[i]))
        if len(comment) > max_chars:
            comment = comment[: max_chars - 1].rstrip() + "…"
        rows.append(({by: g} if by else {}) | {"comment": comment})
    return pd.DataFrame(rows, columns=([by] if by else []) + ["comment"], dtype=object)
