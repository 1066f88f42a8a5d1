"""Chapter parameters: parse ``-p name=value``, convert to the declared type, check the data.

Everything is checked before any notebook runs; every problem of a chapter is reported at
once as one :class:`~analysis.errors.ParameterError` (exit code 2). Values are handed to
papermill as a dict (never as code built from strings).

>>> parse_assignments(["year=2020", "countries=PAK,BGD"])
{'year': '2020', 'countries': 'PAK,BGD'}
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from analysis.config import shown_path
from analysis.errors import ParameterError
from analysis.pipeline.chapters import DATA_DIR_PARAMETER, Chapter, ParameterSpec
from analysis.pipeline.datainfo import year_span

__all__ = ["YearSource", "check_year", "coerce", "needs_data", "parse_assignments",
           "resolve_parameters", "shown_values", "typed_values"]


class YearSource(Protocol):
    """Anything that tells which years a table (or one indicator of it) covers."""

    def years(self, table: str, indicator: str | None = None) -> list[int]: ...


def parse_assignments(items: Iterable[str] | None) -> dict[str, str]:
    """Split ``name=value`` strings into a dict (values stay strings).

    Raises
    ------
    ParameterError
        For an item without ``=``, an empty name, or a name given twice.
    """
    out: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"-p {item!r}: expected NAME=VALUE, e.g. -p year=2020")
        if name in out:
            raise ParameterError(f"-p {name}=… is given twice")
        out[name] = value.strip()
    return out


def _number(spec: ParameterSpec, value: Any, kind: type) -> int | float:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str):
        text = value.strip()
        number = int(text) if kind is int else float(text)
    elif kind is int and isinstance(value, int):
        number = value
    elif kind is float and isinstance(value, int | float):
        number = float(value)
    else:
        raise ValueError
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError
    return number


def _what(spec: ParameterSpec) -> str:
    return {
        "int": "an integer", "float": "a number", "year": "a year such as 2020",
        "str": "text", "codes": "ISO-3 codes or a group name",
        "country": "one ISO-3 country code", "path": "a file path",
        "choice": f"one of {', '.join(spec.choices)}",
        "names": "names separated by commas",
        "weights": "NAME:NUMBER pairs separated by commas (e.g. gdp_per_capita_ppp:2)",
    }[spec.type]


def coerce(spec: ParameterSpec, value: Any) -> Any:
    """Convert ``value`` (a string from the command line, or a registry default) to the type.

    Raises
    ------
    ValueError
        With a message naming the parameter, the value and the expected type.
    """
    shown = f"{spec.name}={_short(value)}"
    try:
        if spec.type == "int":
            result: Any = _number(spec, value, int)
        elif spec.type == "float":
            result = _number(spec, value, float)
        elif spec.type == "year":
            result = 0 if value == "" else _number(spec, value, int)
        else:
            if not isinstance(value, str):
                raise ValueError
            result = value.strip()
    except ValueError:
        raise ValueError(f"{shown} is not {_what(spec)}") from None
    if spec.type in ("int", "float"):
        if spec.min is not None and result < spec.min:
            raise ValueError(f"{spec.name}={result} is below the minimum {spec.min:g}")
        if spec.max is not None and result > spec.max:
            raise ValueError(f"{spec.name}={result} is above the maximum {spec.max:g}")
    if spec.type == "choice" and result not in spec.choices:
        raise ValueError(f"{shown} is not {_what(spec)}")
    if spec.type == "codes":
        result = _codes(spec, result)
    if spec.type == "country":
        result = _country(spec, result)
    if spec.type == "names":
        result = ",".join(_names(spec, result))
    if spec.type == "weights":
        result = ",".join(f"{k}:{v}" for k, v in _weight_items(spec, result))
    if spec.type == "path" and result:
        if len(result) > 4096 or "\0" in result:
            raise ValueError(f"{shown} is not {_what(spec)} ({len(result):,} characters)")
        try:
            path = Path(result).expanduser().resolve()
            regular = path.is_file()
        except (OSError, RuntimeError) as exc:  # too long a name, a symlink loop …
            detail = getattr(exc, "strerror", None) or str(exc)
            raise ValueError(f"{shown}: cannot be opened ({detail})") from None
        if not regular:
            raise ValueError(f"{shown}: file not found ({_short(str(path))})")
        result = str(path)
    return result


def _short(value: Any, limit: int = 80) -> str:
    """``value`` for a message, shortened (a 10,000-digit year is not echoed whole)."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


