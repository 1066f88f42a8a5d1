"""The codebook: a YAML description of the survey file, checked when it is read.

A survey arrives as CSV, XLSX (as exported by KoboToolbox), SPSS ``.sav`` or Stata ``.dta`` and
a YAML codebook (see ``docs/survey-input.md``) written as real codebooks are::

    design: {weight: wt_final, strata: strat, psu: cluster_id}
    pii: [resp_name, resp_phone]
    variables:
      q_country: {as: country, label: Country, type: select_one,
                  values: {1: Afghanistan, 2: Bangladesh, 3: Pakistan}}
      q_aware: {as: aware_legal, label: Aware of legal options, type: binary,
                values: {1: "Yes", 2: "No", 9: "Refused"}, missing: [9]}
      q_src: {as: info_source, label: Main source, type: categorical,
              values: {1: Recruiter, 2: Relatives}, recode: {Recruiter: agent or sub-agent,
                                                             Relatives: family and friends}}

``values`` maps codes to labels (KoboToolbox choices, SPSS value labels). Mapping labels onto
the chapter's standard values is separate and optional (``recode:``, and the recognition in
:mod:`.recode`). A codebook may describe every column, the design and PII columns included: a
column named under ``pii`` is dropped however else it is described, a design column is used as
the design; the one error is a PII column used as a design column.

The standardised frame (:mod:`.readers`) has one row per respondent and the columns

- ``weight`` (float > 0), ``strata`` and ``psu`` (when the design has them);
- one column per codebook variable, under its standard name: ``categorical`` as a pandas
  ``Categorical`` (categories in codebook order), ``binary`` as nullable ``boolean``, ``numeric``
  as ``float64`` and ``text`` as ``string``; missing answers are missing values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analysis.errors import DataError
from analysis.survey.codebook.recode import (
    INFO_SOURCES,
    NO_LABELS,
    VOCABULARIES,
    YES_LABELS,
    binary_value,
    norm_label,
    standard_value,
)

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
    "parse_codebook",
    "read_codebook",
]

#: Standard column names of the design in the standardised frame.
WEIGHT, STRATA, PSU = "weight", "strata", "psu"
#: Variable types a codebook may use.
TYPES = ("categorical", "binary", "numeric", "text")
#: Other type names real codebooks use (KoboToolbox XLSForm, SPSS, Stata), read as one of TYPES.
TYPE_ALIASES = {
    "select_one": "categorical", "nominal": "categorical", "ordinal": "categorical",
    "factor": "categorical", "boolean": "binary", "yes_no": "binary", "integer": "numeric",
    "decimal": "numeric", "scale": "numeric", "number": "numeric", "string": "text",
    "select_multiple": "text", "date": "text", "datetime": "text", "time": "text",
    "start": "text", "end": "text", "today": "text", "calculate": "text", "note": "text",
    "geopoint": "text", "deviceid": "text",
}
#: File extensions :func:`load_survey` reads.
SUPPORTED_EXTENSIONS = (".csv", ".xlsx", ".sav", ".dta")

#: Standard variables: name -> (type, description).
STANDARD_VARIABLES: dict[str, tuple[str, str]] = {
    "country": ("categorical", "country of interview, ISO 3166-1 alpha-3"),
    "gender": ("categorical", "female, male or other"),
    "area": ("categorical", "urban or rural"),
    "age": ("numeric", "age in completed years"),
    "education": ("categorical", "highest level completed, labels in codebook order"),
    "intends_to_migrate": ("binary", "intends to migrate abroad"),
    "aware_legal": ("binary", "aware of any legal migration option"),
    "info_source": ("categorical", "main source of information on migration"),
    "paid_fee": ("binary", "has paid, or been asked to pay, a recruitment fee"),
    "comment": ("text", "free-text comment"),
}

#: The variables the survey chapter uses when the survey has them (only the outcome and the
#: design are required; each section says which of these it misses).
CHAPTER_VARIABLES = tuple(STANDARD_VARIABLES)

_RESERVED = {WEIGHT, STRATA, PSU}
_INTEGRAL_TEXT = re.compile(r"^-?\d+\.0+$")


# --------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """YAML 1.2-style booleans: only true/false, so ``yes``/``no``/``on``/``off`` stay strings.

    Aliases (``*name``) are refused: a codebook never needs them, and nested aliases can
    expand without limit.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a codebook", event.start_mark)
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _code(value: Any) -> str | None:
    """Normalise one code (from YAML or a data file) to a string; ``None`` when missing.

    ``1``, ``1.0``, ``"1"`` and ``"1.0"`` all become ``"1"``; booleans become ``"true"`` or
    ``"false"``; text is stripped and empty text is missing.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return None
        return str(int(v)) if v.is_integer() else repr(v)
    text = str(value).strip()
    if text == "":
        return None
    if _INTEGRAL_TEXT.match(text):
        return text.split(".")[0]
    return text


# --------------------------------------------------------------------------- codebook


@dataclass(frozen=True)
class Variable:
    """One codebook entry.

    Attributes
    ----------
    column : str
        The column's name in the data file.
    name : str
        Its name in the standardised frame (the ``as:`` name, else ``column``).
    label : str
        What the question asked.
    type : str
        ``categorical``, ``binary``, ``numeric`` or ``text``.
    values : dict of str to str
        Code -> label, codes normalised as strings (see :func:`_code`).
    missing : tuple of str
        Codes that mean "no answer" (e.g. ``9`` for "refused").
    recode : dict of str to str
        Label -> value, applied after ``values`` (keys compared case-insensitively, stored
        normalised with :func:`~.recode.norm_label`).
    """

    column: str
    name: str
    label: str
    type: str
    values: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    recode: dict[str, str] = field(default_factory=dict)

    @property
    def answers(self) -> dict[str, str]:
        """``values`` without the codes listed under ``missing``."""
        return {c: lab for c, lab in self.values.items() if c not in self.missing}

    def standard(self, label: str) -> Any:
        """The value a label stands for in the standardised frame; ``None`` if unrecognised.

        Binary: ``True``/``False``. Standard variables with a vocabulary (and ``country``): the
        standard value. Others: the label after ``recode``.
        """
        if self.type == "binary":
            return binary_value(label, self.recode)
        if self.name in VOCABULARIES or self.name == "country":
            return standard_value(self.name, label, self.recode)
        key = norm_label(label)
        return self.recode.get(key, label) if self.recode else label

    @property
    def yes_code(self) -> str | None:
        """For a binary variable: the code whose label means yes."""
        for code, lab in self.answers.items():
            if binary_value(lab, self.recode) is True:
                return code
        return None


@dataclass(frozen=True)
class Design:
    """Design columns, as named in the data file."""

    weight: str
    strata: str | None = None
    psu: str | None = None


@dataclass(frozen=True)
class Codebook:
    """A parsed, checked codebook.

    Attributes
    ----------
    design : Design
        Weight, strata and PSU columns in the data file.
    pii : tuple of str
        Columns dropped when the file is read; they never reach an output.
    variables : tuple of Variable
        The variables kept, in codebook order.
    title : str, optional
        A title for the survey.
    synthetic : bool
        ``True`` for the synthetic survey; every derived output then says so.
    source : str
        Where the codebook came from (a path, or a description), for error messages.
    documented : tuple of str
        Columns the codebook describes under ``variables`` that are not kept as variables:
        PII columns (dropped) and design columns (used as the design).
    """

    design: Design
    pii: tuple[str, ...]
    variables: tuple[Variable, ...]
    title: str | None = None
    synthetic: bool = False
    source: str = "<codebook>"
    documented: tuple[str, ...] = ()

    def variable(self, name: str) -> Variable:
        """Return the variable with standard ``name`` (``KeyError`` if absent)."""
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Standard names of the variables, in codebook order."""
        return tuple(v.name for v in self.variables)

    @property
    def design_kwargs(self) -> dict[str, str | None]:
        """``weight``/``strata``/``psu`` arguments for the estimators on the standardised frame."""
        return {
            "weight": WEIGHT,
            "strata": STRATA if self.design.strata else None,
            "psu": PSU if self.design.psu else None,
        }

    def to_dict(self) -> dict[str, Any]:
        """The codebook as plain data, in the YAML layout."""
        out: dict[str, Any] = {}
        if self.title:
            out["title"] = self.title
        if self.synthetic:
            out["synthetic"] = True
        out["design"] = {
            "weight": self.design.weight,
            "strata": self.design.strata,
            "psu": self.design.psu,
        }
        out["pii"] = list(self.pii)
        variables: dict[str, Any] = {}
        for v in self.variables:
            entry: dict[str, Any] = {}
            if v.name != v.column:
                entry["as"] = v.name
            entry["label"] = v.label
            entry["type"] = v.type
            if v.values:
                entry["values"] = {_yaml_key(k): lab for k, lab in v.values.items()}
            if v.missing:
                entry["missing"] = [_yaml_key(m) for m in v.missing]
            if v.recode:
                entry["recode"] = dict(v.recode)
            variables[v.column] = entry
        out["variables"] = variables
        return out

    def to_yaml(self) -> str:
        """The codebook as YAML text (readable by :func:`parse_codebook`)."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)


def _yaml_key(code: str) -> int | str:
    """Write integer codes as YAML integers (``1``), everything else as text."""
    if code == "0" or re.fullmatch(r"-?[1-9]\d*", code):
        return int(code)
    return code


def read_codebook(path: str | Path) -> Codebook:
    """Read and check a YAML codebook file.

    Raises
    ------
    DataError
        If the file is missing, is not YAML, or breaks the layout (naming the entry at fault).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "codebook file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot read the codebook: {exc}") from exc
    return parse_codebook(text, source=str(path))


