"""Talent attraction: a composite index after the OECD Indicators of Talent Attractiveness.

The OECD Indicators of Talent Attractiveness (ITA) score countries on seven dimensions
(:data:`ITA_DIMENSIONS`): indicators are normalised, averaged within each dimension, and the
dimension scores are averaged with equal weights. This module reproduces that design for any
country x indicator table and adds the uncertainty analysis that the OECD/JRC *Handbook on
Constructing Composite Indicators* (2008) recommends: ranks are recomputed under perturbed
weights and under the alternative normalisation and aggregation methods, and each country gets a
5th-95th percentile rank interval.

Building blocks:

- :func:`composite_index` computes one index (score, rank, dimension sub-scores, normalised
  indicators, number of imputed values per country);
- :func:`rank_uncertainty` runs the Monte Carlo over weights and methods;
- :func:`method_ranks` shows the ranks under each normalisation x aggregation pair;
- :func:`indicators_from_table` turns the canonical long ``indicators`` table into a
  country x indicator frame (latest value not after a year);
- :func:`default_indicator_set` applies the proxy mapping :data:`DEFAULT_PROXIES`;
- :func:`load_indicator_file` reads a user's own indicator file (e.g. downloaded from the OECD)
  with a small YAML mapping.

Computation rules (the same everywhere in this module)
------------------------------------------------------
1. **Direction.** Each raw indicator is multiplied by its direction (+1 more is better, -1 less
   is better), so that higher is always better afterwards.
2. **Dropping.** A country missing *more than half* of the indicators is dropped before
   anything is computed (it does not influence minima, maxima, means); a
   :class:`TalentDataWarning` names it and ``result.attrs["dropped"]`` lists it.
3. **Normalisation** over the countries given, each indicator on its own observed values:
   ``"minmax"``: ``(x - min) / (max - min)`` in [0, 1];
   ``"zscore"``: ``(x - mean) / sd`` with the sample standard deviation (``ddof=1``).
4. **Imputation** (after normalisation): a missing value of country *c* on indicator *i* is
   replaced by the plain mean of *c*'s own normalised values on the *other* indicators of the
   same dimension that *c* reports (all indicators form one dimension when no dimensions are
   given). For arithmetic aggregation with equal weights this is the same as leaving the
   indicator out for that country and averaging what it has. When *c* reports no other
   indicator of that dimension, the mean of the other countries' normalised values on *i* is
   used instead (an "average performer"; exactly 0 for z-scores). The
   count of imputed values per country is returned as ``n_imputed``.
5. **Positive values for geometric aggregation.** A geometric mean needs values > 0:
   min-max values are mapped to ``[epsilon, 1]`` by ``epsilon + (1 - epsilon) * x``; z-scores are
   mapped, with *one* affine map for the whole table (so the indicators keep their common
   scale), to ``[epsilon, 1]`` by ``epsilon + (1 - epsilon) * (z - min Z) / (max Z - min Z)``.
   ``epsilon`` defaults to :data:`GEOMETRIC_EPSILON` (0.1): the worst value counts as one tenth
   of the best rather than as zero, which would make the geometric mean zero.
6. **Aggregation.** Within each dimension the weighted (arithmetic or geometric) mean of the
   indicators, with the indicator weights rescaled to sum to one inside the dimension, gives the
   dimension sub-score ``dim_<name>``; the score is the mean (same kind) of the sub-scores with
   equal dimension weights. Without dimensions the score is the weighted mean of all indicators.
7. **Rank.** 1 = highest score (most attractive); ties share the smallest rank (``"min"``);
   scores closer than ``1e-9`` (relative) count as ties.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import product
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.config import PROJECT_ROOT
from analysis.countries import GROUPS, resolve_countries
from analysis.errors import DataError, ParameterError

__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_PROXIES",
    "DERIVED_INDICATORS",
    "GEOMETRIC_EPSILON",
    "ICMPD_MEMBER_STATES",
    "INDICATOR_LABELS",
    "ITA_DIMENSIONS",
    "NOT_USED",
    "OECD_COMPARATORS",
    "RANK_QUANTILES",
    "IndicatorSet",
    "Proxy",
    "TalentDataWarning",
    "composite_index",
    "default_indicator_set",
    "describe_indicators",
    "indicators_from_table",
    "load_indicator_file",
    "method_ranks",
    "parse_countries",
    "parse_weights",
    "proxy_coverage",
    "rank_uncertainty",
    "subset_countries",
    "uncovered_dimensions",
    "user_paths",
    "weights_without_effect",
]

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

#: The seven dimensions of the OECD Indicators of Talent Attractiveness, in the OECD's order.
ITA_DIMENSIONS: tuple[str, ...] = (
    "quality of opportunities",
    "income and tax",
    "future prospects",
    "family environment",
    "skills environment",
    "inclusiveness",
    "quality of life",
)

#: ICMPD member states (ISO-3), the first part of the chapter's default country list.
ICMPD_MEMBER_STATES: tuple[str, ...] = tuple(GROUPS["icmpd_members"])

#: OECD destination countries shown for comparison (ISO-3).
OECD_COMPARATORS: tuple[str, ...] = tuple(GROUPS["oecd_comparators"])

NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore")
AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")

#: Lower end of the [epsilon, 1] range that values are mapped to before a geometric mean.
GEOMETRIC_EPSILON: float = 0.1

#: Quantiles of the simulated ranks reported as the rank interval (5th and 95th percentile).
RANK_QUANTILES: tuple[float, float] = (0.05, 0.95)

#: Default maximum age (years before the target year) of a value taken from the indicator table.
DEFAULT_MAX_AGE: int = 5

_RANK_TOL = 1e-9
_RESERVED = ("score", "rank", "n_imputed")


class Proxy(NamedTuple):
    """How a canonical indicator stands in for an ITA dimension.

    Attributes
    ----------
    dimension : str
        One of :data:`ITA_DIMENSIONS`.
    direction : int
        +1 if more is better for attracting talent, -1 if less is better.
    rationale : str
        Why the indicator is a (rough) proxy for the dimension.
    """

    dimension: str
    direction: int
    rationale: str


#: Indicators computed from two canonical indicators: name -> (numerator, denominator, factor).
DERIVED_INDICATORS: dict[str, tuple[str, str, float]] = {
    "net_migration_per_1000": ("net_migration", "population", 1000.0),
}

#: Default proxies: canonical (or derived) indicator -> :class:`Proxy`.
#:
#: The OECD ITA measures conditions for specific groups of talent (highly educated workers,
#: entrepreneurs, students) largely with survey and policy data; the canonical table holds only
#: population-wide macro indicators, so these are proxies, and three of the seven dimensions
#: (family environment, skills environment, inclusiveness) have none.
DEFAULT_PROXIES: dict[str, Proxy] = {
    "unemployment_pct": Proxy(
        "quality of opportunities", -1,
        "Chance of finding work. The ITA uses the unemployment rate of the highly educated; the "
        "total unemployment rate is the closest available measure.",
    ),
    "gdp_per_capita_ppp": Proxy(
        "income and tax", +1,
        "Level of earnings and purchasing power. The ITA uses wages of the highly educated and "
        "the tax wedge; GDP per head at PPP tracks average income but ignores taxes.",
    ),
    "inflation_pct": Proxy(
        "future prospects", -1,
        "Macroeconomic stability: high inflation erodes the real value of future earnings and "
        "savings. The ITA's future-prospects indicators are residence and citizenship rules, "
        "which no macro indicator measures.",
    ),
    "net_migration_per_1000": Proxy(
        "future prospects", +1,
        "Revealed preference: a net inflow per head signals that movers expect better "
        "prospects there. Caution: it is an outcome of attractiveness, not a driver.",
    ),
    "political_stability": Proxy(
        "quality of life", +1,
        "Political stability and absence of violence (World Governance Indicators): safety and "
        "predictability of daily life. The ITA uses environmental, health and safety measures.",
    ),
}  # fmt: skip

#: Canonical indicators not used as proxies, with the reason.
NOT_USED: dict[str, str] = {
    "birth_rate": "Driven by development level and culture as much as by family policy; its "
    "direction for attracting talent is ambiguous.",
    "age_dependency_ratio": "Ambiguous direction: a high ratio means a heavier burden on "
    "workers but also labour shortages, i.e. more openings.",
    "fdi_inflows_usd": "Dominated by pass-through flows of special-purpose entities and very "
    "volatile from year to year.",
    "fdi_outflows_usd": "Measures investment leaving the country, not conditions for talent.",
    "gdp_usd": "Size of the economy, not conditions per person (GDP per head at PPP is used).",
    "population": "Used only as the denominator of net migration per 1,000.",
    "net_migration": "Used per 1,000 population (net_migration_per_1000), not as a count.",
    "remittances_received_usd": "An outcome of emigration, not a condition for talent.",
    "remittances_paid_usd": "An outcome of immigration, not a condition for talent.",
}

#: Readable labels of the default proxies.
INDICATOR_LABELS: dict[str, str] = {
    "unemployment_pct": "Unemployment rate (%)",
    "gdp_per_capita_ppp": "GDP per capita, PPP",
    "inflation_pct": "Inflation, consumer prices (%)",
    "net_migration_per_1000": "Net migration per 1,000 population",
    "political_stability": "Political stability (WGI)",
}


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

    The rules are spelled out in the module docstring (direction, dropping, normalisation,
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
        ``[epsilon, 1]`` (see module docstring, rule 5).
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


# --------------------------------------------------------------------------------------------
# Building the country x indicator frame
# --------------------------------------------------------------------------------------------


def _latest(
    table: pd.DataFrame,
    names: Sequence[str],
    countries: Sequence[str],
    year: int,
    max_age: int | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    sub = table[table["indicator"].isin(names) & table["country"].isin(countries)]
    sub = sub[(sub["year"] <= year) & sub["value"].notna()]
    if max_age is not None:
        sub = sub[sub["year"] >= year - max_age]
    sub = sub.sort_values(["country", "indicator", "year"]).drop_duplicates(
        ["country", "indicator"], keep="last"
    )
    idx = pd.Index(list(countries), name="country")
    values = (
        sub.pivot(index="country", columns="indicator", values="value")
        .reindex(index=idx, columns=list(names))
        .astype(float)
    )
    years = (
        sub.pivot(index="country", columns="indicator", values="year")
        .reindex(index=idx, columns=list(names))
        .astype("Int64")
    )
    values.columns.name = years.columns.name = None
    return values, years


def indicators_from_table(
    indicators: pd.DataFrame,
    *,
    year: int,
    countries: Sequence[str],
    names: Sequence[str] | None = None,
    max_age: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the country x indicator frame from the canonical long indicator table.

    For each country and indicator the latest non-missing value with ``year <= year`` is
    taken. A derived indicator (:data:`DERIVED_INDICATORS`, e.g. ``net_migration_per_1000``) is
    computed from its components' latest values; its year is the older of the two.

    Parameters
    ----------
    indicators : DataFrame
        The canonical table, columns ``country`` (ISO-3), ``indicator``, ``year``, ``value``.
    year : int
        Target year: no value after it is used.
    countries : sequence of str
        ISO-3 codes, in the order wanted; a country without any data gets a row of NaN.
    names : sequence of str, optional
        Indicators (canonical or derived) wanted; default: the keys of :data:`DEFAULT_PROXIES`.
    max_age : int, optional
        If given, values older than ``year - max_age`` are treated as missing.

    Returns
    -------
    values : DataFrame
        Countries x indicators, float, NaN where no value qualifies.
    years : DataFrame
        Same shape: the year each value comes from (nullable ``Int64``).
    """
    need = {"country", "indicator", "year", "value"}
    lacking = sorted(need - set(indicators.columns))
    if lacking:
        raise ValueError(f"the indicator table lacks columns: {', '.join(lacking)}")
    if isinstance(countries, str):
        raise ValueError("countries must be a sequence of ISO-3 codes, not one string")
    countries = [str(c) for c in countries]
    if not countries:
        raise ValueError("countries is empty")
    if len(set(countries)) != len(countries):
        raise ValueError("countries has duplicates")
    names = list(DEFAULT_PROXIES) if names is None else list(names)
    if max_age is not None and max_age < 0:
        raise ValueError(f"max_age must be >= 0, got {max_age}")
    table = indicators[["country", "indicator", "year", "value"]]
    keys = ["country", "indicator", "year"]
    dup = table.duplicated(keys, keep=False)
    if dup.any():
        rows = table.loc[dup, keys].head(5).astype(str).agg(" ".join, axis=1).tolist()
        raise ValueError(f"the indicator table has duplicate country/indicator/year rows: {rows}")
    known = set(table["indicator"].unique())
    base: list[str] = []
    for n in names:
        parts = list(DERIVED_INDICATORS[n][:2]) if n in DERIVED_INDICATORS else [n]
        for p in parts:
            if p not in known:
                raise ValueError(f"indicator {p!r} is not in the indicator table")
            if p not in base:
                base.append(p)
    raw_values, raw_years = _latest(table, base, countries, int(year), max_age)
    values = pd.DataFrame(index=raw_values.index)
    years = pd.DataFrame(index=raw_values.index)
    for n in names:
        if n in DERIVED_INDICATORS:
            num, den, factor = DERIVED_INDICATORS[n]
            denom = raw_values[den].where(raw_values[den] != 0)
            values[n] = factor * raw_values[num] / denom
            yrs = pd.concat([raw_years[num], raw_years[den]], axis=1).min(axis=1, skipna=False)
            years[n] = yrs.where(values[n].notna()).astype("Int64")
        else:
            values[n] = raw_values[n]
            years[n] = raw_years[n]
    return values, years


