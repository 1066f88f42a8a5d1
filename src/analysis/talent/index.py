"""The composite index: normalisation, imputation, aggregation, ranks and their uncertainty.

- :func:`composite_index` computes one index (score, rank, dimension sub-scores, normalised
  indicators, number of imputed values per country);
- :func:`rank_uncertainty` runs the Monte Carlo over weights and methods;
- :func:`method_ranks` shows the ranks under each normalisation x aggregation pair.

The computation rules are listed in the docstring of :mod:`analysis.talent`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd

__all__ = [
    "AGGREGATIONS",
    "GEOMETRIC_EPSILON",
    "NORMALISATIONS",
    "RANK_QUANTILES",
    "TalentDataWarning",
    "composite_index",
    "method_ranks",
    "rank_uncertainty",
]

NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore")
AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")

#: Lower end of the [epsilon, 1] range that values are mapped to before a geometric mean.
GEOMETRIC_EPSILON: float = 0.1

#: Quantiles of the simulated ranks reported as the rank interval (5th and 95th percentile).
RANK_QUANTILES: tuple[float, float] = (0.05, 0.95)

_RANK_TOL = 1e-9
_RESERVED = ("score", "rank", "n_imputed")


class TalentDataWarning(UserWarning):
    """A country was dropped for missing more than half of the indicators."""


# --------------------------------------------------------------------------------------------
# Validation and preparation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    countries: list[str]
    indicators: list[str]
    raw: np.ndarray  # countries x indicators, direction applied, NaN where missing
    weights: np.ndarray  # indicators
    dim_names: list[str]
    dim_of: np.ndarray  # indicator -> dimension position
    membership: np.ndarray  # indicators x dimensions, one-hot
    has_dimensions: bool
    dropped: list[str] = field(default_factory=list)


def _check_method(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(allowed)}")


def _prepare(
    df: pd.DataFrame,
    directions: Mapping[str, int],
    weights: Mapping[str, float] | None,
    dimensions: Mapping[str, str] | None,
) -> _Prepared:
    if not isinstance(df, pd.DataFrame):
        raise ValueError("df must be a DataFrame with one row per country")
    indicators = [str(c) for c in df.columns]
    if not indicators:
        raise ValueError("df has no indicator columns")
    if len(set(indicators)) != len(indicators):
        raise ValueError("df has duplicate indicator columns")
    if df.index.has_duplicates:
        dups = sorted({str(x) for x in df.index[df.index.duplicated()]})
        raise ValueError(f"df has duplicate countries in its index: {', '.join(dups)}")
    bad = [c for c in indicators if c in _RESERVED or c.startswith("dim_")]
    if bad:
        raise ValueError(f"indicator names clash with output columns: {', '.join(bad)}")

    unknown = sorted(set(map(str, directions)) - set(indicators))
    if unknown:
        raise ValueError(f"directions name indicators not in df: {', '.join(unknown)}")
    missing = [c for c in indicators if c not in directions]
    if missing:
        raise ValueError(f"no direction given for: {', '.join(missing)}")
    bad_dir = [f"{c}={directions[c]!r}" for c in indicators if directions[c] not in (1, -1)]
    if bad_dir:
        raise ValueError(f"directions must be +1 or -1: {', '.join(bad_dir)}")

    if weights is None:
        w = np.ones(len(indicators))
    else:
        wkeys = set(map(str, weights))
        if wkeys != set(indicators):
            extra = sorted(wkeys - set(indicators))
            lacking = sorted(set(indicators) - wkeys)
            parts = []
            if extra:
                parts.append(f"not in df: {', '.join(extra)}")
            if lacking:
                parts.append(f"missing: {', '.join(lacking)}")
            raise ValueError("weights must have one entry per indicator (" + "; ".join(parts) + ")")
        try:
            w = np.array([float(weights[c]) for c in indicators])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"weights must be numbers: {exc}") from None
        if not np.all(np.isfinite(w)):
            raise ValueError("weights must be finite numbers")
        if np.any(w < 0):
            neg = [f"{c}={weights[c]}" for c in indicators if float(weights[c]) < 0]
            raise ValueError(f"weights must not be negative: {', '.join(neg)}")
        if w.sum() <= 0:
            raise ValueError("at least one weight must be positive")

    if dimensions is None:
        dim_names = ["all"]
        dim_of = np.zeros(len(indicators), dtype=int)
    else:
        dkeys = set(map(str, dimensions))
        if dkeys != set(indicators):
            extra = sorted(dkeys - set(indicators))
            lacking = sorted(set(indicators) - dkeys)
            raise ValueError(
                "dimensions must map every indicator and nothing else "
                f"(not in df: {', '.join(extra) or '-'}; missing: {', '.join(lacking) or '-'})"
            )
        dim_names = list(dict.fromkeys(str(dimensions[c]) for c in indicators))
        dim_of = np.array([dim_names.index(str(dimensions[c])) for c in indicators])
    membership = np.zeros((len(indicators), len(dim_names)))
    membership[np.arange(len(indicators)), dim_of] = 1.0
    dim_total = w @ membership
    if np.any(dim_total <= 0):
        zero = [d for d, t in zip(dim_names, dim_total, strict=True) if t <= 0]
        raise ValueError(f"every dimension needs a positive weight; all zero in: {', '.join(zero)}")

    try:
        values = df.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        nonnum = [c for c in indicators if not pd.api.types.is_numeric_dtype(df[c])]
        raise ValueError(f"indicator columns must be numeric: {', '.join(nonnum)}") from None
    if np.any(np.isinf(values)):
        raise ValueError("indicator values must be finite (found inf)")

    countries = [str(c) for c in df.index]
    n_missing = np.isnan(values).sum(axis=1)
    drop = n_missing > len(indicators) / 2
    dropped = [c for c, d in zip(countries, drop, strict=True) if d]
    if dropped:
        warnings.warn(
            f"dropped {len(dropped)} countries missing more than half of the "
            f"{len(indicators)} indicators: {', '.join(dropped)}",
            TalentDataWarning,
            stacklevel=3,
        )
    keep = ~drop
    countries = [c for c, k in zip(countries, keep, strict=True) if k]
    values = values[keep]
    if len(countries) < 2:
        raise ValueError(
            f"need at least 2 countries with data, got {len(countries)}"
            + (f" (dropped: {', '.join(dropped)})" if dropped else "")
        )
    for j, name in enumerate(indicators):
        col = values[:, j]
        obs = col[~np.isnan(col)]
        if obs.size < 2 or np.ptp(obs) == 0:
            raise ValueError(
                f"indicator {name!r} has fewer than two distinct values over the countries "
                "kept; it cannot be normalised (leave it out)"
            )
    dirs = np.array([float(directions[c]) for c in indicators])
    return _Prepared(
        countries=countries,
        indicators=indicators,
        raw=values * dirs,
        weights=w,
        dim_names=dim_names,
        dim_of=dim_of,
        membership=membership,
        has_dimensions=dimensions is not None,
        dropped=dropped,
    )


# --------------------------------------------------------------------------------------------
# Core computation
# --------------------------------------------------------------------------------------------


def _normalise(raw: np.ndarray, method: str) -> np.ndarray:
    """Normalise each column over its observed values (NaN stays NaN)."""
    if method == "minmax":
        lo = np.nanmin(raw, axis=0)
        hi = np.nanmax(raw, axis=0)
        return (raw - lo) / (hi - lo)
    mean = np.nanmean(raw, axis=0)
    sd = np.nanstd(raw, axis=0, ddof=1)
    return (raw - mean) / sd


def _impute(norm: np.ndarray, dim_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill missing normalised values by the documented rule; return (filled, n_imputed)."""
    observed = ~np.isnan(norm)
    filled = norm.copy()
    col_mean = np.nanmean(norm, axis=0)
    for c, i in zip(*np.nonzero(~observed), strict=True):
        same = (dim_of == dim_of[i]) & observed[c]
        same[i] = False
        filled[c, i] = norm[c, same].mean() if same.any() else col_mean[i]
    return filled, (~observed).sum(axis=1)


