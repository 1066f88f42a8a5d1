"""Collect the key figures an executed chapter recorded into ``CHAPTER.key_figures.json``.

Notebooks record headline numbers with :func:`analysis.export.display.record`, which emits an
output of MIME type ``application/vnd.migration-report.key-figure+json``. This module reads them
back, in notebook order, and writes one JSON document per chapter::

    {"chapter": "trends", "title": "...", "parameters": {...}, "data": {file: sha256},
     "key_figures": {name: {"value": ..., "unit": ..., "source": ..., "vintage": ...}}}

Keys are sorted and the text ends with a newline, so equal inputs give equal bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from analysis.export.display import KEY_FIGURE_MIME, META_KEY


def extract_key_figures(nb: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every key figure recorded in an executed notebook, by name.

    Parameters
    ----------
    nb : mapping
        The executed notebook (an ``nbformat`` node or its JSON dict).

    Returns
    -------
    dict
        Name -> the recorded fields (value, unit, source, vintage and any extra) without
        the name itself.

    Raises
    ------
    ValueError
        When a name is recorded twice, naming both cells.
    """
    found: dict[str, dict[str, Any]] = {}
    where: dict[str, str] = {}
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(KEY_FIGURE_MIME)
            if payload is None:
                continue
            if isinstance(payload, str):  # some writers store JSON MIME data as text
                payload = json.loads(payload)
            entry = dict(payload)
            name = str(entry.pop("name", ""))
            count = cell.get("execution_count")
            here = f"cell {index + 1}" + (f" (In [{count}])" if count else "")
            if not name:
                raise ValueError(f"a key figure without a name in {here}")
            if name in found:
                raise ValueError(f"key figure '{name}' is recorded twice: in {where[name]} "
                                 f"and in {here}; names must be unique within a chapter")
            found[name] = entry
            where[name] = here
    return found


def extract_key_messages(nb: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The key messages an executed notebook showed (the last set shown), else ``[]``.

    Each is ``{"text", "ref", "numbers": [{"figure", "kind", "text"}]}`` (see
    :mod:`analysis.export.messages`).
    """
    found: list[dict[str, Any]] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get(META_KEY, {}) or {}
            if meta.get("kind") == "key_messages":
                found = [dict(m) for m in meta.get("messages", [])]
    return found


def key_figures_document(*, chapter: str, title: str, parameters: Mapping[str, Any],
                         data: Mapping[str, str],
                         key_figures: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The ``CHAPTER.key_figures.json`` document (see the module docstring)."""
    return {
        "chapter": chapter,
        "title": title,
        "parameters": dict(parameters),
        "data": dict(data),
        "key_figures": {k: dict(v) for k, v in key_figures.items()},
    }


def dumps(document: Mapping[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False) + "\n"
