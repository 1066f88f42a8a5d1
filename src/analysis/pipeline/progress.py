"""The one live display and the one closing table of ``run``, ``build`` and ``sweep``.

States are :class:`~analysis.pipeline.records.Status` values: ``queued``, ``running``,
``cached`` (nothing to do), ``exported`` (drafts rewritten from the executed notebook),
``done`` (executed), ``failed``, ``missing`` (no notebook yet). The live view (counts, and a
row per target while there are few) is drawn only on a terminal; the closing table is always
printed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from analysis.pipeline.records import Status

__all__ = ["LABELS", "STYLES", "ClosingRow", "Progress", "closing_table"]

STYLES = {
    Status.QUEUED: "dim", Status.RUNNING: "bold cyan", Status.CACHED: "green",
    Status.EXPORTED: "green", Status.DONE: "bold green", Status.FAILED: "bold red",
    Status.MISSING: "dim",
}
LABELS = {
    Status.QUEUED: "queued", Status.RUNNING: "running", Status.CACHED: "cached",
    Status.EXPORTED: "re-exported", Status.DONE: "done", Status.FAILED: "FAILED",
    Status.MISSING: "no notebook",
}
#: Up to this many targets the live view shows one row each; beyond, only the counts.
MAX_ROWS = 12


class Progress:
    """A live view of the targets' states (a no-op when ``live`` is false).

    Parameters
    ----------
    console : rich.console.Console
        Where to draw.
    names : iterable of str
        The targets (chapter ids, or a sweep's combination names), in order.
    live : bool
        Draw the live view (on a terminal).
    """

    def __init__(self, console: Console, names: Iterable[str], live: bool) -> None:
        self.console = console
        self.states: dict[str, Status] = {n: Status.QUEUED for n in names}
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self._start = time.monotonic()
        self._live: Any = None
        if live:
            from rich.live import Live

            self._live = Live(self, console=console, refresh_per_second=4, transient=True)

    def __enter__(self) -> Progress:
        if self._live is not None:
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)

    def set(self, name: str, state: Status | str, seconds: float | None = None) -> None:
        """Record a new state of target ``name`` (and its time, when finished)."""
        state = Status(state)
        if state is Status.RUNNING and self.states.get(name, Status.QUEUED) is not Status.QUEUED:
            return  # a late "running" event of a target that already finished
        self.states[name] = state
        if state is Status.RUNNING:
            self.started[name] = time.monotonic()
        if seconds is not None:
            self.seconds[name] = seconds

    def counts(self) -> dict[Status, int]:
        """How many targets are in each state."""
        found: dict[Status, int] = {}
        for state in self.states.values():
            found[state] = found.get(state, 0) + 1
        return found

    def __rich__(self) -> Group:
        counts = self.counts()
        finished = sum(n for s, n in counts.items() if s not in (Status.QUEUED, Status.RUNNING))
        parts = [f"{n} {LABELS[s]}" for s, n in sorted(counts.items())]
        head = Text(f"{finished}/{len(self.states)} · {' · '.join(parts)} · "
                    f"{time.monotonic() - self._start:.0f} s", style="bold")
        if len(self.states) > MAX_ROWS:
            return Group(head)
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column("target", style="bold")
        table.add_column("state")
        table.add_column("time", justify="right")
        for name, state in self.states.items():
            if state is Status.RUNNING:
                shown = f"{time.monotonic() - self.started.get(name, time.monotonic()):.0f} s"
            elif name in self.seconds:
                shown = f"{self.seconds[name]:.1f} s"
            else:
                shown = ""
            table.add_row(name, Text(LABELS[state], style=STYLES[state]), shown)
        return Group(head, table)


@dataclass(frozen=True)
class ClosingRow:
    """One line of the closing table.

    Attributes
    ----------
    name : str
        The target (chapter id, or combination name).
    status : Status
        Its outcome.
    seconds : float, optional
        Its time (``None``: not shown); a cached target shows its recorded time in brackets.
    output : str
        Where its draft (or its failed notebook) is.
    """

    name: str
    status: Status
    seconds: float | None
    output: str = ""


def closing_table(rows: Sequence[ClosingRow], *, noun: str, total: float,
                  title: str = "", where: str = "") -> Table:
    """The closing table of every command: target, status, seconds, output.

    Parameters
    ----------
    rows : sequence of ClosingRow
        In target order.
    noun : str
        What a target is (``"chapter"``, ``"combination"``): the first column and the title.
    total : float
        Wall time of the whole command.
    title : str
        Put before the counts (a sweep's chapter id).
    where : str
        Where the targets ran (the runner's description), shown in brackets.
    """
    counts: dict[Status, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = ", ".join(f"{n} {LABELS[s]}" for s, n in sorted(counts.items()))
    caption = f"{len(rows)} {noun}(s): {summary} in {total:.1f} s"
    if where:
        caption += f" ({where})"
    table = Table(title=f"{title}: {caption}" if title else caption, title_justify="left")
    table.add_column(noun)
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("output")
    for row in rows:
        seconds = "" if row.seconds is None else f"{row.seconds:.1f}"
        if row.status is Status.CACHED and seconds:
            seconds = f"({seconds})"
        table.add_row(row.name, Text(LABELS[row.status], style=STYLES[row.status]), seconds,
                      row.output)
    return table
