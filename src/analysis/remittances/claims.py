"""Published claims about world remittances, checked against the computed change (rule 5).

The computation rules are in the package docstring (:mod:`analysis.remittances`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.remittances.levels import RECEIVED, world_change


@dataclass(frozen=True)
class Claim:
    """A published statement about a percentage change of world remittances.

    Attributes
    ----------
    text : str
        The claim as stated.
    year : int
        The year the change refers to (against the year before).
    claimed_pct : float
        The claimed change in percent (a fall is negative).
    indicator : str
        The indicator the claim is about.
    publication : str
        Where the claim was made, and when.
    """

    text: str
    year: int
    claimed_pct: float
    indicator: str = RECEIVED
    publication: str = ""


#: The claims the chapter checks.
CLAIMS: tuple[Claim, ...] = (
    Claim("global remittances fell by 14 percent in 2020", 2020, -14.0,
          publication="policy documents quoting pandemic projections, 2020"),
)


def check_claim(claimed_pct: float, computed_pct: float, tolerance: float = 2.0) -> str:
    """Verdict on a claimed percentage change against the computed one.

    Returns
    -------
    str
        ``"consistent"`` when ``|computed - claimed| <= tolerance`` (percentage points);
        ``"right direction, wrong size"`` when the signs agree; ``"contradicted"`` otherwise;
        ``"cannot be checked"`` when the computed value is missing.
    """
    if computed_pct is None or math.isnan(computed_pct):
        return "cannot be checked"
    if abs(computed_pct - claimed_pct) <= tolerance:
        return "consistent"
    if np.sign(computed_pct) == np.sign(claimed_pct):
        return "right direction, wrong size"
    return "contradicted"


def claims_register(indicators: pd.DataFrame, claims: Sequence[Claim] = CLAIMS,
                    tolerance: float = 2.0) -> pd.DataFrame:
    """Check each claim against the world change (countries with data in both years).

    Returns
    -------
    DataFrame
        Columns ``claim``, ``publication``, ``year`` (the year the claim is about, whose
        data test it), ``claimed_pct``, ``computed_pct``, ``difference_pp``, ``verdict`` and
        ``basis`` (what the computed value is a change of, in words).
    """
    rows = []
    for claim in claims:
        try:
            ch = world_change(indicators, claim.year, indicator=claim.indicator)
            computed = ch.change_pct
            what = ("personal remittances received" if claim.indicator == RECEIVED
                    else "personal remittances paid")
            basis = (f"{what}, {ch.base_year}–{ch.year}, sum over the "
                     f"{ch.n_countries} countries with data in both years (current US$)")
        except ValueError as err:
            computed, basis = np.nan, str(err)
        rows.append({"claim": claim.text, "publication": claim.publication,
                     "year": claim.year, "claimed_pct": claim.claimed_pct,
                     "computed_pct": computed, "difference_pp": computed - claim.claimed_pct,
                     "verdict": check_claim(claim.claimed_pct, computed, tolerance),
                     "basis": basis})
    return pd.DataFrame(rows)
