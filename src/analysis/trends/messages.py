"""Key messages of the trends chapter and the country brief, from their key figures.

Each function takes the key figures as the notebook recorded them (name -> value) and
returns :class:`~analysis.export.messages.KeyMessage` objects: the numbers are never typed,
and every sentence names the figure or table (``ref``) that shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.countries import country_name
from analysis.export.messages import KeyMessage, Number

__all__ = ["brief_messages", "trends_messages"]


def _ok(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and value != value)


def trends_messages(kf: Mapping[str, Any], *, year: int, base_year: int, stock_year: int,
                    claims: pd.DataFrame | None = None, claims_year: int | None = None,
                    ) -> list[KeyMessage]:
    """Three to five key messages of the trends chapter.

    Parameters
    ----------
    kf : mapping
        Key figure name -> value: ``detections_total``, ``detections_change_pct``,
        ``route_largest_increase`` and ``route_largest_increase_pct``,
        ``asylum_applications_eu27``, ``asylum_top_destination`` and
        ``asylum_top_destination_value``, ``migrant_stock_world``,
        ``migrant_stock_share_pct``, ``claims_supported`` and ``claims_tested``.
    year, base_year, stock_year : int
        Report year, comparison year and the migrant-stock year used.
    claims : DataFrame, optional
        The claims register (for the verdict message).
    claims_year : int, optional
        The year the claims are about.
    """
    out: list[KeyMessage] = []
    change = kf.get("detections_change_pct")
    if _ok(change):
        direction = "fell" if change < 0 else "rose"
        out.append(KeyMessage(
            f"Detections of illegal border crossings {direction} {{}} to {{}} in {year} "
            f"(against {base_year}).",
            [Number("detections_change_pct", change, "pct_abs"),
             Number("detections_total", kf["detections_total"], "count")], ref="routes"))
    route, route_pct = kf.get("route_largest_increase"), kf.get("route_largest_increase_pct")
    if route and _ok(route_pct):
        out.append(KeyMessage(f"The {route} grew most among the larger routes: {{}}.",
                              [Number("route_largest_increase_pct", route_pct, "pct_change")],
                              ref="routes"))
    eu, top = kf.get("asylum_applications_eu27"), kf.get("asylum_top_destination")
    if _ok(eu) and top and _ok(kf.get("asylum_top_destination_value")):
        out.append(KeyMessage(
            f"{{}} first-time asylum applications were lodged in the EU in {year}; "
            f"{country_name(top)} received the most ({{}}).",
            [Number("asylum_applications_eu27", eu, "count"),
             Number("asylum_top_destination_value", kf["asylum_top_destination_value"],
                    "count")], ref="destinations"))
    if _ok(kf.get("migrant_stock_world")):
        out.append(KeyMessage(
            f"{{}} international migrants lived outside their country of birth in "
            f"{stock_year}, {{}} of the population.",
            [Number("migrant_stock_world", kf["migrant_stock_world"], "count"),
             Number("migrant_stock_share_pct", kf["migrant_stock_share_pct"], "pct")],
            ref="stock"))
    tested, supported = kf.get("claims_tested"), kf.get("claims_supported")
    if _ok(tested) and tested and claims is not None:
        against = f" (tested on the data for {claims_year})" if claims_year else ""
        if supported == tested:
            out.append(KeyMessage(
                f"The data support all {{}} testable claims of the report{against}.",
                [Number("claims_tested", tested, "count")], ref="claims"))
        else:
            out.append(KeyMessage(
                f"The data support {{}} of the {{}} testable claims of the report{against}.",
                [Number("claims_supported", supported, "count"),
                 Number("claims_tested", tested, "count")], ref="claims"))
    return out[:5]


def brief_messages(kf: Mapping[str, Any], *, name: str, year: int, stock_year: int,
                   d_year: int) -> list[KeyMessage]:
    """Three to five key messages of the country brief (key figures named ``brief_*``)."""
    out: list[KeyMessage] = []
    if _ok(kf.get("brief_emigrants")) and kf["brief_emigrants"]:
        out.append(KeyMessage(f"{{}} emigrants from {name} lived abroad in {stock_year}.",
                              [Number("brief_emigrants", kf["brief_emigrants"], "count")],
                              ref="emigrants"))
    if _ok(kf.get("brief_asylum_applications_eu27")) and kf["brief_asylum_applications_eu27"]:
        out.append(KeyMessage(
            f"{{}} citizens of {name} applied for asylum in the EU for the first time in "
            f"{year}.", [Number("brief_asylum_applications_eu27",
                                kf["brief_asylum_applications_eu27"], "count")], ref="asylum"))
    if _ok(kf.get("brief_detections")) and kf["brief_detections"]:
        out.append(KeyMessage(
            f"{{}} detections of nationals of {name} at the EU external border in {year}.",
            [Number("brief_detections", kf["brief_detections"], "count")], ref="detections"))
    if _ok(kf.get("brief_remittances_vs_trend_pct")):
        out.append(KeyMessage(
            f"Remittances received by {name} were {{}} in {year}, {{}} against their trend.",
            [Number("brief_remittances_usd", kf["brief_remittances_usd"], "money"),
             Number("brief_remittances_vs_trend_pct", kf["brief_remittances_vs_trend_pct"],
                    "pct_change")], ref="remittances"))
    elif _ok(kf.get("brief_remittances_usd")):
        out.append(KeyMessage(f"{name} received {{}} in remittances in {year}.",
                              [Number("brief_remittances_usd", kf["brief_remittances_usd"],
                                      "money")]))
    if len(out) < 5 and _ok(kf.get("brief_refugees_hosted")):
        out.append(KeyMessage(
            f"At the end of {d_year}, {name} hosted {{}} refugees and asylum seekers; {{}} "
            f"from {name} were counted abroad.",
            [Number("brief_refugees_hosted", kf["brief_refugees_hosted"], "count"),
             Number("brief_refugees_originating", kf.get("brief_refugees_originating") or 0,
                    "count")], ref="refugees"))
    return out[:5]
