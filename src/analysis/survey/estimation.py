"""Design-based estimation for complex surveys: proportions, means, cross-tabulations, logit.

Variance estimation
-------------------
Standard errors use Taylor linearisation under the with-replacement approximation for the
primary sampling units (PSUs), as R's ``survey`` package does by default. A ratio estimator
``theta_d = sum(w y m_d) / sum(w m_d)`` for a domain ``d`` has linearised scores
``z_i = w_i m_di (y_i - theta_d) / sum(w m_d)``; with PSU totals ``z_hj`` in stratum ``h``
(``n_h`` PSUs)::

    V(theta_d) = sum_h n_h / (n_h - 1) * sum_j (z_hj - mean_j z_hj)^2

Without PSUs each respondent is its own PSU; without strata there is one stratum. PSU
identifiers are taken as nested in strata (the pair stratum/PSU names a PSU). A stratum with
one PSU is an error, as in R's default ``options(survey.lonely.psu = "fail")``.

Domains (``by``) use the domain-indicator approach: ``m_di`` is zero outside the domain and
the variance sums over *all* PSUs of the design, never over a subset of it. Respondents with a
missing value of the variable are treated the same way (zero score, counted in ``n_missing``),
which is what R's ``na.rm = TRUE`` does.

Confidence intervals
--------------------
Proportions: on the logit scale, ``logit(p) +/- t * se / (p (1 - p))``, back-transformed (the
``"logit"`` method of R's ``svyciprop``). Means and differences: ``estimate +/- t * se``. The
``t`` quantile has the design degrees of freedom #PSUs - #strata (n - #strata without PSUs),
counted over the strata in which the domain has respondents (the others add nothing to the
variance); for the whole sample that is the usual design df.

Design effect
-------------
``deff = V_design / V_srs`` with ``V_srs = s_w^2 / n``, ``s_w^2 = n / (n - 1) *
sum(w (y - ybar)^2) / sum(w)`` over the ``n`` respondents of the domain who answered. For a
proportion this is ``V_srs = p (1 - p) / (n - 1)``: the variance under simple random sampling
*with* replacement of the same size, at the weighted estimate - R's ``deff = "replace"``.
It therefore includes the effect of unequal weights as well as clustering and stratification.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "CrosstabResult",
    "design_df",
    "domain_difference",
    "survey_logit",
    "weighted_crosstab",
    "weighted_mean",
    "weighted_proportion",
]

ByArg = str | Sequence[str] | None


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class _Design:
    """The design as integer codes: one PSU code per row, one stratum code per PSU."""

    w: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray
    n_strata: int

    @property
    def n_psu(self) -> int:
        return int(self.psu_stratum.size)

    @property
    def stratum(self) -> np.ndarray:
        return self.psu_stratum[self.psu]

    @property
    def psus_per_stratum(self) -> np.ndarray:
        return np.bincount(self.psu_stratum, minlength=self.n_strata)

    def df(self, rows: np.ndarray | None = None) -> int:
        """Design degrees of freedom over the strata holding ``rows`` (all strata if None)."""
        nh = self.psus_per_stratum
        if rows is None:
            present = np.ones(self.n_strata, dtype=bool)
        else:
            present = np.zeros(self.n_strata, dtype=bool)
            present[np.unique(self.stratum[rows])] = True
        return int(nh[present].sum() - present.sum())


def _codes(series: pd.Series, name: str, role: str) -> np.ndarray:
    if series.isna().any():
        raise ValueError(f"the {role} column {name!r} has missing values")
    codes, _ = pd.factorize(series, sort=True)
    return codes.astype(np.int64)


def _make_design(
    df: pd.DataFrame, weight: str, strata: str | None, psu: str | None
) -> _Design:
    for role, col in (("weight", weight), ("strata", strata), ("psu", psu)):
        if col is not None and col not in df.columns:
            raise ValueError(f"{role} column {col!r} is not in the data")
    w = pd.to_numeric(df[weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(w) | ~(w > 0)
    if bad.any():
        raise ValueError(f"weight column {weight!r} must be positive numbers; "
                         f"{int(bad.sum())} row(s) are not")
    n = len(df)
    s = _codes(df[strata], strata, "strata") if strata else np.zeros(n, dtype=np.int64)
    if psu:
        p0 = _codes(df[psu], psu, "psu")
        combined = s * (int(p0.max(initial=0)) + 1) + p0
        p, _ = pd.factorize(combined, sort=True)
    else:
        p = np.arange(n)
    p = np.asarray(p, dtype=np.int64)
    n_psu = int(p.max(initial=-1)) + 1
    psu_stratum = np.zeros(n_psu, dtype=np.int64)
    psu_stratum[p] = s
    n_strata = int(s.max(initial=-1)) + 1
    nh = np.bincount(psu_stratum, minlength=n_strata)
    if (nh == 1).any():
        labels = (pd.Series(df[strata]).drop_duplicates().sort_values().tolist()
                  if strata else ["(all)"])
        lonely = [str(labels[i]) for i in np.flatnonzero(nh == 1)]
        raise ValueError(f"stratum/strata {', '.join(lonely)} have a single PSU; variance "
                         "cannot be estimated (combine strata)")
    return _Design(w=w, psu=p, psu_stratum=psu_stratum, n_strata=n_strata)


def design_df(df: pd.DataFrame, *, weight: str, strata: str | None = None,
              psu: str | None = None) -> int:
    """Design degrees of freedom: #PSUs - #strata (n - #strata without PSUs)."""
    d = _make_design(df, weight, strata, psu)
    return d.df()


