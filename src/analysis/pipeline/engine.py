"""The one path of ``run``, ``build`` and ``sweep``: targets -> plan -> run and record.

A *target* is one chapter with its parameters, built into one folder: ``build`` has a target
per chapter (all into ``OUT``), ``run`` one, ``sweep`` one per combination (each into its
own ``OUT/NAME``). :func:`run_targets` takes them, under the output directory's lock:

1. :func:`plan_task` decides per target, from its build record, whether it is ``cached``,
   needs its drafts re-exported, or must run (a :class:`~analysis.pipeline.execute.Task`);
2. before anything runs, the data are validated (bad input stops everything, nothing
   written) and what interrupted builds left is cleaned;
3. a runner (:mod:`analysis.pipeline.runners`, chosen by name) runs the tasks with
   :func:`~analysis.pipeline.execute.run_task`, which writes each chapter's outputs and its
   build record; the one :class:`~analysis.pipeline.progress.Progress` display follows them.

The commands then write their own index (``build``: the report's, ``sweep``: the table of
combinations) and print the one closing table (:func:`~analysis.pipeline.progress.closing_table`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.config import shown_path, source_date
from analysis.pipeline import cache
from analysis.pipeline.chapters import Chapter
from analysis.pipeline.datainfo import InputData
from analysis.pipeline.execute import Result, Task, chapter_nav, clean_tmp, now_iso
from analysis.pipeline.fingerprint import FileHasher, chapter_key, digest, parameter_files
from analysis.pipeline.params import shown_values
from analysis.pipeline.progress import Progress
from analysis.pipeline.records import Status
from analysis.pipeline.runners import Runner

__all__ = ["Target", "plan_task", "ran_on", "run_targets", "shown_parameters"]


@dataclass(frozen=True)
class Target:
    """One chapter with its parameters, built into one folder.

    Attributes
    ----------
    name : str
        How progress and the closing table name it (the chapter id, or a combination name).
    chapter : Chapter
        The chapter (its notebook exists).
    parameters : dict
        Validated parameters (:func:`~analysis.pipeline.params.resolve_parameters`).
    out : Path
        The folder its files go to.
    index_href : str
        Where its draft's link to the index points (a sweep's index is one folder up).
    """

    name: str
    chapter: Chapter
    parameters: dict[str, Any]
    out: Path
    index_href: str = "index.html"


def shown_parameters(chapter: Chapter, values: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as drafts and records show them: files inside the project by relative path.

    The kernel receives absolute paths; the drafts must not depend on where the project
    lives, so a path under the project root is shown relative to it.
    """
    shown = dict(values)
    for name, spec in chapter.parameters.items():
        if spec.type == "path" and shown.get(name):
            shown[name] = shown_path(Path(shown[name]))
    return shown


def plan_task(chapter: Chapter, params: Mapping[str, Any], *, out: Path, data_dir: Path,
              data: dict[str, str], hasher: FileHasher, base: Path,
              formats: tuple[str, ...] = cache.DRAFTS, force: bool = False,
              cell_timeout: float | None = None, siblings: Sequence[str] = (),
              index_href: str = "index.html") -> Task | Result:
    """What building ``chapter`` with ``params`` into ``out`` needs, from its build record.

    The one planner: it decides, for ``run``, ``build`` and ``sweep`` alike, whether a chapter
    is ``cached`` (then an earlier failure marker is cleared and a :class:`Result` returned),
    needs its drafts re-exported or must run (then a :class:`Task` is returned).

    Parameters
    ----------
    chapter : Chapter
        The chapter (its notebook exists).
    params : mapping
        Validated parameters (:func:`~analysis.pipeline.params.resolve_parameters`).
    out : Path
        The directory the chapter's files go to.
    data_dir : Path
        The input data; ``data`` are its :func:`data_checksums`.
    hasher : FileHasher
        Hashes the notebook and the files named by ``path`` parameters.
    base : Path
        The notebook is shown relative to it (the registry's folder).
    formats, force, cell_timeout
        As in :class:`~analysis.pipeline.build.BuildOptions`.
    siblings : sequence of str
        The other chapters built into ``out`` now; the draft links to its neighbours among
        them and among the chapters already built there.
    index_href : str
        Where the draft's link to the report index points (a sweep's index is one folder up).
    """
    from analysis import __version__

    sde_date, sde_time = source_date()
    params = dict(params)
    paths = [n for n, s in chapter.parameters.items() if s.type == "path"]
    inputs = parameter_files(params, paths, hasher)
    exec_key = chapter_key(notebook=chapter.notebook, title=chapter.title,
                           parameters=params, data=data, inputs=inputs, hasher=hasher)
    export_key = digest({"exec": exec_key, "date": sde_date})
    state = "run" if force else cache.freshness(
        out, chapter.id, exec_key=exec_key, export_key=export_key, formats=formats)
    record = cache.read_record(out, chapter.id) or {}
    if state == "cached":  # an earlier failure is superseded by this good build
        cache.failed_marker_path(out, chapter.id).unlink(missing_ok=True)
        cache.failed_notebook_path(out, chapter.id).unlink(missing_ok=True)
        return Result(chapter.id, Status.CACHED, float(record.get("seconds", 0.0)))
    if state == "export" and not sde_date:
        date, built_at = record.get("built_on", ""), record.get("built_at", "")
    else:
        date = sde_date or datetime.now(UTC).strftime("%Y-%m-%d")
        built_at = sde_time or now_iso()
    return Task(
        chapter=chapter.id, title=chapter.title, notebook=str(chapter.notebook),
        label=shown_path(chapter.notebook, base), parameters=params,
        shown=shown_values(chapter, params), data_dir=str(data_dir),
        out=str(out), formats=formats, exec_key=exec_key, export_key=export_key,
        data=data, inputs=inputs, mode=state, date=date, built_at=built_at,
        version=__version__, cell_timeout=cell_timeout, tables=chapter.tables,
        nav={**chapter_nav(chapter.id, str(chapter.notebook), built=lambda cid: cid in siblings
                           or cache.read_record(out, cid) is not None), "index": index_href},
    )


