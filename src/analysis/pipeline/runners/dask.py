"""The ``dask`` runner: one Dask task per target, on a Dask cluster.

With a scheduler address (``--scheduler tcp://host:8786`` or the environment variable
``DASK_SCHEDULER_ADDRESS``), each target is one Dask task. The workers need the project
installed (the same ``analysis`` package: a worker whose copy differs fails its targets,
saying so) and the data directory reachable at the same path. The notebook travels with the
task (a worker uses its own copy when that is the same file). The output directory need not
be shared: a worker runs into a temporary directory seeded with the target's earlier files
and sends back what changed (:func:`run_detached`), which this process writes as a local build
does, all at once (:func:`apply_changes`). Start workers with one thread each (``dask worker ADDRESS --nthreads
1 --nworkers N``): running a notebook changes the worker process's working directory and
standard error.

Each worker keeps one kernel warm, as the ``warm`` runner's workers do: the runner registers
:class:`WarmKernelPlugin`, which gives every worker (those that join later too) a
:class:`~analysis.pipeline.kernels.KernelSession`; :func:`run_detached` runs the notebook in
it. The drafts and key figures are the same bytes as a local build's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from analysis.errors import ReportError
from analysis.pipeline import cache
from analysis.pipeline.execute import Result, Task, lost_result, one_line
from analysis.pipeline.runners import OnResult, OnRunning, RunnerSettings, deliver

__all__ = ["CONNECT_TIMEOUT", "DaskRunner", "DetachedJob", "WarmKernelPlugin", "apply_changes",
           "run_detached"]

#: Seconds to wait for the Dask scheduler to answer, and then for a first worker.
CONNECT_TIMEOUT = 30.0
#: Files of a target's directory that are never sent to a Dask worker.
_LOCAL_ONLY = (f"{cache.BUILD_DIR}/logs/", f"{cache.BUILD_DIR}/tmp/", ".lock")


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
    from analysis.pipeline.kernels import installed_session

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
        result = run_task(replace(task, out=str(out), notebook=str(here)),
                          session=installed_session())
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


def apply_changes(out: Path, chapter: str, changes: Mapping[str, bytes | None]) -> None:
    """Write what :func:`run_detached` sent back into ``out``, build records last.

    The logs are written first; the chapter's own files are replaced all at once, as a local
    build replaces them (:func:`~analysis.pipeline.commit.commit_chapter`: new and changed
    files in, removed ones out, in one commit); the records in ``OUT/.build`` come last, so
    an interruption leaves the combination to run again.
    """
    from analysis.io import atomic_write_bytes
    from analysis.pipeline.commit import commit_chapter

    build = f"{cache.BUILD_DIR}/"
    records = {n: d for n, d in changes.items() if n.startswith(build) and n.count("/") == 1}
    logs = {n: d for n, d in changes.items() if n.startswith(build) and n not in records}
    files = {n: d for n, d in changes.items() if not n.startswith(build)}
    for name, data in sorted(logs.items()):
        if data is None:
            (out / name).unlink(missing_ok=True)
        else:
            atomic_write_bytes(out / name, data)
    if files:
        commit_chapter(out, chapter, {n: d for n, d in files.items() if d is not None},
                       remove=[n for n, d in files.items() if d is None])
    for name, data in sorted(records.items()):
        if data is None:
            (out / name).unlink(missing_ok=True)
        else:
            atomic_write_bytes(out / name, data)


def _plugin_base() -> type:
    from distributed.diagnostics.plugin import WorkerPlugin

    return WorkerPlugin


class WarmKernelPlugin(_plugin_base()):  # type: ignore[misc]
    """A Dask worker plugin that gives the worker one warm kernel (see the module docstring).

    ``setup`` makes the worker's session (its kernel starts with the first notebook);
    ``teardown`` stops the kernel.

    Parameters
    ----------
    **settings
        :class:`~analysis.pipeline.kernels.KernelSession` settings (``max_runs``,
        ``max_memory_mb``).
    """

    name = "migration-report-warm-kernel"

    def __init__(self, **settings: Any) -> None:
        self.settings = settings

    def setup(self, worker: Any) -> None:
        """Make this worker's session (Dask calls it when the plugin reaches the worker)."""
        from analysis.pipeline.execute import prepare_process
        from analysis.pipeline.kernels import current_session

        prepare_process()
        current_session(**self.settings)

    def teardown(self, worker: Any) -> None:
        """Stop this worker's kernel."""
        from analysis.pipeline.kernels import drop_session

        drop_session()


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


class DaskRunner:
    """Run tasks on the Dask scheduler at ``settings.address`` (see the module docstring).

    Entering connects and waits for a first worker; an unreachable scheduler raises
    :class:`~analysis.errors.ReportError` then, before anything is written.
    """

    def __init__(self, settings: RunnerSettings) -> None:
        if not settings.address:
            raise ReportError("the dask runner needs a scheduler address (--scheduler or "
                              "DASK_SCHEDULER_ADDRESS)")
        self.address = settings.address
        self.console = settings.console
        self.client: Any = None
        self.plugin = WarmKernelPlugin(max_runs=settings.warm_max_runs,
                                       max_memory_mb=settings.warm_max_memory_mb)

    def __enter__(self) -> DaskRunner:
        self.client = _connect(self.address)
        try:
            self.client.register_plugin(self.plugin)
        except Exception as exc:  # a worker that cannot take it runs cold kernels instead
            if self.console is not None:
                self.console.print(f"! the Dask workers run without warm kernels: "
                                   f"{type(exc).__name__}: {one_line(exc)}", style="yellow",
                                   soft_wrap=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def describe(self, n_tasks: int) -> str:
        """``"Dask scheduler ADDRESS (warm kernels)"``."""
        return f"Dask scheduler {self.address} (warm kernels)"

    def run(self, tasks: Sequence[Task], on_running: OnRunning | None = None,
            on_result: OnResult | None = None) -> list[Result]:
        """Submit every task and collect the results as they finish.

        A worker that cannot run a task (another package, no data, died) gives that task a
        ``failed`` result (:func:`~analysis.pipeline.execute.lost_result`).
        """
        from dask.distributed import as_completed

        from analysis.pipeline.fingerprint import package_digest

        client = self.client
        threads = {w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()}
        if max(threads, default=1) > 1 and self.console is not None:
            self.console.print("! Dask workers with several threads: a notebook run changes "
                               "the worker's working directory and standard error; start "
                               "workers with --nthreads 1", style="yellow", soft_wrap=True)
        futures = {}
        notebooks: dict[str, bytes] = {}
        for task in tasks:
            if task.notebook not in notebooks:
                notebooks[task.notebook] = Path(task.notebook).read_bytes()
            job = DetachedJob(task, notebooks[task.notebook], _tree(Path(task.out)),
                              package_digest())
            key = f"run-{task.chapter}-{Path(task.out).name}-{os.urandom(4).hex()}"
            futures[client.submit(run_detached, job, key=key, pure=False)] = task
        results: list[Result] = []
        try:
            for future in as_completed(futures, loop=client.loop):
                task = futures[future]
                try:
                    result, changes = future.result()
                    apply_changes(Path(task.out), task.chapter, changes)
                except Exception as exc:  # the worker could not run it, or died
                    result = lost_result(task, f"{task.label}: the Dask worker could not run "
                                               f"it: {type(exc).__name__}: {one_line(exc)}")
                deliver(task, result, on_result, results)
        finally:
            client.cancel(list(futures))
        return results