# --------------------------------------------------------------------------------------------
# Indicator sets: the default proxies or a user's file
# --------------------------------------------------------------------------------------------


@dataclass
class IndicatorSet:
    """Indicator values with everything the index needs to interpret them.

    Attributes
    ----------
    values : DataFrame
        Countries (ISO-3 index named ``country``) x indicators.
    directions : dict
        Indicator -> +1 or -1.
    dimensions : dict
        Indicator -> dimension name.
    labels : dict
        Indicator -> readable label.
    years : DataFrame or None
        Year of each value, when known.
    source : str
        Where the values come from.
    vintage : str
        Release or date of the values, when known.
    note : str
        Free text carried from the mapping file (e.g. "illustrative example").
    """

    values: pd.DataFrame
    directions: dict[str, int]
    dimensions: dict[str, str]
    labels: dict[str, str]
    years: pd.DataFrame | None = None
    source: str = ""
    vintage: str = ""
    note: str = ""


def default_indicator_set(
    indicators: pd.DataFrame,
    *,
    year: int,
    countries: Sequence[str],
    proxies: Mapping[str, Proxy] | None = None,
    max_age: int | None = DEFAULT_MAX_AGE,
    source: str = "canonical indicator table (World Bank WDI and WGI series)",
    vintage: str = "",
) -> IndicatorSet:
    """Build an :class:`IndicatorSet` of the proxy indicators from the canonical table.

    Parameters
    ----------
    indicators : DataFrame
        The canonical long table (see :func:`indicators_from_table`).
    year : int
        Target year.
    countries : sequence of str
        ISO-3 codes.
    proxies : mapping, optional
        Indicator -> :class:`Proxy`; default :data:`DEFAULT_PROXIES`.
    max_age : int or None, default :data:`DEFAULT_MAX_AGE`
        Values older than ``year - max_age`` count as missing.
    source, vintage : str
        Provenance carried into the result (e.g. from ``analysis.sources.provenance``).

    Returns
    -------
    IndicatorSet
    """
    proxies = DEFAULT_PROXIES if proxies is None else proxies
    values, years = indicators_from_table(
        indicators, year=year, countries=countries, names=list(proxies), max_age=max_age
    )
    return IndicatorSet(
        values=values,
        directions={k: p.direction for k, p in proxies.items()},
        dimensions={k: p.dimension for k, p in proxies.items()},
        labels={k: INDICATOR_LABELS.get(k, k) for k in proxies},
        years=years,
        source=source,
        vintage=vintage,
    )


