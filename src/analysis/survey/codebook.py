"""The survey input contract: a microdata file plus a YAML codebook, mapped onto standard names.

A survey arrives as CSV, XLSX (as exported by KoboToolbox), SPSS ``.sav`` or Stata ``.dta`` and
a YAML codebook (see ``docs/survey-input.md``)::

    design: {weight: wt_final, strata: strat, psu: cluster_id}
    pii: [resp_name, resp_phone]
    variables:
      q_country: {as: country, label: Country, type: categorical,
                  values: {afg: AFG, bgd: BGD, pak: PAK}}
      q_aware_legal: {as: aware_legal, label: Aware of legal options, type: binary,
                      values: {1: "yes", 0: "no"}}

:func:`load_survey` reads both, drops the PII columns straight after reading, keeps only the
columns the codebook names (an allow-list), renames them to the standard names and converts
codes to labels. Every problem raises one :class:`~analysis.errors.DataError` naming the file,
the column and the offending rows.

The standardised frame has one row per respondent and the columns

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

from analysis.countries import known_codes
from analysis.errors import DataError

__all__ = [
    "CHAPTER_VARIABLES",
    "INFO_SOURCES",
    "PSU",
    "STANDARD_VARIABLES",
    "STRATA",
    "SUPPORTED_EXTENSIONS",
    "TYPES",
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

#: Standard column names of the design in the standardised frame.
WEIGHT, STRATA, PSU = "weight", "strata", "psu"
#: Variable types a codebook may use.
TYPES = ("categorical", "binary", "numeric", "text")
#: File extensions :func:`load_survey` reads.
SUPPORTED_EXTENSIONS = (".csv", ".xlsx", ".sav", ".dta")

#: The information sources, in display order (labels a codebook must map ``info_source`` onto).
INFO_SOURCES = (
    "agent or sub-agent",
    "family and friends",
    "social media",
    "Migrant Resource Centre",
    "government",
    "other",
)

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

#: Standard variables whose labels must come from a fixed vocabulary (case-insensitive).
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "gender": ("female", "male", "other"),
    "area": ("urban", "rural"),
    "info_source": INFO_SOURCES,
}

#: The variables the survey chapter needs.
CHAPTER_VARIABLES = tuple(STANDARD_VARIABLES)

_YES = {"yes", "true", "1"}
_NO = {"no", "false", "0"}
_RESERVED = {WEIGHT, STRATA, PSU}
_INTEGRAL_TEXT = re.compile(r"^-?\d+\.0+$")


# --------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """YAML 1.2-style booleans: only true/false, so ``yes``/``no``/``on``/``off`` stay strings."""


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
    """

    column: str
    name: str
    label: str
    type: str
    values: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def yes_code(self) -> str | None:
        """For a binary variable: the code whose label means yes."""
        for code, lab in self.values.items():
            if lab.strip().lower() in _YES:
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
    """

    design: Design
    pii: tuple[str, ...]
    variables: tuple[Variable, ...]
    title: str | None = None
    synthetic: bool = False
    source: str = "<codebook>"

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
    variables = tuple(_parse_variable(str(col), spec, source) for col, spec in vars_raw.items())

    names = [v.name for v in variables]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DataError(source, f"two columns map onto the same name: {', '.join(dupes)}")
    design_cols = [c for c in (design.weight, design.strata, design.psu) if c]
    used = set(design_cols) | {v.column for v in variables}
    leak = sorted(set(pii) & used)
    if leak:
        raise DataError(source, f"PII column(s) {', '.join(leak)} are also listed as design "
                        "columns or variables; PII must never reach an output",
                        column=leak[0])
    clash = sorted(set(design_cols) & {v.column for v in variables})
    if clash:
        raise DataError(source, "a design column cannot also be a variable", column=clash[0])
    return Codebook(
        design=design,
        pii=pii,
        variables=variables,
        title=str(raw["title"]) if raw.get("title") else None,
        synthetic=bool(raw.get("synthetic", False)),
        source=source,
    )


def _parse_variable(column: str, spec: Any, source: str) -> Variable:
    if not isinstance(spec, Mapping):
        raise DataError(source, "each variable needs a mapping {label, type, ...}", column=column)
    unknown = set(spec) - {"as", "label", "type", "values", "missing"}
    if unknown:
        raise DataError(source, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}",
                        column=column)
    name = str(spec.get("as") or column)
    if not name.isidentifier():
        raise DataError(source, f"standard name {name!r} must be an identifier", column=column)
    if name in _RESERVED:
        raise DataError(source, f"{name!r} is reserved for the design", column=column)
    vtype = str(spec.get("type", "")).strip().lower()
    if vtype not in TYPES:
        raise DataError(source, f"type must be one of {', '.join(TYPES)}, not {vtype!r}",
                        column=column)
    if name in STANDARD_VARIABLES and STANDARD_VARIABLES[name][0] != vtype:
        raise DataError(source, f"standard variable {name!r} must have type "
                        f"{STANDARD_VARIABLES[name][0]}, not {vtype}", column=column)
    values_raw = spec.get("values") or {}
    if not isinstance(values_raw, Mapping):
        raise DataError(source, "values must be a mapping {code: label}", column=column)
    values: dict[str, str] = {}
    for code, lab in values_raw.items():
        key = _code(code)
        if key is None or lab is None or str(lab).strip() == "":
            raise DataError(source, f"empty code or label in values ({code!r}: {lab!r})",
                            column=column)
        values[key] = str(lab).strip() if not isinstance(lab, bool) else str(lab).lower()
    missing_raw = spec.get("missing") or []
    if isinstance(missing_raw, str | int | float):
        missing_raw = [missing_raw]
    missing = tuple(c for c in (_code(m) for m in missing_raw) if c is not None)

    if vtype == "binary":
        labels = {lab.lower() for lab in values.values()}
        if len(values) != 2 or not (labels & _YES) or not (labels & _NO):
            raise DataError(source, "a binary variable needs exactly two values, one labelled "
                            "'yes' and one labelled 'no'", column=column)
    if name in VOCABULARIES:
        vocab = {v.lower(): v for v in VOCABULARIES[name]}
        if values:
            bad = [lab for lab in values.values() if _norm_label(lab) not in vocab]
            if bad:
                raise DataError(source, f"labels of {name!r} must be among "
                                f"{', '.join(VOCABULARIES[name])}; got {', '.join(bad)}",
                                column=column)
            values = {k: vocab[_norm_label(lab)] for k, lab in values.items()}
    return Variable(column=column, name=name, label=str(spec.get("label") or name), type=vtype,
                    values=values, missing=missing)


def _norm_label(label: str) -> str:
    return " ".join(str(label).split()).lower()


# --------------------------------------------------------------------------- data


def _row_name(path: Path) -> tuple[str, int]:
    """How to name a data row in messages: CSV line, Excel row or SPSS/Stata case number."""
    ext = path.suffix.lower()
    if ext == ".csv":
        return "line", 2
    if ext == ".xlsx":
        return "row", 2
    return "case", 1


def read_microdata(path: str | Path) -> pd.DataFrame:
    """Read a microdata file as it is, without interpretation.

    CSV is read as text (UTF-8, with or without BOM); XLSX from its first sheet (a
    KoboToolbox export with "XML values and headers"); ``.sav`` and ``.dta`` with pyreadstat,
    keeping the codes (value labels are not applied; user-missing values become missing).

    Raises
    ------
    DataError
        For a missing file, an unsupported extension or a file that cannot be parsed.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise DataError(path, f"unsupported file type {ext or '(none)'!r}; use "
                        f"{', '.join(SUPPORTED_EXTENSIONS)}")
    if not path.is_file():
        raise DataError(path, "survey file not found")
    try:
        if ext == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if ext == ".xlsx":
            return pd.read_excel(path, sheet_name=0, engine="openpyxl")
        import pyreadstat

        reader = pyreadstat.read_sav if ext == ".sav" else pyreadstat.read_dta
        frame, _meta = reader(str(path))
        return frame
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file for the user
        kind = {".csv": "CSV", ".xlsx": "an Excel workbook", ".sav": "an SPSS file",
                ".dta": "a Stata file"}[ext]
        raise DataError(path, f"cannot be read as {kind}: {type(exc).__name__}: {exc}") from exc


