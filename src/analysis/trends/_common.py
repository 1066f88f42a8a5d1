"""Shared pieces of :mod:`analysis.trends`: constants, coverage, formatting.

The computation rules are those of the package docstring (:mod:`analysis.trends`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from analysis.countries import country_name

__all__ = [
    "CHAPTER_TABLES",
    "EU27_AGGREGATE",
    "MIN_BASE_DETECTIONS",
    "REFUGEE_GROUPS",
    "available_years",
    "filter_codes",
    "label_years",
    "latest_year",
    "months_covered",
    "pct_change",
    "table_formats",
]

#: The canonical tables the chapter reads.
CHAPTER_TABLES: tuple[str, ...] = ("detections", "asylum", "migrant_stock", "indicators",
                                   "displaced")
#: Eurostat's aggregate of the 27 member states (2020 composition).
EU27_AGGREGATE = "EU27"
#: UNHCR population groups counted as refugees and asylum seekers.
REFUGEE_GROUPS: tuple[str, ...] = ("refugee", "asylum")
#: Smallest base-year count for a route to compete for the largest percentage increase.
MIN_BASE_DETECTIONS = 1000


# --------------------------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------------------------


def filter_codes(df: pd.DataFrame, column: str, codes: Sequence[str] | None) -> pd.DataFrame:
    """Keep the rows whose ``column`` is one of ``codes`` (all rows when ``codes`` is None).

    Parameters
    ----------
    df : DataFrame
        Any canonical table.
    column : str
        The code column (``nationality``, ``citizenship``, ``origin``).
    codes : sequence of str or None
        Codes to keep.

    Returns
    -------
    DataFrame
    """
    if codes is None:
        return df
    return df[df[column].isin(list(codes))]


def _month_year(detections: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    month = detections["month"].astype(str)
    return month.str[:4].astype("int64"), month.str[5:7].astype("int64")


def available_years(detections: pd.DataFrame) -> tuple[int, int]:
    """First and last year with any detections (the last may be partial).

    Parameters
    ----------
    detections : DataFrame
        Canonical ``detections`` table.

    Returns
    -------
    tuple of int
        ``(first, last)``.

    Raises
    ------
    ValueError
        When the table is empty.
    """
    if detections.empty:
        raise ValueError("the detections table is empty")
    years, _ = _month_year(detections)
    return int(years.min()), int(years.max())


def months_covered(detections: pd.DataFrame, year: int) -> int:
    """Number of months of ``year`` the detections table covers (12 for a complete year).

    Coverage is judged from the year's own months: the number of its last month with data
    (a year without data covers none). Reading it from the table's last month instead let one
    stray later month (2031-01) make a partial year look complete.

    Parameters
    ----------
    detections : DataFrame
        Canonical ``detections`` table (unfiltered, so coverage is that of the dataset).
    year : int
        The year.

    Returns
    -------
    int
        0 to 12.
    """
    months = detections["month"].astype(str)
    own = months[months.str.startswith(f"{int(year):04d}-")]
    return int(own.max()[5:7]) if len(own) else 0


def latest_year(years: Iterable[int], year: int) -> int | None:
    """The latest of ``years`` not after ``year`` (None if there is none).

    Examples
    --------
    >>> latest_year([2010, 2015, 2020], 2023)
    2020
    """
    candidates = [int(y) for y in years if int(y) <= year]
    return max(candidates) if candidates else None


def pct_change(value: pd.Series | float, base: pd.Series | float) -> pd.Series | float:
    """Percentage change ``100 * (value - base) / base``; NaN where ``base`` is zero.

    Examples
    --------
    >>> round(pct_change(126310, 141741), 1)
    -10.9
    """
    if isinstance(base, pd.Series):
        return 100 * (value - base) / base.where(base != 0)
    return 100 * (value - base) / base if base else float("nan")


def label_years(df: pd.DataFrame, year: int, base_year: int,
                names: str | None = None) -> pd.DataFrame:
    """Readable column names (and country names) for a year-against-base table.

    ``X_base`` becomes ``"X <base_year>"`` and its partner ``X`` becomes ``"X <year>"``;
    ``change_pct`` becomes ``"change %"``; other underscores become spaces. The codes in
    column ``names``, if given, become country names
    (:func:`analysis.countries.country_name`).

    Examples
    --------
    >>> cols = ["route", "detections_base", "detections", "change_pct"]
    >>> list(label_years(pd.DataFrame(columns=cols), 2020, 2019).columns)
    ['route', 'detections 2019', 'detections 2020', 'change %']
    """
    paired = {c.removesuffix("_base") for c in df.columns if str(c).endswith("_base")}

    def name(col: str) -> str:
        if col.endswith("_base"):
            return f"{col.removesuffix('_base')} {base_year}".replace("_", " ")
        if col in paired:
            return f"{col} {year}".replace("_", " ")
        return col.replace("change_pct", "change %").replace("_", " ")

    if names is not None:
        df = df.assign(**{names: df[names].map(country_name)})
    return df.rename(columns=name)


def table_formats(year: int, base_year: int) -> dict[str, str]:
    """Display formats for the columns :func:`label_years` names (for ``show.table``).

    Values are kinds of :data:`analysis.export.display.KINDS` or format strings.
    """
    formats = {"change %": "pct_change", "change_pct": "pct_change", "share": "share",
               "change per 100k": "{:+,.1f}"}
    for y in (year, base_year):
        formats |= {f"share {y}": "share", f"per 100k {y}": "{:,.1f}"}
    return formats