def _country(spec: ParameterSpec, value: str) -> str:
    from analysis.countries import UNKNOWN_ORIGIN, known_codes, suggest

    code = value.strip().upper()
    if code in UNKNOWN_ORIGIN:
        raise ValueError(f"{spec.name}={_short(value)} stands for no single country "
                         "(unknown origin, stateless …); give one ISO-3 country code")
    if code not in known_codes() or code.lower() in ("eu27",):
        close = suggest(value, groups=False)
        hint = f"; did you mean '{close}'?" if close and close != "EU27" else ""
        raise ValueError(f"{spec.name}={_short(value)} is not {_what(spec)} (e.g. PAK){hint}; "
                         "groups and lists are not accepted here")
    return code


def _codes(spec: ParameterSpec, value: str) -> str:
    from analysis.countries import GROUPS, UNKNOWN_ORIGIN, resolve_countries

    try:
        codes = resolve_countries(value, default="")
    except ValueError as exc:
        raise ValueError(f"{spec.name}={_short(value)}: {_short(str(exc), 200)}") from None
    unknown = [c for c in codes if c in UNKNOWN_ORIGIN]
    if unknown:
        raise ValueError(f"{spec.name}={_short(value)}: {', '.join(unknown)} stands for no "
                         "single country (unknown origin, stateless …); give ISO-3 country "
                         "codes or a group")
    if value.lower() in GROUPS or value.lower() == "all" or value == "":
        return value.lower()
    items = (s.strip() for s in value.split(",") if s.strip())
    return ",".join(s.lower() if s.lower() in GROUPS else s.upper() for s in items)


def _names(spec: ParameterSpec, value: str) -> list[str]:
    items = [s.strip() for s in value.split(",") if s.strip()]
    twice = sorted({s for s in items if items.count(s) > 1})
    if twice:
        raise ValueError(f"{spec.name}={_short(value)}: {', '.join(twice)} given twice")
    return items


def _weight_items(spec: ParameterSpec, value: str) -> list[tuple[str, str]]:
    """``"a:2, b=0.5"`` -> ``[("a", "2"), ("b", "0.5")]``, each number checked."""
    out: list[tuple[str, str]] = []
    for item in (s.strip() for s in value.split(",") if s.strip()):
        key, sep, number = item.partition("=" if "=" in item else ":")
        key, number = key.strip(), number.strip()
        if not sep or not key:
            raise ValueError(f"{spec.name}={_short(value)}: expected NAME:NUMBER, got "
                             f"{_short(item)} (e.g. gdp_per_capita_ppp:2)")
        try:
            weight = float(number)
        except ValueError:
            raise ValueError(f"{spec.name}: {key}={_short(number)} is not a number") from None
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"{spec.name}: {key} must be a non-negative number, got "
                             f"{_short(number)}")
        if key in dict(out):
            raise ValueError(f"{spec.name}: {key} is given twice")
        out.append((key, number))
    return out


def check_year(spec: ParameterSpec, value: int, data: YearSource | None) -> None:
    """Refuse a year the data do not cover.

    Raises
    ------
    ValueError
        ``"year=1999 is outside the data: detections cover 2014–2025"``.
    """
    if value == 0 and spec.derive:
        return  # derived from another parameter by resolve_parameters, then checked
    if data is None or spec.table is None:
        raise RuntimeError(f"{spec.name}: checking a year needs the data coverage")
    try:
        years = data.years(spec.table, spec.indicator)
    except KeyError as exc:
        raise ValueError(f"{spec.name}: the registry bounds it by {exc.args[0]}") from None
    what = (f"{spec.indicator} ({spec.table})" if spec.indicator else spec.table)
    verb = "covers" if spec.indicator else "cover"
    if not years or value < min(years) or value > max(years):
        raise ValueError(f"{spec.name}={value} is outside the data: {what} {verb} "
                         f"{year_span(years)}")
    if value not in years:
        listed = ", ".join(str(y) for y in years)
        raise ValueError(f"{spec.name}={value} has no data: {what} {verb} only {listed}")


def needs_data(chapter: Chapter, values: Mapping[str, Any]) -> bool:
    """Whether validating ``values`` needs the data's year coverage."""
    return any(spec.type == "year" for spec in chapter.parameters.values())


