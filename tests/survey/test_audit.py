"""The LP audit of cell suppression: no suppressed count can be narrowed below min_cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from analysis.survey.audit import cell_ranges, protect
from analysis.survey.disclosure import suppress

MIN = 10


def _table(grid: np.ndarray) -> pd.DataFrame:
    r, c = grid.shape
    return pd.DataFrame({"row": np.repeat(np.arange(r), c), "col": np.tile(np.arange(c), r),
                         "n": grid.ravel()})


def _intruder_range(grid: np.ndarray, hidden: np.ndarray, cell: tuple[int, int]):
    """Independent formulation: every cell a variable, published cells fixed by their bounds,
    every row and column total (when >= MIN) an equation; min and max of one cell."""
    r, c = grid.shape
    a_eq, b_eq = [], []
    for i in range(r):
        if grid[i].sum() >= MIN:
            row = np.zeros(r * c)
            row[i * c:(i + 1) * c] = 1
            a_eq.append(row)
            b_eq.append(grid[i].sum())
    for j in range(c):
        if grid[:, j].sum() >= MIN:
            col = np.zeros(r * c)
            col[j::c] = 1
            a_eq.append(col)
            b_eq.append(grid[:, j].sum())
    bounds = [(1, None) if hidden[i, j] else (grid[i, j], grid[i, j])
              for i in range(r) for j in range(c)]
    obj = np.zeros(r * c)
    obj[cell[0] * c + cell[1]] = 1
    lo = optimize.linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
    hi = optimize.linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
    return lo.fun, (np.inf if hi.status == 3 else -hi.fun)


# Two blocks of small cells joined by a 6 at (0, 2): every row and column has two or more
# suppressed cells, so the line rule is satisfied, yet the 6 is a bridge between the blocks and
# the row and column totals give it exactly: (rows 0-1 in columns 2-3) - (rows 2-3 in columns
# 0-1) = x02 + 40 + 12 + 13 - (30 + 20 + 28 + 31) ... all published but x02.
GRID = np.array([
    [5, 4, 6, 40],
    [7, 3, 12, 13],
    [30, 20, 8, 2],
    [28, 31, 3, 9],
])


def test_four_by_four_bridge_is_pinned_by_the_line_rule_alone():
    hidden = GRID < MIN
    # Every line has 0 or >= 2 suppressed cells, so the line rule adds nothing ...
    for k in range(4):
        assert hidden[k].sum() != 1 and hidden[:, k].sum() != 1
    # ... yet the 6 follows from published totals and cells (hand computation): with
    # B = rows 0-1 x columns 2-3 and C = rows 2-3 x columns 0-1 (all published),
    # B - C = total(rows 0-1) - total(columns 0-1), and B = x02 + 40 + 12 + 13.
    x02 = GRID[:2].sum() - GRID[:, :2].sum() + GRID[2:, :2].sum() - (40 + 12 + 13)
    assert x02 == 6
    lo, hi = _intruder_range(GRID, hidden, (0, 2))
    assert lo == pytest.approx(6) and hi == pytest.approx(6)


def test_audit_suppresses_more_until_every_range_is_wide():
    table = _table(GRID)
    out = suppress(table, min_cell=MIN, lines=[["row"], ["col"]])
    hidden = out["suppressed"].to_numpy().reshape(GRID.shape)
    assert out.attrs["audit_added"] >= 1
    assert out.attrs["audit_checked"] == hidden.sum()
    assert hidden[GRID < MIN].all()
    for i, j in zip(*np.nonzero(hidden), strict=True):
        lo, hi = _intruder_range(GRID, hidden, (i, j))
        assert hi - lo >= MIN, (i, j, lo, hi)


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_leave_no_suppressed_cell_narrower_than_min_cell(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(3, 7, size=2))
    grid = rng.choice([1, 2, 3, 5, 6, 8, 12, 15, 25, 40, 60], size=shape)
    out = suppress(_table(grid), min_cell=MIN, lines=[["row"], ["col"]])
    hidden = out["suppressed"].to_numpy().reshape(grid.shape)
    assert hidden[grid < MIN].all()
    for i, j in zip(*np.nonzero(hidden), strict=True):
        lo, hi = _intruder_range(grid, hidden, (i, j))
        assert hi - lo >= MIN or out.attrs["audit_unresolved"], (i, j, lo, hi)


def test_ranges_are_exact_for_a_single_free_rectangle():
    """A 2x2 block inside published totals: x00 = 6 + t, t in [-(7 - 1), 8 - 1]."""
    flags = np.zeros(9, dtype=bool)
    flags[[0, 1, 3, 4]] = True
    counts = np.array([6, 9, 30, 8, 7, 30, 30, 30, 30])  # 3x3, row by row
    groups = [np.array([0, 1, 2]), np.array([3, 4, 5]), np.array([6, 7, 8]),
              np.array([0, 3, 6]), np.array([1, 4, 7]), np.array([2, 5, 8])]
    ranges = cell_ranges(counts, flags, groups, MIN)
    assert ranges[0] == pytest.approx((6 - 5, 6 + 7))
    result = protect(counts, flags, groups, MIN)
    assert result.added == 0 and result.checked == 4
    narrow = counts.copy()
    narrow[1] = 3  # x00 = 6 + t, t in [-5, 2]: 7 wide, so the audit adds a cell
    assert protect(narrow, flags, groups, MIN).added >= 1
