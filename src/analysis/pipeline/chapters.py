"""The chapters registry: which notebooks make the report, their titles and parameters.

The registry is a TOML file (``notebooks/chapters.toml`` by default; the environment variable
``MIGRATION_CHAPTERS_FILE`` or the ``path`` argument of :func:`load_chapters` select
another). Notebook paths are relative to the registry file. The parameter types are
documented at the top of the file and in :data:`PARAMETER_TYPES`.

This module also reads a notebook's ``parameters`` cell (:func:`parameters_cells`,
:func:`declared_parameters`) with :mod:`json` and :mod:`ast` only, so checking a notebook
against the registry costs milliseconds.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.config import chapters_file
from analysis.errors import DataError

#: Parameter types the registry may declare, with what a value must look like.
PARAMETER_TYPES: dict[str, str] = {
    "int": "an integer, optionally within min/max",
    "float": "a number, optionally within min/max",
    "str": "any text",
    "year": "an integer year with data in `table` (for `indicator`, if given); 0 = `derive`",
    "codes": "comma-separated ISO-3 codes and group names of analysis.countries.GROUPS, or "
             "'all'; the notebook gets a list of codes (None for all)",
    "country": "one ISO-3 country code",
    "path": "an existing file; '' = none; the notebook gets an absolute pathlib.Path or None",
    "choice": "one of `choices` (a list, or 'module:NAME' of a tuple in the library)",
    "names": "comma-separated names; the notebook gets a list of str",
    "weights": "comma-separated NAME:NUMBER pairs (numbers >= 0); the notebook gets a dict "
               "of float ('' : an empty dict)",
}

#: What ``derive`` may say of a ``year`` whose value is 0.
DERIVATIONS: dict[str, str] = {
    "previous": "0 means the year before `year` (checked against the data like any year); "
                "the year must differ from `year`",
}

#: The parameter every chapter receives from the pipeline, whatever the registry says.
DATA_DIR_PARAMETER = "data_dir"

_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_SPEC_KEYS = {"type", "default", "help", "min", "max", "choices", "table", "indicator",
              "derive"}


@dataclass(frozen=True)
class ParameterSpec:
    """One declared parameter of a chapter.

    Attributes
    ----------
    name : str
        The variable name in the notebook's ``parameters`` cell.
    type : str
        One of :data:`PARAMETER_TYPES`.
    default : Any
        The value used when none is given.
    help : str
        One line for ``--help`` and the index.
    min, max : float, optional
        Bounds of an ``int`` or ``float``.
    listed : tuple of str
        Allowed values of a ``choice`` listed in the registry (see :attr:`choices`).
    table : str, optional
        The canonical table whose years bound a ``year``.
    indicator : str, optional
        For ``table = "indicators"``: the indicator whose years bound a ``year``.
    derive : str, optional
        For a ``year``: what 0 means (a key of :data:`DERIVATIONS`).
    choices_from : str, optional
        For a ``choice``: ``"module:NAME"``, the library's tuple of allowed values (imported
        when first needed, so reading the registry stays fast).
    """

    name: str
    type: str
    default: Any
    help: str = ""
    min: float | None = None
    max: float | None = None
    listed: tuple[str, ...] = ()
    table: str | None = None
    indicator: str | None = None
    derive: str | None = None
    choices_from: str | None = None

    @property
    def choices(self) -> tuple[str, ...]:
        """Allowed values of a ``choice``: the registry's list, or the library's tuple."""
        return imported_choices(self.choices_from) if self.choices_from else self.listed


@dataclass(frozen=True)
class Chapter:
    """One chapter of the report.

    Attributes
    ----------
    id : str
        Short name, used for output files (``OUT/ID.html``).
    notebook : Path
        Absolute path of the notebook.
    title : str
        The chapter title shown in the draft and the index.
    parameters : dict
        Name -> :class:`ParameterSpec`, in registry order.
    tables : tuple of str
        Canonical tables the chapter reads (for the data vintages shown in the index).
    report : bool
        Whether ``build`` (the annual report) includes the chapter; ``False`` for notebooks
        that are only run on request or swept, such as the country brief.
    """

    id: str
    notebook: Path
    title: str
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)
    tables: tuple[str, ...] = ()
    report: bool = True

    @property
    def exists(self) -> bool:
        """Whether the notebook file exists (chapters still being written are skipped)."""
        return self.notebook.is_file()

    def defaults(self) -> dict[str, Any]:
        """The default value of every declared parameter."""
        return {name: spec.default for name, spec in self.parameters.items()}


@functools.cache
def imported_choices(reference: str) -> tuple[str, ...]:
    """The tuple named by ``"module:NAME"`` (e.g. ``"analysis.talent.index:NORMALISATIONS"``).

    Raises
    ------
    ValueError
        When the module or the name does not exist, or it is not a sequence of str.
    """
    module, sep, name = reference.partition(":")
    try:
        value = getattr(importlib.import_module(module), name) if sep else None
    except (ImportError, AttributeError):
        value = None
    if (not isinstance(value, tuple | list) or not value
            or not all(isinstance(v, str) for v in value)):
        raise ValueError(f"choices = {reference!r} does not name a tuple of str in the library "
                         "(expected 'module:NAME')")
    return tuple(value)


def _check_type(value: Any, kind: str) -> bool:
    if kind == "int" or kind == "year":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _parameter(path: Path, chapter: str, name: str, raw: Any) -> ParameterSpec:
    where = f"chapter '{chapter}', parameter '{name}'"
    if not isinstance(raw, dict):
        raise DataError(path, f"{where}: expected a table such as {{ type = \"int\", default = 1 }}")
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise DataError(path, f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    kind = raw.get("type")
    if kind not in PARAMETER_TYPES:
        raise DataError(path, f"{where}: type {kind!r} is not one of {', '.join(PARAMETER_TYPES)}")
    if "default" not in raw:
        raise DataError(path, f"{where}: no default")
    default = raw["default"]
    if not _check_type(default, kind):
        raise DataError(path, f"{where}: default {default!r} is not of type {kind}")
    if not name.isidentifier() or name == DATA_DIR_PARAMETER:
        raise DataError(path, f"{where}: the name must be a Python identifier other than "
                              f"'{DATA_DIR_PARAMETER}' (the pipeline sets that one)")
    raw_choices = raw.get("choices", ())
    choices_from = raw_choices if isinstance(raw_choices, str) else None
    listed = () if choices_from else tuple(str(c) for c in raw_choices)
    if kind == "choice" and choices_from is None and default not in listed:
        raise DataError(path, f"{where}: default {default!r} is not among choices {listed}")
    if kind == "choice" and choices_from is not None and ":" not in choices_from:
        raise DataError(path, f"{where}: choices = {choices_from!r} must be a list or "
                              "'module:NAME'")
    if kind == "year" and not raw.get("table"):
        raise DataError(path, f"{where}: a year needs `table`, the table whose years bound it")
    derive = raw.get("derive")
    if derive is not None and (kind != "year" or derive not in DERIVATIONS):
        raise DataError(path, f"{where}: derive = {derive!r} needs type = \"year\" and one of "
                              f"{', '.join(DERIVATIONS)}")
    if kind == "year" and default == 0 and derive is None:
        raise DataError(path, f"{where}: default 0 needs `derive` (what 0 means: "
                              f"{', '.join(DERIVATIONS)})")
    return ParameterSpec(
        name=name, type=kind, default=default, help=str(raw.get("help", "")),
        min=raw.get("min"), max=raw.get("max"), listed=listed,
        table=raw.get("table"), indicator=raw.get("indicator"), derive=derive,
        choices_from=choices_from,
    )


def parse_chapters(text: str, path: Path) -> dict[str, Chapter]:
    """Parse registry ``text`` (read from ``path``) into chapters, in file order.

    Raises
    ------
    DataError
        For invalid TOML, an unknown parameter type, a default of the wrong type, or a chapter
        without notebook or title.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(path, f"is not valid TOML: {exc}") from exc
    raw_chapters = doc.get("chapters")
    if not isinstance(raw_chapters, dict) or not raw_chapters:
        raise DataError(path, "declares no [chapters.ID] table")
    out: dict[str, Chapter] = {}
    for cid, raw in raw_chapters.items():
        if not _ID.match(cid):
            raise DataError(path, f"chapter id {cid!r} must be lower-case letters, digits, - or _")
        for key in ("notebook", "title"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise DataError(path, f"chapter '{cid}' has no {key}")
        params = {name: _parameter(path, cid, name, spec)
                  for name, spec in raw.get("parameters", {}).items()}
        for spec in params.values():
            if spec.derive == "previous" and (
                    "year" not in params or params["year"].type != "year"):
                raise DataError(path, f"chapter '{cid}', parameter '{spec.name}': derive = "
                                      "\"previous\" needs a parameter `year` of type year")
        declared_tables = raw.get("tables")
        if declared_tables is None:
            declared_tables = [p.table for p in params.values() if p.table]
        tables = tuple(dict.fromkeys(str(t) for t in declared_tables))
        report = raw.get("report", True)
        if not isinstance(report, bool):
            raise DataError(path, f"chapter '{cid}': report must be true or false")
        out[cid] = Chapter(id=cid, notebook=(path.parent / raw["notebook"]).resolve(),
                           title=raw["title"].strip(), parameters=params, tables=tables,
                           report=report)
    return out


def load_chapters(path: str | os.PathLike[str] | None = None) -> dict[str, Chapter]:
    """Read the chapters registry.

    Parameters
    ----------
    path : path-like, optional
        The registry file; default: ``MIGRATION_CHAPTERS_FILE`` or ``notebooks/chapters.toml``.

    Returns
    -------
    dict
        Chapter id -> :class:`Chapter`, in file order.
    """
    file = chapters_file(path)
    if not file.is_file():
        raise DataError(file, "chapters registry not found")
    return parse_chapters(file.read_text(encoding="utf-8"), file)


def _cell_source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def parameters_cells(notebook: dict[str, Any]) -> list[int]:
    """Indices of the cells tagged ``parameters`` in a notebook (as a JSON dict)."""
    return [i for i, cell in enumerate(notebook.get("cells", []))
            if "parameters" in cell.get("metadata", {}).get("tags", [])]


def declared_parameters(notebook: Path) -> list[str]:
    """Names assigned in the single cell tagged ``parameters`` of ``notebook``.

    Raises
    ------
    DataError
        When the notebook has no or several ``parameters`` cells, or the cell is not valid
        Python made of plain assignments.
    """
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = parameters_cells(nb)
    if len(cells) != 1:
        raise DataError(notebook, f"has {len(cells)} cells tagged 'parameters'; exactly one is "
                                  "needed (papermill injects values after it)")
    source = _cell_source(nb["cells"][cells[0]])
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise DataError(notebook, f"the parameters cell is not valid Python: {exc}") from exc
    names: list[str] = []
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        names.extend(t.id for t in targets if isinstance(t, ast.Name))
    return names


def missing_parameters(chapter: Chapter) -> list[str]:
    """Registry parameters (and ``data_dir``) the notebook's parameters cell does not declare."""
    declared = set(declared_parameters(chapter.notebook))
    wanted = [*chapter.parameters, DATA_DIR_PARAMETER]
    return [name for name in wanted if name not in declared]


def unknown_chapter(ids: list[str], known: list[str]) -> str:
    """The message for chapter ids not in the registry, with the closest id of each.

    >>> unknown_chapter(["trend"], ["trends", "remittances"])
    "unknown chapter 'trend' (did you mean 'trends'?); chapters: trends, remittances"
    """
    named = []
    for cid in ids:
        close = difflib.get_close_matches(cid, known, n=1)
        named.append(f"'{cid}' (did you mean '{close[0]}'?)" if close else f"'{cid}'")
    return (f"unknown chapter{'s' if len(ids) > 1 else ''} {', '.join(named)}; "
            f"chapters: {', '.join(known)}")