def _psu_totals(design: _Design, scores: np.ndarray) -> np.ndarray:
    totals = np.empty((design.n_psu, scores.shape[1]))
    for j in range(scores.shape[1]):
        totals[:, j] = np.bincount(design.psu, weights=scores[:, j], minlength=design.n_psu)
    return totals


def _centered(design: _Design, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stratum-centred PSU totals of the scores and the factor n_h/(n_h-1) per PSU."""
    totals = _psu_totals(design, scores)
    nh = design.psus_per_stratum
    sums = np.empty((design.n_strata, scores.shape[1]))
    for j in range(scores.shape[1]):
        sums[:, j] = np.bincount(design.psu_stratum, weights=totals[:, j],
                                 minlength=design.n_strata)
    centred = totals - (sums / nh[:, None])[design.psu_stratum]
    factor = (nh / (nh - 1.0))[design.psu_stratum]
    return centred, factor


def _vcov(design: _Design, scores: np.ndarray) -> np.ndarray:
    """Linearisation covariance matrix of the estimators with ``scores`` (n x k)."""
    centred, factor = _centered(design, scores)
    return (centred * factor[:, None]).T @ centred


def _var(design: _Design, scores: np.ndarray) -> np.ndarray:
    """Diagonal of :func:`_vcov` only."""
    centred, factor = _centered(design, scores)
    return (centred**2 * factor[:, None]).sum(axis=0)


def _domain_mean(
    design: _Design, y: np.ndarray, mask: np.ndarray, *, full: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of the columns of ``y`` over rows in ``mask`` and their (co)variance."""
    wm = design.w * mask
    total = wm.sum()
    y0 = np.where(mask[:, None], y, 0.0)
    est = (wm[:, None] * y0).sum(axis=0) / total
    scores = wm[:, None] * (y0 - est) / total
    return est, (_vcov(design, scores) if full else _var(design, scores))


# --------------------------------------------------------------------------- helpers


def _by_list(by: ByArg) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [b.strip() for b in by.split(",") if b.strip()]
    return [str(b) for b in by]


def _t_quantile(level: float, df: int) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    if df <= 0:
        return math.nan
    return float(stats.t.ppf(0.5 + level / 2, df))


def _logit_ci(p: float, se: float, q: float) -> tuple[float, float]:
    if not np.isfinite(p) or not np.isfinite(se) or not np.isfinite(q):
        return math.nan, math.nan
    if p <= 0 or p >= 1:
        return p, p
    centre = math.log(p / (1 - p))
    half = q * se / (p * (1 - p))
    return 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))


