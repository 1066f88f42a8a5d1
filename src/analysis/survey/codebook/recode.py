"""From a codebook's labels to the chapter's standard values.

A codebook's ``values`` map codes to labels, as KoboToolbox choices and SPSS value labels do.
Putting a label onto a standard value of the chapter is a separate, optional step:

- ``recode: {<label>: <standard value>}`` in the codebook, for any variable;
- otherwise, for the standard variables only, common labels are recognised case-insensitively:
  ``country`` from an ISO 3166-1 alpha-3 code or a country name (through pycountry), ``gender``
  and ``area`` from the usual words (``Woman``, ``F``, ``Village`` ...), ``info_source`` from
  its six standard labels, and binary answers from ``yes``/``no``, ``true``/``false``,
  ``1``/``0``, ``y``/``n``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import pycountry

__all__ = [
    "INFO_SOURCES",
    "NO_LABELS",
    "VOCABULARIES",
    "YES_LABELS",
    "binary_value",
    "norm_label",
    "resolve_country",
    "standard_value",
]

#: The information sources, in display order (labels ``info_source`` is recoded onto).
INFO_SOURCES = (
    "agent or sub-agent",
    "family and friends",
    "social media",
    "Migrant Resource Centre",
    "government",
    "other",
)

#: Standard variables with a fixed vocabulary.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "gender": ("female", "male", "other"),
    "area": ("urban", "rural"),
    "info_source": INFO_SOURCES,
}

#: Labels read as yes / no in a binary variable (compared case-insensitively).
YES_LABELS = frozenset({"yes", "y", "true", "1"})
NO_LABELS = frozenset({"no", "n", "false", "0"})

#: Common labels recognised for the standard vocabularies (lower case).
_SYNONYMS: dict[str, dict[str, str]] = {
    "gender": {
        "female": "female", "f": "female", "woman": "female", "women": "female",
        "girl": "female", "male": "male", "m": "male", "man": "male", "men": "male",
        "boy": "male", "other": "other", "non-binary": "other", "nonbinary": "other",
        "third gender": "other", "another gender": "other",
    },
    "area": {
        "urban": "urban", "town": "urban", "city": "urban", "urban area": "urban",
        "rural": "rural", "village": "rural", "countryside": "rural", "rural area": "rural",
    },
    "info_source": {s.lower(): s for s in INFO_SOURCES},
}


def norm_label(label: object) -> str:
    """A label compared case- and space-insensitively: ``" Urban  Area"`` -> ``"urban area"``."""
    return " ".join(str(label).split()).lower()


@cache
def resolve_country(label: str) -> str | None:
    """ISO-3 code for an ISO-3 code or a country name; ``None`` when it is neither.

    Examples
    --------
    >>> resolve_country("pakistan"), resolve_country("AFG"), resolve_country("Pakistn")
    ('PAK', 'AFG', None)
    """
    text = " ".join(str(label).split())
    if text.upper() in ("XKX", "KOSOVO"):  # not in ISO 3166-1; the code the project uses
        return "XKX"
    if len(text) == 3 and text.isalpha():
        found = pycountry.countries.get(alpha_3=text.upper())
        return found.alpha_3 if found else None
    if len(text) < 4:
        return None  # two-letter codes are not part of the contract
    try:
        return str(pycountry.countries.lookup(text).alpha_3)
    except LookupError:
        return None


def binary_value(label: object, recode: Mapping[str, str] | None = None) -> bool | None:
    """``True``/``False`` for a yes/no label (after ``recode``); ``None`` when it is neither."""
    key = norm_label(label)
    if recode and key in recode:
        key = norm_label(recode[key])
    if key in YES_LABELS:
        return True
    if key in NO_LABELS:
        return False
    return None


def standard_value(name: str, label: object, recode: Mapping[str, str] | None = None
                   ) -> str | None:
    """The standard value of ``label`` for standard variable ``name``.

    ``recode`` (keys normalised with :func:`norm_label`) is applied first. Variables without a
    vocabulary keep the (recoded) label. ``None`` means the label is not recognised.
    """
    text = " ".join(str(label).split())
    if recode and norm_label(text) in recode:
        text = recode[norm_label(text)]
    if name == "country":
        return resolve_country(text)
    if name in _SYNONYMS:
        return _SYNONYMS[name].get(norm_label(text))
    return text