_MISSING_TOKENS = {"", "na", "n/a", "nan", ".."}
_MAPPING_KEYS = {"dimension", "direction", "label"}


def load_indicator_file(csv_path: str | Path, mapping_yaml_path: str | Path) -> IndicatorSet:
    """Read a user's indicator file and its YAML mapping, validating both.

    The CSV has one row per country, an ISO-3 column ``country`` and one numeric column per
    indicator; empty cells and ``NA``, ``N/A``, ``NaN``, ``..`` mean missing. Columns not named
    in the mapping (e.g. a country name) are ignored. The YAML looks like::

        source: OECD Indicators of Talent Attractiveness 2023   # optional
        note: free text shown with the results                 # optional
        indicators:
          unemp_tertiary:
            dimension: quality of opportunities
            direction: -1
            label: Unemployment rate, tertiary educated (%)    # optional

    Parameters
    ----------
    csv_path : path-like
        The indicator file.
    mapping_yaml_path : path-like
        The mapping file.

    Returns
    -------
    IndicatorSet
        Values indexed by ISO-3 code (upper case), in file order.

    Raises
    ------
    DataError
        Naming the file, the column and the offending rows: unreadable files, no ``country``
        column, country codes not of three letters, duplicate countries, a mapped indicator
        absent from the CSV, a direction other than +1/-1, a missing dimension, unknown keys,
        non-numeric values.
    """
    import yaml

    csv_path, map_path = Path(csv_path), Path(mapping_yaml_path)
    try:
        spec = yaml.safe_load(map_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(map_path, f"cannot read the mapping file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DataError(map_path, f"not valid YAML: {exc}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("indicators"), dict):
        raise DataError(map_path, "expected a top-level 'indicators:' mapping")
    extra_top = sorted(set(map(str, spec)) - {"indicators", "source", "note", "vintage"})
    if extra_top:
        raise DataError(map_path, f"unknown top-level keys: {', '.join(extra_top)}")
    entries = spec["indicators"]
    if not entries:
        raise DataError(map_path, "the 'indicators' mapping is empty")

    try:
        raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except OSError as exc:
        raise DataError(csv_path, f"cannot read the indicator file ({exc.strerror})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(csv_path, f"not a readable CSV file: {exc}") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    line = lambda i: f"line {i + 2}"  # noqa: E731 - header is line 1
    if "country" not in raw.columns:
        raise DataError(csv_path, "no 'country' column (ISO-3 codes) found", column="country")
    codes = raw["country"].str.strip().str.upper()
    bad = [f"{line(i)}: {raw['country'].iloc[i]!r}" for i in range(len(raw))
           if not re.fullmatch(r"[A-Z]{3}", codes.iloc[i])]  # fmt: skip
    if bad:
        raise DataError(csv_path, "country codes must be ISO-3 (three letters)",
                        column="country", rows=bad)  # fmt: skip
    dup = codes.duplicated(keep=False)
    if dup.any():
        rows = [f"{line(i)}: {codes.iloc[i]}" for i in np.nonzero(dup.to_numpy())[0]]
        raise DataError(csv_path, "duplicate countries", column="country", rows=rows)

    directions: dict[str, int] = {}
    dimensions: dict[str, str] = {}
    labels: dict[str, str] = {}
    for name, entry in entries.items():
        name = str(name)
        if name not in raw.columns:
            raise DataError(
                map_path,
                f"indicator '{name}' is not a column of {csv_path.name} "
                f"(columns: {', '.join(c for c in raw.columns if c != 'country')})",
                column=name,
            )
        if not isinstance(entry, dict):
            raise DataError(map_path, "expected dimension/direction/label keys", column=name)
        unknown = sorted(set(map(str, entry)) - _MAPPING_KEYS)
        if unknown:
            raise DataError(map_path, f"unknown keys: {', '.join(unknown)}", column=name)
        direction = entry.get("direction")
        if isinstance(direction, bool) or direction not in (1, -1):
            raise DataError(map_path, f"direction must be +1 or -1, got {direction!r}",
                            column=name)  # fmt: skip
        dimension = entry.get("dimension")
        if not isinstance(dimension, str) or not dimension.strip():
            raise DataError(map_path, "dimension must be a non-empty name", column=name)
        directions[name] = int(direction)
        dimensions[name] = dimension.strip()
        labels[name] = str(entry.get("label") or name)

    values = pd.DataFrame(index=pd.Index(codes.tolist(), name="country"))
    for name in directions:
        text = raw[name].str.strip()
        missing = text.str.lower().isin(_MISSING_TOKENS)
        num = pd.to_numeric(text.where(~missing), errors="coerce")
        bad_mask = (num.isna() & ~missing) | np.isinf(num.fillna(0.0))
        if bad_mask.any():
            rows = [f"{line(i)} ({codes.iloc[i]}): {raw[name].iloc[i]!r}"
                    for i in np.nonzero(bad_mask.to_numpy())[0]]  # fmt: skip
            raise DataError(csv_path, "non-numeric values", column=name, rows=rows)
        values[name] = num.astype(float).to_numpy()
    return IndicatorSet(
        values=values,
        directions=directions,
        dimensions=dimensions,
        labels=labels,
        years=None,
        source=str(spec.get("source") or csv_path.name),
        vintage=str(spec.get("vintage") or ""),
        note=str(spec.get("note") or ""),
    )


# --------------------------------------------------------------------------------------------
# Coverage and notebook parameters
# --------------------------------------------------------------------------------------------


def proxy_coverage(
    dimensions: Mapping[str, str], labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Which indicators stand in for which dimension.

    Parameters
    ----------
    dimensions : mapping
        Indicator -> dimension.
    labels : mapping, optional
        Indicator -> readable label (default: the indicator name).

    Returns
    -------
    DataFrame
        One row per dimension, the seven :data:`ITA_DIMENSIONS` first (in the OECD's order),
        then any other dimension used; columns ``dimension``, ``indicators`` (labels joined by
        "; ", empty when none) , ``n_indicators`` and ``covered``.
    """
    labels = labels or {}
    order = list(ITA_DIMENSIONS) + [d for d in dict.fromkeys(dimensions.values())
                                    if d not in ITA_DIMENSIONS]  # fmt: skip
    rows = []
    for dim in order:
        inds = [labels.get(i, i) for i, d in dimensions.items() if d == dim]
        rows.append({"dimension": dim, "indicators": "; ".join(inds),
                     "n_indicators": len(inds), "covered": bool(inds)})  # fmt: skip
    return pd.DataFrame(rows)


def describe_indicators(
    iset: IndicatorSet, rationale: Mapping[str, Proxy] | None = None
) -> pd.DataFrame:
    """One row per indicator: what it is, how it counts, and how much data there is.

    Parameters
    ----------
    iset : IndicatorSet
        The indicators.
    rationale : mapping, optional
        Indicator -> :class:`Proxy`, whose ``rationale`` fills the column of that name
        (e.g. :data:`DEFAULT_PROXIES`); empty when not given.

    Returns
    -------
    DataFrame
        Columns ``indicator``, ``label``, ``dimension``, ``direction`` ("more is better" /
        "less is better"), ``countries_with_data``, ``years`` (range of years used, when
        known, else empty) and ``rationale``.
    """
    rows = []
    for name in iset.values.columns:
        col = iset.values[name]
        years = ""
        if iset.years is not None and iset.years[name].notna().any():
            lo, hi = int(iset.years[name].min()), int(iset.years[name].max())
            years = str(lo) if lo == hi else f"{lo}–{hi}"
        rows.append(
            {
                "indicator": name,
                "label": iset.labels.get(name, name),
                "dimension": iset.dimensions[name],
                "direction": "more is better" if iset.directions[name] > 0 else "less is better",
                "countries_with_data": int(col.notna().sum()),
                "years": years,
                "rationale": rationale[name].rationale if rationale and name in rationale else "",
            }
        )
    return pd.DataFrame(rows)


def weights_without_effect(
    dimensions: Mapping[str, str], weights: Mapping[str, float] | None
) -> list[str]:
    """Indicators given a non-unit weight that cannot matter: each is alone in its dimension.

    Indicator weights act within a dimension and dimensions have equal weights, so the weight
    of the only indicator of a dimension has no effect on the index.
    """
    if not weights:
        return []
    per_dim = pd.Series(dimensions).value_counts()
    return [i for i, d in dimensions.items() if per_dim[d] == 1 and float(weights[i]) != 1.0]


def uncovered_dimensions(dimensions: Mapping[str, str]) -> list[str]:
    """Return the ITA dimensions that no indicator in ``dimensions`` covers, in OECD order."""
    used = set(dimensions.values())
    return [d for d in ITA_DIMENSIONS if d not in used]


def parse_countries(countries: str | Sequence[str] | None) -> list[str]:
    """Turn the notebook parameter into a list of ISO-3 codes.

    ``None`` or ``""`` gives :data:`ICMPD_MEMBER_STATES` followed by :data:`OECD_COMPARATORS`;
    otherwise ISO-3 codes and group names of :data:`analysis.countries.GROUPS`, comma
    separated (see :func:`analysis.countries.resolve_countries`).

    Raises
    ------
    ParameterError
        An unknown code or group.
    """
    if countries is None or (isinstance(countries, str) and not countries.strip()):
        return list(ICMPD_MEMBER_STATES) + list(OECD_COMPARATORS)
    try:
        return resolve_countries(countries, default="icmpd_members")
    except ValueError as exc:
        raise ParameterError(f"countries: {exc}") from None


def user_paths(
    indicators_path: str | Path | None, mapping_path: str | Path | None
) -> tuple[Path, Path]:
    """Resolve the user's indicator and mapping paths (both or neither must be given).

    A relative path is taken from the current directory when the file exists there, otherwise
    from the project root (so ``data/talent/example_indicators.csv`` works from any folder).

    Raises
    ------
    ParameterError
        Only one of the two given, or a file that does not exist.
    """
    given = [bool(p and str(p).strip()) for p in (indicators_path, mapping_path)]
    if given[0] != given[1]:
        raise ParameterError(
            "indicators_path and mapping_path go together: give both (a CSV file and its YAML "
            "mapping) or neither (the default proxies)"
        )
    out = []
    for name, p in (("indicators_path", indicators_path), ("mapping_path", mapping_path)):
        path = Path(str(p)).expanduser()
        if not path.is_absolute() and not path.exists():
            path = PROJECT_ROOT / path
        if not path.is_file():
            raise ParameterError(f"{name}: file not found: {p}")
        out.append(path)
    return out[0], out[1]


def subset_countries(iset: IndicatorSet, countries: Sequence[str]) -> IndicatorSet:
    """Keep the listed countries, in that order; a country absent from the data gets NaN.

    Such a country is then dropped (and listed) by :func:`composite_index`.
    """
    idx = pd.Index(list(countries), name="country")
    years = None if iset.years is None else iset.years.reindex(idx)
    return replace(iset, values=iset.values.reindex(idx), years=years)


def parse_weights(text: str | None, indicators: Sequence[str]) -> dict[str, float] | None:
    """Turn ``"gdp_per_capita_ppp=2,unemployment_pct=1"`` into a full weight mapping.

    Indicators not named keep weight 1. ``None`` or ``""`` gives ``None`` (equal weights).

    Raises
    ------
    ParameterError
        Malformed items, unknown indicators, or weights that are not non-negative numbers.
    """
    if text is None or not str(text).strip():
        return None
    weights = {name: 1.0 for name in indicators}
    for item in str(text).split(","):
        if not item.strip():
            continue
        key, sep, val = item.partition("=")
        key = key.strip()
        if not sep:
            raise ParameterError(f"weights: expected name=number, got {item.strip()!r}")
        if key not in weights:
            raise ParameterError(
                f"weights: unknown indicator {key!r}; known: {', '.join(indicators)}"
            )
        try:
            number = float(val)
        except ValueError:
            raise ParameterError(f"weights: {key}={val.strip()!r} is not a number") from None
        if not math.isfinite(number) or number < 0:
            raise ParameterError(f"weights: {key} must be a non-negative number, got {number}")
        weights[key] = number
    return weights
