"""Parameter sweeps: one chapter, run for every combination of parameter values.

:func:`sweep` is the library behind ``migration-report sweep CHAPTER --over NAME=V1,V2 …``:

1. parse ``--over`` (:func:`parse_over`) and validate every swept value with the chapter's
   declared parameter type, years against the data (:mod:`analysis.pipeline.params`), before
   anything runs or is written: a bad value raises :class:`~analysis.errors.ParameterError`
   naming it (exit code 2), and the output directory is not even created;
2. form the cartesian product (:func:`combinations`) in a stable order: swept parameters in
   registry order, the first varying slowest, each one's values in the order given;
3. under the output directory's lock, decide per combination with
   :func:`analysis.pipeline.build.plan_task` what must run: the build cache applies to each run
   (``OUT/NAME/.build``), so an unchanged combination is not executed again;
4. run the others with :func:`analysis.pipeline.execute.run_task`, the same function as
   ``run`` and ``build``: on a local process pool (:func:`~analysis.pipeline.execute.run_pool`)
   or on a Dask cluster (one task per combination, :func:`run_detached`); a failed combination
   does not stop the others;
5. write ``OUT/index.html`` (:mod:`analysis.export.sweep_index`) and ``OUT/key_figures.csv``
   (:func:`key_figures_csv`), also when a combination failed, and print the closing table.

Each combination gets a sub-directory named by its values (:func:`combination_name`), e.g.
``OUT/country=PAK__year=2020/`` holding the chapter's ``.ipynb``, ``.html``, ``.md`` and
``.key_figures.json`` exactly as ``migration-report run`` writes them.

Values of ``--over``
    ``--over NAME=V1,V2,V3`` separates values with commas. When the text holds a semicolon,
    semicolons separate the values instead, so list-like values keep their commas:
    ``--over "countries=PAK,BGD;AFG,IRN"`` sweeps two values, and ``--over
    "countries=PAK,BGD;"`` a single one. Repeating ``--over`` for the same name adds values.
    Empty values (and commas around a value) are ignored; a value given twice is refused.

Dask
    With a scheduler address (``--scheduler tcp://host:8786`` or the environment variable
    ``DASK_SCHEDULER_ADDRESS``), each combination is one Dask task. The workers need the
    project installed (the same ``analysis`` package: a worker whose copy differs fails its
    combinations, saying so) and the data directory reachable at the same path. The notebook
    travels with the task (a worker uses its own copy when that is the same file). The output
    directory need not be shared: a worker runs into a temporary directory seeded with the
    combination's earlier files and sends back what changed, which this process writes. Start
    workers with one thread each (``dask worker ADDRESS --nthreads 1 --nworkers N``): running
    a notebook changes the worker process's working directory and standard error.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import itertools
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from analysis.config import PROJECT_ROOT
from analysis.errors import ParameterError, ReportError
from analysis.pipeline import cache
from analysis.pipeline.build import BuildOptions, plan_task, shown_parameters, source_date
from analysis.pipeline.chapters import DATA_DIR_PARAMETER, Chapter, chapters_file, load_chapters
from analysis.pipeline.datainfo import DataInfo, open_input_data
from analysis.pipeline.execute import Result, Task, clean_tmp, lost_result, now_iso
from analysis.pipeline.fingerprint import FileHasher
from analysis.pipeline.lock import build_lock
from analysis.pipeline.params import YearSource, check_year, coerce, resolve_parameters
from analysis.pipeline.progress import LABELS, STYLES

if TYPE_CHECKING:
    from analysis.export.sweep_index import SweepRow

KEY_FIGURES_CSV = "key_figures.csv"
INDEX_HTML = "index.html"
#: Seconds to wait for the Dask scheduler to answer, and then for a first worker.
CONNECT_TIMEOUT = 30.0
_SAFE = re.compile(r"^[A-Za-z0-9._,+-]{1,40}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._,+-]+")
#: Files of a combination directory that are never sent to a Dask worker.
_LOCAL_ONLY = (f"{cache.BUILD_DIR}/logs/", f"{cache.BUILD_DIR}/tmp/", ".lock")


@dataclass
class SweepOptions(BuildOptions):
    """Options of a sweep: those of a build, plus where it runs.

    Attributes
    ----------
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); ``None`` runs on a local process
        pool of ``jobs`` workers.
    """

    scheduler: str | None = None


@dataclass(frozen=True)
class Combination:
    """One point of a sweep.

    Attributes
    ----------
    index : int
        Its position in the sweep, from 1.
    name : str
        Its sub-directory of the output directory (:func:`combination_name`).
    values : dict
        Swept parameter -> value as drafts show it, in registry order.
    parameters : dict
        Every effective parameter (typed), as the notebook receives it.
    """

    index: int
    name: str
    values: dict[str, Any]
    parameters: dict[str, Any]


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
        Where the runs went (``"local process pool, 2 workers"``).
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
        return [c for c in self.combinations if self.results[c.name].status == "failed"]

    @property
    def executed(self) -> list[str]:
        """Names of the combinations whose notebook was executed."""
        return [c.name for c in self.combinations
                if self.results[c.name].status in ("done", "failed")]


def parse_over(items: Iterable[str] | None) -> dict[str, list[str]]:
    """Split ``--over NAME=V1,V2`` options into name -> value strings (see the module docs).

    >>> parse_over(["country=PAK,BGD", "countries=PAK,BGD;AFG", "country=IRN"])
    {'country': ['PAK', 'BGD', 'IRN'], 'countries': ['PAK,BGD', 'AFG']}

    Raises
    ------
    ParameterError
        For an item without ``=`` or without values, or when there is no item at all.
    """
    out: dict[str, list[str]] = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--over {item!r}: expected NAME=V1,V2,…, "
                                 "e.g. --over country=PAK,BGD")
        parts = text.split(";") if ";" in text else text.split(",")
        values = [v.strip(" ,") for v in parts if v.strip(" ,")]
        if not values:
            raise ParameterError(f"--over {item!r}: no values")
        out.setdefault(name, []).extend(values)
    if not out:
        raise ParameterError("a sweep needs at least one --over NAME=V1,V2,…")
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _part(value: Any, hashed: bool = False) -> str:
    text = _text(value)
    if _SAFE.match(text) and not hashed:
        return text
    stem = _UNSAFE.sub("-", text).strip("-.")[:32]
    return f"{stem}~{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def combination_name(values: Mapping[str, Any], hashed: bool = False) -> str:
    """The sub-directory of a combination: readable, stable and safe on any file system.

    A value made of at most 40 letters, digits and ``. _ , + -`` is kept as it is; any other
    (and every value when ``hashed``) becomes a shortened, cleaned copy followed by ``~`` and 8
    hex digits of its SHA-256, so distinct values never share a name.

    >>> combination_name({"country": "PAK", "year": 2020})
    'country=PAK__year=2020'
    >>> combination_name({"label": "a/b c"})
    'label=a-b-c~0af99a60'
    """
    return "__".join(f"{name}={_part(value, hashed)}" for name, value in values.items())


def _problem_lines(exc: ParameterError) -> list[str]:
    lines = [ln[4:] for ln in str(exc).splitlines() if ln.startswith("  - ")]
    return lines or [str(exc)]


def _unknown(chapter: Chapter, name: str) -> str:
    if name == DATA_DIR_PARAMETER:
        return "data_dir is set with --data-dir, not swept"
    close = difflib.get_close_matches(name, list(chapter.parameters), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    known = ", ".join(chapter.parameters) or "none"
    return f"--over {name}: unknown parameter{hint} (parameters: {known})"


def _swept_values(chapter: Chapter, over: Mapping[str, Sequence[str]],
                  fixed: Mapping[str, str], data: YearSource | None,
                  ) -> tuple[dict[str, list[str]], list[str]]:
    """Validate every swept value on its own: name -> accepted raw values, and the problems."""
    problems: list[str] = []
    accepted: dict[str, list[str]] = {}
    for name, raws in over.items():
        spec = chapter.parameters.get(name)
        if spec is None:
            problems.append(_unknown(chapter, name))
            continue
        if name in fixed:
            problems.append(f"{name} is both swept (--over) and fixed (-p)")
            continue
        seen: dict[Any, str] = {}
        for raw in raws:
            try:
                value = coerce(spec, raw)
                if spec.type == "year":
                    check_year(spec, value, data)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if value in seen:
                also = f" (as {seen[value]!r} and {raw!r})" if seen[value] != raw else ""
                problems.append(f"--over {name}: {_text(value)} is given twice{also}")
                continue
            seen[value] = raw
        accepted[name] = list(seen.values())
    return accepted, problems


def combinations(chapter: Chapter, over: Mapping[str, Sequence[str]],
                 fixed: Mapping[str, str] | None = None,
                 data: YearSource | None = None) -> list[Combination]:
    """Validate a sweep and list its combinations, in the stable sweep order.

    Parameters
    ----------
    chapter : Chapter
        The chapter.
    over : mapping
        Swept parameter -> value strings (:func:`parse_over`).
    fixed : mapping, optional
        ``-p name=value`` strings shared by every combination.
    data : YearSource, optional
        Year coverage of the data (needed when a ``year`` parameter is swept or set).

    Returns
    -------
    list of Combination
        The cartesian product: swept parameters in registry order (the first varies slowest),
        the values of each in the order given.

    Raises
    ------
    ParameterError
        Listing every unknown or doubly given parameter, every value that is not of the
        declared type or that the data do not know, and every problem of the fixed
        parameters; nothing is run.
    """
    fixed = dict(fixed or {})
    accepted, problems = _swept_values(chapter, over, fixed, data)
    probe = {**fixed, **{n: v[0] for n, v in accepted.items() if v}}
    try:
        resolve_parameters(chapter, probe, data)
    except ParameterError as exc:
        problems += [p for p in _problem_lines(exc) if p not in problems]
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ParameterError(f"chapter '{chapter.id}': invalid sweep\n{lines}\nnothing was run")
    names = [n for n in chapter.parameters if n in accepted]
    found: list[Combination] = []
    for index, raws in enumerate(itertools.product(*(accepted[n] for n in names)), start=1):
        params = resolve_parameters(chapter, {**fixed, **dict(zip(names, raws, strict=True))},
                                    data)
        shown = shown_parameters(chapter, params)
        values = {n: shown[n] for n in names}
        found.append(Combination(index, combination_name(values), values, params))
    folded: dict[str, int] = {}
    for c in found:  # case-insensitive file systems: "a" and "A" must not share a folder
        folded[c.name.casefold()] = folded.get(c.name.casefold(), 0) + 1
    return [replace(c, name=combination_name(c.values, hashed=True))
            if folded[c.name.casefold()] > 1 else c for c in found]


def key_figures_csv(rows: Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]],
                    swept: Sequence[str]) -> str:
    """The combined key-figures table of a sweep, as CSV text.

    Parameters
    ----------
    rows : sequence of (values, key_figures)
        Per combination, in sweep order: swept parameter -> value, and the ``key_figures``
        of its ``CHAPTER.key_figures.json`` (``None`` for a failed combination: empty cells).
    swept : sequence of str
        The swept parameters: the first columns, in this order.

    Returns
    -------
    str
        A header, then one line per combination: the swept values, then the value of every key
        figure (columns sorted by name; ``NAME (key figure)`` if a name is also a swept
        parameter). Floats are written as Python's shortest round-trip text, so the same
        sweep gives the same bytes wherever it ran.
    """
    figures = sorted({name for _, kf in rows if kf for name in kf})
    header = [*swept, *(f"{n} (key figure)" if n in swept else n for n in figures)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for values, kf in rows:
        kf = kf or {}
        writer.writerow([_text(values.get(s)) for s in swept]
                        + [_text((kf.get(n) or {}).get("value")) for n in figures])
    return buffer.getvalue()


# -- running on a Dask cluster ---------------------------------------------------------------


@dataclass(frozen=True)
class DetachedJob:
    """A task for a machine that may not share the output directory (picklable).

    Attributes
    ----------
    task : Task
        The task, its ``out`` being the directory on the submitting machine.
    notebook : bytes
        The notebook file.
    seed : dict
        The combination's earlier files: path relative to ``out`` -> bytes.
    package : str
        :func:`~analysis.pipeline.fingerprint.package_digest` where the task was planned.
    """

    task: Task
    notebook: bytes
    seed: dict[str, bytes]
    package: str


def _tree(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` but logs and temporaries: relative path -> bytes."""
    if not directory.is_dir():
        return {}
    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        if not name.startswith(_LOCAL_ONLY):
            files[name] = path.read_bytes()
    return files


