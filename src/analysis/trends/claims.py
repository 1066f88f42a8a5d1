"""Claims register: the report's narrative statements tested against the data.

Part of :mod:`analysis.trends`; the computation rules are in its docstring.
"""

from __future__ import annotations

import pandas as pd

from analysis.trends._common import MIN_BASE_DETECTIONS, pct_change
from analysis.trends.crossings import largest_increase

__all__ = [
    "CENTRAL_MED",
    "CLAIMS_PUBLICATION",
    "CLAIMS_YEAR",
    "NOT_SUPPORTED",
    "NOT_TESTABLE",
    "SUPPORTED",
    "WESTERN_AFRICAN",
    "WESTERN_BALKANS",
    "claims_register",
]

#: Frontex route names used by the claims register.
CENTRAL_MED = "Central Mediterranean Route"
WESTERN_BALKANS = "Western Balkan Route"
WESTERN_AFRICAN = "Western African Route"

#: The publication the claims come from, and the year they are about (against the year
#: before). Run for another report year, the chapter still tests them on this year's data.
CLAIMS_PUBLICATION = "Annual migration-policy report for 2020"
CLAIMS_YEAR = 2020

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
NOT_TESTABLE = "not testable with these data"


# --------------------------------------------------------------------------------------------
# Claims register
# --------------------------------------------------------------------------------------------


def _route_row(shift: pd.DataFrame, route: str) -> pd.Series | None:
    rows = shift[shift["route"] == route]
    return None if rows.empty else rows.iloc[0]


def claims_register(shift: pd.DataFrame, year: int, base_year: int,
                    eu_asylum: pd.DataFrame | None = None,
                    shock: pd.DataFrame | None = None,
                    min_base: int = MIN_BASE_DETECTIONS) -> pd.DataFrame:
    """Test the report's narrative statements against the data.

    Each statement is worded as the narrative makes it; the rule that decides it:

    1. *Fewer irregular border crossings were detected*: total detections fell.
    2. *The Central Mediterranean route became more important again*: its share of all
       detections rose.
    3. *The route via the Western Balkans was chosen more often*: its detections rose.
    4. *The biggest increase was recorded on the route via Mauritania and Morocco*: the
       Western African route has the largest percentage increase among the routes with at
       least ``min_base`` detections in the base year (:func:`largest_increase`).
    5. *Fewer people applied for asylum in the EU*: EU27 first-time applicants fell.
    6. *The decline was caused by the COVID-19 pandemic*: a causal statement; the data show
       the size of the change after March 2020 (``shock``), not its cause.

    Parameters
    ----------
    shift : DataFrame
        Output of :func:`route_shift` for ``year`` against ``base_year``.
    year, base_year : int
        Report and comparison year.
    eu_asylum : DataFrame, optional
        Output of :func:`asylum_eu_by_year`.
    shock : DataFrame, optional
        Output of :func:`shock_change` (its value is shown for claim 6).
    min_base : int, default :data:`MIN_BASE_DETECTIONS`
        Threshold of claim 4.

    Returns
    -------
    DataFrame
        ``claim, publication, data, measure, value, verdict``: ``publication`` is
        :data:`CLAIMS_PUBLICATION`, ``data`` the years compared; ``verdict`` one of
        ``"supported"``, ``"not supported"``, ``"not testable with these data"``.
    """
    rows: list[dict[str, str]] = []

    def add(claim: str, measure: str, value: str, verdict: bool | None) -> None:
        text = NOT_TESTABLE if verdict is None else (SUPPORTED if verdict else NOT_SUPPORTED)
        rows.append({"claim": claim, "publication": CLAIMS_PUBLICATION, "data": period,
                     "measure": measure, "value": value, "verdict": text})

    period = f"{year} against {base_year}"
    total_base, total = int(shift["detections_base"].sum()), int(shift["detections"].sum())
    if total_base > 0:
        add("Fewer irregular border crossings were detected",
            f"change in total detections, {period}",
            f"{total_base:,} → {total:,} ({pct_change(total, total_base):+.1f}%)",
            total < total_base)
    else:
        add("Fewer irregular border crossings were detected",
            f"change in total detections, {period}", "no detections in the base year", None)

    cmr = _route_row(shift, CENTRAL_MED)
    claim = "The Central Mediterranean route became more important again"
    measure = f"share of all detections, {period}"
    if cmr is None or total_base == 0 or total == 0:
        add(claim, measure, "route or totals missing", None)
    else:
        add(claim, measure, f"{cmr['share_base']:.1%} → {cmr['share']:.1%}",
            bool(cmr["share"] > cmr["share_base"]))

    wbr = _route_row(shift, WESTERN_BALKANS)
    claim = "The route via the Western Balkans was chosen more often"
    measure = f"detections on the Western Balkan route, {period}"
    if wbr is None:
        add(claim, measure, "route not in the data", None)
    else:
        add(claim, measure, f"{int(wbr['detections_base']):,} → {int(wbr['detections']):,}",
            bool(wbr["detections"] > wbr["detections_base"]))

    claim = "The biggest increase was recorded on the route via Mauritania and Morocco"
    measure = (f"route with the largest % increase among routes with ≥ {min_base:,} "
               f"detections in {base_year}")
    winner = largest_increase(shift, min_base)
    if winner is None:
        add(claim, measure, "no qualifying route increased", None)
    else:
        pct = float(shift.loc[shift["route"] == winner, "change_pct"].iloc[0])
        add(claim, measure, f"{winner} ({pct:+.1f}%)", winner == WESTERN_AFRICAN)

    claim = "Fewer people applied for asylum in the EU"
    measure = f"EU27 first-time asylum applicants, {period}"
    eu = None if eu_asylum is None else eu_asylum.set_index("year")["applicants"]
    if eu is None or year not in eu.index or base_year not in eu.index:
        add(claim, measure, "EU27 aggregate not available for both years", None)
    else:
        b, v = int(eu[base_year]), int(eu[year])
        add(claim, measure, f"{b:,} → {v:,} ({pct_change(v, b):+.1f}%)", v < b)

    claim = "The decline was caused by the COVID-19 pandemic"
    measure = "cause of the change (the data give its size after March 2020, not its cause)"
    if shock is None or shock.empty:
        value = "no shock estimate"
    else:
        stl = shock.iloc[-1]
        window = shock.attrs.get("window", "after the shock")
        value = f"{stl['change_pct']:+.1f}% against {stl['method']}, {window}"
    add(claim, measure, value, None)
    return pd.DataFrame(rows)
