"""What the remittances chapter (``notebooks/02_remittances.ipynb``) needs before its sections.

- :func:`load` reads the chapter's canonical tables with :func:`analysis.sources.load_tables`;
- :func:`chapter_countries` checks the typed ``countries`` parameter against the data.

The computations are in :mod:`~analysis.remittances.levels` and
:mod:`~analysis.remittances.trend`, the charts in :mod:`~analysis.remittances.figures` and the
key messages in :mod:`~analysis.remittances.messages`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.remittances.levels import select_countries

__all__ = ["TABLES", "chapter_countries", "load"]

#: The canonical tables the chapter reads.
TABLES: tuple[str, ...] = ("indicators",)


def load(data_dir: str | os.PathLike[str] | None = None) -> dict[str, pd.DataFrame]:
    """The canonical tables of the chapter (:data:`TABLES`), by name.

    Parameters
    ----------
    data_dir : path-like, optional
        The input data (the notebook's ``data_dir``).

    Returns
    -------
    dict
        Table name -> DataFrame, read with :func:`analysis.sources.load_tables`.
    """
    from analysis.sources import load_tables

    return load_tables(TABLES, data_dir)


def chapter_countries(tables: Mapping[str, pd.DataFrame], countries: Sequence[str] | None,
                      trend_start: int, year: int) -> list[str]:
    """The countries of the counterfactual, each with remittances received in the window.

    Parameters
    ----------
    tables : mapping
        The chapter's tables (:func:`load`).
    countries : sequence of str or None
        The typed ``countries`` parameter (``None``: every country with data).
    trend_start, year : int
        The window of the counterfactual.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        Naming the countries without remittances-received data in the window
        (:func:`~analysis.remittances.levels.select_countries`).
    """
    return select_countries(countries, tables["indicators"], trend_start, year)
