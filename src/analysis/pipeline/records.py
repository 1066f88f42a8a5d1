"""What a build knows about one chapter: its :class:`Status` and its :class:`BuildRecord`.

A *status* is the state of one target (a chapter with its parameters, into one folder) in a
``run``, ``build`` or ``sweep``; a *build record* is the JSON file ``OUT/.build/CHAPTER.json``
written last when a chapter's outputs are in place (:mod:`analysis.pipeline.cache` reads it
to decide what must run again).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

__all__ = ["BuildRecord", "Status"]


class Status(StrEnum):
    """The state of one target; the values are what records, reports and tests show.

    ``QUEUED`` and ``RUNNING`` are live states; the others are outcomes. A :class:`StrEnum`
    compares equal to its value (``Status.DONE == "done"``).
    """

    QUEUED = "queued"
    RUNNING = "running"
    #: Nothing changed: the outputs on disk are current.
    CACHED = "cached"
    #: The executed notebook was current; only the drafts were written again.
    EXPORTED = "exported"
    #: The notebook was executed and every output written.
    DONE = "done"
    FAILED = "failed"
    #: The registry names a notebook that does not exist (yet).
    MISSING = "missing"

    @property
    def executed(self) -> bool:
        """Whether the notebook was executed (successfully or not)."""
        return self in (Status.DONE, Status.FAILED)

    @property
    def ok(self) -> bool:
        """Whether the target's outputs are current."""
        return self in (Status.DONE, Status.EXPORTED, Status.CACHED)


@dataclass
class BuildRecord:
    """The build record of one chapter in one output folder (``OUT/.build/CHAPTER.json``).

    Attributes
    ----------
    chapter, title : str
        Chapter id and the title shown (the notebook's own, else the registry's).
    notebook : str
        The notebook, relative to the registry.
    exec_key, export_key : str
        Content keys (:mod:`analysis.pipeline.cache`).
    parameters : dict
        The parameters as drafts show them.
    data : dict
        Data file -> SHA-256.
    inputs : dict
        Path parameter -> SHA-256 of the file it names.
    formats : list of str
        The formats written.
    outputs : dict
        Output file (relative to ``OUT``) -> SHA-256.
    version : str
        Project version.
    built_on, built_at : str
        Footer date (``YYYY-MM-DD``) and build time (ISO).
    seconds : float
        Wall time of the run that executed the notebook.
    warnings : list of str
        Things an editor should fix.
    vintages : list of dict
        Provenance of the tables the chapter reads.
    key_message : str
        The chapter's first key message, for the index ("" when it has none).
    extra : dict
        Fields written by a newer version that this one does not know (kept as they are).
    """

    chapter: str
    title: str
    notebook: str
    exec_key: str
    export_key: str
    parameters: dict[str, Any] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    formats: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    version: str = ""
    built_on: str = ""
    built_at: str = ""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    vintages: list[dict[str, str]] = field(default_factory=list)
    key_message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The record as written to disk (``extra`` fields at the end)."""
        data = asdict(self)
        extra = data.pop("extra")
        return {**data, **extra}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildRecord:
        """A record read from disk; unknown fields go to ``extra``."""
        known = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in data.items() if k in known},
                   extra={k: v for k, v in data.items() if k not in known})