def _offending(series: pd.Series, bad: np.ndarray, unit: str, base: int) -> list[str]:
    idx = np.flatnonzero(bad)
    return [f"{unit} {int(i) + base}: {series.iloc[i]!r}" for i in idx]


def apply_codebook(
    raw: pd.DataFrame, codebook: Codebook, *, source: str | Path = "<data>"
) -> pd.DataFrame:
    """Turn a raw survey table into the standardised frame, checking every value.

    PII columns are dropped first; then only the design columns and the codebook's variables
    are kept.

    Parameters
    ----------
    raw : DataFrame
        The table as read (:func:`read_microdata`) or generated.
    codebook : Codebook
        The codebook describing ``raw``.
    source : str or Path
        Named in error messages as the file at fault.

    Returns
    -------
    DataFrame
        The standardised frame (see the module docstring).

    Raises
    ------
    DataError
        Missing design column or variable, missing/non-numeric/non-positive weight, missing
        stratum or PSU, unknown code, unknown country code, non-numeric value in a numeric
        variable.
    """
    path = Path(str(source))
    unit, base = _row_name(path)
    raw = raw.drop(columns=[c for c in codebook.pii if c in raw.columns])
    raw = raw.reset_index(drop=True)
    out: dict[str, Any] = {}

    d = codebook.design
    for role, col in (("weight", d.weight), ("strata", d.strata), ("psu", d.psu)):
        if col is None:
            continue
        if col not in raw.columns:
            raise DataError(path, f"the design's {role} column is missing from the file",
                            column=col)
        series = raw[col]
        codes = series.map(_code)
        missing = codes.isna().to_numpy()
        if role == "weight":
            numeric = pd.to_numeric(codes, errors="coerce").astype("float64")
            bad = missing | numeric.isna().to_numpy() | ~(numeric.to_numpy() > 0)
            bad |= ~np.isfinite(numeric.fillna(0).to_numpy())
            if bad.any():
                raise DataError(path, "weights must be numbers greater than zero",
                                column=col, rows=_offending(series, bad, unit, base))
            out[WEIGHT] = numeric.to_numpy(dtype=float)
        else:
            if missing.any():
                raise DataError(path, f"the {role} column has missing values", column=col,
                                rows=_offending(series, missing, unit, base))
            out[{"strata": STRATA, "psu": PSU}[role]] = codes.astype("string").to_numpy()

    for var in codebook.variables:
        if var.column not in raw.columns:
            raise DataError(path, f"column listed in the codebook ({codebook.source}) is "
                            "missing from the file", column=var.column)
        out[var.name] = _convert(raw[var.column], var, path, unit, base)

    frame = pd.DataFrame(out)
    for col in (STRATA, PSU):
        if col in frame:
            frame[col] = frame[col].astype("string")
    return frame