def run_detached(job: DetachedJob) -> tuple[Result, dict[str, bytes | None]]:
    """Run a task in a temporary directory and return what it changed (on a Dask worker).

    The temporary directory is seeded with ``job.seed``; :func:`run_task` runs in it exactly
    as in ``OUT``; the failed-notebook path is rewritten to where the submitting machine keeps
    it.

    Returns
    -------
    result : Result
        The task's result.
    changes : dict
        Relative path -> new bytes, or ``None`` for a file the run removed.

    Raises
    ------
    RuntimeError
        When this worker cannot run the task faithfully: another ``analysis`` package, or
        no data directory at the task's path.
    """
    import tempfile

    from analysis.pipeline.execute import prepare_process, run_task
    from analysis.pipeline.fingerprint import package_digest

    prepare_process()
    task = job.task
    if package_digest() != job.package:
        raise RuntimeError("this worker's analysis package differs from the submitting "
                           "machine's: install the same version of the project on the workers")
    if not Path(task.data_dir).is_dir():
        raise RuntimeError(f"the data directory {task.data_dir} is not reachable on this "
                           "worker (it must be at the same path)")
    here = Path(task.notebook)
    with tempfile.TemporaryDirectory(prefix="migration-sweep-") as tmp:
        out = Path(tmp) / "out"
        for name, data in job.seed.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(data)
        if not (here.is_file() and here.read_bytes() == job.notebook):
            here = Path(tmp) / "notebook" / here.name
            here.parent.mkdir()
            here.write_bytes(job.notebook)
        result = run_task(replace(task, out=str(out), notebook=str(here)))
        if result.failed_notebook:
            kept = cache.failed_notebook_path(Path(task.out), task.chapter)
            result.failed_notebook = str(kept)
            marker = cache.read_failure(out, task.chapter)
            if marker is not None:
                cache.write_json(cache.failed_marker_path(out, task.chapter),
                                 {**marker, "failed_notebook": str(kept)})
        files = _tree(out)
        logs = out / cache.BUILD_DIR / "logs"
        files.update({f"{cache.BUILD_DIR}/logs/{p.name}": p.read_bytes()
                      for p in sorted(logs.glob("*.log"))})
    changes: dict[str, bytes | None] = {n: b for n, b in files.items() if job.seed.get(n) != b}
    changes.update({n: None for n in job.seed if n not in files})
    return result, changes


