"""Sentences of the talent chapter that depend on the data and the results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.countries import country_name
from analysis.talent.chapter import METHOD_NAMES, ChapterInputs, uncovered_dimensions
from analysis.talent.index import RANK_QUANTILES
from analysis.talent.indicators import DEFAULT_MAX_AGE, ITA_DIMENSIONS

__all__ = [
    "PROXY_CAVEAT",
    "best_by_dimension_text",
    "coverage_text",
    "intro_text",
    "method_change_text",
    "method_text",
    "no_effect_text",
    "sample_text",
    "source_text",
    "top_text",
]

#: Why the default proxies are proxies (shown only with the default indicators).
PROXY_CAVEAT = (
    "The ITA measures conditions for specific groups (highly educated workers, "
    "entrepreneurs, students), largely from surveys and policy data. The indicators used "
    "here are population-wide macroeconomic and governance series, i.e. proxies; the "
    "rationale for each and the canonical indicators left out are listed below."
)


def intro_text() -> str:
    """The opening paragraph: the ITA design and the question of the chapter."""
    return (
        f"The OECD Indicators of Talent Attractiveness (ITA) score destination countries on "
        f"{len(ITA_DIMENSIONS)} dimensions: {'; '.join(ITA_DIMENSIONS)}. Indicators are "
        "normalised, averaged within each dimension, and the dimension scores are averaged with "
        "equal weights. This chapter applies the same design to the indicators at hand and asks "
        "how firm the resulting ranks are."
    )


def source_text(inputs: ChapterInputs, year: int) -> str:
    """Where the indicators come from (and, for the default proxies, which years)."""
    if inputs.user_file:
        note = inputs.iset.note
        left = inputs.left_out
        total = len(left) + len(inputs.iset.values.index)
        return (
            f"Indicators come from the user file *{inputs.source}* (vintage: {inputs.vintage}); "
            "the `year` parameter does not apply to it."
            + (f" **{len(left)} of its {total} countries are not among the countries chosen "
               f"for this chapter and are left out:** "
               f"{', '.join(country_name(c) for c in left)}." if left else "")
            + (f" **Note from the mapping file:** {note}" if note else "")
        )
    return (
        f"Indicators come from {inputs.source}. For each country and indicator the latest value "
        f"up to {int(year)} is used, and no value older than {DEFAULT_MAX_AGE} years before that."
    )


def coverage_text(dimensions: Mapping[str, str]) -> str:
    """Whether all ITA dimensions are covered and, if not, which ones are missing."""
    uncovered = uncovered_dimensions(dimensions)
    n_dims = len(ITA_DIMENSIONS)
    if not uncovered:
        return f"All {n_dims} ITA dimensions are covered by at least one indicator."
    return (
        f"**Only {n_dims - len(uncovered)} of the {n_dims} ITA dimensions are covered.** No "
        f"indicator at hand measures: {'; '.join(uncovered)}. The index below is therefore an "
        "index of the covered dimensions only, averaged with equal weights; it says nothing "
        "about the others."
    )


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def sample_text(index: pd.DataFrame, years: pd.DataFrame | None, year: int) -> str:
    """How many countries are ranked, imputed, dropped, and how recent the values are.

    Parameters
    ----------
    index : DataFrame
        As returned by :func:`composite_index`.
    years : DataFrame or None
        Year of each value (:attr:`IndicatorSet.years`).
    year : int
        Target year.
    """
    n_imputed = int(index["n_imputed"].sum())
    dropped = index.attrs["dropped"]
    text = f"The index ranks {len(index)} countries."
    if n_imputed:
        imputed_in = [c for c in index.index if index.loc[c, "n_imputed"] > 0]
        text += (
            f" {n_imputed} missing indicator value{_plural(n_imputed, ' was', 's were')} "
            f"imputed (in {', '.join(imputed_in)}) from the same country's other indicators of "
            "the same dimension or, for a dimension with a single indicator, from the other "
            "countries' mean."
        )
    else:
        text += " No missing value had to be imputed."
    if dropped:
        n = len(dropped)
        text += (
            f" {n} {_plural(n, 'country lacks', 'countries lack')} more than half of the "
            f"indicators and {_plural(n, 'is', 'are')} left out: {', '.join(dropped)}."
        )
    if years is not None:
        stale = int((years < int(year)).sum().sum())
        n_values = int(years.notna().sum().sum())
        if stale:
            text += f" Of the {n_values} values used, {stale} are from a year before {int(year)}."
        else:
            text += f" All {n_values} values used are from {int(year)}."
    return text


def method_text(unc: pd.DataFrame, normalisation: str, aggregation: str) -> str:
    """How the reference index and the Monte Carlo rank intervals were computed."""
    noise = unc.attrs["weight_noise"]
    p_lo, p_hi = (round(100 * q) for q in RANK_QUANTILES)
    return (
        f"Scores use {METHOD_NAMES[normalisation]} normalisation and {aggregation} aggregation, "
        "with the indicator weights applied within each dimension. To see how much "
        f"the ranks depend on these choices, the index was recomputed {unc.attrs['n_draws']:,} "
        f"times (seed {unc.attrs['seed']}): each indicator weight and each dimension weight "
        f"multiplied by its own random factor between {1 - noise:.2f} and {1 + noise:.2f}, "
        "normalisation drawn from min-max and z-score, aggregation drawn from arithmetic and "
        f"geometric. The rank interval runs from the {p_lo}th to the {p_hi}th percentile of the "
        "simulated ranks, as the OECD/JRC Handbook on Constructing Composite Indicators "
        "recommends."
    )


def no_effect_text(no_effect: Sequence[str]) -> str:
    """Why the weights of the listed indicators have no effect ("" when none)."""
    if not no_effect:
        return ""
    return (
        f"The weights given for {', '.join(no_effect)} have no effect: weights act within a "
        "dimension, dimensions count equally, and each of these is its dimension's only indicator."
    )


def top_text(table: pd.DataFrame) -> str:
    """The first-ranked country, ties and its rank interval (``table`` from :func:`ranking_table`)."""
    top = table.index[0]
    n_top = int((table["rank"] == 1).sum())
    lo, hi = int(table.loc[top, "rank_p05"]), int(table.loc[top, "rank_p95"])
    return (
        f"Of the {len(table)} countries, {country_name(top)} ranks first"
        + (f" (tied with {n_top - 1} other)" if n_top > 1 else "")
        + (
            f"; its rank interval runs from {lo} to {hi}."
            if hi > lo
            else f"; it keeps rank {lo} in all but the extreme draws."
        )
    )


def best_by_dimension_text(index: pd.DataFrame) -> str:
    """The country with the highest sub-score in each dimension."""
    best = {d.removeprefix("dim_"): index[d].idxmax() for d in index.columns
            if d.startswith("dim_")}  # fmt: skip
    return (
        "Best country per dimension: "
        + "; ".join(f"{d}: {country_name(c)}" for d, c in best.items())
        + "."
    )


def method_change_text(alt: pd.DataFrame, unc: pd.DataFrame, widest: str | None) -> str:
    """How many countries change rank across methods, and the widest rank interval."""
    moved = int((alt["rank_range"] > 0).sum())
    most = alt["rank_range"].idxmax()
    if moved:
        text = (
            f"{moved} of the {len(alt)} countries change rank across the method combinations; "
            f"{country_name(most)} moves most, by {int(alt.loc[most, 'rank_range'])} places."
        )
    else:
        text = "No country changes rank across the method combinations."
    if widest is not None:
        text += (
            f" The widest Monte Carlo rank interval is that of {country_name(widest)}, "
            f"from {int(unc.loc[widest, 'rank_p05'])} to {int(unc.loc[widest, 'rank_p95'])}."
        )
    else:
        text += (
            " In the Monte Carlo every country keeps a single rank in all but the extreme draws."
        )
    return text
