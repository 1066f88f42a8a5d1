"""The canonical tables: the only layout chapters ever read, each with a pandera schema.

Every source adapter turns its raw files into these tables. Each table is tidy (one row per
observation), its key columns are unique together, counts are non-negative integers, and
country codes are known codes (:func:`analysis.countries.known_codes`).

========================  ===============================================================
table                     columns (key first)
========================  ===============================================================
``detections``            route, type, nationality, month (YYYY-MM) | detections
``asylum``                destination, year, citizenship, sex | applicants
``migrant_stock``         destination, origin, year, sex | migrants
``indicators``            country, indicator, year | value
``displaced``             asylum_country, origin, year, group | persons
========================  ===============================================================

``sex`` is ``female``, ``male``, ``unknown`` or ``total`` (a table aggregated over sex, like the
embedded snapshot, has only ``total``). A ``total`` row beside its parts is resolved by
:func:`analysis.validation.resolve_totals`.

Plausibility bounds
-------------------
Every value has a bound that no real figure comes near, so that a typo, a unit error or a
hostile file stops the build instead of being published:

- counts (detections a month; applicants, migrants, displaced people a year, for one pair of
  countries) are below :data:`MAX_COUNT` = 10⁹: no border sees a billion crossings a month and
  no pair of countries has a billion migrants (the largest, Mexico to the United States, is
  about 11 million). Sums of up to 9·10⁹ such rows stay within int64, so no total overflows;
- each indicator has its own range in :data:`INDICATOR_BOUNDS`, with the reason beside it
  (remittances below 10¹², population above 0 and below 2·10⁹, …);
- years are 1900-2100, months 1900-01 to 2099-12.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa

from analysis.countries import known_codes

SEXES = ("female", "male", "unknown", "total")
#: Frontex's migratory routes, spelt exactly as Frontex does (no trimming, no case folding:
#: a near-miss such as a trailing space would otherwise become a route of its own).
ROUTES = (
    "Black Sea Route", "Central Mediterranean Route", "Circular Route from Albania to Greece",
    "Eastern Borders Route", "Eastern Mediterranean Route", "Other", "Western African Route",
    "Western Balkan Route", "Western Mediterranean Route",
)
DISPLACED_GROUPS = (
    "refugee", "asylum", "idp", "idp return", "refugee return", "stateless", "other",
)

#: Canonical indicator names, with their World Bank / UN series and unit.
INDICATORS: dict[str, str] = {
    "remittances_received_usd": "Personal remittances, received (current US$), BX.TRF.PWKR.CD.DT",
    "remittances_paid_usd": "Personal remittances, paid (current US$), BM.TRF.PWKR.CD.DT",
    "gdp_usd": "GDP (current US$), NY.GDP.MKTP.CD",
    "gdp_per_capita_ppp": "GDP per capita, PPP (constant 2021 international $), NY.GDP.PCAP.PP.KD",
    "population": "Population, total (UN WPP 2024), SP.POP.TOTL",
    "unemployment_pct": "Unemployment, total (% of labour force, ILO estimate), SL.UEM.TOTL.ZS",
    "political_stability": "Political Stability and Absence of Violence (WGI estimate), PV.EST",
    "inflation_pct": "Inflation, consumer prices (annual %), FP.CPI.TOTL.ZG",
    "net_migration": "Net migration (persons), SM.POP.NETM",
    "birth_rate": "Birth rate, crude (per 1,000 people), SP.DYN.CBRT.IN",
    "age_dependency_ratio": "Age dependency ratio (% of working-age population), SP.POP.DPND",
    "fdi_inflows_usd": "Foreign direct investment, net inflows (BoP, current US$), BX.KLT.DINV.CD.WD",
    "fdi_outflows_usd": "Foreign direct investment, net outflows (BoP, current US$), BM.KLT.DINV.CD.WD",
}
#: Plausibility bounds of each indicator: (lowest, highest, lowest allowed?, reason).
#: The bounds are far from every real value (checked against the 2025 gdidata release).
INDICATOR_BOUNDS: dict[str, tuple[float, float, bool, str]] = {
    "remittances_received_usd": (0, 1e12, True, "the largest, India's, is about 1.2e11 US$"),
    "remittances_paid_usd": (0, 1e12, True, "the largest, the United States', is about 9e10 US$"),
    "gdp_usd": (0, 1e15, False, "the world's GDP is about 1e14 US$"),
    "gdp_per_capita_ppp": (0, 1e6, False, "the highest is about 1.7e5 international $"),
    "population": (0, 2e9, False, "a country has people; the largest has about 1.4e9"),
    "unemployment_pct": (0, 100, True, "a percentage of the labour force"),
    "political_stability": (-5, 5, True, "the WGI estimate lies between about -3.3 and 2"),
    "inflation_pct": (-100, 1e9, True, "prices cannot fall by more than 100 %"),
    "net_migration": (-1e8, 1e8, True, "the largest yearly flows are a few million people"),
    "birth_rate": (0, 100, True, "births per 1,000 people; the highest is about 55"),
    "age_dependency_ratio": (0, 300, True, "the highest is about 120 %"),
    "fdi_inflows_usd": (-1e13, 1e13, True, "the largest flows are below 1e12 US$"),
    "fdi_outflows_usd": (-1e13, 1e13, True, "the largest flows are below 1e12 US$"),
}
#: Upper bound of every count (see the module docstring).
MAX_COUNT = 10**9
#: Indicators that can never be negative.
NON_NEGATIVE_INDICATORS = frozenset(
    {"remittances_received_usd", "remittances_paid_usd", "gdp_usd", "gdp_per_capita_ppp",
     "population", "unemployment_pct", "birth_rate", "age_dependency_ratio"}
)


def _code(nullable: bool = False) -> pa.Column:
    return pa.Column(
        str,
        pa.Check.isin(sorted(known_codes()), error="unknown country code"),
        nullable=nullable,
    )


def _count() -> pa.Column:
    return pa.Column("int64", [
        pa.Check.ge(0, error="negative count"),
        pa.Check.lt(MAX_COUNT, error=f"implausibly large count (at least {MAX_COUNT:.0e}; "
                    "no real count comes near it)"),
    ])


_YEAR = pa.Column("int64", pa.Check.in_range(1900, 2100, error="year out of range"))


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its name, key, value column and schema.

    Attributes
    ----------
    name : str
        Table name, e.g. ``"detections"``.
    key : tuple of str
        Columns that identify a row (unique together).
    value : str
        The measured column.
    schema : pandera.DataFrameSchema
        Column types and checks.
    description : str
        One line for documentation and provenance.
    """

    name: str
    key: tuple[str, ...]
    value: str
    schema: pa.DataFrameSchema
    description: str

    @property
    def columns(self) -> tuple[str, ...]:
        """All columns, key first."""
        return (*self.key, self.value)


