"""Key messages: sentences built from a chapter's key figures, each linking to its evidence.

A :class:`KeyMessage` is a sentence template with ``{}`` places filled by :class:`Number`
values, each naming the key figure it shows and how it is written (a kind of
:mod:`analysis.export.numbers`). The subject packages build them (e.g.
:func:`analysis.trends.messages.key_messages`); notebooks show them with
:func:`analysis.export.display.key_messages`, and the export puts them first. Because each
number names its key figure, a test can check every number against ``key_figures.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis.export import numbers as nf

__all__ = ["FORMATS", "KeyMessage", "Number", "fmt"]

#: How a number can be written in a key message.
FORMATS: dict[str, Callable[[Any], str]] = {
    "count": nf.count,
    "money": nf.money,
    "pct": nf.pct,
    "pct_change": nf.pct_change,
    "pct_abs": lambda v: nf.pct(abs(v)),
    "share": nf.share,
    "pvalue": nf.pvalue,
    "year": lambda v: str(int(v)),
    "rank": lambda v: str(int(v)),
}


def fmt(kind: str, value: Any) -> str:
    """Write ``value`` as a ``kind`` of :data:`FORMATS`."""
    return FORMATS[kind](value)


@dataclass(frozen=True)
class Number:
    """A number of a key message: the key figure it shows and how it is written.

    Attributes
    ----------
    figure : str
        Name of the key figure (its ``value``, or ``figure.field`` for an extra field).
    value : Any
        The value (as recorded).
    kind : str
        A key of :data:`FORMATS`.
    """

    figure: str
    value: Any
    kind: str

    @property
    def text(self) -> str:
        """The number as the message writes it."""
        return fmt(self.kind, self.value)


@dataclass
class KeyMessage:
    """One key message.

    Attributes
    ----------
    template : str
        The sentence with one ``{}`` per number, in order; other text comes from the data
        (names) or is fixed wording.
    numbers : list of Number
        The numbers, at least one.
    ref : str, optional
        The ``ref`` of the figure or table that shows it.
    """

    template: str
    numbers: list[Number] = field(default_factory=list)
    ref: str | None = None

    def __post_init__(self) -> None:
        if not self.numbers:
            raise ValueError(f"a key message needs a number: {self.template!r}")
        if self.template.count("{}") != len(self.numbers):
            raise ValueError(f"{self.template!r} has not one place per number")

    @property
    def text(self) -> str:
        """The sentence."""
        return nf.readable(self.template.format(*(n.text for n in self.numbers)))

    def to_dict(self) -> dict[str, Any]:
        """For the notebook output and ``key_figures.json``."""
        return {"text": self.text, "ref": self.ref,
                "numbers": [{"figure": n.figure, "kind": n.kind, "text": n.text}
                            for n in self.numbers]}


def figure_value(figures: Mapping[str, Mapping[str, Any]], name: str) -> Any:
    """The value a :class:`Number` names in a ``key_figures`` mapping (``name`` or
    ``name.field``)."""
    base, _, extra = name.partition(".")
    entry = figures[base]
    return entry[extra] if extra else entry["value"]
