"""Reading a survey file and turning it into the standardised frame with its codebook.

:func:`load_survey` reads both files, drops the PII columns straight after reading, keeps only
the design columns and the variables the codebook names (an allow-list), renames them to the
standard names and converts each value: code -> label (``values``; a label written in the file
in place of its code is accepted too) -> standard value (``recode`` and the recognition in
:mod:`.recode`). Every problem raises one :class:`~analysis.errors.DataError` naming the file,
the column and the offending rows, each with the value as it is in the file and, when it went
through ``values``, the label it was mapped to.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.survey.codebook.contract import (
    PSU,
    STRATA,
    SUPPORTED_EXTENSIONS,
    WEIGHT,
    Codebook,
    Variable,
    _code,
    read_codebook,
)
from analysis.survey.codebook.recode import INFO_SOURCES, VOCABULARIES, norm_label

__all__ = ["apply_codebook", "load_survey", "read_microdata"]


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
    KoboToolbox export, with codes or with labels); ``.sav`` and ``.dta`` with pyreadstat,
    keeping the codes (the file's own value labels are not applied; the codebook's are;
    user-missing values become missing).

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


def _offending(series: pd.Series, bad: np.ndarray, unit: str, base: int,
               mapped: pd.Series | None = None) -> list[str]:
    """``line 7: '4' -> 'Pakistn'``: the value as in the file, and its label when mapped."""
    out = []
    for i in np.flatnonzero(bad):
        value = series.iloc[i]
        text = f"{unit} {int(i) + base}: {value.item() if isinstance(value, np.generic) else value!r}"
        if mapped is not None and isinstance(mapped.iloc[i], str) \
                and mapped.iloc[i] != _code(series.iloc[i]):
            text += f" -> {mapped.iloc[i]!r}"
        out.append(text)
    return out


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
        The standardised frame (see :mod:`analysis.survey.codebook`).

    Raises
    ------
    DataError
        Missing design column or variable, missing/non-numeric/non-positive weight, missing
        stratum or PSU, a value not in ``values``, a label not recognised, text in a numeric
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


def _labels(codes: pd.Series, var: Variable, series: pd.Series, path: Path, unit: str,
            base: int) -> pd.Series:
    """Code -> label through ``values``; a label written in place of its code is kept."""
    if not var.values:
        return codes
    by_label = {norm_label(lab): lab for lab in var.values.values()}

    def one(c: Any) -> Any:
        if c is None or (isinstance(c, float) and math.isnan(c)) or c in var.missing:
            return None
        if c in var.values:
            return var.values[c]
        return by_label.get(norm_label(c), _UNKNOWN)

    labels = codes.map(one)
    bad = (labels == _UNKNOWN).to_numpy()
    if bad.any():
        shown = ", ".join(f"{c}: {lab}" for c, lab in list(var.values.items())[:8])
        raise DataError(path, f"value(s) that are neither a code nor a label of the codebook's "
                        f"values ({shown}{' …' if len(var.values) > 8 else ''})",
                        column=var.column, rows=_offending(series, bad, unit, base))
    return labels


_UNKNOWN = "\x00unknown"


def _convert(series: pd.Series, var: Variable, path: Path, unit: str, base: int) -> Any:
    codes = series.map(_code)
    # Numbers and text keep their values; value labels there only name the missing codes.
    labels = (codes if var.type in ("numeric", "text")
              else _labels(codes, var, series, path, unit, base))
    missing_labels = {norm_label(var.values[c]) for c in var.missing if c in var.values}
    is_missing = codes.isin(var.missing) | labels.map(
        lambda x: isinstance(x, str) and norm_label(x) in missing_labels)
    labels = labels.where(~is_missing & labels.notna(), None)
    present = labels.notna().to_numpy()

    if var.type == "text":
        return pd.array([None if not present[i] else str(series.iloc[i]).strip()
                         for i in range(len(series))], dtype="string")
    if var.type == "numeric":
        numeric = pd.to_numeric(labels, errors="coerce").astype("float64")
        bad = present & numeric.isna().to_numpy()
        if bad.any():
            raise DataError(path, "values must be numbers", column=var.column,
                            rows=_offending(series, bad, unit, base))
        return numeric.to_numpy(dtype=float)

    std = labels.map(lambda x: var.standard(x) if isinstance(x, str) else None)
    bad = present & std.isna().to_numpy()
    if bad.any():
        if var.type == "binary":
            what = "yes or no"
        elif var.name == "country":
            what = "an ISO 3166-1 alpha-3 code or a country name"
        else:
            what = "one of " + ", ".join(VOCABULARIES[var.name])
        raise DataError(path, f"value(s) not recognised as {what} (map them with values: "
                        "{<code>: <label>} and recode: {<label>: <value>})", column=var.column,
                        rows=_offending(series, bad, unit, base, mapped=labels))
    if var.type == "binary":
        return pd.array([None if v is None else bool(v) for v in std], dtype="boolean")

    # categorical: categories in codebook order (standard order for info_source)
    if var.answers:
        order = list(dict.fromkeys(var.standard(lab) for lab in var.answers.values()))
    else:
        order = sorted({x for x in std if isinstance(x, str)})
    if var.name == "info_source":
        order = [s for s in INFO_SOURCES if s in order]
    return pd.Categorical(std.where(std.notna(), None), categories=order)


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