def apply_changes(out: Path, changes: Mapping[str, bytes | None]) -> None:
    """Write what :func:`run_detached` sent back into ``out``, build records last.

    Files are written atomically and removed files deleted before the records in
    ``OUT/.build`` are written, so an interruption leaves the combination to run again.
    """
    from analysis.io import atomic_write_bytes

    def is_record(name: str) -> bool:
        return name.startswith(f"{cache.BUILD_DIR}/") and name.count("/") == 1

    for name in sorted(changes, key=lambda n: (is_record(n), n)):
        path = out / name
        data = changes[name]
        if data is not None:
            atomic_write_bytes(path, data)
            continue
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def _one_line(exc: Exception, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _connect(address: str) -> Any:
    try:
        from dask.distributed import Client
    except ImportError:  # pragma: no cover - dask[distributed] is a project dependency
        raise ReportError("--scheduler needs dask[distributed] installed") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ReportError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ReportError(f"the Dask scheduler at {address} has no worker after "
                          f"{CONNECT_TIMEOUT:g} s: {exc}") from None
    return client


def _run_dask(client: Any, tasks: Sequence[Task], on_result: Callable[[Task, Result], None],
              console: Console) -> None:
    from dask.distributed import as_completed

    from analysis.pipeline.fingerprint import package_digest

    threads = {w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()}
    if max(threads, default=1) > 1:
        console.print("! Dask workers with several threads: a notebook run changes the "
                      "worker's working directory and standard error; start workers with "
                      "--nthreads 1", style="yellow", soft_wrap=True)
    futures = {}
    notebooks: dict[str, bytes] = {}
    for task in tasks:
        if task.notebook not in notebooks:
            notebooks[task.notebook] = Path(task.notebook).read_bytes()
        job = DetachedJob(task, notebooks[task.notebook], _tree(Path(task.out)),
                          package_digest())
        key = f"sweep-{task.chapter}-{Path(task.out).name}-{os.urandom(4).hex()}"
        futures[client.submit(run_detached, job, key=key, pure=False)] = task
    try:
        for future in as_completed(futures, loop=client.loop):
            task = futures[future]
            try:
                result, changes = future.result()
                apply_changes(Path(task.out), changes)
            except Exception as exc:  # the worker could not run it, or died
                result = lost_result(task, f"{task.label}: the Dask worker could not run it: "
                                           f"{type(exc).__name__}: {_one_line(exc)}")
            on_result(task, result)
    finally:
        client.cancel(list(futures))


# -- progress, index, closing table ----------------------------------------------------------


class SweepProgress:
    """A rich progress bar over the combinations, with done/cached/failed/running counts.

    Parameters
    ----------
    console : rich.console.Console
        Where to draw.
    total : int
        Number of combinations.
    live : bool
        Draw it (on a terminal); otherwise only count.
    """

    def __init__(self, console: Console, total: int, live: bool) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.counts = {"done": 0, "cached": 0, "failed": 0}
        self._running: set[str] = set()
        self._finished: set[str] = set()
        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
                                  TimeElapsedColumn(), console=console, transient=True,
                                  disable=not live)
        self._bar = self._progress.add_task("combinations", total=total, counts=self._text())

    def _text(self) -> str:
        c = self.counts
        return (f"[green]{c['done']} done[/] · [green]{c['cached']} cached[/] · "
                f"[red]{c['failed']} failed[/] · [cyan]{len(self._running)} running[/]")

    def __enter__(self) -> SweepProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)

    def running(self, task: Task) -> None:
        """A worker started ``task``."""
        if task.out not in self._finished:
            self._running.add(task.out)
            self._progress.update(self._bar, counts=self._text())

    def finished(self, status: str, task: Task | None = None) -> None:
        """A combination ended with ``status`` (``exported`` counts as done)."""
        key = {"exported": "done"}.get(status, status)
        self.counts[key] = self.counts.get(key, 0) + 1
        if task is not None:
            self._finished.add(task.out)
            self._running.discard(task.out)
        self._progress.update(self._bar, advance=1, counts=self._text())


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


