"""The key figures of a chapter, recorded as a notebook computes them.

Every chapter notebook records its headline numbers with :func:`analysis.export.display.record`
and keeps them by name for its key messages. :class:`KeyFigures` does both in one call, with
the source and vintage taken from the table a figure comes from::

    kf = KeyFigures(provenance=prov)            # table -> Provenance
    total = kf("detections_total", total, "persons", "detections")
    messages(kf)                                # name -> value
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analysis.export.display import record

__all__ = ["KeyFigures"]


class KeyFigures(dict):
    """The chapter's key figures, by name, recorded as they are computed.

    One helper for every notebook (it replaces a ``rec()`` function each notebook wrote for
    itself): calling it records a headline number with :func:`record`, keeps it under its name
    (``kf[name]``: the value, or every field when ``fields=True``) for the key messages, and
    returns the value.

    Parameters
    ----------
    provenance : mapping, optional
        Table -> :class:`~analysis.sources.Provenance`; a call then names its ``table`` and
        the source and vintage come from it.
    source, vintage : str, optional
        The one source and vintage of every figure (when there is no ``provenance``).
    prefix : str
        Put before every name (``"brief_"``).
    fields : bool
        Keep ``{"value": …, **extra}`` per name instead of the value alone.

    Examples
    --------
    >>> kf = KeyFigures(source="Example", vintage="2024")
    >>> kf("total", 12, "persons")  # outside a kernel, the record is printed
    Key figure total: 12 persons (Example, 2024)
    12
    >>> kf
    {'total': 12}
    """

    def __init__(self, provenance: Mapping[str, Any] | None = None, *, source: str | None = None,
                 vintage: str | None = None, prefix: str = "", fields: bool = False) -> None:
        super().__init__()
        self._provenance = provenance
        self._source, self._vintage = source, vintage
        self._prefix, self._fields = prefix, fields

    def __call__(self, name: str, value: Any, unit: str, table: str | None = None,
                 **extra: Any) -> Any:
        """Record ``value`` as the key figure ``prefix + name`` and return it."""
        if table is not None:
            if self._provenance is None:
                raise ValueError(f"key figure {name!r}: a table is named but no provenance given")
            p = self._provenance[table]
            source, vintage = f"{p.producer}, {p.dataset}", p.vintage
        else:
            source, vintage = self._source, self._vintage
        key = f"{self._prefix}{name}"
        recorded = record(key, value, unit=unit, source=source, vintage=vintage, **extra)
        self[key] = {"value": value, **extra} if self._fields else recorded
        return recorded
