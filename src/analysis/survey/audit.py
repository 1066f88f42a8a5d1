"""Audit of cell suppression by linear programming: can a suppressed count be worked out?

Line-by-line complementary suppression (:func:`analysis.survey.disclosure.suppress`) makes
sure no line (a set of cells adding up to a published total) has exactly one suppressed cell.
That is not enough: published totals of *several* lines together can still pin a suppressed
cell (a 4 x 4 table where a suppressed 6 bridges two blocks of suppressed cells is recovered
exactly from row and column totals). The audit asks what an intruder can deduce:

for each suppressed cell ``i``, minimise and maximise its count ``x_i`` subject to

- every line's published total: the suppressed cells of the line add up to the total minus
  the published cells of the line (a total below ``min_cell`` is not published, so its line
  gives no equation);
- ``x >= 1`` (a cell that is shown as a row exists, so it holds at least one respondent).

The cell is protected if ``max - min >= min_cell`` (or unbounded). Otherwise another cell is
suppressed: the smallest published cell sharing a line with it, and the lines are checked again
(:func:`protect`). The LPs are solved with ``scipy.optimize.linprog`` (HiGHS).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize

__all__ = ["AuditResult", "cell_ranges", "protect"]


@dataclass(frozen=True)
class AuditResult:
    """What the audit of one table did.

    Attributes
    ----------
    flags : ndarray of bool
        Suppressed cells after the audit.
    checked : int
        Suppressed cells whose feasible range was computed (on the last pass).
    added : int
        Cells the audit suppressed in addition to the line rule.
    unresolved : tuple of int
        Cells still narrower than ``min_cell`` when nothing more could be suppressed.
    """

    flags: np.ndarray
    checked: int
    added: int
    unresolved: tuple[int, ...] = ()


def cell_ranges(counts: np.ndarray, flags: np.ndarray, groups: Sequence[np.ndarray],
                min_cell: int, *, floor: float = 1.0) -> dict[int, tuple[float, float]]:
    """Feasible range ``(low, high)`` of every suppressed cell given the published ones.

    Parameters
    ----------
    counts : array
        True counts of every cell.
    flags : array of bool
        Suppressed cells.
    groups : sequence of index arrays
        Lines: cells whose counts add up to a total, published when at least ``min_cell``.
    min_cell : int
    floor : float
        Lower bound of a suppressed count.

    Returns
    -------
    dict
        Cell index -> (low, high); ``high`` is ``inf`` when nothing bounds the cell.
    """
    hidden = np.flatnonzero(flags)
    if hidden.size == 0:
        return {}
    pos = {int(c): k for k, c in enumerate(hidden)}
    rows, rhs = [], []
    for idx in groups:
        idx = np.asarray(idx, dtype=int)
        total = float(counts[idx].sum())
        sup = [int(i) for i in idx if flags[i]]
        if not sup or total < min_cell:
            continue
        row = np.zeros(hidden.size)
        row[[pos[i] for i in sup]] = 1.0
        rows.append(row)
        rhs.append(total - float(counts[idx][~flags[idx]].sum()))
    out: dict[int, tuple[float, float]] = {}
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    bounds = [(floor, None)] * hidden.size
    for cell, k in pos.items():
        c = np.zeros(hidden.size)
        c[k] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            res = optimize.linprog(sign * c, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                                   method="highs")
            if res.status == 3:  # unbounded
                ends.append(-sign * np.inf)
            elif res.status == 0:
                ends.append(sign * res.fun)
            else:  # infeasible cannot happen with the true counts; treat as unknown
                ends.append(-sign * np.inf)
        out[cell] = (ends[0], ends[1])
    return out


def _line_rule(counts: np.ndarray, flags: np.ndarray, groups: Sequence[np.ndarray]) -> None:
    """No line with exactly one suppressed cell: suppress its smallest published cell too."""
    changed = True
    while changed:
        changed = False
        for idx in groups:
            idx = np.asarray(idx, dtype=int)
            if len(idx) < 2 or flags[idx].sum() != 1:
                continue
            free = idx[~flags[idx]]
            flags[free[np.argsort(counts[free], kind="stable")[0]]] = True
            changed = True


def protect(counts: np.ndarray, flags: np.ndarray, groups: Sequence[np.ndarray],
            min_cell: int, *, floor: float = 1.0) -> AuditResult:
    """Complementary suppression by lines, then by the LP audit until every cell is protected.

    Parameters
    ----------
    counts : array
        Counts of the cells (missing counts count as 0 and are suppressed already).
    flags : array of bool
        Primary suppression.
    groups : sequence of index arrays
        The lines of the table.
    min_cell : int
    floor : float
        Lower bound of a suppressed count in the LPs.

    Returns
    -------
    AuditResult
    """
    counts = np.nan_to_num(np.asarray(counts, dtype=float))
    flags = np.asarray(flags, dtype=bool).copy()
    groups = [np.asarray(g, dtype=int) for g in groups if len(g) > 0]
    _line_rule(counts, flags, groups)
    before = int(flags.sum())
    checked = 0
    unresolved: list[int] = []
    while True:
        ranges = cell_ranges(counts, flags, groups, min_cell, floor=floor)
        checked = len(ranges)
        narrow = [c for c, (lo, hi) in sorted(ranges.items()) if hi - lo < min_cell]
        narrow = [c for c in narrow if c not in unresolved]
        if not narrow:
            break
        cell = narrow[0]
        near = np.unique(np.concatenate([g for g in groups if cell in g] or [np.array([], int)]))
        free = near[~flags[near]]
        if free.size == 0:
            unresolved.append(cell)
            continue
        flags[free[np.argsort(counts[free], kind="stable")[0]]] = True
        _line_rule(counts, flags, groups)
    return AuditResult(flags=flags, checked=checked, added=int(flags.sum()) - before,
                       unresolved=tuple(unresolved))
