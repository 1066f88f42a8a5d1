"""Country codes and the named country groups used across chapters, defined once.

Codes are ISO 3166-1 alpha-3 (from :mod:`pycountry`) plus the few non-standard codes the
sources use, listed in :data:`EXTRA_CODES`.
"""

from __future__ import annotations

import difflib
from functools import cache

import pycountry

#: Codes used by the sources that are not ISO 3166-1 alpha-3 countries.
EXTRA_CODES: dict[str, str] = {
    "OOO": "Other / unknown origin (UN DESA, Eurostat, Frontex, UNHCR)",
    "OOS": "Other / unspecified (Frontex)",
    "STL": "Stateless",
    "TIB": "Tibetan (UNHCR)",
    "XKX": "Kosovo (UN Security Council resolution 1244)",
    "XCX": "Channel Islands (UN DESA)",
    "CHI": "Channel Islands (World Bank)",
    "ANT": "Netherlands Antilles (former)",
    "EU27": "European Union, 27 member states (2020)",
}

#: Codes that stand for no single country: never a 'top country of origin'.
UNKNOWN_ORIGIN: frozenset[str] = frozenset({"OOO", "OOS", "STL", "TIB"})

#: Named groups of countries. Keys are the values accepted by a chapter's ``region`` parameter.
GROUPS: dict[str, tuple[str, ...]] = {
    # Silk Routes partnership countries (Budapest Process priority countries).
    "silk_routes": ("AFG", "BGD", "IRN", "IRQ", "PAK"),
    # Budapest Process: participating countries east and south-east of the EU (selection).
    "budapest_process": (
        "AFG", "ARM", "AZE", "BGD", "GEO", "IRN", "IRQ", "KAZ", "KGZ", "PAK", "TJK", "TKM",
        "TUR", "UZB",
    ),
    # Prague Process: Eastern Partnership, Central Asia and Russia.
    "prague_process": (
        "ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB",
    ),
    # Rabat Process: West, Central and North African partners.
    "rabat_process": (
        "BEN", "BFA", "CMR", "CAF", "CPV", "CIV", "COD", "COG", "DZA", "EGY", "GAB", "GHA",
        "GIN", "GMB", "GNB", "GNQ", "LBR", "LBY", "MAR", "MLI", "MRT", "NER", "NGA", "SEN",
        "SLE", "TCD", "TGO", "TUN",
    ),
    # Khartoum Process: countries of origin and transit in the Horn of Africa and beyond.
    "khartoum_process": ("DJI", "EGY", "ERI", "ETH", "KEN", "SDN", "SOM", "SSD", "TUN", "LBY"),
    # ICMPD member states.
    "icmpd_members": (
        "AUT", "BIH", "BGR", "CHE", "CZE", "DEU", "GRC", "HRV", "HUN", "MKD", "MLT", "POL",
        "PRT", "SRB", "SVK", "SVN", "SWE", "TUR",
    ),
    # OECD comparators for the talent index.
    "oecd_comparators": ("AUS", "CAN", "GBR", "NOR", "NZL", "USA"),
    # The organisation's partner countries for the remittances chapter.
    "partner_countries": (
        "PAK", "BGD", "AFG", "IRQ", "EGY", "MAR", "TUN", "NGA", "GHA", "SEN", "UKR", "GEO",
        "ARM", "KGZ", "TJK", "UZB",
    ),
    # EU member states since 1 February 2020.
    "eu27": (
        "AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GRC",
        "HRV", "HUN", "IRL", "ITA", "LTU", "LUX", "LVA", "MLT", "NLD", "POL", "PRT", "ROU",
        "SVK", "SVN", "SWE",
    ),
}

#: How each group is named for readers (drafts, index, footers).
GROUP_LABELS: dict[str, str] = {
    "silk_routes": "Silk Routes countries",
    "budapest_process": "Budapest Process countries",
    "prague_process": "Prague Process countries",
    "rabat_process": "Rabat Process countries",
    "khartoum_process": "Khartoum Process countries",
    "icmpd_members": "ICMPD member states",
    "oecd_comparators": "OECD comparators",
    "partner_countries": "partner countries",
    "eu27": "EU member states",
}


@cache
def known_codes() -> frozenset[str]:
    """Return every country code the project accepts (ISO-3 plus :data:`EXTRA_CODES`)."""
    return frozenset(c.alpha_3 for c in pycountry.countries) | frozenset(EXTRA_CODES)


@cache
def country_name(code: str) -> str:
    """Return a readable name for a code, or the code itself when none is known.

    Examples
    --------
    >>> country_name("PAK")
    'Pakistan'
    """
    if code in EXTRA_CODES:
        return EXTRA_CODES[code].split(" (")[0]
    found = pycountry.countries.get(alpha_3=code)
    if found is None:
        return code
    return getattr(found, "common_name", None) or found.name


def resolve_countries(spec: str | list[str] | tuple[str, ...] | None, default: str) -> list[str]:
    """Turn a ``countries``/``region`` parameter into a list of codes.

    Parameters
    ----------
    spec : str, list or None
        ``None`` or ``""`` for the default group; a group name from :data:`GROUPS`; or
        comma-separated ISO-3 codes (``"PAK,BGD"``), or a list of them.
    default : str
        The group used when ``spec`` is empty.

    Returns
    -------
    list of str
        Upper-case codes, in the order given, without duplicates.

    Raises
    ------
    ValueError
        For a code that is not a known country code, naming it.
    """
    if spec is None or (isinstance(spec, str) and spec.strip() in ("", "all")):
        spec = default
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key in GROUPS:
            return list(GROUPS[key])
        items = [s.strip().upper() for s in spec.split(",") if s.strip()]
    else:
        items = [str(s).strip().upper() for s in spec]
    unknown = [c for c in items if c not in known_codes() and c.lower() not in GROUPS]
    if unknown:
        hints = [f"{c} (did you mean {s}?)" if (s := suggest(c)) else c for c in unknown]
        raise ValueError(
            f"unknown country code(s) {', '.join(hints)}; use ISO 3166-1 alpha-3 codes or a "
            f"group: {', '.join(sorted(GROUPS))}"
        )
    out: list[str] = []
    for c in items:
        for code in GROUPS.get(c.lower(), (c,)):
            if code not in out:
                out.append(code)
    return out


def suggest(text: str, *, groups: bool = True) -> str | None:
    """The code or group name someone most likely meant by ``text``, or ``None``.

    A country's name gives its code; otherwise the closest group name (when ``groups``) or
    the closest known code, by :func:`difflib.get_close_matches`.

    Examples
    --------
    >>> suggest("PAKK"), suggest("Afganistan"), suggest("silk_route"), suggest("zzzzzz")
    ('PAK', 'AFG', 'silk_routes', None)
    """
    text = text.strip()
    if not text:
        return None
    try:
        return pycountry.countries.lookup(text).alpha_3
    except LookupError:
        pass
    if groups:
        close = difflib.get_close_matches(text.lower(), list(GROUPS), n=1, cutoff=0.75)
        if close:
            return close[0]
    close = difflib.get_close_matches(text.upper(), sorted(known_codes()), n=1, cutoff=0.75)
    if close:
        return close[0]
    names = _names()
    close = difflib.get_close_matches(text.lower(), list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


@cache
def _names() -> dict[str, str]:
    """Lower-case country names (short, common and official) -> ISO-3 code."""
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            if getattr(c, attr, None):
                out.setdefault(getattr(c, attr).lower(), c.alpha_3)
    return out
