"""Build chapters: validate, decide what must run, run in parallel, write the index.

:func:`build` is the library behind ``migration-report run CHAPTER`` and
``migration-report build``:

1. read the registry and validate every selected chapter's parameters (a year against the
   data's coverage, from the cache); any problem raises
   :class:`~analysis.errors.ParameterError` before anything is written;
2. hash what each chapter depends on (:mod:`analysis.pipeline.fingerprint`);
3. under the output directory's lock, compare with ``OUT/.build`` records: unchanged chapters
   are ``cached``, chapters whose executed notebook is current but whose draft is not are
   re-exported, the others run in a :class:`~concurrent.futures.ProcessPoolExecutor`;
   before any chapter runs, every table of the data is validated
   (:meth:`~analysis.pipeline.datainfo.DataInfo.validate`, cached per data version): bad
   input raises :class:`~analysis.errors.DataError` with nothing written;
4. write ``OUT/index.html`` (also when a chapter failed) and print the closing table.

Nothing on the path of a build with nothing to do imports pandas, papermill or nbconvert.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from analysis.config import (
    chapters_file,
    resolve_jobs,
    resolve_runner,
    resolve_scheduler,
    shown_path,
    source_date,
    warm_limits,
)
from analysis.errors import ParameterError, ReportError
from analysis.pipeline import cache, report_pdf
from analysis.pipeline.chapters import Chapter, load_chapters, unknown_chapter
from analysis.pipeline.datainfo import DataInfo, open_input_data
from analysis.pipeline.engine import Target, ran_on, run_targets, shown_parameters
from analysis.pipeline.execute import Result, now_iso
from analysis.pipeline.lock import build_lock
from analysis.pipeline.params import needs_data, resolve_parameters
from analysis.pipeline.progress import ClosingRow, Progress, closing_table
from analysis.pipeline.records import Status
from analysis.pipeline.runners import Runner, RunnerSettings, get_runner


@dataclass
class BuildOptions:
    """Options shared by ``run`` and ``build``.

    Attributes
    ----------
    out : Path, optional
        Output directory; ``None`` for ``run`` gives ``reports/runs/CHAPTER/PARAMETERS``
        (:func:`run_dir`), so a run never replaces the annual draft in ``reports/``.
    data_dir : path-like, optional
        Input data (default: the precedence of :mod:`analysis.config`).
    jobs : int, optional
        Worker processes (default: ``os.cpu_count()``).
    force : bool
        Run every selected chapter even when nothing changed.
    formats : tuple of str
        What to write, of :data:`~analysis.pipeline.cache.FORMATS` (default: the HTML and
        Markdown drafts; the command line asks for all). Without Chromium, ``"pdf"`` is
        dropped with one note on the console.
    chapters_file : path-like, optional
        The registry (default: ``MIGRATION_CHAPTERS_FILE`` or ``notebooks/chapters.toml``).
    lock_timeout : float, optional
        Seconds to wait for another build of ``out``.
    cell_timeout : float, optional
        Seconds a notebook cell may run.
    runner : str, optional
        Where chapters run (:mod:`analysis.pipeline.runners`; default:
        :func:`analysis.config.resolve_runner`).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) for the ``dask`` runner.
    """

    out: Path | None
    data_dir: str | os.PathLike[str] | None = None
    jobs: int | None = None
    force: bool = False
    formats: tuple[str, ...] = cache.DRAFTS
    chapters_file: str | os.PathLike[str] | None = None
    lock_timeout: float | None = None
    cell_timeout: float | None = None
    runner: str | None = None
    scheduler: str | None = None


@dataclass
class BuildReport:
    """What a build did: one :class:`~analysis.pipeline.execute.Result` per chapter."""

    out: Path
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0
    runner: str = ""

    @property
    def failed(self) -> list[Result]:
        """The chapters that failed."""
        return [r for r in self.results if r.status is Status.FAILED]

    @property
    def executed(self) -> list[str]:
        """Ids of the chapters whose notebook was executed."""
        return [r.chapter for r in self.results if Status(r.status).executed]


#: Other names accepted by ``--to``.
_FORMAT_ALIASES = {"md": "markdown", "word": "docx", "excel": "xlsx", "data": "csv"}


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"html,markdown"`` -> ``("html", "markdown")``; ``all`` means every format.

    ``md`` is accepted for markdown, ``word`` for docx and ``excel`` for xlsx.

    Examples
    --------
    >>> parse_formats("pdf, md,html")
    ('html', 'markdown', 'pdf')
    >>> parse_formats("all") == cache.FORMATS
    True

    Raises
    ------
    ParameterError
        For an unknown format.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = []
    for item in (i.strip().lower() for i in items):
        if not item:
            continue
        if item == "all":
            wanted += cache.FORMATS
            continue
        item = _FORMAT_ALIASES.get(item, item)
        if item not in cache.FORMATS:
            raise ParameterError(f"--to {item!r}: formats are {', '.join(cache.FORMATS)}")
        wanted.append(item)
    if not wanted:
        raise ParameterError(f"--to needs at least one of {', '.join(cache.FORMATS)}")
    return tuple(f for f in cache.FORMATS if f in wanted)


def _select(chapters: dict[str, Chapter], ids: Sequence[str] | None,
            overrides: Mapping[str, str]) -> list[Chapter]:
    if ids is None:
        if overrides:
            raise ParameterError("-p is for one chapter: use 'migration-report run CHAPTER -p …'")
        return [c for c in chapters.values() if c.report]
    unknown = [i for i in ids if i not in chapters]
    if unknown:
        raise ParameterError(unknown_chapter(unknown, list(chapters)))
    selected = [chapters[i] for i in ids]
    for chapter in selected:
        if not chapter.exists:
            raise ReportError(f"chapter '{chapter.id}': its notebook {chapter.notebook} does "
                              "not exist (yet)")
    if overrides and len(selected) != 1:
        raise ParameterError("-p applies to exactly one chapter")
    return selected


def run_dir(chapter: Chapter, values: Mapping[str, Any], overrides: Mapping[str, str]) -> Path:
    """Where ``run`` writes without ``--out``: ``reports/runs/CHAPTER/PARAMETERS``.

    ``PARAMETERS`` names the values given with ``-p`` (validated, in registry order, as
    :func:`~analysis.pipeline.combinations.combination_name` names a sweep's folders), or is
    ``defaults``.
    """
    from analysis.config import REPORTS_DIR
    from analysis.pipeline.combinations import combination_name

    shown = shown_parameters(chapter, values)
    given = {name: shown[name] for name in chapter.parameters if name in overrides}
    return REPORTS_DIR / "runs" / chapter.id / (combination_name(given) or "defaults")


def _validate(selected: list[Chapter], overrides: Mapping[str, str],
              info: DataInfo) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for chapter in selected:
        if not chapter.exists:
            continue
        given = dict(overrides)
        try:
            merged = {**chapter.defaults(), **given}
            data = info if needs_data(chapter, merged) else None
            values[chapter.id] = resolve_parameters(chapter, given, data)
        except ParameterError as exc:
            problems.append(str(exc))
    info.save()
    if problems:
        raise ParameterError("\n".join(problems))
    return values


def usable_formats(formats: tuple[str, ...], console: Console) -> tuple[str, ...]:
    """``formats`` without ``"pdf"`` when Chromium is missing (saying so once on ``console``)."""
    if "pdf" not in formats:
        return formats
    from analysis.export.pdf import pdf_unavailable

    missing = pdf_unavailable()
    if missing is None:
        return formats
    console.print(f"! {missing}", style="yellow", markup=False, soft_wrap=True)
    return tuple(f for f in formats if f != "pdf")


def write_index(out: Path, chapters: dict[str, Chapter], *, data: dict[str, str],
                data_label: str, report_pdf: str | None = None) -> Path:
    """Write ``OUT/index.html`` from the build records of every registered chapter.

    ``report_pdf`` names the whole report's PDF, linked at the top, when there is one.
    """
    from analysis import __version__
    from analysis.export.index import IndexEntry, render_index
    from analysis.io import atomic_write_text

    entries: list[IndexEntry] = []
    sources: dict[str, dict[str, str]] = {}
    for chapter in chapters.values():
        record = cache.read_record(out, chapter.id)
        failure = cache.read_failure(out, chapter.id)
        if not chapter.report and record is None and failure is None:
            continue  # a chapter outside the report that was never run here
        links: dict[str, str] = {}
        for label, name in (("HTML draft", f"{chapter.id}.html"),
                            ("PDF", f"{chapter.id}.pdf"),
                            ("Word (DOCX)", f"{chapter.id}.docx"),
                            ("Data (XLSX)", f"{chapter.id}.xlsx"),
                            ("Markdown", f"{chapter.id}.md"),
                            ("Key figures (JSON)", f"{chapter.id}.key_figures.json"),
                            ("Executed notebook", f"{chapter.id}.ipynb")):
            if record is not None and name in record.get("outputs", {}) \
                    and (out / name).is_file():
                links[label] = name
        failed_nb = cache.failed_notebook_path(out, chapter.id)
        if failure is not None and failed_nb.is_file():
            links["Failed notebook"] = failed_nb.relative_to(out).as_posix()
        status = ("missing" if not chapter.exists else "failed" if failure is not None
                  else "ok" if record is not None else "not built")
        vintages = list((record or {}).get("vintages", []))
        for v in vintages:
            sources.setdefault(v["table"], v)
        recorded = dict((record or {}).get("parameters", {}))
        ordered = {k: recorded.pop(k) for k in chapter.parameters if k in recorded}
        entries.append(IndexEntry(
            id=chapter.id, title=str((record or {}).get("title") or chapter.title),
            status=status, links=links,
            parameters={**ordered, **recorded},
            built_at=str((record or {}).get("built_at", "")), vintages=vintages,
            message=str((failure or {}).get("message", "")),
            key_message=str((record or {}).get("key_message", "")),
        ))
    _, sde_time = source_date()
    html = render_index(entries, built_at=sde_time or now_iso(), version=__version__,
                        data_label=data_label, data=data,
                        vintages=[sources[k] for k in sorted(sources)], report_pdf=report_pdf)
    path = out / "index.html"
    atomic_write_text(path, html)
    return path


def open_runner(options: BuildOptions, console: Console) -> Runner:
    """The runner ``options`` ask for, resolved in :mod:`analysis.config` (not yet entered)."""
    scheduler = resolve_scheduler(options.scheduler)
    max_runs, max_mb = warm_limits()
    settings = RunnerSettings(jobs=resolve_jobs(options.jobs), address=scheduler,
                              console=console, warm_max_runs=max_runs,
                              warm_max_memory_mb=max_mb)
    return get_runner(resolve_runner(options.runner, scheduler), settings)


def print_failures(console: Console, failed: Sequence[tuple[str, Result]],
                   results: Sequence[Result]) -> None:
    """Below the closing table: each failure's message, then each warning (once)."""
    for name, r in failed:
        console.print(f"[bold red]✗ {name} failed:[/] ", end="", markup=True)
        console.print(r.message, markup=False, highlight=False, soft_wrap=True)
        if r.failed_notebook:
            console.print(f"  the executed notebook with its traceback: "
                          f"{shown_path(Path(r.failed_notebook), Path.cwd())}", soft_wrap=True)
        console.print("  the previous good draft, if any, was kept", style="dim")
    shown: set[tuple[str, str]] = set()
    for r in results:
        for w in r.warnings:
            if (r.chapter, w) not in shown:
                shown.add((r.chapter, w))
                console.print(f"[yellow]! {r.chapter}:[/] {w}", markup=True, soft_wrap=True)


def _print_closing(console: Console, report: BuildReport, chapters: dict[str, Chapter]) -> None:
    order = {cid: i for i, cid in enumerate(chapters)}
    rows = []
    for r in sorted(report.results, key=lambda r: order.get(r.chapter, 0)):
        output = ""
        if Status(r.status).ok:
            output = shown_path(report.out / f"{r.chapter}.html", Path.cwd())
        elif r.status is Status.FAILED and r.failed_notebook:
            output = shown_path(Path(r.failed_notebook), Path.cwd())
        seconds = None if r.status is Status.MISSING else r.seconds
        rows.append(ClosingRow(r.chapter, Status(r.status), seconds, output))
    console.print(closing_table(rows, noun="chapter", total=report.seconds,
                                where=report.runner))
    print_failures(console, [(r.chapter, r) for r in report.failed], report.results)


def build(chapter_ids: Sequence[str] | None = None, overrides: Mapping[str, str] | None = None,
          *, options: BuildOptions, console: Console | None = None) -> BuildReport:
    """Run chapters and write their drafts and the index (see the module docstring).

    Parameters
    ----------
    chapter_ids : sequence of str, optional
        Chapters to run (``run``); ``None`` for every chapter whose notebook exists (``build``).
    overrides : mapping, optional
        ``name -> value`` strings for the one selected chapter.
    options : BuildOptions
        Output directory, data, jobs, force, formats, registry.
    console : rich.console.Console, optional
        Where the progress and the closing table go (default: standard output).

    Returns
    -------
    BuildReport
        Per chapter: ``done``, ``exported``, ``cached``, ``failed`` or ``missing``.

    Raises
    ------
    ParameterError
        For an unknown chapter or invalid parameters (nothing is run or written).
    DataError
        When the data directory or the registry cannot be read, or a table of the data fails
        validation while a chapter has to run (nothing is written then).
    BuildLocked
        When another build holds the output directory too long.
    """
    start = time.monotonic()
    console = console or Console(highlight=False)
    overrides = dict(overrides or {})
    chapters = load_chapters(options.chapters_file)
    registry_dir = chapters_file(options.chapters_file).parent
    selected = _select(chapters, chapter_ids, overrides)
    inputs = open_input_data(options.data_dir)
    values = _validate(selected, overrides, inputs.info)
    if options.out is None:  # `run` writes beside the annual report, `build` into it
        from analysis.config import REPORTS_DIR

        one = chapter_ids is not None and len(selected) == 1
        options.out = (run_dir(selected[0], values[selected[0].id], overrides) if one
                       else REPORTS_DIR)
    out = Path(options.out).expanduser().resolve()
    options.out = out
    runner = open_runner(options, console)
    report = BuildReport(out)
    targets = [Target(c.id, c, values[c.id], out) for c in selected if c.exists]
    missing = [Result(c.id, Status.MISSING) for c in selected if not c.exists]
    options.formats = usable_formats(options.formats, console)
    with build_lock(out, options.lock_timeout,
                    on_wait=lambda msg: console.print(msg, style="yellow")), runner, \
            Progress(console, [c.id for c in selected], live=console.is_terminal) as progress:
        for r in missing:
            progress.set(r.chapter, r.status)
        done = run_targets(targets, inputs=inputs, base=registry_dir, runner=runner,
                           progress=progress, formats=options.formats, force=options.force,
                           cell_timeout=options.cell_timeout)
        report.results = [*missing, *done.values()]
        report.runner = ran_on(runner, done)
        label = f"{shown_path(inputs.choice.path)} ({inputs.choice.origin})"
        whole = "pdf" in options.formats and bool(report_pdf.parts(out, chapters))
        write_index(out, chapters, data=inputs.checksums, data_label=label,
                    report_pdf=report_pdf.REPORT_PDF if whole else None)
        if whole:
            report_pdf.write_report_pdf(out, chapters, built_at=source_date()[1] or now_iso(),
                                        console=console)
    report.seconds = time.monotonic() - start
    _print_closing(console, report, chapters)
    return report
