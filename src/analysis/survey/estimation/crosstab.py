"""Survey cross-tabulation with the Rao-Scott test of independence."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.survey.estimation.design import _categories, _domain_mean, _make_design
from analysis.survey.estimation.proportions import weighted_proportion

__all__ = ["CrosstabResult", "weighted_crosstab"]



@dataclass(frozen=True)
class CrosstabResult:
    """A survey cross-tabulation and its Rao-Scott test of independence.

    Attributes
    ----------
    table : DataFrame
        Row percentages: for each ``row`` level, the distribution of ``col``
        (:func:`weighted_proportion` of ``col`` by ``row``).
    statistic : float
        Rao-Scott second-order corrected statistic ``F = X2 / trace(Delta)``.
    df, ddf : float
        Numerator ``trace(Delta)^2 / trace(Delta^2)`` and denominator ``df * design df``
        degrees of freedom of the F reference distribution.
    p_value : float
        ``P(F(df, ddf) > statistic)``.
    pearson : float
        The uncorrected Pearson X2 on the weighted table scaled to the sample size.
    chisq_first_order, df_first_order, p_value_first_order : float
        First-order correction ``X2 / mean(eigenvalues of Delta)`` against chi2 with
        (r-1)(c-1) df.
    n : int
        Respondents with both variables.
    """

    table: pd.DataFrame
    statistic: float
    df: float
    ddf: float
    p_value: float
    pearson: float
    chisq_first_order: float
    df_first_order: int
    p_value_first_order: float
    n: int
    method: str = field(default="Pearson X2 with Rao-Scott second-order correction (F)")


def weighted_crosstab(
    df: pd.DataFrame,
    row: str,
    col: str,
    *,
    weight: str,
    strata: str | None = None,
    psu: str | None = None,
    level: float = 0.95,
) -> CrosstabResult:
    """Cross-tabulate two categorical variables and test independence (Rao-Scott).

    The test follows R's ``svychisq(statistic = "F")``: with cell proportions ``p`` (rows of the
    table varying fastest), their linearised covariance ``V``, ``D = diag(p)``, ``N`` the number
    of respondents and ``C`` the interaction columns of the saturated model made orthogonal to
    the main effects, ``Delta = (C' D^-1 C / N)^-1 (C' D^-1 V D^-1 C)``; the Pearson X2 of the
    weighted table scaled to ``N`` is divided by ``trace(Delta)`` and referred to
    ``F(d0, d0 * nu)`` with ``d0 = trace(Delta)^2 / trace(Delta^2)`` and ``nu`` the design df.

    Parameters
    ----------
    row, col : str
        Categorical (or binary) columns. Respondents missing either are left out (as a domain).

    Returns
    -------
    CrosstabResult
    """
    table = weighted_proportion(df, col, weight=weight, strata=strata, psu=psu, by=row,
                                level=level)
    design = _make_design(df, weight, strata, psu)
    r_series = df[row].reset_index(drop=True)
    c_series = df[col].reset_index(drop=True)
    complete = (r_series.notna() & c_series.notna()).to_numpy()
    r_levels, c_levels = _categories(r_series[complete]), _categories(c_series[complete])
    nr, nc = len(r_levels), len(c_levels)
    if nr < 2 or nc < 2:
        raise ValueError(f"{row} and {col} need at least two observed levels each")
    r_idx = pd.Categorical(r_series, categories=r_levels).codes
    c_idx = pd.Categorical(c_series, categories=c_levels).codes
    cell = np.where(complete, r_idx + nr * c_idx, -1)
    y = (cell[:, None] == np.arange(nr * nc)[None, :]).astype(float)
    p, v = _domain_mean(design, y, complete, full=True)
    n = int(complete.sum())

    rows_grid = np.tile(np.arange(nr), nc)
    cols_grid = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack([np.ones(nr * nc)]
                         + [(rows_grid == i).astype(float) for i in range(1, nr)]
                         + [(cols_grid == j).astype(float) for j in range(1, nc)])
    x2 = np.column_stack([((rows_grid == i) & (cols_grid == j)).astype(float)
                          for j in range(1, nc) for i in range(1, nr)])
    coef, *_ = np.linalg.lstsq(x1, x2, rcond=None)
    cmat = x2 - x1 @ coef
    inv_d = np.diag(np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0))
    denom = cmat.T @ (inv_d / n) @ cmat
    numer = cmat.T @ inv_d @ v @ inv_d @ cmat
    delta = np.linalg.solve(denom, numer)

    table_counts = (p * n).reshape(nc, nr).T  # rows x cols
    expected = np.outer(table_counts.sum(axis=1), table_counts.sum(axis=0)) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.nansum(np.where(expected > 0,
                                           (table_counts - expected) ** 2 / expected, 0.0)))
    tr, tr2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    d0 = tr**2 / tr2
    nu = design.df()
    f_stat = pearson / tr
    dof = (nr - 1) * (nc - 1)
    first = pearson / (tr / dof)
    return CrosstabResult(
        table=table,
        statistic=f_stat,
        df=d0,
        ddf=d0 * nu,
        p_value=float(stats.f.sf(f_stat, d0, d0 * nu)),
        pearson=pearson,
        chisq_first_order=first,
        df_first_order=dof,
        p_value_first_order=float(stats.chi2.sf(first, dof)),
        n=n,
    )