_LINKS = (("HTML", ".html"), ("Markdown", ".md"), ("Key figures", ".key_figures.json"),
          ("Notebook", ".ipynb"))


def _index_row(report: SweepReport, combination: Combination) -> SweepRow:
    from analysis.export.sweep_index import SweepRow

    out = report.out / combination.name
    result = report.results[combination.name]
    record = cache.read_record(out, report.chapter) or {}
    links = {label: f"{report.chapter}{suffix}" for label, suffix in _LINKS
             if f"{report.chapter}{suffix}" in record.get("outputs", {})
             and (out / f"{report.chapter}{suffix}").is_file()}
    failed_nb = cache.failed_notebook_path(out, report.chapter)
    if result.status == "failed" and failed_nb.is_file():
        links["Failed notebook"] = failed_nb.relative_to(out).as_posix()
    return SweepRow(name=combination.name, values=combination.values,
                    status="failed" if result.status == "failed" else "ok", links=links,
                    built_at=str(record.get("built_at", "")),
                    message=result.message if result.status == "failed" else "")


def write_outputs(report: SweepReport, chapter: Chapter, *, data: dict[str, str],
                  data_label: str) -> None:
    """Write ``OUT/key_figures.csv`` and ``OUT/index.html`` for a finished sweep."""
    from analysis import __version__
    from analysis.export.sweep_index import render_sweep_index
    from analysis.io import atomic_write_text

    rows = []
    for c in report.combinations:
        kf = None
        if report.results[c.name].status != "failed":
            path = report.out / c.name / f"{chapter.id}.key_figures.json"
            kf = json.loads(path.read_text(encoding="utf-8")).get("key_figures", {})
        rows.append((c.values, kf))
    atomic_write_text(report.out / KEY_FIGURES_CSV, key_figures_csv(rows, report.swept))
    first = report.combinations[0]
    shown = shown_parameters(chapter, first.parameters)
    fixed = {k: v for k, v in shown.items() if k not in report.swept}
    _, sde_time = source_date()
    html = render_sweep_index([_index_row(report, c) for c in report.combinations],
                              chapter=chapter.id, title=chapter.title, swept=report.swept,
                              fixed=fixed, built_at=sde_time or now_iso(), version=__version__,
                              data_label=data_label, data=data, table_file=KEY_FIGURES_CSV)
    atomic_write_text(report.out / INDEX_HTML, html)


