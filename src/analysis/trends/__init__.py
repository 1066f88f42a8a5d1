"""Migration trends: irregular border crossings, asylum, international migrants and refugees.

The functions behind chapter ``trends`` (``notebooks/01_migration_trends.ipynb``). Each takes
canonical tables (:mod:`analysis.schemas`) or frames derived here and returns a new frame;
none reads files or draws.

Computation rules (the same everywhere in this module)
------------------------------------------------------
1. **Region.** A region filters the *people*, never the place: ``nationality`` (detections),
   ``citizenship`` (asylum) and ``origin`` (migrant stock, displaced). ``None`` means all.
2. **Sex.** Asylum and migrant-stock values are always summed over ``sex`` (the real data
   hold female/male/unknown, the snapshot only ``total``).
3. **EU totals** of asylum applications are Eurostat's ``EU27`` aggregate (2020 composition,
   from 2013); *destinations* are the individual member states in
   ``analysis.countries.GROUPS["eu27"]``.
4. **Unknown origin.** Codes in :data:`analysis.countries.UNKNOWN_ORIGIN` (unknown, other,
   stateless) count in totals and shares but are never ranked as a country.
5. **Percentage change** is ``100 * (value - base) / base``; it is missing (NaN) when the base
   is zero.
6. **Partial years.** Detections end before December of the last year; comparisons of such a
   year use the same months of the base year (``through_month``).

Modules
-------
- :mod:`analysis.trends._common`: constants, coverage, formatting helpers.
- :mod:`analysis.trends.chapter`: the chapter's tables and scope (region, years, months).
- :mod:`analysis.trends.figures`: the charts; :mod:`analysis.trends.messages`: key messages.
- :mod:`analysis.trends.crossings`: irregular border crossings (Frontex detections).
- :mod:`analysis.trends.asylum`: asylum (Eurostat first-time applicants).
- :mod:`analysis.trends.stocks`: international migrant stock (UN DESA) and forcibly displaced
  people (UNHCR).
- :mod:`analysis.trends.claims`: the claims register.

Everything public is re-exported here: ``from analysis.trends import route_shift``.
"""

from __future__ import annotations

from analysis.trends._common import (
    CHAPTER_TABLES,
    EU27_AGGREGATE,
    MIN_BASE_DETECTIONS,
    REFUGEE_GROUPS,
    available_years,
    filter_codes,
    label_years,
    latest_year,
    months_covered,
    pct_change,
    table_formats,
)
from analysis.trends.asylum import (
    asylum_destinations,
    asylum_eu_by_year,
    citizenship_destinations,
    dual_chart_data,
    top_citizenships,
)
from analysis.trends.claims import (
    CENTRAL_MED,
    CLAIMS_PUBLICATION,
    CLAIMS_YEAR,
    WESTERN_AFRICAN,
    WESTERN_BALKANS,
    claims_register,
)

# Verdict labels of the claims register: public names of the module before the split.
from analysis.trends.claims import NOT_SUPPORTED as NOT_SUPPORTED
from analysis.trends.claims import NOT_TESTABLE as NOT_TESTABLE
from analysis.trends.claims import SUPPORTED as SUPPORTED
from analysis.trends.crossings import (
    annual_by_route,
    annual_totals,
    largest_increase,
    monthly_totals,
    nationality_routes,
    route_shift,
    seasonal_amplitude,
    seasonal_decomposition,
    shock_change,
    shock_estimable,
    top_nationalities,
    total_detections,
)
from analysis.trends.stocks import (
    displaced_by,
    displaced_partners,
    displaced_total,
    stock_over_time,
    top_destinations,
    top_origins,
)

__all__ = [
    "CENTRAL_MED",
    "CHAPTER_TABLES",
    "EU27_AGGREGATE",
    "MIN_BASE_DETECTIONS",
    "REFUGEE_GROUPS",
    "WESTERN_AFRICAN",
    "WESTERN_BALKANS",
    "annual_by_route",
    "annual_totals",
    "asylum_destinations",
    "asylum_eu_by_year",
    "available_years",
    "claims_register",
    "CLAIMS_PUBLICATION",
    "CLAIMS_YEAR",
    "displaced_by",
    "dual_chart_data",
    "filter_codes",
    "label_years",
    "largest_increase",
    "latest_year",
    "monthly_totals",
    "months_covered",
    "pct_change",
    "route_shift",
    "seasonal_amplitude",
    "seasonal_decomposition",
    "shock_change",
    "shock_estimable",
    "stock_over_time",
    "table_formats",
    "top_citizenships",
    "top_destinations",
    "top_nationalities",
    "top_origins",
    "total_detections",
    "citizenship_destinations",
    "displaced_partners",
    "displaced_total",
    "nationality_routes",
]
