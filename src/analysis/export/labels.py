"""One vocabulary of readable labels for table headers, parameters and data tables.

Tables never show a column name: :func:`column_label` looks a name up in :data:`VOCABULARY`,
else writes its words out (``change_pct`` -> ``Change (%)``, ``applicants 2019`` ->
``Applicants 2019``). :data:`PARAMETER_LABELS` and :data:`TABLE_LABELS` do the same for
the parameters and data tables listed in the drafts' footers and the index.
"""

from __future__ import annotations

import re

__all__ = ["PARAMETER_LABELS", "TABLE_LABELS", "VOCABULARY", "column_label", "parameter_label",
           "table_label", "value_label"]

#: Column names (as chapters produce them) -> header for readers.
VOCABULARY: dict[str, str] = {
    "name": "Country",
    "country": "Country",
    "iso3": "Country",
    "origin": "Country of origin",
    "destination": "Country of destination",
    "asylum_country": "Country of asylum",
    "citizenship": "Citizenship",
    "nationality": "Nationality",
    "route": "Route",
    "rank": "Rank",
    "value": "Value",
    "share": "Share",
    "name received": "Recipient",
    "value received": "Received",
    "share received": "Share of all received",
    "name paid": "Sender",
    "value paid": "Paid",
    "share paid": "Share of all paid",
    "actual": "Actual",
    "forecast": "Trend forecast",
    "lower": "Interval, low",
    "upper": "Interval, high",
    "vs_trend_pct": "Against trend (%)",
    "position": "Against the interval",
    "mape_pct": "Backtest error (%)",
    "change_pct": "% change",
    "change %": "% change",
    "claimed_pct": "Claimed (%)",
    "computed_pct": "Found (%)",
    "difference_pp": "Difference (points)",
    "basis": "Basis",
    "claim": "Claim",
    "verdict": "Verdict",
    "measure": "Measure",
    "source": "Source",
    "publication": "Said in",
    "data_year": "Tested on data for",
    "observed_mean": "Mean detections a month",
    "refugee": "Refugees",
    "asylum": "Asylum seekers",
    "total": "Total",
    "drift": "Random walk with drift",
    "holt": "Holt",
    "damped": "Damped Holt",
    "rank_median": "Median rank",
    "rank_p05": "Rank, 5th percentile",
    "rank_p95": "Rank, 95th percentile",
    "score": "Score",
    "group": "Group",
    "rank_range": "Spread of ranks",
    "n_imputed": "Imputed values",
    "minmax, arithmetic": "Min–max, arithmetic",
    "minmax, geometric": "Min–max, geometric",
    "zscore, arithmetic": "z-score, arithmetic",
    "zscore, geometric": "z-score, geometric",
    "countries_with_data": "Countries with data",
    "n_indicators": "Number of indicators",
    "label": "Indicator",
    "dimension": "Dimension",
    "direction": "Direction",
    "indicators": "Indicators",
    "years": "Years",
    "applicants": "Applicants",
    "applicants_base": "Applicants, comparison year",
    "detections": "Detections",
    "detections_base": "Detections, comparison year",
    "per_100k": "Per 100,000 inhabitants",
    "migrants": "Migrants",
    "method": "Method",
    "expected_mean": "Expected mean",
    "change": "Change",
}

#: Whole words of column names written out for readers.
_WORDS = {"pct": "(%)", "usd": "(US$)", "ci": "CI", "se": "SE", "n": "number of",
          "iso3": "country", "deff": "design effect", "mape": "backtest error",
          "eu27": "EU27", "100k": "100,000", "gdp": "GDP", "ppp": "PPP",
          "p05": "5th percentile", "p95": "95th percentile", "%": "(%)"}

#: Parameters of the chapters -> label in footers and the index.
PARAMETER_LABELS: dict[str, str] = {
    "year": "Report year",
    "base_year": "Comparison year",
    "region": "Countries covered",
    "top_n": "Length of ranked lists",
    "countries": "Countries",
    "trend_start": "First year of the trend",
    "survey_path": "Survey file",
    "codebook_path": "Codebook file",
    "outcome": "Outcome",
    "by": "Breakdowns",
    "min_cell": "Smallest published cell",
    "level": "Confidence level",
    "seed": "Random seed",
    "indicators_path": "Indicator file",
    "mapping_path": "Indicator mapping file",
    "normalisation": "Normalisation",
    "aggregation": "Aggregation",
    "weights": "Indicator weights",
    "n_draws": "Simulation draws",
    "country": "Country",
}

#: Canonical data tables -> label.
TABLE_LABELS: dict[str, str] = {
    "detections": "Border-crossing detections",
    "asylum": "Asylum applications",
    "migrant_stock": "International migrants",
    "indicators": "Development indicators",
    "displaced": "Refugees and asylum seekers",
}


def column_label(name: str) -> str:
    """A column name as a reader should see it.

    Examples
    --------
    >>> column_label("per_100k_base")
    'Per 100,000 base'
    >>> column_label("n_indicators")
    'Number of indicators'
    >>> column_label("change %")
    '% change'
    >>> column_label("per 100k 2020")
    'Per 100,000 2020'
    >>> column_label("95% CI low")
    '95% CI low'
    """
    name = str(name)
    if name in VOCABULARY:
        return VOCABULARY[name]
    if name != name.lower():
        return name  # written for readers already
    year = re.search(r"\s((?:19|20)\d\d)$", name)
    if year and name[: year.start()] in VOCABULARY:
        return f"{VOCABULARY[name[: year.start()]]} {year.group(1)}"
    if name.lower() == "n":
        return "n"
    words = [_WORDS.get(w, w) for w in re.split(r"[_\s]+", name) if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def parameter_label(name: str) -> str:
    """The label of a chapter parameter (:data:`PARAMETER_LABELS`, else its words)."""
    return PARAMETER_LABELS.get(name) or column_label(name)


def value_label(value: object) -> str:
    """A parameter value for readers: groups and countries by name, not by code.

    Lists are joined with commas; file paths and numbers are kept as they are; other
    identifiers lose their underscores.

    Examples
    --------
    >>> value_label("partner_countries")
    'partner countries'
    >>> value_label(["PAK", "AFG"])
    'Pakistan, Afghanistan'
    >>> value_label("icmpd_members, oecd_comparators")
    'ICMPD member states, OECD comparators'
    >>> value_label("gdp_per_capita")
    'gdp per capita'
    """
    from analysis.countries import GROUP_LABELS, country_name, known_codes

    if isinstance(value, list | tuple):
        return ", ".join(value_label(v) for v in value)
    text = "" if value is None else str(value)
    if ", " in text:
        return value_label(text.split(", "))
    if text in GROUP_LABELS:
        return GROUP_LABELS[text]
    if re.fullmatch(r"[A-Z]{3}|EU27", text) and text in known_codes():
        return country_name(text)
    if re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)+", text):
        return text.replace("_", " ")
    return text


def table_label(name: str) -> str:
    """The label of a canonical data table (:data:`TABLE_LABELS`, else its words)."""
    return TABLE_LABELS.get(name) or column_label(name)