def _print_closing(console: Console, report: SweepReport) -> None:
    counts: dict[str, int] = {}
    for r in report.results.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{n} {LABELS[s]}" for s, n in sorted(counts.items()))
    table = Table(title=f"{report.chapter}: {len(report.combinations)} combination(s): "
                  f"{summary} in {report.seconds:.1f} s ({report.runner})",
                  title_justify="left")
    for column in ("#", "combination", "status", "seconds", "output"):
        table.add_column(column, justify="right" if column in ("#", "seconds") else "left")
    for c in report.combinations:
        r = report.results[c.name]
        seconds = f"{r.seconds:.1f}"
        output = report.out / c.name / f"{report.chapter}.html"
        if r.status == "cached":
            seconds = f"({seconds})"
        if r.status == "failed":
            output = Path(r.failed_notebook) if r.failed_notebook else report.out / c.name
        table.add_row(str(c.index), c.name, Text(LABELS[r.status], style=STYLES[r.status]),
                      seconds, _relative(output, Path.cwd()))
    console.print(table)
    for c in report.failed:
        console.print(f"[bold red]✗ {c.name} failed:[/] ", end="", markup=True)
        console.print(report.results[c.name].message, markup=False, highlight=False,
                      soft_wrap=True)
    shown: set[str] = set()
    for c in report.combinations:
        for w in report.results[c.name].warnings:
            if w not in shown:
                shown.add(w)
                console.print(f"[yellow]! {report.chapter}:[/] {w}", markup=True,
                              soft_wrap=True)
    console.print(f"index: {_relative(report.out / INDEX_HTML, Path.cwd())}; key figures: "
                  f"{_relative(report.out / KEY_FIGURES_CSV, Path.cwd())}", soft_wrap=True)


