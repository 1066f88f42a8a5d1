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

Modules
-------
- :mod:`~analysis.talent.index` - the composite index, its rank intervals and method ranks;
- :mod:`~analysis.talent.indicators` - the default proxies, the canonical-table builder and the
  reader of a user's indicator file;
- :mod:`~analysis.talent.chapter` - what the chapter notebook needs: loading, computing,
  tables, coverage and the parameters;
- :mod:`~analysis.talent.figures` - the chapter's figures (rank intervals, sub-score heat map);
- :mod:`~analysis.talent.narrative` - the chapter's sentences that depend on the results.

Everything listed in ``__all__`` is importable from :mod:`analysis.talent` directly.
"""

from __future__ import annotations

from analysis.talent.chapter import (
    ICMPD_MEMBER_STATES,
    OECD_COMPARATORS,
    describe_indicators,
    full_weights,
    proxy_coverage,
    uncovered_dimensions,
    user_files,
    weights_without_effect,
)
from analysis.talent.index import (
    AGGREGATIONS,
    GEOMETRIC_EPSILON,
    NORMALISATIONS,
    RANK_QUANTILES,
    TalentDataWarning,
    composite_index,
    method_ranks,
    rank_uncertainty,
)
from analysis.talent.indicators import (
    DEFAULT_MAX_AGE,
    DEFAULT_PROXIES,
    DERIVED_INDICATORS,
    INDICATOR_LABELS,
    ITA_DIMENSIONS,
    NOT_USED,
    IndicatorSet,
    Proxy,
    default_indicator_set,
    indicators_from_table,
    load_indicator_file,
    subset_countries,
)

__all__ = [
    "AGGREGATIONS",
    "DEFAULT_MAX_AGE",
    "DEFAULT_PROXIES",
    "DERIVED_INDICATORS",
    "GEOMETRIC_EPSILON",
    "ICMPD_MEMBER_STATES",
    "INDICATOR_LABELS",
    "ITA_DIMENSIONS",
    "NORMALISATIONS",
    "NOT_USED",
    "OECD_COMPARATORS",
    "RANK_QUANTILES",
    "IndicatorSet",
    "Proxy",
    "TalentDataWarning",
    "composite_index",
    "default_indicator_set",
    "describe_indicators",
    "full_weights",
    "indicators_from_table",
    "load_indicator_file",
    "method_ranks",
    "proxy_coverage",
    "rank_uncertainty",
    "subset_countries",
    "uncovered_dimensions",
    "user_files",
    "weights_without_effect",
]
