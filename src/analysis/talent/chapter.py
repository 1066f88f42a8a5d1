"""What the talent chapter (``notebooks/04_talent_attraction.ipynb``) needs besides the index.

- :func:`open_indicators` loads the default proxies or the user's file, with its provenance;
- :func:`compute_chapter` runs the index, the rank uncertainty and the method comparison;
- :func:`proxy_coverage`, :func:`describe_indicators`, :func:`indicator_tables`,
  :func:`ranking_table`, :func:`method_table` and :func:`widest_interval` build the tables;
- :mod:`~analysis.talent.figures` draws the figures and :mod:`~analysis.talent.narrative`
  writes the sentences that depend on the results;
- :func:`load` reads the chapter's canonical tables; :func:`user_files` and
  :func:`full_weights` check the typed parameters against each other and the data.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.countries import GROUPS, country_name
from analysis.errors import ParameterError
from analysis.sources import table_loader
from analysis.talent.index import (
    TalentDataWarning,
    composite_index,
    method_ranks,
    rank_uncertainty,
)
from analysis.talent.indicators import (
    DEFAULT_PROXIES,
    ITA_DIMENSIONS,
    NOT_USED,
    IndicatorSet,
    Proxy,
    default_indicator_set,
    load_indicator_file,
    subset_countries,
)

__all__ = [
    "ICMPD_MEMBER_STATES",
    "METHOD_NAMES",
    "OECD_COMPARATORS",
    "TABLES",
    "ChapterInputs",
    "ChapterResults",
    "compute_chapter",
    "country_groups",
    "describe_indicators",
    "indicator_tables",
    "method_table",
    "not_used_table",
    "full_weights",
    "load",
    "open_indicators",
    "proxy_coverage",
    "ranking_table",
    "uncovered_dimensions",
    "user_files",
    "weights_without_effect",
    "widest_interval",
]

#: The canonical tables the chapter reads (:func:`load`).
TABLES: tuple[str, ...] = ("indicators",)

#: ICMPD member states (ISO-3), labelled as such in the chapter's tables (its default
#: countries are the registry's: ``notebooks/chapters.toml``).
ICMPD_MEMBER_STATES: tuple[str, ...] = tuple(GROUPS["icmpd_members"])

#: OECD destination countries shown for comparison (ISO-3).
OECD_COMPARATORS: tuple[str, ...] = tuple(GROUPS["oecd_comparators"])

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


def user_files(
    indicators_path: Path | None, mapping_path: Path | None
) -> tuple[Path, Path] | None:
    """The user's indicator file and its mapping, or ``None`` for the default proxies.

    The registry has made both absolute and checked that they exist
    (:func:`~analysis.pipeline.params.typed_values`); here they are checked to come together.

    Raises
    ------
    ParameterError
        Only one of the two given.
    """
    if (indicators_path is None) != (mapping_path is None):
        raise ParameterError(
            "indicators_path and mapping_path go together: give both (a CSV file and its YAML "
            "mapping) or neither (the default proxies)"
        )
    if indicators_path is None or mapping_path is None:
        return None
    return indicators_path, mapping_path


def full_weights(weights: Mapping[str, float] | None,
                 indicators: Sequence[str]) -> dict[str, float] | None:
    """The weight of every indicator: those given, 1 for the others; ``None`` when none given.

    Parameters
    ----------
    weights : mapping or None
        Indicator -> weight (the typed ``weights`` parameter; the registry checked that each
        is a non-negative number).
    indicators : sequence of str
        The indicators of the chapter.

    Raises
    ------
    ParameterError
        A weight for an indicator the chapter does not have, naming the ones it has.
    """
    if not weights:
        return None
    unknown = [k for k in weights if k not in indicators]
    if unknown:
        raise ParameterError(f"weights: unknown indicator {unknown[0]!r}; known: "
                             f"{', '.join(indicators)}")
    return {name: float(weights.get(name, 1.0)) for name in indicators}


# --------------------------------------------------------------------------------------------
# Loading and computing
# --------------------------------------------------------------------------------------------

#: Readable names of the normalisation methods.
METHOD_NAMES: dict[str, str] = {"minmax": "min-max", "zscore": "z-score"}


@dataclass(frozen=True)
class ChapterInputs:
    """The indicators of the chapter and how to cite them.

    Attributes
    ----------
    iset : IndicatorSet
        The indicators, restricted to the chapter's countries.
    source, vintage : str
        Source line and vintage for tables, figures and key figures.
    rationale : mapping or None
        Indicator -> :class:`Proxy` for the default proxies; ``None`` for a user's file.
    user_file : bool
        Whether the indicators come from a user's file.
    left_out : tuple of str
        Countries of a user's file that are not among the chapter's countries, so left out
        (the chapter says which).
    """

    iset: IndicatorSet
    source: str
    vintage: str
    rationale: Mapping[str, Proxy] | None
    user_file: bool
    left_out: tuple[str, ...] = ()


#: The chapter's canonical tables by name: ``load(data_dir) -> dict``.
load = table_loader(TABLES)


def open_indicators(
    tables: Mapping[str, pd.DataFrame],
    *,
    year: int,
    countries: Sequence[str] | None,
    indicators_path: Path | None = None,
    mapping_path: Path | None = None,
    source: str = "",
    vintage: str = "",
) -> ChapterInputs:
    """The user's indicator file when given, else the default proxies from the tables.

    Parameters
    ----------
    tables : mapping
        The chapter's canonical tables (:func:`load`).
    year : int
        Target year of the default proxies (does not apply to a user's file).
    countries : sequence of str or None
        ISO-3 codes (the typed ``countries`` parameter); ``None`` for every country. A user's
        file keeps those of its countries that are listed, in its own order; the others are
        named in ``left_out``.
    indicators_path, mapping_path : Path or None
        A user's indicator file and its YAML mapping (both or neither).
    source, vintage : str
        Citation and vintage of the canonical ``indicators`` table.

    Returns
    -------
    ChapterInputs
    """
    files = user_files(indicators_path, mapping_path)
    if files is not None:
        iset = load_indicator_file(*files)
        left_out: tuple[str, ...] = ()
        if countries is not None:
            listed = set(countries)
            left_out = tuple(c for c in iset.values.index if c not in listed)
            iset = subset_countries(iset, [c for c in iset.values.index if c in listed])
        return ChapterInputs(iset, iset.source, iset.vintage or "not stated", None, True,
                             left_out)
    table = tables["indicators"]
    if countries is None:
        countries = sorted(table["country"].unique())
    iset = default_indicator_set(
        table, year=int(year), countries=list(countries), source=source, vintage=vintage,
    )
    return ChapterInputs(iset, source, vintage, DEFAULT_PROXIES, False)


@dataclass(frozen=True)
class ChapterResults:
    """Everything the chapter computes from the indicators.

    Attributes
    ----------
    index : DataFrame
        The reference index (:func:`composite_index`).
    unc : DataFrame
        Rank intervals (:func:`rank_uncertainty`).
    alt : DataFrame
        Ranks under each method (:func:`method_ranks`).
    weights : dict or None
        The indicator weights used (``None``: equal).
    dropped : list of str
        Countries left out for missing more than half of the indicators.
    no_effect : list of str
        Indicators whose weight cannot matter (:func:`weights_without_effect`).
    """

    index: pd.DataFrame
    unc: pd.DataFrame
    alt: pd.DataFrame
    weights: dict[str, float] | None
    dropped: list[str]
    no_effect: list[str]


def compute_chapter(
    iset: IndicatorSet,
    *,
    weights: Mapping[str, float] | None,
    normalisation: str,
    aggregation: str,
    n_draws: int,
    seed: int,
) -> ChapterResults:
    """Compute the index, its rank intervals and the ranks under each method.

    Countries dropped for missing data are not warned about (:class:`TalentDataWarning`) but
    listed in ``dropped``, for the text.

    The chapter's parameters have no defaults here: they are the registry's
    (``notebooks/chapters.toml``), handed over typed by the notebook.

    Parameters
    ----------
    iset : IndicatorSet
        The indicators.
    weights : mapping, optional
        Indicator -> weight, the typed ``weights`` parameter (see :func:`full_weights`).
    normalisation, aggregation : str
        Methods of the reference index.
    n_draws, seed : int
        Monte Carlo draws and seed (see :func:`rank_uncertainty`).

    Returns
    -------
    ChapterResults
    """
    w = full_weights(weights, list(iset.values.columns))
    spec: dict[str, Any] = {"directions": iset.directions, "dimensions": iset.dimensions,
                            "weights": w}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TalentDataWarning)
        index = composite_index(
            iset.values, normalisation=normalisation, aggregation=aggregation, **spec
        )
        unc = rank_uncertainty(
            iset.values, normalisation=normalisation, aggregation=aggregation,
            n_draws=int(n_draws), seed=int(seed), **spec,
        )  # fmt: skip
        alt = method_ranks(iset.values, **spec)
    return ChapterResults(index=index, unc=unc, alt=alt, weights=w,
                          dropped=index.attrs["dropped"],
                          no_effect=weights_without_effect(iset.dimensions, w))  # fmt: skip


def country_groups() -> dict[str, str]:
    """ISO-3 -> "ICMPD member state" or "OECD comparator" (a country in both is a comparator)."""
    group = {c: "ICMPD member state" for c in ICMPD_MEMBER_STATES}
    group.update({c: "OECD comparator" for c in OECD_COMPARATORS})
    return group


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def indicator_tables(
    iset: IndicatorSet, rationale: Mapping[str, Proxy] | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The indicator table and, when there is a rationale, the rationale table.

    Columns empty for every indicator (e.g. ``years`` for a user's file) are left out.

    Returns
    -------
    indicators : DataFrame
        Label, dimension, direction, countries with data and years used.
    rationale : DataFrame or None
        Columns ``label`` and ``rationale``; ``None`` without a rationale.
    """
    table = describe_indicators(iset, rationale)
    table = table.loc[:, (table != "").any()]
    main = table.drop(columns=["indicator", "rationale"], errors="ignore")
    return main, (table[["label", "rationale"]] if "rationale" in table else None)


def not_used_table() -> pd.DataFrame:
    """The canonical indicators not used as proxies (:data:`NOT_USED`), with the reason."""
    from analysis.talent.indicators import NOT_USED_LABELS

    return pd.DataFrame([{"indicator": NOT_USED_LABELS.get(k, k), "why not used": v}
                         for k, v in NOT_USED.items()])


def ranking_table(results: ChapterResults) -> pd.DataFrame:
    """The index with rank intervals, by rank, with country name, group and imputation count.

    Returns
    -------
    DataFrame
        Indexed by country: ``name``, ``group``, the columns of :func:`rank_uncertainty` and
        ``n_imputed``; sorted by rank, then median simulated rank.
    """
    table = results.unc.join(results.index[["n_imputed"]]).sort_values(["rank", "rank_median"])
    group = country_groups()
    table.insert(0, "name", [country_name(c) for c in table.index])
    table.insert(1, "group", [group.get(c, "other") for c in table.index])
    return table


def method_table(alt: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """The ranks under each method (:func:`method_ranks`) in ``order``, with country names."""
    methods = alt.loc[list(order)]
    methods.insert(0, "name", [country_name(c) for c in methods.index])
    return methods


def widest_interval(unc: pd.DataFrame) -> tuple[str | None, int, dict[str, int]]:
    """The country with the widest rank interval (the better ranked on ties).

    Returns
    -------
    country : str or None
        ISO-3 code; ``None`` when every interval is a single rank.
    width : int
        The widest interval width.
    interval : dict
        ``rank_p05`` and ``rank_p95`` of that country; empty when ``country`` is ``None``.
    """
    by_width = unc.sort_values(["rank_interval_width", "rank"], ascending=[False, True])
    width = int(by_width["rank_interval_width"].iloc[0])
    if width == 0:
        return None, 0, {}
    first = by_width.iloc[0]
    return str(by_width.index[0]), width, {"rank_p05": int(first["rank_p05"]),
                                           "rank_p95": int(first["rank_p95"])}  # fmt: skip