def run_targets(targets: Sequence[Target], *, inputs: InputData, base: Path, runner: Runner,
                progress: Progress, formats: tuple[str, ...], force: bool = False,
                cell_timeout: float | None = None) -> dict[str, Result]:
    """Plan, then run and record every target (call under the output directory's lock).

    Parameters
    ----------
    targets : sequence of Target
        What to build, in order.
    inputs : InputData
        The input data (:func:`~analysis.pipeline.datainfo.open_input_data`).
    base : Path
        The registry's folder (notebooks are shown relative to it).
    runner : Runner
        Where the tasks run (entered by the caller).
    progress : Progress
        The live display (entered by the caller).
    formats, force, cell_timeout
        As in :class:`~analysis.pipeline.build.BuildOptions`.

    Returns
    -------
    dict
        Target name -> :class:`~analysis.pipeline.execute.Result`, in target order.

    Raises
    ------
    DataError
        When a table of the data fails validation while a target has to run (then nothing
        is written).
    """
    tasks: list[Task] = []
    results: dict[str, Result] = {}
    names: dict[tuple[str, str], str] = {}
    siblings: dict[Path, list[str]] = {}
    for target in targets:
        siblings.setdefault(target.out, []).append(target.chapter.id)
    for target in targets:
        planned = plan_task(target.chapter, target.parameters, out=target.out,
                            data_dir=inputs.choice.path, data=inputs.checksums,
                            hasher=inputs.hasher, base=base, formats=formats, force=force,
                            cell_timeout=cell_timeout, siblings=siblings[target.out],
                            index_href=target.index_href)
        if isinstance(planned, Task):
            tasks.append(planned)
            names[(planned.chapter, planned.out)] = target.name
        else:
            results[target.name] = planned
    inputs.hasher.save()
    if any(t.mode == "run" for t in tasks):
        inputs.info.validate()  # bad data stop here: nothing written, the last report kept
        inputs.info.save()
    for folder in dict.fromkeys(t.out for t in targets):
        clean_tmp(folder)
    for name, result in results.items():
        progress.set(name, result.status, result.seconds)
    if tasks:
        # Longest first (by the last recorded time), so the slowest does not start last;
        # targets never built keep their order at the front.
        seconds = {id(t): float((cache.read_record(Path(t.out), t.chapter) or {})
                                .get("seconds", 1e9)) for t in tasks}
        tasks.sort(key=lambda t: -seconds[id(t)])

        def running(task: Task) -> None:
            progress.set(names[(task.chapter, task.out)], Status.RUNNING)

        def finished(task: Task, result: Result) -> None:
            name = names[(task.chapter, task.out)]
            results[name] = result
            progress.set(name, result.status, result.seconds)

        runner.run(tasks, on_running=running, on_result=finished)
    return {t.name: results[t.name] for t in targets}


def ran_on(runner: Runner, results: Mapping[str, Result]) -> str:
    """Where the targets ran, for the closing table: the runner's phrase, or nothing ran."""
    executed = sum(Status(r.status).executed for r in results.values())
    return runner.describe(executed) if executed else "nothing to run"