def parse_codebook(text: str | Mapping[str, Any], *, source: str = "<codebook>") -> Codebook:
    """Parse and check a codebook from YAML text or an already-parsed mapping.

    Parameters
    ----------
    text : str or mapping
        YAML text (``yes``/``no`` are read as text, not booleans) or its parsed form.
    source : str
        Shown in error messages as the file at fault.

    Returns
    -------
    Codebook
    """
    if isinstance(text, str):
        try:
            raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise DataError(source, f"is not valid YAML: {exc}") from exc
    else:
        raw = dict(text)
    if not isinstance(raw, Mapping):
        raise DataError(source, "a codebook must be a mapping with design, pii and variables")
    unknown = set(raw) - {"design", "pii", "variables", "title", "synthetic"}
    if unknown:
        raise DataError(source, f"unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}")

    design_raw = raw.get("design")
    if not isinstance(design_raw, Mapping) or not design_raw.get("weight"):
        raise DataError(source, "needs design: {weight: <column>, strata: ..., psu: ...}")
    extra = set(design_raw) - {"weight", "strata", "psu"}
    if extra:
        raise DataError(source, f"unknown design key(s): {', '.join(sorted(map(str, extra)))}")
    design = Design(
        weight=str(design_raw["weight"]),
        strata=str(design_raw["strata"]) if design_raw.get("strata") else None,
        psu=str(design_raw["psu"]) if design_raw.get("psu") else None,
    )

    pii_raw = raw.get("pii") or []
    if not isinstance(pii_raw, Sequence) or isinstance(pii_raw, str):
        raise DataError(source, "pii must be a list of column names")
    pii = tuple(str(p) for p in pii_raw)

    vars_raw = raw.get("variables")
    if not isinstance(vars_raw, Mapping) or not vars_raw:
        raise DataError(source, "needs a non-empty variables mapping")
    design_cols = [c for c in (design.weight, design.strata, design.psu) if c]
    leak = [c for c in design_cols if c in pii]
    if leak:
        raise DataError(source, f"PII column {leak[0]} is also a design column; a design "
                        "column is used in every estimate, so it cannot be dropped as PII",
                        column=leak[0])
    documented = tuple(str(col) for col in vars_raw
                       if str(col) in pii or str(col) in design_cols)
    for col in documented:
        if not isinstance(vars_raw[col], Mapping | None):
            raise DataError(source, "each variable needs a mapping {label, type, ...}",
                            column=col)
    variables = tuple(_parse_variable(str(col), spec, source) for col, spec in vars_raw.items()
                      if str(col) not in documented)

    names = [v.name for v in variables]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DataError(source, f"two columns map onto the same name: {', '.join(dupes)}")
    return Codebook(
        design=design,
        pii=pii,
        variables=variables,
        title=str(raw["title"]) if raw.get("title") else None,
        synthetic=bool(raw.get("synthetic", False)),
        source=source,
        documented=documented,
    )