def _convert(series: pd.Series, var: Variable, path: Path, unit: str, base: int) -> Any:
    codes = series.map(_code)
    if var.missing:
        codes = codes.where(~codes.isin(var.missing), None)
    present = codes.notna().to_numpy()

    if var.type == "text":
        return pd.array([None if pd.isna(c) else str(series.iloc[i]).strip()
                         for i, c in enumerate(codes)], dtype="string")
    if var.type == "numeric":
        numeric = pd.to_numeric(codes, errors="coerce").astype("float64")
        bad = present & numeric.isna().to_numpy()
        if bad.any():
            raise DataError(path, "values must be numbers", column=var.column,
                            rows=_offending(series, bad, unit, base))
        return numeric.to_numpy(dtype=float)

    if var.values:
        known = set(var.values)
        bad = present & ~codes.isin(known).to_numpy()
        if bad.any():
            raise DataError(path, f"code(s) not in the codebook's values "
                            f"({', '.join(sorted(known))})", column=var.column,
                            rows=_offending(series, bad, unit, base))
        labels = codes.map(var.values)
    else:
        labels = codes

    if var.type == "binary":
        yes = var.values[var.yes_code] if var.yes_code is not None else None
        return pd.array([None if lab is None or (isinstance(lab, float) and math.isnan(lab))
                         else lab == yes for lab in labels], dtype="boolean")

    # categorical
    if var.name == "country":
        labels = labels.map(lambda x: x.upper() if isinstance(x, str) else x)
        bad = present & ~labels.isin(known_codes()).to_numpy()
        if bad.any():
            raise DataError(path, "unknown country code (use ISO 3166-1 alpha-3, or map the "
                            "codes with values:)", column=var.column,
                            rows=_offending(series, bad, unit, base))
    if var.name in VOCABULARIES and not var.values:
        vocab = {v.lower(): v for v in VOCABULARIES[var.name]}
        normed = labels.map(lambda x: _norm_label(x) if isinstance(x, str) else x)
        bad = present & ~normed.isin(list(vocab)).to_numpy()
        if bad.any():
            raise DataError(path, f"values must be among {', '.join(VOCABULARIES[var.name])} "
                            "(or map the codes with values:)", column=var.column,
                            rows=_offending(series, bad, unit, base))
        labels = normed.map(vocab)
    if var.values:
        order = list(dict.fromkeys(var.values.values()))
        if var.name == "country":
            order = list(dict.fromkeys(o.upper() for o in order))
        if var.name == "info_source":
            order = [s for s in INFO_SOURCES if s in order]
    else:
        order = sorted({x for x in labels if isinstance(x, str)})
    return pd.Categorical(labels.where(labels.notna(), None), categories=order)


def load_survey(data_path: str | Path, codebook_path: str | Path) -> tuple[pd.DataFrame, Codebook]:
    """Read a survey file and its codebook into the standardised frame.

    Parameters
    ----------
    data_path : path-like
        ``.csv``, ``.xlsx``, ``.sav`` or ``.dta``.
    codebook_path : path-like
        The YAML codebook.

    Returns
    -------
    (DataFrame, Codebook)
        The standardised frame (PII dropped, standard names) and the parsed codebook.

    Raises
    ------
    DataError
        For any problem with either file, naming the file, the column and the rows.

    Examples
    --------
    >>> df, cb = load_survey("mrc.dta", "mrc.codebook.yaml")  # doctest: +SKIP
    >>> weighted_proportion(df, "aware_legal", by="country", **cb.design_kwargs)  # doctest: +SKIP
    """
    codebook = read_codebook(codebook_path)
    raw = read_microdata(data_path)
    return apply_codebook(raw, codebook, source=Path(data_path)), codebook