def _where_mask(df: pd.DataFrame, where: pd.Series | np.ndarray | None) -> np.ndarray:
    if where is None:
        return np.ones(len(df), dtype=bool)
    arr = pd.Series(np.asarray(where, dtype=object)).astype("boolean").fillna(False)
    if len(arr) != len(df):
        raise ValueError("where must have one value per row")
    return arr.to_numpy(dtype=bool)


def _domains(df: pd.DataFrame, by: list[str]) -> list[tuple[tuple[Any, ...], np.ndarray]]:
    """(key, row mask) per observed domain, in sorted order; rows missing a by value are in none."""
    for col in by:
        if col not in df.columns:
            raise ValueError(f"by column {col!r} is not in the data")
    if not by:
        return [((), np.ones(len(df), dtype=bool))]
    grouped = df[by].reset_index(drop=True).groupby(by, observed=True, sort=True, dropna=True)
    out = []
    for key, idx in grouped.indices.items():
        key = key if isinstance(key, tuple) else (key,)
        mask = np.zeros(len(df), dtype=bool)
        mask[idx] = True
        out.append((key, mask))
    return out


def _is_binary(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series.dtype):
        return True
    if isinstance(series.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(
        series.dtype
    ):
        return False
    vals = pd.unique(series.dropna())
    return len(vals) > 0 and set(np.asarray(vals, dtype=float)) <= {0.0, 1.0}


def _as_float(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series.astype("object").where(series.notna(), None),
                         errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _categories(series: pd.Series) -> list[Any]:
    present = set(series.dropna().unique().tolist())
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [c for c in series.cat.categories if c in present]
    return sorted(present, key=str)


def _frame(rows: list[dict[str, Any]], by: list[str], df: pd.DataFrame,
           extra: Sequence[str]) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    for col in by:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            out[col] = pd.Categorical(out[col], categories=df[col].cat.categories)
    for col in ("n", "n_base", "n_missing", "df"):
        if col in out:
            out[col] = out[col].astype("int64")
    front = [*by, *extra]
    return out[front + [c for c in out.columns if c not in front]]


# --------------------------------------------------------------------------- estimators


def weighted_proportion(
    df: pd.DataFrame,
    var: str,
    *,
    weight: str,
    strata: str | None = None,
    psu: str | None = None,
    by: ByArg = None,
    level: float = 0.95,
    where: pd.Series | np.ndarray | None = None,
) -> pd.DataFrame:
    """Estimate the weighted proportion of a binary or categorical variable, by domain.

    Parameters
    ----------
    df : DataFrame
        One row per respondent.
    var : str
        A binary variable (bool/boolean, or 0/1 numbers: the proportion of ``True``/1) or a
        categorical one (one row per category observed in the sample).
    weight, strata, psu : str
        Design columns (``strata`` and ``psu`` optional).
    by : str or list of str, optional
        Domain columns (a comma-separated string is accepted). Domains are estimated with the
        full design (domain indicators), not by subsetting it.
    level : float, default 0.95
        Confidence level.
    where : boolean array-like, optional
        Restrict the population (e.g. intending migrants) - again as a domain, not a subset.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``category`` (categorical only), ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``deff``, ``n`` (unweighted respondents in the cell: in the domain with an
        answer for a binary variable, choosing the category for a categorical one), ``n_base``
        (categorical: respondents in the domain with an answer), ``n_missing`` (respondents in
        the domain without an answer, left out) and ``df`` (degrees of freedom used).
        ``attrs`` holds ``var``, ``kind``, ``level`` and ``n_missing`` (total).

    Notes
    -----
    See the module docstring for the variance, interval and design-effect formulas.

    Examples
    --------
    >>> weighted_proportion(df, "aware_legal", weight="weight", strata="strata", psu="psu",
    ...                     by="country")  # doctest: +SKIP
    """
    if var not in df.columns:
        raise ValueError(f"variable {var!r} is not in the data")
    by_cols = _by_list(by)
    design = _make_design(df, weight, strata, psu)
    series = df[var].reset_index(drop=True)
    binary = _is_binary(series)
    missing = series.isna().to_numpy()
    base_mask = _where_mask(df, where)
    if binary:
        y = np.nan_to_num(_as_float(series))[:, None]
        cats: list[Any] = [None]
    else:
        cats = _categories(series)
        if not cats:
            raise ValueError(f"variable {var!r} has no non-missing values")
        y = np.column_stack([(series == c).fillna(False).to_numpy(dtype=float) for c in cats])
    t_cache: dict[int, float] = {}
    rows: list[dict[str, Any]] = []
    for key, dmask in _domains(df, by_cols):
        dmask = dmask & base_mask
        answered = dmask & ~missing
        n_base, n_miss = int(answered.sum()), int((dmask & missing).sum())
        if n_base == 0:
            continue
        est, var_d = _domain_mean(design, y, answered)
        dfree = design.df(answered)
        q = t_cache.setdefault(dfree, _t_quantile(level, dfree))
        for j, cat in enumerate(cats):
            p, se = float(est[j]), float(math.sqrt(max(var_d[j], 0.0)))
            lo, hi = _logit_ci(p, se, q)
            v_srs = p * (1 - p) / (n_base - 1) if n_base > 1 else math.nan
            row = dict(zip(by_cols, key, strict=True))
            if not binary:
                row["category"] = cat
            row.update(estimate=p, se=se, ci_low=lo, ci_high=hi,
                       deff=se**2 / v_srs if v_srs and v_srs > 0 else math.nan,
                       n=int((answered & (y[:, j] > 0)).sum()) if not binary else n_base)
            if not binary:
                row["n_base"] = n_base
            row.update(n_missing=n_miss, df=dfree)
            rows.append(row)
    out = _frame(rows, by_cols, df, [] if binary else ["category"])
    if not binary and len(out):
        out["category"] = pd.Categorical(out["category"], categories=cats)
    out.attrs.update(var=var, kind="binary" if binary else "categorical", level=level,
                     n_missing=int((missing & base_mask).sum()))
    return out


def weighted_mean(
    df: pd.DataFrame,
    var: str,
    *,
    weight: str,
    strata: str | None = None,
    psu: str | None = None,
    by: ByArg = None,
    level: float = 0.95,
    where: pd.Series | np.ndarray | None = None,
) -> pd.DataFrame:
    """Estimate the weighted mean of a numeric (or binary) variable, by domain.

    Parameters are as for :func:`weighted_proportion`. Intervals are ``estimate +/- t * se``.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``deff``, ``n``,
        ``n_missing`` and ``df``.
    """
    if var not in df.columns:
        raise ValueError(f"variable {var!r} is not in the data")
    by_cols = _by_list(by)
    design = _make_design(df, weight, strata, psu)
    values = _as_float(df[var].reset_index(drop=True))
    missing = np.isnan(values)
    y = np.nan_to_num(values)[:, None]
    base_mask = _where_mask(df, where)
    rows: list[dict[str, Any]] = []
    for key, dmask in _domains(df, by_cols):
        dmask = dmask & base_mask
        answered = dmask & ~missing
        n = int(answered.sum())
        if n == 0:
            continue
        est, var_d = _domain_mean(design, y, answered)
        m, se = float(est[0]), float(math.sqrt(max(var_d[0], 0.0)))
        dfree = design.df(answered)
        q = _t_quantile(level, dfree)
        w = design.w[answered]
        s2 = (n / (n - 1) * np.sum(w * (y[answered, 0] - m) ** 2) / w.sum()) if n > 1 \
            else math.nan
        v_srs = s2 / n
        row = dict(zip(by_cols, key, strict=True))
        row.update(estimate=m, se=se, ci_low=m - q * se, ci_high=m + q * se,
                   deff=se**2 / v_srs if v_srs and v_srs > 0 else math.nan, n=n,
                   n_missing=int((dmask & missing).sum()), df=dfree)
        rows.append(row)
    out = _frame(rows, by_cols, df, [])
    out.attrs.update(var=var, kind="mean", level=level,
                     n_missing=int((missing & base_mask).sum()))
    return out


def domain_difference(
    df: pd.DataFrame,
    var: str,
    *,
    domain: str,
    levels: tuple[Any, Any],
    weight: str,
    strata: str | None = None,
    psu: str | None = None,
    level: float = 0.95,
    where: pd.Series | np.ndarray | None = None,
) -> dict[str, float]:
    """Difference of the weighted means of ``var`` between two domains, with its interval.

    The variance of ``mean_a - mean_b`` is linearised jointly (scores ``z_a - z_b``), so the
    covariance between the two domains (they share PSUs) is accounted for.

    Parameters
    ----------
    var : str
        Numeric or binary variable (a binary one gives a difference of proportions).
    domain : str
        Column defining the domains.
    levels : (a, b)
        The two values of ``domain`` compared: the result is ``mean_a - mean_b``.

    Returns
    -------
    dict
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``mean_a``, ``mean_b``, ``n_a``,
        ``n_b`` and ``df``.
    """
    design = _make_design(df, weight, strata, psu)
    values = _as_float(df[var].reset_index(drop=True))
    ok = ~np.isnan(values) & _where_mask(df, where)
    y = np.nan_to_num(values)
    dom = df[domain].reset_index(drop=True)
    scores = np.zeros(len(df))
    means, counts = [], []
    masks = []
    for lev in levels:
        mask = (dom == lev).fillna(False).to_numpy(dtype=bool) & ok
        if not mask.any():
            raise ValueError(f"no respondents with {domain} == {lev!r} and a value of {var}")
        wm = design.w * mask
        m = float((wm * y).sum() / wm.sum())
        means.append(m)
        counts.append(int(mask.sum()))
        masks.append(mask)
        scores = scores + (1 if len(means) == 1 else -1) * wm * (y - m) / wm.sum()
    se = float(math.sqrt(max(_var(design, scores[:, None])[0], 0.0)))
    dfree = design.df(masks[0] | masks[1])
    q = _t_quantile(level, dfree)
    diff = means[0] - means[1]
    return {"estimate": diff, "se": se, "ci_low": diff - q * se, "ci_high": diff + q * se,
            "mean_a": means[0], "mean_b": means[1], "n_a": counts[0], "n_b": counts[1],
            "df": dfree}


# --------------------------------------------------------------------------- cross-tabulation


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


# --------------------------------------------------------------------------- regression


def _design_matrix(
    df: pd.DataFrame, predictors: list[str], per: Mapping[str, float]
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    cols: dict[str, np.ndarray] = {"Intercept": np.ones(len(df))}
    info: list[dict[str, Any]] = []
    for pred in predictors:
        s = df[pred]
        if pd.api.types.is_bool_dtype(s.dtype):
            s = s.map({True: "yes", False: "no"}).astype(
                pd.CategoricalDtype(["no", "yes"]))
        if isinstance(s.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(s):
            levels = _categories(s)
            if len(levels) < 2:
                raise ValueError(f"predictor {pred!r} needs at least two observed levels")
            ref = levels[0]
            for lev in levels[1:]:
                name = f"{pred}[{lev}]"
                cols[name] = (s == lev).fillna(False).to_numpy(dtype=float)
                info.append({"term": name, "variable": pred, "level": str(lev),
                             "reference": str(ref), "mask": (s == lev).fillna(False),
                             "label": f"{pred}: {lev} (vs {ref})"})
        else:
            scale = float(per.get(pred, 1.0))
            cols[pred] = _as_float(s) / scale
            unit = f"per {scale:g}" if scale != 1 else "per unit"
            info.append({"term": pred, "variable": pred, "level": unit, "reference": "",
                         "mask": s.notna(), "label": f"{pred} ({unit})"})
    return pd.DataFrame(cols, index=df.index), info


def survey_logit(
    df: pd.DataFrame,
    outcome: str,
    predictors: str | Sequence[str],
    *,
    weight: str,
    psu: str | None,
    level: float = 0.95,
    per: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Survey-weighted logistic regression with PSU-clustered standard errors.

    Fits ``statsmodels`` ``GLM(y, X, family=Binomial(), var_weights=w)``: with variance
    weights the estimating equations are ``sum_i w_i x_i (y_i - mu_i) = 0``, the
    pseudo-likelihood of a survey-weighted logit (R's ``svyglm``), and the number of
    observations stays the number of respondents (``freq_weights`` would count ``sum(w)``
    observations). The covariance is the sandwich clustered by PSU (``cov_type="cluster"``,
    statsmodels' CRV1 factor ``G/(G-1) * (n-1)/(n-k)``); intervals use ``t`` with ``G - 1``
    degrees of freedom (``G`` = number of PSUs). Strata are not used for the variance, which
    is conservative for a stratified design. Categorical predictors use treatment coding with
    the first category (in codebook order) as reference. Respondents missing the outcome or a
    predictor are left out (complete cases).

    Parameters
    ----------
    df : DataFrame
    outcome : str
        Binary outcome.
    predictors : str or list of str
        Columns (a comma-separated string is accepted).
    weight : str
        Weight column.
    psu : str or None
        Cluster column; ``None`` treats each respondent as its own cluster.
    level : float, default 0.95
    per : mapping, optional
        Scale numeric predictors, e.g. ``{"age": 10}`` for the odds ratio per 10 years.

    Returns
    -------
    DataFrame
        One row per term (no intercept): ``term``, ``label`` (readable, e.g. "gender: female
        (vs male)"), ``variable``, ``level``, ``reference``,
        ``odds_ratio``, ``ci_low``, ``ci_high``, ``p_value``, ``coef``, ``se``, ``n``
        (respondents at that level, or all used respondents for a numeric term). ``attrs``:
        ``n`` (respondents used), ``n_dropped``, ``n_psu``.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import SpecificationWarning

    preds = _by_list(predictors)
    for col in [outcome, *preds, weight] + ([psu] if psu else []):
        if col not in df.columns:
            raise ValueError(f"column {col!r} is not in the data")
    used = df[[outcome, *preds]].notna().all(axis=1)
    data = df.loc[used]
    y = _as_float(data[outcome])
    if not set(np.unique(y)) <= {0.0, 1.0}:
        raise ValueError(f"outcome {outcome!r} must be binary")
    x, info = _design_matrix(data, preds, per or {})
    w = pd.to_numeric(data[weight], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(w) & (w > 0)):
        raise ValueError(f"weight column {weight!r} must be positive numbers")
    w = w / w.mean()
    groups = (pd.factorize(data[psu], sort=True)[0] if psu else np.arange(len(data)))
    model = sm.GLM(y, x, family=sm.families.Binomial(), var_weights=w)
    with warnings.catch_warnings():
        # statsmodels warns that cov_type is "not fully supported with var_weights"; for the
        # Binomial family (scale 1) score_obs and hessian both carry the weights, so the
        # cluster sandwich is the survey one (checked against a hand computation in the tests).
        warnings.filterwarnings("ignore", message="cov_type not fully supported",
                                category=SpecificationWarning)
        res = model.fit(cov_type="cluster", cov_kwds={"groups": np.asarray(groups)},
                        use_t=True)
    ci = np.asarray(res.conf_int(alpha=1 - level))
    names = list(x.columns)
    rows = []
    for item in info:
        k = names.index(item["term"])
        rows.append({
            "term": item["term"], "label": item["label"], "variable": item["variable"],
            "level": item["level"],
            "reference": item["reference"],
            "odds_ratio": float(np.exp(res.params.iloc[k])),
            "ci_low": float(np.exp(ci[k, 0])), "ci_high": float(np.exp(ci[k, 1])),
            "p_value": float(res.pvalues.iloc[k]), "coef": float(res.params.iloc[k]),
            "se": float(res.bse.iloc[k]), "n": int(item["mask"].sum()),
        })
    out = pd.DataFrame(rows)
    out["n"] = out["n"].astype("int64")
    out.attrs.update(n=int(used.sum()), n_dropped=int((~used).sum()),
                     n_psu=int(len(np.unique(groups))), level=level, outcome=outcome)
    return out