def resolve_parameters(chapter: Chapter, overrides: Mapping[str, str] | None = None,
                       data: YearSource | None = None) -> dict[str, Any]:
    """The effective, validated parameters of a chapter (defaults plus overrides).

    Parameters
    ----------
    chapter : Chapter
        The chapter.
    overrides : mapping, optional
        ``name -> value`` strings from ``-p name=value``.
    data : YearSource, optional
        Year coverage of the data; needed when a ``year`` parameter is set (see
        :func:`needs_data`).

    Returns
    -------
    dict
        Name -> value in its canonical form (what papermill injects: int, float or str; a
        derived year resolved, e.g. ``base_year`` 0 -> ``year - 1``), in registry order;
        ``data_dir`` is not included. :func:`typed_values` turns them into what the
        notebook works with.

    Raises
    ------
    ParameterError
        Listing every unknown name, wrong type, value outside its bounds or the data, and
        unknown country code.
    """
    overrides = dict(overrides or {})
    problems: list[str] = []
    for name in overrides:
        if name in chapter.parameters:
            continue
        if name == DATA_DIR_PARAMETER:
            problems.append("data_dir is set with --data-dir, not -p")
            continue
        close = difflib.get_close_matches(name, list(chapter.parameters), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        known = ", ".join(chapter.parameters) or "none"
        problems.append(f"unknown parameter '{name}'{hint} (parameters: {known})")
    values: dict[str, Any] = {}
    for name, spec in chapter.parameters.items():
        try:
            values[name] = coerce(spec, overrides.get(name, spec.default))
        except ValueError as exc:
            problems.append(str(exc))
    for name, spec in chapter.parameters.items():
        if spec.derive == "previous" and isinstance(values.get("year"), int):
            if values.get(name) == 0:
                values[name] = values["year"] - 1
            elif values.get(name) == values["year"]:
                problems.append(f"{name}={values[name]} must differ from year ({values['year']}); "
                                f"0 means the year before")
    for name, spec in chapter.parameters.items():
        if spec.type == "year" and name in values:
            try:
                check_year(spec, values[name], data)
            except ValueError as exc:
                problems.append(str(exc))
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ParameterError(f"chapter '{chapter.id}': invalid parameters\n{lines}\n"
                             "nothing was run")
    return values


def typed_values(chapter: Chapter, values: Mapping[str, Any]) -> dict[str, Any]:
    """What the notebook works with, from the canonical values of :func:`resolve_parameters`.

    - ``codes``: a list of ISO-3 codes with groups resolved (:mod:`analysis.countries`), or
      ``None`` for ``""``/``"all"`` (no filter);
    - ``path``: an absolute :class:`~pathlib.Path`, or ``None`` for ``""``;
    - ``names``: a list of str (``[]`` for ``""``);
    - ``weights``: a dict name -> float (``{}`` for ``""``);
    - every other type: the value as it is.

    Parameters
    ----------
    chapter : Chapter
        The chapter.
    values : mapping
        Validated values (:func:`resolve_parameters`); names the chapter does not declare are
        passed through unchanged.

    Returns
    -------
    dict

    Examples
    --------
    >>> from pathlib import Path
    >>> from analysis.pipeline.chapters import ParameterSpec
    >>> specs = {"region": ParameterSpec("region", "codes", ""),
    ...          "by": ParameterSpec("by", "names", "")}
    >>> chapter = Chapter("c", Path("c.ipynb"), "C", specs)
    >>> typed_values(chapter, {"region": "pak,silk_routes", "by": "country,gender"})
    {'region': ['PAK', 'AFG', 'BGD', 'IRN', 'IRQ'], 'by': ['country', 'gender']}
    """
    from analysis.countries import resolve_countries

    out = dict(values)
    for name, spec in chapter.parameters.items():
        if name not in out:
            continue
        value = out[name]
        if spec.type == "codes":
            text = str(value).strip()
            out[name] = None if text.lower() in ("", "all") else resolve_countries(text, text)
        elif spec.type == "path":
            out[name] = Path(value) if str(value).strip() else None
        elif spec.type == "names":
            out[name] = [s.strip() for s in str(value).split(",") if s.strip()]
        elif spec.type == "weights":
            out[name] = {k: float(v) for k, v in _weight_items(spec, str(value))}
    return out


def shown_values(chapter: Chapter, values: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as the drafts, the index and the key figures show them, for readers.

    A derived year is shown as the year (:func:`resolve_parameters` resolved it); ``codes``
    meaning every country are shown as ``"all"``; lists (codes, names, weights) are separated
    by ``", "``; a path under the project root is shown relative to it (the drafts must not
    depend on where the project lives); no path and no weights as ``"none"``.

    Examples
    --------
    >>> from pathlib import Path
    >>> from analysis.pipeline.chapters import ParameterSpec
    >>> chapter = Chapter("c", Path("c.ipynb"), "C", {"region": ParameterSpec("region",
    ...                   "codes", ""), "file": ParameterSpec("file", "path", "")})
    >>> shown_values(chapter, {"region": "", "file": ""})
    {'region': 'all', 'file': 'none'}
    >>> shown_values(chapter, {"region": "PAK,silk_routes"})["region"]
    'PAK, silk_routes'

    """
    shown = dict(values)
    for name, spec in chapter.parameters.items():
        if name not in shown:
            continue
        text = str(shown[name]).strip()
        if spec.type == "codes" and text.lower() in ("", "all"):
            shown[name] = "all"
        elif spec.type in ("codes", "names", "weights"):
            shown[name] = ", ".join(s.strip() for s in text.split(",")) or "none"
        elif spec.type == "path":
            shown[name] = shown_path(Path(text)) if text else "none"
    return shown
