"""The claims register: statements from the report checked against the survey.

Each claim is computed with the design-based estimators and gets one verdict:

- ``supported`` - the estimate and its confidence interval bear the statement out;
- ``not supported`` - they do not (including "the interval cannot tell");
- ``not testable`` - the survey cannot answer it (no such data, or the cells needed are below
  the disclosure threshold).

The rules are stated in each claim's ``rule`` text, which the chapter shows next to the verdict.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.countries import country_name
from analysis.survey.estimation import domain_difference, weighted_mean, weighted_proportion

__all__ = [
    "NOT_SUPPORTED",
    "NOT_TESTABLE",
    "SUPPORTED",
    "WITHHELD",
    "ClaimResult",
    "claim_agents_main_source",
    "claim_fee_trend",
    "claim_unaware_share",
    "claim_women_rural_gap",
    "evaluate_claims",
    "fmt_ci",
    "fmt_pct",
    "unaware_share",
]

SUPPORTED, NOT_SUPPORTED, NOT_TESTABLE = "supported", "not supported", "not testable"


@dataclass(frozen=True)
class ClaimResult:
    """One row of the claims register."""

    claim: str
    measure: str
    value: str
    verdict: str
    rule: str
    estimate: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan


#: Shown in prose instead of a suppressed (missing) value.
WITHHELD = "[withheld: too few respondents]"


def _missing(x: Any) -> bool:
    return x is None or not np.isfinite(x)


def fmt_pct(x: float, digits: int = 1) -> str:
    """``0.6391`` -> ``"63.9%"``; a missing (suppressed) value -> :data:`WITHHELD`."""
    return WITHHELD if _missing(x) else f"{100 * x:.{digits}f}%"


def fmt_ci(est: float, lo: float, hi: float, level: float, *, points: bool = False) -> str:
    """``"63.9% (95% CI 58.0% to 69.4%)"``, or in percentage points with ``points=True``.

    A missing (suppressed) estimate gives :data:`WITHHELD`.
    """
    if _missing(est) or _missing(lo) or _missing(hi):
        return WITHHELD
    lev = f"{100 * level:g}%"
    if points:
        return f"{100 * est:+.1f} pp ({lev} CI {100 * lo:+.1f} to {100 * hi:+.1f} pp)"
    return f"{fmt_pct(est)} ({lev} CI {fmt_pct(lo)} to {fmt_pct(hi)})"


def _need(df: pd.DataFrame, *cols: str) -> str | None:
    missing = [c for c in cols if c not in df.columns]
    return f"the survey has no {', '.join(missing)}" if missing else None


def unaware_share(
    df: pd.DataFrame, design: dict[str, Any], *, country: str = "PAK", level: float = 0.95,
    min_cell: int = 10,
) -> dict[str, Any]:
    """Share of intending migrants in ``country`` unaware of any legal migration option.

    Estimated as one minus the proportion aware (``aware_legal``) in the domain
    country == ``country`` and ``intends_to_migrate`` (domain approach, full design); the
    interval is the complement of the logit interval of the proportion aware.

    Returns
    -------
    dict
        ``estimate``, ``ci_low``, ``ci_high``, ``n`` and ``suppressed`` (True, with missing
        values, when fewer than ``min_cell`` respondents or none).
    """
    t = weighted_proportion(df, "aware_legal", by="country", level=level,
                            where=df["intends_to_migrate"], **design)
    row = t[t["country"] == country]
    n = int(row["n"].iloc[0]) if len(row) else 0
    if n < min_cell:
        return {"estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": None,
                "suppressed": True}
    return {"estimate": 1 - float(row["estimate"].iloc[0]),
            "ci_low": 1 - float(row["ci_high"].iloc[0]),
            "ci_high": 1 - float(row["ci_low"].iloc[0]), "n": n, "suppressed": False}


def claim_unaware_share(
    df: pd.DataFrame, design: dict[str, Any], *, level: float = 0.95, min_cell: int = 10,
    country: str = "PAK", claimed: float = 0.67,
) -> ClaimResult:
    """"67 per cent of intending migrants in Pakistan were unaware of any legal option".

    Rule: supported when the claimed share lies inside the confidence interval of the share
    of intending migrants in ``country`` not aware of any legal migration option.
    """
    place = country_name(country)
    claim = (f"{claimed * 100:.0f} per cent of intending migrants in {place} were unaware of "
             "any legal migration opportunity")
    rule = "supported if the claimed share lies inside the confidence interval"
    measure = f"share of intending migrants in {place} unaware of any legal option"
    gap = _need(df, "aware_legal", "country", "intends_to_migrate")
    if gap:
        return ClaimResult(claim, measure, gap, NOT_TESTABLE, rule)
    share = unaware_share(df, design, country=country, level=level, min_cell=min_cell)
    if share["suppressed"]:
        return ClaimResult(claim, measure, f"fewer than {min_cell} respondents", NOT_TESTABLE,
                           rule)
    est, lo, hi = share["estimate"], share["ci_low"], share["ci_high"]
    verdict = SUPPORTED if lo <= claimed <= hi else NOT_SUPPORTED
    return ClaimResult(claim, measure, fmt_ci(est, lo, hi, level), verdict, rule, est, lo, hi)


def claim_women_rural_gap(
    df: pd.DataFrame, design: dict[str, Any], *, level: float = 0.95, min_cell: int = 10,
) -> ClaimResult:
    """"Information access is worse for women and in rural areas".

    Measured as awareness of any legal migration option. Rule: supported if both differences
    (women minus men, rural minus urban; jointly linearised, so the shared PSUs are accounted
    for) have confidence intervals entirely below zero.
    """
    claim = "information access is worse for women and in rural areas"
    rule = "supported if both gaps in awareness have intervals entirely below zero"
    measure = "awareness of a legal option: women minus men; rural minus urban"
    gap = _need(df, "aware_legal", "gender", "area")
    if gap:
        return ClaimResult(claim, measure, gap, NOT_TESTABLE, rule)
    parts, below = [], []
    for col, a, b, label in (("gender", "female", "male", "women vs men"),
                             ("area", "rural", "urban", "rural vs urban")):
        counts = df.loc[df["aware_legal"].notna(), col].value_counts()
        if min(int(counts.get(a, 0)), int(counts.get(b, 0))) < min_cell:
            return ClaimResult(claim, measure, f"fewer than {min_cell} respondents in a group",
                               NOT_TESTABLE, rule)
        d = domain_difference(df, "aware_legal", domain=col, levels=(a, b), level=level,
                              **design)
        parts.append(f"{label}: {fmt_ci(d['estimate'], d['ci_low'], d['ci_high'], level, points=True)}")
        below.append(d["ci_high"] < 0)
    verdict = SUPPORTED if all(below) else NOT_SUPPORTED
    return ClaimResult(claim, measure, "; ".join(parts), verdict, rule)


def claim_agents_main_source(
    df: pd.DataFrame, design: dict[str, Any], *, level: float = 0.95, min_cell: int = 10,
    source: str = "agent or sub-agent",
) -> ClaimResult:
    """"Agents and sub-agents are the main source of information".

    Rule: supported if agents are the most frequent main source and the difference between
    their share and the next largest share has a confidence interval entirely above zero.
    """
    claim = "agents and sub-agents are the main source of information"
    rule = ("supported if agents lead and their lead over the next source has an interval "
            "entirely above zero")
    measure = "share naming agents or sub-agents as main source, and lead over the next source"
    gap = _need(df, "info_source")
    if gap:
        return ClaimResult(claim, measure, gap, NOT_TESTABLE, rule)
    t = weighted_proportion(df, "info_source", level=level, **design)
    t = t.sort_values("estimate", ascending=False).reset_index(drop=True)
    if len(t) < 2 or source not in set(t["category"]) \
            or int(t.loc[t["category"] == source, "n"].iloc[0]) < min_cell:
        return ClaimResult(claim, measure, f"fewer than {min_cell} respondents", NOT_TESTABLE,
                           rule)
    top, second = str(t["category"].iloc[0]), str(t["category"].iloc[1])
    share = t.loc[t["category"] == source].iloc[0]
    other = second if top == source else top
    answered = df["info_source"].notna()
    lead = (df["info_source"] == source).fillna(False).astype(float) - \
        (df["info_source"] == other).fillna(False).astype(float)
    data = df.assign(_lead=lead.where(answered))
    d = weighted_mean(data, "_lead", level=level, **design).iloc[0]
    value = (f"{fmt_ci(share['estimate'], share['ci_low'], share['ci_high'], level)}; lead over "
             f"{other}: {fmt_ci(d['estimate'], d['ci_low'], d['ci_high'], level, points=True)}")
    verdict = SUPPORTED if top == source and d["ci_low"] > 0 else NOT_SUPPORTED
    return ClaimResult(claim, measure, value, verdict, rule, float(share["estimate"]),
                       float(share["ci_low"]), float(share["ci_high"]))


def claim_fee_trend(df: pd.DataFrame, design: dict[str, Any], **_: Any) -> ClaimResult:
    """"Recruitment fees have risen in recent years" - not testable with one survey round."""
    return ClaimResult(
        "recruitment fees have risen in recent years",
        "change in fees over time",
        "one survey round, no fee amounts: no change over time can be measured",
        NOT_TESTABLE,
        "needs repeated rounds (or recall questions) with fee amounts",
    )


#: The claims of the report, in the order shown.
CLAIMS: tuple[Callable[..., ClaimResult], ...] = (
    claim_unaware_share, claim_women_rural_gap, claim_agents_main_source, claim_fee_trend,
)


def evaluate_claims(
    df: pd.DataFrame, design: dict[str, Any], *, level: float = 0.95, min_cell: int = 10,
) -> pd.DataFrame:
    """Evaluate every claim in :data:`CLAIMS`.

    Parameters
    ----------
    df : DataFrame
        Standardised survey frame.
    design : dict
        ``weight``/``strata``/``psu`` keyword arguments (``Codebook.design_kwargs``).

    Returns
    -------
    DataFrame
        ``claim``, ``measure``, ``value`` (text with the estimate and interval), ``verdict``,
        ``rule``, and the numeric ``estimate``, ``ci_low``, ``ci_high`` where there is one.
    """
    rows = [asdict(fn(df, design, level=level, min_cell=min_cell)) for fn in CLAIMS]
    return pd.DataFrame(rows)
