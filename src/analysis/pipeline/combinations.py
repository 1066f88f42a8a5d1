"""The combinations of a sweep: ``--over`` values, validated, in a stable order, named.

Values of ``--over``
    ``--over NAME=V1,V2,V3`` separates values with commas. When the text holds a semicolon,
    semicolons separate the values instead, so list-like values keep their commas:
    ``--over "countries=PAK,BGD;AFG,IRN"`` sweeps two values, and ``--over
    "countries=PAK,BGD;"`` a single one. Repeating ``--over`` for the same name adds values.
    Empty values (and commas around a value) are ignored; a value given twice is refused.

Every swept value is checked with the chapter's declared parameter type, years against the
data (:mod:`analysis.pipeline.params`), before anything runs; the cartesian product is in
registry order (the first swept parameter varies slowest), each one's values in the order
given; each combination gets a folder name (:func:`combination_name`).
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from analysis.errors import ParameterError
from analysis.pipeline.chapters import DATA_DIR_PARAMETER, Chapter
from analysis.pipeline.engine import shown_parameters
from analysis.pipeline.params import YearSource, check_year, coerce, resolve_parameters

__all__ = ["Combination", "combination_name", "combinations", "parse_over", "value_text"]

_SAFE = re.compile(r"^[A-Za-z0-9._,+-]{1,40}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._,+-]+")


@dataclass(frozen=True)
class Combination:
    """One point of a sweep.

    Attributes
    ----------
    index : int
        Its position in the sweep, from 1.
    name : str
        Its sub-directory of the output directory (:func:`combination_name`).
    values : dict
        Swept parameter -> value as drafts show it, in registry order.
    parameters : dict
        Every effective parameter (typed), as the notebook receives it.
    """

    index: int
    name: str
    values: dict[str, Any]
    parameters: dict[str, Any]


def parse_over(items: Iterable[str] | None) -> dict[str, list[str]]:
    """Split ``--over NAME=V1,V2`` options into name -> value strings (see the module docs).

    >>> parse_over(["country=PAK,BGD", "countries=PAK,BGD;AFG", "country=IRN"])
    {'country': ['PAK', 'BGD', 'IRN'], 'countries': ['PAK,BGD', 'AFG']}

    Raises
    ------
    ParameterError
        For an item without ``=`` or without values, or when there is no item at all.
    """
    out: dict[str, list[str]] = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--over {item!r}: expected NAME=V1,V2,…, "
                                 "e.g. --over country=PAK,BGD")
        parts = text.split(";") if ";" in text else text.split(",")
        values = [v.strip(" ,") for v in parts if v.strip(" ,")]
        if not values:
            raise ParameterError(f"--over {item!r}: no values")
        out.setdefault(name, []).extend(values)
    if not out:
        raise ParameterError("a sweep needs at least one --over NAME=V1,V2,…")
    return out


def value_text(value: Any) -> str:
    """A parameter or key-figure value as text: the same text wherever the sweep ran.

    >>> [value_text(v) for v in (None, True, 0.1, 3, "PAK", ["A", "B"])]
    ['', 'true', '0.1', '3', 'PAK', '["A", "B"]']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _part(value: Any, hashed: bool = False) -> str:
    text = value_text(value)
    if _SAFE.match(text) and not hashed:
        return text
    stem = _UNSAFE.sub("-", text).strip("-.")[:32]
    return f"{stem}~{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def combination_name(values: Mapping[str, Any], hashed: bool = False) -> str:
    """The sub-directory of a combination: readable, stable and safe on any file system.

    A value made of at most 40 letters, digits and ``. _ , + -`` is kept as it is; any other
    (and every value when ``hashed``) becomes a shortened, cleaned copy followed by ``~`` and 8
    hex digits of its SHA-256, so distinct values never share a name.

    >>> combination_name({"country": "PAK", "year": 2020})
    'country=PAK__year=2020'
    >>> combination_name({"label": "a/b c"})
    'label=a-b-c~0af99a60'
    """
    return "__".join(f"{name}={_part(value, hashed)}" for name, value in values.items())


