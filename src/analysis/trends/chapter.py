"""What the trends chapter and the country brief need before their sections: tables and scope.

- :func:`load` reads the canonical tables of both notebooks (``01_migration_trends`` and
  ``05_country_brief``) with :func:`analysis.sources.load_tables`;
- :func:`prepare` turns them and the typed parameters into a :class:`Scope`: the region's
  rows (rule 1 of :mod:`analysis.trends`), the years of the data, the months the report year
  covers (rule 6) and the sentence that opens the chapter;
- :func:`top_text` lists the first rows of a ranking for a sentence.

The parameters arrive typed (:func:`analysis.pipeline.notebook.check_parameters`): ``region``
is a list of ISO-3 codes or ``None`` for all countries, ``base_year`` the comparison year
(the registry derived ``year - 1`` from 0 and checked it against the data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.countries import country_name
from analysis.errors import ParameterError
from analysis.export import numbers as nf
from analysis.sources import table_loader
from analysis.trends._common import (
    CHAPTER_TABLES,
    available_years,
    filter_codes,
    months_covered,
)

__all__ = ["TABLES", "Scope", "load", "prepare", "top_text"]

#: The canonical tables the chapter and the country brief read.
TABLES: tuple[str, ...] = CHAPTER_TABLES

#: The column that filters each table by region (the people, never the place).
_REGION_COLUMNS: dict[str, str] = {"detections": "nationality", "asylum": "citizenship",
                                   "displaced": "origin"}


#: The chapter's canonical tables by name: ``load(data_dir) -> dict``.
load = table_loader(TABLES)


@dataclass(frozen=True)
class Scope:
    """The report year, its comparison year and the rows of the chosen region.

    Attributes
    ----------
    year, base_year : int
        Report year and comparison year.
    codes : list of str or None
        The region's ISO-3 codes; ``None`` for all countries.
    first, last : int
        First and last year of the detections data (the last may be partial).
    months : int
        Months of ``year`` the detections cover (12 for a complete year).
    detections_all : DataFrame
        Every detection (coverage is that of the dataset).
    detections, asylum, displaced : DataFrame
        The rows of the region's nationals, citizens and people of origin.
    """

    year: int
    base_year: int
    codes: list[str] | None
    first: int
    last: int
    months: int
    detections_all: pd.DataFrame
    detections: pd.DataFrame
    asylum: pd.DataFrame
    displaced: pd.DataFrame

    @property
    def people(self) -> str:
        """Who is covered: ``"all countries"`` or the region's country names."""
        if self.codes is None:
            return "all countries"
        return ", ".join(country_name(c) for c in self.codes)

    @property
    def partial(self) -> str:
        """A sentence on a partial report year (empty for a complete one)."""
        if self.months >= 12:
            return ""
        return (f" The detections data end in {self.detections_all['month'].max()}: "
                f"{self.year} is a partial year, compared with the same {self.months} months "
                f"of {self.base_year}.")

    @property
    def intro(self) -> str:
        """The sentence that opens the chapter: years compared, people covered, coverage."""
        return (f"Report year {self.year}, compared with {self.base_year}. People covered: "
                f"{self.people} (by nationality, citizenship or country of origin)."
                f"{self.partial}")


def prepare(tables: Mapping[str, pd.DataFrame], *, year: int, base_year: int,
            codes: Sequence[str] | None = None) -> Scope:
    """The scope of the chapter (or of a country brief) from its tables and parameters.

    Parameters
    ----------
    tables : mapping
        The canonical tables (:func:`load`).
    year, base_year : int
        Report year and comparison year (typed; a country brief compares with ``year - 1``).
    codes : sequence of str or None
        The region (the typed ``region`` parameter); ``None`` for all countries.

    Returns
    -------
    Scope

    Raises
    ------
    ParameterError
        When the region has no migrants in the migrant stock table (e.g. Antarctica): the
        chapter would have nothing to show.

    Examples
    --------
    >>> det = pd.DataFrame({"month": ["2019-01", "2020-01", "2020-02"],
    ...                     "nationality": ["PAK", "PAK", "SYR"], "detections": [1, 2, 3]})
    >>> empty = pd.DataFrame({"citizenship": [], "origin": []})
    >>> scope = prepare({"detections": det, "asylum": empty, "displaced": empty},
    ...                 year=2020, base_year=2019, codes=["PAK"])
    >>> scope.months, len(scope.detections), scope.people
    (2, 2, 'Pakistan')
    """
    codes = None if codes is None else list(codes)
    stock = tables.get("migrant_stock")
    if codes is not None and stock is not None and not stock["origin"].isin(codes).any():
        names = ", ".join(f"{country_name(c)} ({c})" for c in codes)
        raise ParameterError(f"region: no international migrants born in {names} in the "
                             "migrant stock data, so the chapter has nothing to show for it; "
                             "choose countries of origin with data")
    detections = tables["detections"]
    first, last = available_years(detections)
    region = {t: filter_codes(tables[t], col, codes) for t, col in _REGION_COLUMNS.items()}
    return Scope(year=int(year), base_year=int(base_year), codes=codes, first=first,
                 last=last, months=months_covered(detections, year),
                 detections_all=detections, detections=region["detections"],
                 asylum=region["asylum"], displaced=region["displaced"])


def top_text(frame: pd.DataFrame, col: str, value: str, k: int = 3) -> str:
    """The first ``k`` rows of a ranking as "name (value; share)", for a sentence.

    Parameters
    ----------
    frame : DataFrame
        A ranking with the code column ``col``, the count column ``value`` and ``share``.
    col, value : str
        The code and count columns.
    k : int, default 3
        How many rows.

    Examples
    --------
    >>> t = pd.DataFrame({"destination": ["SAU", "ARE"], "migrants": [1483737, 1000],
    ...                   "share": [0.234, 0.01]})
    >>> top_text(t, "destination", "migrants")
    'Saudi Arabia (1,483,737; 23.4\u00a0%), United Arab Emirates (1,000; 1.0\u00a0%)'
    """
    return ", ".join(f"{country_name(r[col])} ({nf.count(r[value])}; {nf.share(r['share'])})"
                     for _, r in frame.head(k).iterrows())
