"""Proportions, means and differences of means by domain (see :mod:`.design` for formulas)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analysis.survey.estimation.design import (
    ByArg,
    _as_float,
    _by_list,
    _categories,
    _domain_mean,
    _domains,
    _frame,
    _interval,
    _is_binary,
    _make_design,
    _t_quantile,
    _var,
    _where_mask,
)

__all__ = ["domain_difference", "weighted_mean", "weighted_proportion"]



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
    See :mod:`analysis.survey.estimation.design` for the variance, interval and design-effect formulas.

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
            lo, hi = _interval(p, se, q, n=n_base, dfree=dfree, level=level)
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

