"""What the remittances chapter (``notebooks/02_remittances.ipynb``) needs before its sections.

- :func:`load` reads the chapter's canonical tables with :func:`analysis.sources.load_tables`;
- :func:`chapter_countries` checks the typed ``countries`` parameter against the data;
- :func:`names_at` and :func:`model_scores` write the lists the chapter's sentences quote.

The computations are in :mod:`~analysis.remittances.levels` and
:mod:`~analysis.remittances.trend`, the charts in :mod:`~analysis.remittances.figures` and the
key messages in :mod:`~analysis.remittances.messages`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.export import numbers as nf
from analysis.remittances.levels import select_countries
from analysis.remittances.trend import MODELS
from analysis.sources import table_loader

__all__ = ["TABLES", "chapter_countries", "load", "model_scores", "names_at"]

#: The canonical tables the chapter reads.
TABLES: tuple[str, ...] = ("indicators",)


#: The chapter's canonical tables by name: ``load(data_dir) -> dict``.
load = table_loader(TABLES)


def chapter_countries(tables: Mapping[str, pd.DataFrame], countries: Sequence[str] | None,
                      trend_start: int, year: int) -> list[str]:
    """The countries of the counterfactual: :func:`~analysis.remittances.levels.select_countries`
    on the chapter's ``indicators`` table (its :func:`load`), with the typed ``countries``."""
    return select_countries(countries, tables["indicators"], trend_start, year)


def names_at(selected: pd.DataFrame, position: str) -> str:
    """The names of the countries whose year is ``position`` against their trend, or "none".

    Parameters
    ----------
    selected : DataFrame
        The countries' rows of :attr:`Counterfactual.table` (columns ``name``, ``position``).
    position : str
        ``"inside"``, ``"below"`` or ``"above"``.

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["Pakistan", "Egypt", "Ghana"],
    ...                   "position": ["above", "above", "inside"]})
    >>> names_at(t, "above"), names_at(t, "below")
    ('Pakistan, Egypt', 'none')
    """
    return ", ".join(selected.loc[selected["position"] == position, "name"]) or "none"


def model_scores(summary: pd.DataFrame) -> str:
    """Each model's backtest error and coverage, for the sentence on the model choice.

    Parameters
    ----------
    summary : DataFrame
        :meth:`Counterfactual.summary`: one row per model (index), with ``mape_pct`` and
        ``coverage_pct``.

    Examples
    --------
    >>> s = pd.DataFrame({"mape_pct": [4.3], "coverage_pct": [80.0]}, index=["drift"])
    >>> model_scores(s)
    'random walk with drift on logs MAPE 4.3\u00a0%, coverage 80\u00a0%'
    """
    return "; ".join(f"{MODELS.get(m, m)} MAPE {nf.pct(r['mape_pct'])}, coverage "
                     f"{nf.pct(r['coverage_pct'], decimals=0)}" for m, r in summary.iterrows())
