"""The survey design as integer codes, linearisation variance and interval helpers.

The formulas of every estimator in :mod:`analysis.survey.estimation`:

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

Degrees of freedom
------------------
As R's ``degf`` of a domain (a subset design keeps the PSUs with a positive weight in it): the
number of PSUs holding at least one respondent of the domain (who answered) minus the number of
strata holding such PSUs. For the whole sample that is the usual #PSUs - #strata (n - #strata
without PSUs). On the YRBS data with ``qn8`` unanswered rows kept as a domain it is 39, as in R.

Confidence intervals
--------------------
Proportions: on the logit scale, ``logit(p) +/- t * se / (p (1 - p))``, back-transformed (the
``"logit"`` method of R's ``svyciprop``). At ``p = 0`` or ``p = 1`` that interval collapses to
a point, so there the Korn-Graubard interval is used instead (R's ``svyciprop(method =
"beta")``): Clopper-Pearson on the effective sample size ``n_eff = p (1 - p) / V``, times
``(t_{n-1} / t_df)^2``; at ``p = 0`` or ``1`` the variance is zero and ``n_eff`` is the number
of respondents ``n`` (Korn and Graubard 1998; NCHS data presentation standards for
proportions). Means and differences: ``estimate +/- t * se`` with ``t`` on the domain's df.

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

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
        """Degrees of freedom: PSUs holding ``rows`` minus strata holding them (all if None)."""
        if rows is None:
            return int(self.n_psu - self.n_strata)
        psus = np.unique(self.psu[rows])
        return int(psus.size - np.unique(self.psu_stratum[psus]).size)


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


def _beta_ci(p: float, se: float, n: int, dfree: int, level: float) -> tuple[float, float]:
    """Korn-Graubard interval: Clopper-Pearson on the effective sample size (R's "beta")."""
    alpha = 1 - level
    if p <= 0 or p >= 1 or not se > 0:
        n_eff = float(n)
    else:
        n_eff = p * (1 - p) / se**2
    if n > 1 and dfree > 0:
        n_eff *= (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, dfree)) ** 2
    x = n_eff * p
    lo = 0.0 if x <= 0 else float(stats.beta.ppf(alpha / 2, x, n_eff - x + 1))
    hi = 1.0 if x >= n_eff else float(stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    return lo, hi


def _interval(p: float, se: float, q: float, *, n: int, dfree: int,
              level: float) -> tuple[float, float]:
    """The proportion interval: logit inside (0, 1), Korn-Graubard at 0 and 1."""
    if not np.isfinite(p) or not np.isfinite(q):
        return math.nan, math.nan
    if 0 < p < 1:
        return _logit_ci(p, se, q)
    return _beta_ci(p, se, n, dfree, level)


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
    if out.empty:  # no domain with an answer: the columns, no rows
        out = pd.DataFrame(columns=[*by, *extra, "estimate", "se", "ci_low", "ci_high", "deff",
                                    "n", "n_missing", "df"])
    for col in by:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            out[col] = pd.Categorical(out[col], categories=df[col].cat.categories)
    for col in ("n", "n_base", "n_missing", "df"):
        if col in out:
            out[col] = out[col].astype("int64")
    front = [*by, *extra]
    return out[front + [c for c in out.columns if c not in front]]