def _problem_lines(exc: ParameterError) -> list[str]:
    lines = [ln[4:] for ln in str(exc).splitlines() if ln.startswith("  - ")]
    return lines or [str(exc)]


def _unknown(chapter: Chapter, name: str) -> str:
    if name == DATA_DIR_PARAMETER:
        return "data_dir is set with --data-dir, not swept"
    close = difflib.get_close_matches(name, list(chapter.parameters), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    known = ", ".join(chapter.parameters) or "none"
    return f"--over {name}: unknown parameter{hint} (parameters: {known})"


def _swept_values(chapter: Chapter, over: Mapping[str, Sequence[str]],
                  fixed: Mapping[str, str], data: YearSource | None,
                  ) -> tuple[dict[str, list[str]], list[str]]:
    """Validate every swept value on its own: name -> accepted raw values, and the problems."""
    problems: list[str] = []
    accepted: dict[str, list[str]] = {}
    for name, raws in over.items():
        spec = chapter.parameters.get(name)
        if spec is None:
            problems.append(_unknown(chapter, name))
            continue
        if name in fixed:
            problems.append(f"{name} is both swept (--over) and fixed (-p)")
            continue
        seen: dict[Any, str] = {}
        for raw in raws:
            try:
                value = coerce(spec, raw)
                if spec.type == "year":
                    check_year(spec, value, data)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if value in seen:
                also = f" (as {seen[value]!r} and {raw!r})" if seen[value] != raw else ""
                problems.append(f"--over {name}: {value_text(value)} is given twice{also}")
                continue
            seen[value] = raw
        accepted[name] = list(seen.values())
    return accepted, problems


def combinations(chapter: Chapter, over: Mapping[str, Sequence[str]],
                 fixed: Mapping[str, str] | None = None,
                 data: YearSource | None = None) -> list[Combination]:
    """Validate a sweep and list its combinations, in the stable sweep order.

    Parameters
    ----------
    chapter : Chapter
        The chapter.
    over : mapping
        Swept parameter -> value strings (:func:`parse_over`).
    fixed : mapping, optional
        ``-p name=value`` strings shared by every combination.
    data : YearSource, optional
        Year coverage of the data (needed when a ``year`` parameter is swept or set).

    Returns
    -------
    list of Combination
        The cartesian product: swept parameters in registry order (the first varies slowest),
        the values of each in the order given.

    Raises
    ------
    ParameterError
        Listing every unknown or doubly given parameter, every value that is not of the
        declared type or that the data do not know, and every problem of the fixed
        parameters; nothing is run.
    """
    fixed = dict(fixed or {})
    accepted, problems = _swept_values(chapter, over, fixed, data)
    probe = {**fixed, **{n: v[0] for n, v in accepted.items() if v}}
    try:
        resolve_parameters(chapter, probe, data)
    except ParameterError as exc:
        problems += [p for p in _problem_lines(exc) if p not in problems]
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ParameterError(f"chapter '{chapter.id}': invalid sweep\n{lines}\nnothing was run")
    names = [n for n in chapter.parameters if n in accepted]
    found: list[Combination] = []
    for index, raws in enumerate(itertools.product(*(accepted[n] for n in names)), start=1):
        params = resolve_parameters(chapter, {**fixed, **dict(zip(names, raws, strict=True))},
                                    data)
        shown = shown_parameters(chapter, params)
        values = {n: shown[n] for n in names}
        found.append(Combination(index, combination_name(values), values, params))
    folded: dict[str, int] = {}
    for c in found:  # case-insensitive file systems: "a" and "A" must not share a folder
        folded[c.name.casefold()] = folded.get(c.name.casefold(), 0) + 1
    return [replace(c, name=combination_name(c.values, hashed=True))
            if folded[c.name.casefold()] > 1 else c for c in found]