# -- the sweep --------------------------------------------------------------------------------


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
    choice, data, hasher, info = inputs.choice, inputs.checksums, inputs.hasher, inputs.info
    try:
        found = combinations(chapter, over, overrides, info)
    finally:
        info.save()
    jobs = options.jobs or os.cpu_count() or 1
    if jobs < 1:
        raise ParameterError(f"--jobs {jobs}: needs at least 1")
    from analysis.pipeline.build import usable_formats

    options.formats = usable_formats(options.formats, console)
    client = _connect(options.scheduler) if options.scheduler else None
    out = Path(options.out).expanduser().resolve()
    report = SweepReport(out, chapter.id, [n for n in chapter.parameters if n in over], found)
    try:
        with build_lock(out, options.lock_timeout,
                        on_wait=lambda msg: console.print(msg, style="yellow")):
            _sweep_locked(report, chapter, options, client, jobs, console,
                          data_dir=choice.path, data=data, hasher=hasher, info=info)
            label = f"{_relative(choice.path, PROJECT_ROOT)} ({choice.origin})"
            write_outputs(report, chapter, data=data, data_label=label)
    finally:
        if client is not None:
            client.close()
    report.seconds = time.monotonic() - start
    _print_closing(console, report)
    return report


def _sweep_locked(report: SweepReport, chapter: Chapter, options: SweepOptions, client: Any,
                  jobs: int, console: Console, *, data_dir: Path, data: dict[str, str],
                  hasher: FileHasher, info: DataInfo) -> None:
    from analysis.pipeline.execute import run_pool

    base = chapters_file(options.chapters_file).parent
    tasks: list[Task] = []
    by_out: dict[str, Combination] = {}
    for c in report.combinations:
        planned = plan_task(chapter, c.parameters, out=report.out / c.name, data_dir=data_dir,
                            data=data, hasher=hasher, base=base, formats=options.formats,
                            force=options.force, cell_timeout=options.cell_timeout,
                            index_href=f"../{INDEX_HTML}")
        if isinstance(planned, Task):
            tasks.append(planned)
            by_out[planned.out] = c
        else:
            report.results[c.name] = planned
    hasher.save()
    if any(t.mode == "run" for t in tasks):
        info.validate()  # bad data stop here, before any combination runs
        info.save()
    for t in tasks:
        clean_tmp(Path(t.out))
    report.runner = ("nothing to run" if not tasks
                     else f"Dask scheduler {options.scheduler}" if client is not None
                     else f"local process pool, {min(jobs, len(tasks))} worker(s)")
    if not tasks:
        return
    with SweepProgress(console, len(report.combinations), live=console.is_terminal) as bar:
        for _ in report.results.values():
            bar.finished("cached")

        def finished(task: Task, result: Result) -> None:
            report.results[by_out[task.out].name] = result
            bar.finished(result.status, task)

        if client is None:
            run_pool(tasks, jobs, on_running=bar.running, on_result=finished)
        else:
            _run_dask(client, tasks, finished, console)
