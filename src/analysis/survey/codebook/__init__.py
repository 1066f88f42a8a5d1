"""The survey input contract: a microdata file plus a YAML codebook, mapped onto standard names.

Modules
-------
- :mod:`~.contract` - the codebook: layout, types, checks (:func:`read_codebook`);
- :mod:`~.recode` - labels onto the chapter's standard values (pycountry, common labels);
- :mod:`~.readers` - the file formats and the standardised frame (:func:`load_survey`).

See ``docs/survey-input.md`` for the contract.
"""

from __future__ import annotations

from analysis.survey.codebook.contract import (
    CHAPTER_VARIABLES,
    PSU,
    STANDARD_VARIABLES,
    STRATA,
    SUPPORTED_EXTENSIONS,
    TYPE_ALIASES,
    TYPES,
    WEIGHT,
    Codebook,
    Design,
    Variable,
    parse_codebook,
    read_codebook,
)
from analysis.survey.codebook.readers import apply_codebook, load_survey, read_microdata
from analysis.survey.codebook.recode import INFO_SOURCES, VOCABULARIES

__all__ = [
    "CHAPTER_VARIABLES",
    "INFO_SOURCES",
    "PSU",
    "STANDARD_VARIABLES",
    "STRATA",
    "SUPPORTED_EXTENSIONS",
    "TYPES",
    "TYPE_ALIASES",
    "VOCABULARIES",
    "WEIGHT",
    "Codebook",
    "Design",
    "Variable",
    "apply_codebook",
    "load_survey",
    "parse_codebook",
    "read_codebook",
    "read_microdata",
]
