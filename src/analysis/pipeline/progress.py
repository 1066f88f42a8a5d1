"""The live status of a build (one row per chapter) and the closing table.

States: ``queued``, ``running``, ``cached`` (nothing to do), ``exported`` (drafts rewritten
from the executed notebook), ``done`` (executed), ``failed``, ``missing`` (no notebook yet).
The live view is drawn only on a terminal; the closing table is always printed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

STYLES = {
    "queued": "dim", "running": "bold cyan", "cached": "green", "exported": "green",
    "done": "bold green", "failed": "bold red", "missing": "dim",
}
LABELS = {
    "queued": "queued", "running": "running", "cached": "cached", "exported": "re-exported",
    "done": "done", "failed": "FAILED", "missing": "no notebook",
}


class BuildProgress:
    """A live table of chapter states (a no-op when ``live`` is false).

    Parameters
    ----------
    console : rich.console.Console
        Where to draw.
    chapters : iterable of str
        Chapter ids, in report order.
    live : bool
        Draw the live view (on a terminal).
    """

    def __init__(self, console: Console, chapters: Iterable[str], live: bool) -> None:
        self.console = console
        self.states: dict[str, str] = {c: "queued" for c in chapters}
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self._live: Any = None
        if live:
            from rich.live import Live

            self._live = Live(self, console=console, refresh_per_second=4, transient=True)

    def __enter__(self) -> BuildProgress:
        if self._live is not None:
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)

    def set(self, chapter: str, state: str, seconds: float | None = None) -> None:
        """Record a new state of ``chapter`` (and its time, when finished)."""
        self.states[chapter] = state
        if state == "running":
            self.started[chapter] = time.monotonic()
        if seconds is not None:
            self.seconds[chapter] = seconds

    def __rich__(self) -> Table:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column("chapter", style="bold")
        table.add_column("state")
        table.add_column("time", justify="right")
        for chapter, state in self.states.items():
            if state == "running":
                shown = f"{time.monotonic() - self.started.get(chapter, time.monotonic()):.0f} s"
            elif chapter in self.seconds:
                shown = f"{self.seconds[chapter]:.1f} s"
            else:
                shown = ""
            table.add_row(chapter, Text(LABELS[state], style=STYLES[state]), shown)
        return table


def summary_table(rows: list[dict[str, Any]], total: float) -> Table:
    """The closing table: chapter, status, seconds, and where the draft is.

    Parameters
    ----------
    rows : list of dict
        ``{"chapter", "title", "status", "seconds", "output"}`` per chapter.
    total : float
        Wall time of the whole command.
    """
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {LABELS[s]}" for s, n in sorted(counts.items()))
    table = Table(title=f"{len(rows)} chapter(s): {summary} in {total:.1f} s",
                  title_justify="left")
    table.add_column("chapter")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("output")
    for row in rows:
        status = row["status"]
        seconds = "" if row.get("seconds") is None else f"{row['seconds']:.1f}"
        if status == "cached":
            seconds = f"({seconds})" if seconds else ""
        table.add_row(row["chapter"], Text(LABELS[status], style=STYLES[status]), seconds,
                      row.get("output", ""))
    return table
