"""Errors meant for people: each names the file, the column and the offending rows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class ReportError(Exception):
    """Base class of every error the command line reports without a traceback.

    In a notebook too (JupyterLab, papermill), IPython shows its message alone: it calls
    ``_render_traceback_`` instead of printing the stack into the library.
    """

    exit_code: int = 1
    #: The name the message starts with (default: the class name).
    shown_as: str | None = None

    def _render_traceback_(self) -> list[str]:
        name = self.shown_as or type(self).__name__
        return [f"{name}: {line}" if i == 0 else line
                for i, line in enumerate(str(self).splitlines())]


class DataError(ReportError):
    """Bad input data.

    Parameters
    ----------
    path : path-like or str
        The file (or directory) at fault.
    problem : str
        What is wrong, in one sentence.
    column : str, optional
        The column at fault, if any.
    rows : sequence of str, optional
        A few offending rows, already formatted (at most five are shown).
    """

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        column: str | None = None,
        rows: Sequence[str] = (),
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.column = column
        self.rows = list(rows)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.path}"
        if self.column is not None:
            where += f", column '{self.column}'"
        text = f"{where}: {self.problem}"
        if self.rows:
            shown = self.rows[:5]
            text += "\n  first offending rows:\n" + "\n".join(f"    {r}" for r in shown)
            if len(self.rows) > len(shown):
                text += f"\n    … and {len(self.rows) - len(shown)} more"
        return text


class ParameterError(ReportError):
    """A chapter parameter that is unknown, of the wrong type or outside the data."""

    exit_code = 2


class ChapterFailed(ReportError):
    """One or more chapters failed to execute."""