def _positive(norm: np.ndarray, method: str, epsilon: float) -> np.ndarray:
    """Map normalised values to [epsilon, 1] for the geometric mean (rule 5)."""
    if method == "minmax":
        return epsilon + (1.0 - epsilon) * norm
    lo, hi = norm.min(), norm.max()
    return epsilon + (1.0 - epsilon) * (norm - lo) / (hi - lo)


def _aggregate(
    values: np.ndarray,
    weights: np.ndarray,
    dim_weights: np.ndarray,
    membership: np.ndarray,
    dim_of: np.ndarray,
    geometric: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate for many weight draws at once.

    values : countries x indicators (already positive if ``geometric``)
    weights : draws x indicators; dim_weights : draws x dimensions
    Returns scores (draws x countries) and sub-scores (draws x countries x dimensions).
    """
    a = np.log(values) if geometric else values
    within = weights / (weights @ membership)[:, dim_of]  # weights sum to 1 in each dimension
    sub = (within[:, None, :] * a[None, :, :]) @ membership  # draws x countries x dims
    v = dim_weights / dim_weights.sum(axis=1, keepdims=True)
    score = np.einsum("rck,rk->rc", sub, v)
    if geometric:
        return np.exp(score), np.exp(sub)
    return score, sub


def _rank_desc(scores: np.ndarray) -> np.ndarray:
    """Rank each row (1 = highest), ties by "min"; near-equal scores count as ties."""
    tol = _RANK_TOL * (1.0 + np.abs(scores).max(axis=-1, keepdims=True))
    better = scores[..., None, :] > scores[..., :, None] + tol[..., None]
    return 1 + better.sum(axis=-1)


def _ready(
    prep: _Prepared, normalisation: str, aggregation: str, epsilon: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised+imputed values, the values to aggregate, and the imputation counts."""
    norm, n_imputed = _impute(_normalise(prep.raw, normalisation), prep.dim_of)
    values = _positive(norm, normalisation, epsilon) if aggregation == "geometric" else norm
    return norm, values, n_imputed


def _check_epsilon(epsilon: float) -> None:
    if not 0 < epsilon < 1:
        raise ValueError(f"epsilon must be between 0 and 1 (exclusive), got {epsilon}")


def composite_index(
    df: pd.DataFrame,
    *,
    directions: Mapping[str, int],
    weights: Mapping[str, float] | None = None,
    normalisation: str = "minmax",
    aggregation: str = "arithmetic",
    dimensions: Mapping[str, str] | None = None,
    epsilon: float = GEOMETRIC_EPSILON,
) -> pd.DataFrame:
    """Compute a composite index: normalise, impute, aggregate (by dimension), rank.

    The rules are spelled out in the docstring of :mod:`analysis.talent` (direction, dropping, normalisation,
    imputation, positive values for the geometric mean, aggregation, ranking).

    Parameters
    ----------
    df : DataFrame
        One row per country (index), one numeric column per indicator; NaN = missing.
    directions : mapping
        Indicator -> +1 (more is better) or -1 (less is better); one entry per column.
    weights : mapping, optional
        Indicator -> non-negative weight; one entry per column. Equal weights by default.
        With ``dimensions`` the weights count within each dimension (rescaled to sum to one
        there) and the dimensions themselves get equal weights.
    normalisation : {"minmax", "zscore"}
        Min-max to [0, 1] or z-score (sample sd), over the countries kept.
    aggregation : {"arithmetic", "geometric"}
        Weighted arithmetic or geometric mean. The geometric mean is taken of values mapped to
        ``[epsilon, 1]`` (see :mod:`analysis.talent`, rule 5).
    dimensions : mapping, optional
        Indicator -> dimension name. When given, a sub-score ``dim_<name>`` is computed per
        dimension and the score is the equal-weight mean of the sub-scores (the OECD ITA design).
    epsilon : float, default :data:`GEOMETRIC_EPSILON`
        Lower end of the range used for the geometric mean.

    Returns
    -------
    DataFrame
        Indexed by country (countries dropped for missing data left out, listed in
        ``attrs["dropped"]``), with columns ``score``, ``rank`` (1 = most attractive),
        ``dim_<name>`` per dimension (only with ``dimensions``), one column per indicator
        holding its normalised value after imputation (before the rule-5 mapping), and
        ``n_imputed``. ``attrs`` also holds the method names.

    Raises
    ------
    ValueError
        Unknown direction keys, directions not +-1, weights not matching the indicators or
        negative, unknown method names, non-numeric data, fewer than two countries, or an
        indicator with fewer than two distinct values.
    """
    _check_method(normalisation, NORMALISATIONS, "normalisation")
    _check_method(aggregation, AGGREGATIONS, "aggregation")
    _check_epsilon(epsilon)
    prep = _prepare(df, directions, weights, dimensions)
    norm, values, n_imputed = _ready(prep, normalisation, aggregation, epsilon)
    score, sub = _aggregate(
        values,
        prep.weights[None, :],
        np.ones((1, len(prep.dim_names))),
        prep.membership,
        prep.dim_of,
        aggregation == "geometric",
    )
    out = pd.DataFrame(index=pd.Index(prep.countries, name=df.index.name or "country"))
    out["score"] = score[0]
    out["rank"] = _rank_desc(score[0]).astype(int)
    if prep.has_dimensions:
        for k, name in enumerate(prep.dim_names):
            out[f"dim_{name}"] = sub[0, :, k]
    for j, name in enumerate(prep.indicators):
        out[name] = norm[:, j]
    out["n_imputed"] = n_imputed.astype(int)
    out.attrs.update(
        dropped=list(prep.dropped),
        normalisation=normalisation,
        aggregation=aggregation,
        epsilon=epsilon,
    )
    return out


def method_ranks(
    df: pd.DataFrame,
    *,
    directions: Mapping[str, int],
    weights: Mapping[str, float] | None = None,
    dimensions: Mapping[str, str] | None = None,
    epsilon: float = GEOMETRIC_EPSILON,
) -> pd.DataFrame:
    """Rank the countries under each normalisation x aggregation pair.

    Parameters
    ----------
    df, directions, weights, dimensions, epsilon
        As for :func:`composite_index`.

    Returns
    -------
    DataFrame
        Indexed by country, one integer rank column per pair named ``"<normalisation>,
        <aggregation>"`` (e.g. ``"minmax, arithmetic"``), plus ``rank_range``: the largest
        minus the smallest of those ranks.
    """
    cols = {}
    with warnings.catch_warnings():
        # The same countries are dropped under every method: warn once, below.
        warnings.simplefilter("ignore", TalentDataWarning)
        for norm, agg in product(NORMALISATIONS, AGGREGATIONS):
            res = composite_index(
                df, directions=directions, weights=weights, normalisation=norm,
                aggregation=agg, dimensions=dimensions, epsilon=epsilon,
            )  # fmt: skip
            cols[f"{norm}, {agg}"] = res["rank"]
    out = pd.DataFrame(cols)
    out["rank_range"] = out.max(axis=1) - out.min(axis=1)
    out.attrs["dropped"] = res.attrs["dropped"]
    if res.attrs["dropped"]:
        warnings.warn(
            f"dropped countries missing more than half of the indicators: "
            f"{', '.join(res.attrs['dropped'])}",
            TalentDataWarning,
            stacklevel=2,
        )
    return out


def rank_uncertainty(
    df: pd.DataFrame,
    *,
    directions: Mapping[str, int],
    dimensions: Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
    n_draws: int = 1000,
    weight_noise: float = 0.25,
    seed: int = 0,
    normalisation: str = "minmax",
    aggregation: str = "arithmetic",
    normalisations: Sequence[str] = NORMALISATIONS,
    aggregations: Sequence[str] = AGGREGATIONS,
    epsilon: float = GEOMETRIC_EPSILON,
) -> pd.DataFrame:
    """Monte Carlo rank intervals over weights, normalisation and aggregation.

    Each draw (independently, with ``numpy.random.Generator(PCG64(seed))``):

    - multiplies every indicator weight by its own factor ``U(1 - weight_noise, 1 + weight_noise)``
      and, with ``dimensions``, every (equal) dimension weight by its own such factor; weights
      are then rescaled to sum to one (within each dimension for indicator weights);
    - picks a normalisation uniformly from ``normalisations``;
    - picks an aggregation uniformly from ``aggregations``;

    and ranks the countries. This follows the uncertainty analysis of the OECD/JRC *Handbook on
    Constructing Composite Indicators* (2008), which reports the median rank and the 5th-95th
    percentile interval of the simulated ranks.

    Parameters
    ----------
    df, directions, dimensions, weights, epsilon
        As for :func:`composite_index`; ``weights`` are the central weights.
    n_draws : int, default 1000
        Number of Monte Carlo draws.
    weight_noise : float, default 0.25
        Half-width of the uniform multiplicative weight perturbation, in [0, 1).
    seed : int, default 0
        Seed of the random generator; the same seed gives the same result.
    normalisation, aggregation : str
        Methods of the deterministic (reference) index, whose rank is reported as ``rank``.
    normalisations, aggregations : sequence of str
        Methods sampled in the Monte Carlo (both of each by default).

    Returns
    -------
    DataFrame
        Indexed by country: ``score`` and ``rank`` of the deterministic index, ``rank_median``,
        ``rank_p05`` and ``rank_p95`` (percentiles of the simulated ranks, taken as ranks that
        occurred: ``numpy.quantile(..., method="inverted_cdf")``) and ``rank_interval_width``
        (``rank_p95 - rank_p05``). ``attrs`` holds ``dropped``, ``n_draws``, ``seed``,
        ``weight_noise`` and the draw counts per method (``method_counts``).

    Notes
    -----
    The deterministic rank usually lies inside the interval but need not: if the reference
    method disagrees with the other methods, most draws can rank a country elsewhere.
    """
    _check_method(normalisation, NORMALISATIONS, "normalisation")
    _check_method(aggregation, AGGREGATIONS, "aggregation")
    for name in normalisations:
        _check_method(name, NORMALISATIONS, "normalisation")
    for name in aggregations:
        _check_method(name, AGGREGATIONS, "aggregation")
    if not normalisations or not aggregations:
        raise ValueError("normalisations and aggregations must each name at least one method")
    if int(n_draws) != n_draws or n_draws < 1:
        raise ValueError(f"n_draws must be a positive integer, got {n_draws!r}")
    if not 0 <= weight_noise < 1:
        raise ValueError(f"weight_noise must be in [0, 1), got {weight_noise!r}")
    _check_epsilon(epsilon)
    n_draws = int(n_draws)

    reference = composite_index(
        df, directions=directions, weights=weights, normalisation=normalisation,
        aggregation=aggregation, dimensions=dimensions, epsilon=epsilon,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TalentDataWarning)  # already warned just above
        prep = _prepare(df, directions, weights, dimensions)
    n_ind, n_dim = len(prep.indicators), len(prep.dim_names)

    rng = np.random.Generator(np.random.PCG64(seed))
    lo, hi = 1.0 - weight_noise, 1.0 + weight_noise
    w = prep.weights[None, :] * rng.uniform(lo, hi, size=(n_draws, n_ind))
    if prep.has_dimensions:
        v = rng.uniform(lo, hi, size=(n_draws, n_dim))
    else:
        v = np.ones((n_draws, n_dim))
    norm_pick = rng.integers(len(normalisations), size=n_draws)
    agg_pick = rng.integers(len(aggregations), size=n_draws)

    scores = np.empty((n_draws, len(prep.countries)))
    counts = {}
    for a, norm_name in enumerate(normalisations):
        for b, agg_name in enumerate(aggregations):
            sel = (norm_pick == a) & (agg_pick == b)
            counts[f"{norm_name}, {agg_name}"] = int(sel.sum())
            if not sel.any():
                continue
            _, values, _ = _ready(prep, norm_name, agg_name, epsilon)
            scores[sel], _ = _aggregate(
                values, w[sel], v[sel], prep.membership, prep.dim_of, agg_name == "geometric"
            )
    ranks = _rank_desc(scores)

    out = reference[["score", "rank"]].copy()
    out["rank_median"] = np.median(ranks, axis=0)
    q_lo, q_hi = RANK_QUANTILES
    out["rank_p05"] = np.quantile(ranks, q_lo, axis=0, method="inverted_cdf").astype(int)
    out["rank_p95"] = np.quantile(ranks, q_hi, axis=0, method="inverted_cdf").astype(int)
    out["rank_interval_width"] = out["rank_p95"] - out["rank_p05"]
    out.attrs.update(
        dropped=list(prep.dropped),
        n_draws=n_draws,
        seed=seed,
        weight_noise=weight_noise,
        method_counts=counts,
        normalisation=normalisation,
        aggregation=aggregation,
    )
    return out
