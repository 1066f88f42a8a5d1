"""Indicators for the talent index: the default proxies and a user's own indicator file.

- :func:`indicators_from_table` turns the canonical long ``indicators`` table into a
  country x indicator frame (latest value not after a year);
- :func:`default_indicator_set` applies the proxy mapping :data:`DEFAULT_PROXIES`;
- :func:`load_indicator_file` reads a user's own indicator file (e.g. downloaded from the OECD)
  with a small YAML mapping;
- :func:`subset_countries` applies the chapter's countries to an
  :class:`IndicatorSet`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.errors import DataError

__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_PROXIES",
    "DERIVED_INDICATORS",
    "INDICATOR_LABELS",
    "ITA_DIMENSIONS",
    "NOT_USED",
    "IndicatorSet",
    "Proxy",
    "default_indicator_set",
    "indicators_from_table",
    "load_indicator_file",
    "subset_countries",
]

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

#: Default maximum age (years before the target year) of a value taken from the indicator table.
DEFAULT_MAX_AGE: int = 5


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
    "net_migration": "Used per 1,000 population, not as a count.",
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

#: Readable labels of the canonical indicators not used (:data:`NOT_USED`).
NOT_USED_LABELS: dict[str, str] = {
    "birth_rate": "Birth rate",
    "age_dependency_ratio": "Age dependency ratio",
    "fdi_inflows_usd": "Foreign direct investment, inflows",
    "fdi_outflows_usd": "Foreign direct investment, outflows",
    "gdp_usd": "GDP (current US$)",
    "population": "Population",
    "net_migration": "Net migration",
    "remittances_received_usd": "Personal remittances received",
    "remittances_paid_usd": "Personal remittances paid",
}


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
    from analysis.countries import known_codes
    from analysis.io import load_yaml, regular_file

    csv_path, map_path = Path(csv_path), Path(mapping_yaml_path)
    spec = load_yaml(map_path)
    if not isinstance(spec, dict) or not isinstance(spec.get("indicators"), dict):
        raise DataError(map_path, "expected a top-level 'indicators:' mapping")
    extra_top = sorted(set(map(str, spec)) - {"indicators", "source", "note", "vintage"})
    if extra_top:
        raise DataError(map_path, f"unknown top-level keys: {', '.join(extra_top)}")
    entries = spec["indicators"]
    if not entries:
        raise DataError(map_path, "the 'indicators' mapping is empty")

    regular_file(csv_path)
    try:
        header = pd.read_csv(csv_path, dtype=str, header=None, nrows=1, keep_default_na=False)
        raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except OSError as exc:
        raise DataError(csv_path, f"cannot read the indicator file ({exc.strerror})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(csv_path, f"not a readable CSV file: {exc}") from None
    names = [str(c).strip() for c in header.iloc[0].tolist()]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # pandas would rename the second one 'x.1' and it would be ignored
        raise DataError(csv_path, "column appears more than once in the header",
                        column=twice[0])
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
    unknown = [f"{line(i)}: {raw['country'].iloc[i]!r}" for i in range(len(raw))
               if codes.iloc[i] not in known_codes()]
    if unknown:
        raise DataError(csv_path, "unknown country codes (not ISO 3166-1 alpha-3)",
                        column="country", rows=unknown)
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
# Applying the chapter's parameters
# --------------------------------------------------------------------------------------------


def subset_countries(iset: IndicatorSet, countries: Sequence[str]) -> IndicatorSet:
    """Keep the listed countries, in that order; a country absent from the data gets NaN.

    Such a country is then dropped (and listed) by :func:`composite_index`.
    """
    idx = pd.Index(list(countries), name="country")
    years = None if iset.years is None else iset.years.reindex(idx)
    return replace(iset, values=iset.values.reindex(idx), years=years)
