"""Key messages of the remittances chapter, built from its key figures and claim verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.countries import country_name
from analysis.export.messages import KeyMessage, Number

__all__ = ["remittances_messages"]


def _ok(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and value != value)


def remittances_messages(kf: Mapping[str, Any], *, year: int, base_year: int,
                         claims: pd.DataFrame | None = None, level: float = 0.95,
                         verdict: str | None = None) -> list[KeyMessage]:
    """Three to five key messages of the remittances chapter.

    Parameters
    ----------
    kf : mapping
        Key figure name -> value: ``remittances_world_total``,
        ``remittances_countries_counted``, ``remittances_world_change_pct``,
        ``remittances_vs_trend_pct``, ``remittances_top_recipient`` and
        ``remittances_top_recipient_value``, ``remittances_claim_computed_pct``.
    year, base_year : int
        Report year and the year it is compared with.
    claims : DataFrame, optional
        The claims register (:func:`analysis.remittances.claims_register`); its first claim
        gives the verdict message.
    level : float
        Level of the prediction interval.
    verdict : str, optional
        Where the world value lies against its prediction interval, in words
        (:func:`analysis.remittances.verdict`, e.g. "inside the range expected from the
        2010-2019 trend").
    """
    out: list[KeyMessage] = []
    if claims is not None and len(claims) and _ok(kf.get("remittances_claim_computed_pct")):
        c = claims.iloc[0]
        out.append(KeyMessage(
            f"The claim that {c['claim']} is {c['verdict']}: the data for {int(c['year'])} "
            f"show a change of {{}}.",
            [Number("remittances_claim_computed_pct", kf["remittances_claim_computed_pct"],
                    "pct_change")], ref="claims"))
    if _ok(kf.get("remittances_world_total")):
        out.append(KeyMessage(
            f"The {{}} countries that report remittances received {{}} in {year}.",
            [Number("remittances_countries_counted", kf["remittances_countries_counted"],
                    "count"),
             Number("remittances_world_total", kf["remittances_world_total"], "money")],
            ref="top"))
    if _ok(kf.get("remittances_world_change_pct")):
        out.append(KeyMessage(
            f"On the countries reporting in both years, remittances changed by {{}} from "
            f"{base_year} to {year}.",
            [Number("remittances_world_change_pct", kf["remittances_world_change_pct"],
                    "pct_change")], ref="change"))
    if _ok(kf.get("remittances_vs_trend_pct")):
        where = f", {verdict}" if verdict else ""
        side = "below" if kf["remittances_vs_trend_pct"] < 0 else "above"
        out.append(KeyMessage(
            f"World remittances in {year} were {{}} {side} their earlier trend{where}.",
            [Number("remittances_vs_trend_pct", kf["remittances_vs_trend_pct"], "pct_abs")],
            ref="world_trend"))
    top = kf.get("remittances_top_recipient")
    if len(out) < 5 and top and _ok(kf.get("remittances_top_recipient_value")):
        out.append(KeyMessage(
            f"{country_name(top)} received the most: {{}}.",
            [Number("remittances_top_recipient_value", kf["remittances_top_recipient_value"],
                    "money")], ref="top"))
    return out[:5]
