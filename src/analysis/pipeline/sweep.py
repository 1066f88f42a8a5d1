"""Parameter sweeps: one chapter, run for every combination of parameter values.

:func:`sweep` is the library behind ``migration-report sweep CHAPTER --over NAME=V1,V2 …``:

1. parse ``--over`` and validate every swept value (:mod:`analysis.pipeline.combinations`)
   before anything runs or is written: a bad value raises
   :class:`~analysis.errors.ParameterError` naming it (exit code 2), and the output directory
   is not even created;
2. form the cartesian product in a stable order (:func:`~analysis.pipeline.combinations.combinations`);
3. under the output directory's lock, give every combination to the one engine of ``run``
   and ``build`` (:func:`analysis.pipeline.engine.run_targets`) as a target built into
   ``OUT/NAME``: the build cache applies to each (``OUT/NAME/.build``), so an unchanged
   combination is not executed again, and the others run on the chosen runner (local warm
   kernels, or a Dask cluster: :mod:`analysis.pipeline.runners`); a failed combination
   does not stop the others;
4. write ``OUT/index.html`` and ``OUT/key_figures.csv`` (:mod:`analysis.pipeline.sweep_outputs`),
   also when a combination failed, and print the closing table.

Each combination gets a sub-directory named by its values, e.g.
``OUT/country=PAK__year=2020/`` holding the chapter's ``.ipynb``, ``.html``, ``.md`` and
``.key_figures.json`` exactly as ``migration-report run`` writes them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from analysis.config import chapters_file, shown_path
from analysis.errors import ParameterError, ReportError
from analysis.pipeline.build import BuildOptions, open_runner, print_failures, usable_formats
from analysis.pipeline.chapters import load_chapters
from analysis.pipeline.combinations import Combination, combinations, parse_over
from analysis.pipeline.datainfo import open_input_data
from analysis.pipeline.engine import Target, ran_on, run_targets
from analysis.pipeline.execute import Result
from analysis.pipeline.lock import build_lock
from analysis.pipeline.progress import ClosingRow, Progress, closing_table
from analysis.pipeline.records import Status
from analysis.pipeline.sweep_outputs import INDEX_HTML, KEY_FIGURES_CSV, write_outputs

__all__ = ["SweepOptions", "SweepReport", "parse_over", "sweep"]


@dataclass
class SweepOptions(BuildOptions):
    """Options of a sweep: those of a build (runner and scheduler included)."""


@dataclass
class SweepReport:
    """What a sweep did.

    Attributes
    ----------
    out : Path
        The output directory.
    chapter : str
        The chapter id.
    swept : list of str
        The swept parameters.
    combinations : list of Combination
        In sweep order.
    results : dict
        Combination name -> :class:`~analysis.pipeline.execute.Result` (``done``,
        ``exported``, ``cached`` or ``failed``).
    runner : str
        Where the runs went (``"2 warm kernel(s), local"``).
    seconds : float
        Wall time of the whole sweep.
    """

    out: Path
    chapter: str
    swept: list[str]
    combinations: list[Combination] = field(default_factory=list)
    results: dict[str, Result] = field(default_factory=dict)
    runner: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> list[Combination]:
        """The combinations that failed, in sweep order."""
        return [c for c in self.combinations
                if self.results[c.name].status is Status.FAILED]

    @property
    def executed(self) -> list[str]:
        """Names of the combinations whose notebook was executed."""
        return [c.name for c in self.combinations if self.results[c.name].status.executed]


def _print_closing(console: Console, report: SweepReport) -> None:
    rows = []
    for c in report.combinations:
        r = report.results[c.name]
        output = report.out / c.name / f"{report.chapter}.html"
        if r.status is Status.FAILED:
            output = Path(r.failed_notebook) if r.failed_notebook else report.out / c.name
        rows.append(ClosingRow(c.name, r.status, r.seconds, shown_path(output, Path.cwd())))
    console.print(closing_table(rows, noun="combination", total=report.seconds,
                                title=report.chapter, where=report.runner))
    print_failures(console, [(c.name, report.results[c.name]) for c in report.failed],
                   [report.results[c.name] for c in report.combinations])
    console.print(f"index: {shown_path(report.out / INDEX_HTML, Path.cwd())}; key figures: "
                  f"{shown_path(report.out / KEY_FIGURES_CSV, Path.cwd())}", soft_wrap=True)


def sweep(chapter_id: str, over: Mapping[str, Sequence[str]],
          overrides: Mapping[str, str] | None = None, *, options: SweepOptions,
          console: Console | None = None) -> SweepReport:
    """Run one chapter for every combination of swept values (see the module docstring).

    Parameters
    ----------
    chapter_id : str
        The chapter.
    over : mapping
        Swept parameter -> value strings (:func:`parse_over`).
    overrides : mapping, optional
        ``-p name=value`` strings shared by every combination.
    options : SweepOptions
        Output directory, data, jobs or Dask scheduler, force, formats, registry.
    console : rich.console.Console, optional
        Where the progress bar and the closing table go.

    Returns
    -------
    SweepReport
        One result per combination.

    Raises
    ------
    ParameterError
        For an unknown chapter, parameter or value (nothing is run or written, and the output
        directory is not created).
    DataError
        When the data directory or the registry cannot be read, or the data fail validation.
    ReportError
        When the Dask scheduler cannot be reached (nothing is written).
    BuildLocked
        When another build holds the output directory too long.
    """
    start = time.monotonic()
    console = console or Console(highlight=False)
    chapters = load_chapters(options.chapters_file)
    if chapter_id not in chapters:
        from analysis.pipeline.chapters import unknown_chapter

        raise ParameterError(unknown_chapter([chapter_id], list(chapters)))
    chapter = chapters[chapter_id]
    if not chapter.exists:
        raise ReportError(f"chapter '{chapter.id}': its notebook {chapter.notebook} does "
                          "not exist (yet)")
    inputs = open_input_data(options.data_dir)
    try:
        found = combinations(chapter, over, overrides, inputs.info)
    finally:
        inputs.info.save()
    options.formats = usable_formats(options.formats, console)
    runner = open_runner(options, console)
    out = Path(options.out).expanduser().resolve()
    report = SweepReport(out, chapter.id, [n for n in chapter.parameters if n in over], found)
    targets = [Target(c.name, chapter, c.parameters, out / c.name, index_href=f"../{INDEX_HTML}")
               for c in found]
    with runner, build_lock(out, options.lock_timeout,
                            on_wait=lambda msg: console.print(msg, style="yellow")), \
            Progress(console, [c.name for c in found], live=console.is_terminal) as progress:
        report.results = run_targets(
            targets, inputs=inputs, base=chapters_file(options.chapters_file).parent,
            runner=runner, progress=progress, formats=options.formats, force=options.force,
            cell_timeout=options.cell_timeout)
        report.runner = ran_on(runner, report.results)
        label = f"{shown_path(inputs.choice.path)} ({inputs.choice.origin})"
        write_outputs(report, chapter, data=inputs.checksums, data_label=label)
    report.seconds = time.monotonic() - start
    _print_closing(console, report)
    return report
