"""Design-based logistic regression (R's ``svyglm(family = quasibinomial)``) and its checks.

Point estimates solve the survey-weighted score equations ``sum_i w_i x_i (y_i - mu_i) = 0``
(``statsmodels`` ``GLM`` with ``var_weights``). The covariance is the linearisation sandwich
``V = B^-1 M B^-1`` with ``B = X' diag(w mu (1 - mu)) X`` and ``M`` the with-replacement
variance of the score totals: the scores ``u_i = w_i x_i (y_i - mu_i)`` are summed to PSU
totals, centred within strata and weighted by ``n_h / (n_h - 1)``, exactly as for a mean (see
:mod:`.design`). PSUs are nested in strata, so PSU codes that restart in each stratum are
different PSUs. Respondents missing the outcome or a predictor get a zero score (a domain, not
a subset). Intervals and p-values use ``t`` on ``#PSUs - #strata - (#coefficients - 1)``
degrees of freedom, counted over the PSUs holding the respondents used (R's
``df.residual`` of ``svyglm``).

A model that is not identified is refused with :class:`ModelNotIdentified` (one sentence
saying why): an outcome with no variation, a singular design matrix, or perfect or
quasi-complete separation (a direction ``d`` with ``(2 y_i - 1) x_i' d >= 0`` for every
respondent and ``> 0`` for some, found by linear programming), under which the maximum
likelihood estimate does not exist and any odds ratio printed would be an artefact.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.survey.estimation.design import (
    _as_float,
    _by_list,
    _categories,
    _make_design,
    _vcov,
)

__all__ = ["ModelNotIdentified", "check_identified", "survey_logit"]


class ModelNotIdentified(ValueError):
    """The regression has no unique finite estimate; the message says why in one sentence."""


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
                raise ModelNotIdentified(
                    f"The model is not identified because predictor {pred} has only one "
                    "observed level among the respondents used.")
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


def check_identified(y: np.ndarray, x: np.ndarray, names: Sequence[str],
                     outcome: str = "the outcome") -> None:
    """Refuse a logistic model without a unique finite maximum-likelihood estimate.

    Parameters
    ----------
    y : array of 0/1
        Outcome of the respondents used.
    x : 2-D array
        Design matrix (with the intercept column).
    names : sequence of str
        Column names of ``x``, for the message.
    outcome : str
        Outcome name, for the message.

    Raises
    ------
    ModelNotIdentified
        With one sentence: no variation in the outcome, a singular design (naming a column
        that is a combination of the others), or separation (naming the terms involved).
    """
    y = np.asarray(y, dtype=float)
    if y.size == 0 or np.all(y == y[0]):
        raise ModelNotIdentified(
            f"The model is not identified because {outcome} has no variation among the "
            f"{y.size:,} respondents used.")
    rank = np.linalg.matrix_rank(x)
    if rank < x.shape[1]:
        for j in range(1, x.shape[1]):
            if np.linalg.matrix_rank(x[:, : j + 1]) <= j:
                raise ModelNotIdentified(
                    f"The model is not identified because the design is singular ({names[j]} "
                    "is a combination of the terms before it).")
    # Separation: a direction d with s_i x_i'd >= 0 for all i and sum_i s_i x_i'd >= 1.
    s = 2 * y - 1
    a = x * s[:, None]
    k = x.shape[1]
    res = optimize.linprog(
        c=np.zeros(k),
        A_ub=np.vstack([-a, -a.sum(axis=0, keepdims=True)]),
        b_ub=np.concatenate([np.zeros(len(y)), [-1.0]]),
        bounds=[(None, None)] * k,
        method="highs",
    )
    if res.status == 0:
        d = res.x / np.max(np.abs(res.x))
        terms = [names[j] for j in range(1, k) if abs(d[j]) > 1e-7] or ["the intercept"]
        raise ModelNotIdentified(
            f"The model is not identified because {outcome} is perfectly or "
            f"quasi-completely separated by {', '.join(terms)}, so the odds ratios would be "
            "infinite.")


def survey_logit(
    df: pd.DataFrame,
    outcome: str,
    predictors: str | Sequence[str],
    *,
    weight: str,
    strata: str | None = None,
    psu: str | None = None,
    level: float = 0.95,
    per: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Survey-weighted logistic regression with design-based (stratified, clustered) errors.

    Parameters
    ----------
    df : DataFrame
    outcome : str
        Binary outcome.
    predictors : str or list of str
        Columns (a comma-separated string is accepted). Categorical predictors use treatment
        coding with the first category (in codebook order) as reference.
    weight : str
        Weight column.
    strata, psu : str or None
        Design columns; ``psu=None`` treats each respondent as its own PSU, ``strata=None``
        is one stratum.
    level : float, default 0.95
    per : mapping, optional
        Scale numeric predictors, e.g. ``{"age": 10}`` for the odds ratio per 10 years.

    Returns
    -------
    DataFrame
        One row per term (no intercept): ``term``, ``label`` (readable, e.g. "gender: female
        (vs male)"), ``variable``, ``level``, ``reference``, ``odds_ratio``, ``ci_low``,
        ``ci_high``, ``p_value``, ``coef``, ``se``, ``n`` (respondents at that level, or all
        used respondents for a numeric term). ``attrs``: ``n`` (respondents used),
        ``n_dropped``, ``n_psu`` (PSUs holding them), ``n_strata``, ``df``.

    Raises
    ------
    ModelNotIdentified
        If the model is not identified (see :func:`check_identified`).
    ValueError
        For a missing column, a non-binary outcome or bad weights.

    Notes
    -----
    See the module docstring for the sandwich and the degrees of freedom.
    """
    import statsmodels.api as sm

    preds = _by_list(predictors)
    for col in [outcome, *preds, weight] + [c for c in (strata, psu) if c]:
        if col not in df.columns:
            raise ValueError(f"column {col!r} is not in the data")
    frame = df.reset_index(drop=True)
    design = _make_design(frame, weight, strata, psu)
    used = frame[[outcome, *preds]].notna().all(axis=1).to_numpy()
    data = frame.loc[used]
    y = _as_float(data[outcome])
    if not set(np.unique(y)) <= {0.0, 1.0}:
        raise ValueError(f"outcome {outcome!r} must be binary")
    x, info = _design_matrix(data, preds, per or {})
    xm = x.to_numpy(dtype=float)
    check_identified(y, xm, list(x.columns), outcome)
    w = design.w[used]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; identification checked above
        res = sm.GLM(y, xm, family=sm.families.Binomial(), var_weights=w / w.mean()).fit(
            tol=1e-12, maxiter=200)
    beta = np.asarray(res.params, dtype=float)
    mu = 1 / (1 + np.exp(-(xm @ beta)))
    bread = np.linalg.inv((xm * (w * mu * (1 - mu))[:, None]).T @ xm)
    scores = np.zeros((len(frame), xm.shape[1]))
    scores[used] = xm * (w * (y - mu))[:, None]
    cov = bread @ _vcov(design, scores) @ bread
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    dfree = design.df(used) - (xm.shape[1] - 1)
    if dfree <= 0:
        raise ModelNotIdentified(
            f"The model is not identified because {xm.shape[1]} coefficients need more "
            f"degrees of freedom than the design's {design.df(used)}.")
    q = float(stats.t.ppf(0.5 + level / 2, dfree))
    names = list(x.columns)
    rows = []
    for item in info:
        k = names.index(item["term"])
        tstat = beta[k] / se[k] if se[k] > 0 else np.nan
        rows.append({
            "term": item["term"], "label": item["label"], "variable": item["variable"],
            "level": item["level"], "reference": item["reference"],
            "odds_ratio": float(np.exp(beta[k])),
            "ci_low": float(np.exp(beta[k] - q * se[k])),
            "ci_high": float(np.exp(beta[k] + q * se[k])),
            "p_value": float(2 * stats.t.sf(abs(tstat), dfree)), "coef": float(beta[k]),
            "se": float(se[k]), "n": int(item["mask"].sum()),
        })
    out = pd.DataFrame(rows)
    out["n"] = out["n"].astype("int64")
    psus = np.unique(design.psu[used])
    out.attrs.update(n=int(used.sum()), n_dropped=int((~used).sum()), n_psu=int(psus.size),
                     n_strata=int(np.unique(design.psu_stratum[psus]).size), df=int(dfree),
                     level=level, outcome=outcome)
    return out