def _schema(name: str, columns: dict[str, pa.Column], key: tuple[str, ...],
            checks: list[pa.Check] | None = None) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        columns,
        name=name,
        strict=True,
        ordered=False,
        unique=list(key),
        report_duplicates="all",
        checks=checks or [],
    )


def _indicator_sign(df):  # noqa: ANN001 - pandera passes a DataFrame
    bad = df["indicator"].isin(NON_NEGATIVE_INDICATORS) & (df["value"] < 0)
    return ~bad


def _indicator_bounds(df):  # noqa: ANN001 - pandera passes a DataFrame
    name = df["indicator"]
    low = name.map({k: b[0] for k, b in INDICATOR_BOUNDS.items()}).fillna(-float("inf"))
    high = name.map({k: b[1] for k, b in INDICATOR_BOUNDS.items()}).fillna(float("inf"))
    closed = name.map({k: b[2] for k, b in INDICATOR_BOUNDS.items()}).fillna(True)
    value = df["value"]
    above_low = (value > low) | (closed.astype(bool) & (value == low))
    return above_low & (value < high)


#: DataFrame-wide checks and the column each one is about (for the message).
CHECK_COLUMNS: dict[str, str] = {
    "negative value of a non-negative indicator": "value",
    "value outside the plausible range of its indicator": "value",
}


TABLES: dict[str, TableSpec] = {
    "detections": TableSpec(
        "detections",
        ("route", "type", "nationality", "month"),
        "detections",
        _schema(
            "detections",
            {
                "route": pa.Column(str, pa.Check.isin(ROUTES, error="unknown route")),
                "type": pa.Column(str, pa.Check.isin(["Land", "Sea"])),
                "nationality": _code(),
                "month": pa.Column(str, pa.Check.str_matches(r"^(19|20)\d\d-(0[1-9]|1[0-2])$",
                                                             error="month is not YYYY-MM")),
                "detections": _count(),
            },
            ("route", "type", "nationality", "month"),
        ),
        "Detections of illegal border-crossings at the EU external border, monthly",
    ),
    "asylum": TableSpec(
        "asylum",
        ("destination", "year", "citizenship", "sex"),
        "applicants",
        _schema(
            "asylum",
            {
                "destination": _code(),
                "year": _YEAR,
                "citizenship": _code(),
                "sex": pa.Column(str, pa.Check.isin(SEXES, error="unknown sex")),
                "applicants": _count(),
            },
            ("destination", "year", "citizenship", "sex"),
        ),
        "First-time asylum applicants by country of application and citizenship, yearly",
    ),
    "migrant_stock": TableSpec(
        "migrant_stock",
        ("destination", "origin", "year", "sex"),
        "migrants",
        _schema(
            "migrant_stock",
            {
                "destination": _code(),
                "origin": _code(),
                "year": _YEAR,
                "sex": pa.Column(str, pa.Check.isin(SEXES, error="unknown sex")),
                "migrants": _count(),
            },
            ("destination", "origin", "year", "sex"),
        ),
        "International migrant stock at mid-year by destination and origin",
    ),
    "indicators": TableSpec(
        "indicators",
        ("country", "indicator", "year"),
        "value",
        _schema(
            "indicators",
            {
                "country": _code(),
                "indicator": pa.Column(str, pa.Check.isin(sorted(INDICATORS),
                                                          error="unknown indicator")),
                "year": _YEAR,
                "value": pa.Column("float64", pa.Check(lambda s: s.notna(),
                                                       element_wise=False,
                                                       error="missing value")),
            },
            ("country", "indicator", "year"),
            checks=[pa.Check(_indicator_sign, error="negative value of a non-negative indicator"),
                    pa.Check(_indicator_bounds,
                             error="value outside the plausible range of its indicator")],
        ),
        "Country indicators (World Bank WDI and WGI, UN WPP), yearly",
    ),
    "displaced": TableSpec(
        "displaced",
        ("asylum_country", "origin", "year", "group"),
        "persons",
        _schema(
            "displaced",
            {
                "asylum_country": _code(),
                "origin": _code(),
                "year": _YEAR,
                "group": pa.Column(str, pa.Check.isin(DISPLACED_GROUPS)),
                "persons": _count(),
            },
            ("asylum_country", "origin", "year", "group"),
        ),
        "Forcibly displaced and stateless people at year end, by country of asylum and origin",
    ),
}