def _labels(spec: Mapping[str, Any], key: str, column: str, source: str) -> dict[str, str]:
    raw = spec.get(key) or {}
    if not isinstance(raw, Mapping):
        raise DataError(source, f"{key} must be a mapping {{{'code' if key == 'values' else 'label'}"
                        ": label}}", column=column)
    out: dict[str, str] = {}
    for code, lab in raw.items():
        k = _code(code)
        if k is None or lab is None or str(lab).strip() == "":
            raise DataError(source, f"empty entry in {key} ({code!r}: {lab!r})", column=column)
        out[k if key == "values" else norm_label(k)] = (
            str(lab).lower() if isinstance(lab, bool) else " ".join(str(lab).split()))
    return out


def _parse_variable(column: str, spec: Any, source: str) -> Variable:
    if not isinstance(spec, Mapping):
        raise DataError(source, "each variable needs a mapping {label, type, ...}", column=column)
    unknown = set(spec) - {"as", "label", "type", "values", "missing", "recode"}
    if unknown:
        raise DataError(source, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}",
                        column=column)
    name = str(spec.get("as") or column)
    if not name.isidentifier():
        raise DataError(source, f"standard name {name!r} must be an identifier (give one with "
                        "as:)", column=column)
    if name in _RESERVED:
        raise DataError(source, f"{name!r} is reserved for the design", column=column)
    given = str(spec.get("type", "")).strip().lower()
    vtype = TYPE_ALIASES.get(given, given)
    if vtype not in TYPES:
        raise DataError(source, f"type must be one of {', '.join(TYPES)} (or "
                        f"{', '.join(sorted(TYPE_ALIASES))}), not {given!r}", column=column)
    if name in STANDARD_VARIABLES and STANDARD_VARIABLES[name][0] != vtype:
        if not (vtype == "categorical" and STANDARD_VARIABLES[name][0] == "binary"):
            raise DataError(source, f"standard variable {name!r} must have type "
                            f"{STANDARD_VARIABLES[name][0]}, not {vtype}", column=column)
        vtype = "binary"  # a yes/no select_one
    values = _labels(spec, "values", column, source)
    recode = _labels(spec, "recode", column, source)
    missing_raw = spec.get("missing") or []
    if isinstance(missing_raw, str | int | float):
        missing_raw = [missing_raw]
    missing = tuple(c for c in (_code(m) for m in missing_raw) if c is not None)
    var = Variable(column=column, name=name, label=str(spec.get("label") or name), type=vtype,
                   values=values, missing=missing, recode=recode)

    answers = var.answers
    if vtype == "binary" and answers:
        meant = [var.standard(lab) for lab in answers.values()]
        if len(answers) != 2 or set(meant) != {True, False}:
            shown = ", ".join(f"{c}: {lab!r}" for c, lab in answers.items())
            raise DataError(source, "a binary variable needs exactly two values (besides the "
                            "missing codes), one meaning yes and one meaning no "
                            f"({', '.join(sorted(YES_LABELS))} / {', '.join(sorted(NO_LABELS))},"
                            f" or map the labels with recode:); got {shown}", column=column)
    if (name in VOCABULARIES or name == "country") and answers:
        bad = [(c, lab) for c, lab in answers.items() if var.standard(lab) is None]
        if bad:
            what = (", ".join(VOCABULARIES[name]) if name in VOCABULARIES
                    else "ISO 3166-1 alpha-3 codes or country names")
            shown = ", ".join(f"{c} -> {lab!r}" for c, lab in bad)
            raise DataError(source, f"labels of {name!r} must be recognisable as {what}; "
                            f"{shown} is not (map it with recode: {{<label>: <value>}})",
                            column=column)
    return var
