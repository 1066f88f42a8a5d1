"""Runners: where the planned chapters run, registered by name (as papermill's engines are).

``run``, ``build`` and ``sweep`` share one path (:mod:`analysis.pipeline.engine`): targets
are planned into :class:`~analysis.pipeline.execute.Task` objects, a *runner* runs them, and
the outputs are written. A runner only decides *where* :func:`~analysis.pipeline.execute.run_task`
runs; what a run does and writes is the same everywhere.

Built-in runners
    ``warm`` (the default)
        A pool of local worker processes, each keeping one kernel warm for notebook after
        notebook (:mod:`.warm`).
    ``local``
        A pool of spawned worker processes on this machine, a new kernel per notebook
        (:mod:`.local`).
    ``dask``
        One Dask task per target on a Dask cluster, whose workers keep a kernel warm through
        a worker plugin (:mod:`.dask`).

More runners register with :func:`register_runner`, or from another package through the
entry-point group ``analysis.runners`` (name -> a factory).

The runner contract
    A runner is made by a *factory* called with keyword settings (:class:`RunnerSettings`)
    and is used as a context manager (``__enter__`` may connect; a runner that cannot start,
    e.g. an unreachable scheduler, raises :class:`~analysis.errors.ReportError` there, before
    anything is written). Then:

    ``describe(n_tasks) -> str``
        A short phrase for the closing table, e.g. ``"local process pool, 2 worker(s)"``.
    ``run(tasks, on_running, on_result) -> list[Result]``
        Receives the planned tasks (picklable, each naming its notebook, parameters and
        output folder) in priority order. It calls ``on_running(task)`` when a task starts
        (optional, best effort) and ``on_result(task, result)`` exactly once per task as it
        ends, from the calling thread, and returns every result (completion order).

    Failures never raise: a chapter that fails, or whose cell exceeds ``task.cell_timeout``,
    comes back from :func:`~analysis.pipeline.execute.run_task` as a ``failed`` result with
    its message; a task whose worker dies or is lost becomes
    :func:`~analysis.pipeline.execute.lost_result` (which writes the failure marker), so
    one target's failure never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from analysis.errors import ParameterError

if TYPE_CHECKING:
    from rich.console import Console

    from analysis.pipeline.execute import Result, Task

__all__ = ["ENTRY_POINT_GROUP", "Runner", "RunnerSettings", "available_runners", "deliver",
           "get_runner", "register_runner"]

#: Entry-point group through which other packages add runners.
ENTRY_POINT_GROUP = "analysis.runners"

OnRunning = Callable[["Task"], None]
OnResult = Callable[["Task", "Result"], None]


@dataclass(frozen=True)
class RunnerSettings:
    """What every runner factory receives (resolved in :mod:`analysis.config`).

    Attributes
    ----------
    jobs : int
        Worker processes on this machine (``local``).
    address : str, optional
        The address of a cluster (``dask``: ``tcp://host:8786``).
    console : rich.console.Console, optional
        Where a runner may print a warning.
    warm_max_runs : int
        Notebooks a warm kernel runs before it is started again.
    warm_max_memory_mb : float
        Memory (MB) above which a warm kernel is started again after a run.
    """

    jobs: int = 1
    address: str | None = None
    console: Console | None = None
    warm_max_runs: int = 100
    warm_max_memory_mb: float = 1200.0


class Runner(Protocol):
    """The interface of a runner (see the module docstring)."""

    def __enter__(self) -> Runner: ...

    def __exit__(self, *exc: object) -> None: ...

    def describe(self, n_tasks: int) -> str:
        """A short phrase naming where ``n_tasks`` tasks run."""
        ...

    def run(self, tasks: Sequence[Task], on_running: OnRunning | None = None,
            on_result: OnResult | None = None) -> list[Result]:
        """Run every task; never raises for a task's failure."""
        ...


def deliver(task: Task, result: Result, on_result: OnResult | None,
            results: list[Result]) -> None:
    """Hand one finished task's result to ``on_result`` (if any) and keep it in ``results``."""
    if on_result is not None:
        on_result(task, result)
    results.append(result)


_FACTORIES: dict[str, Callable[..., Runner]] = {}


def register_runner(name: str, factory: Callable[..., Runner]) -> None:
    """Make ``factory(settings: RunnerSettings)`` available as the runner ``name``."""
    _FACTORIES[name] = factory


def _lazy(module: str, name: str) -> Callable[..., Runner]:
    """A factory that imports ``module`` only when the runner is made (Dask is heavy)."""

    def factory(settings: RunnerSettings) -> Runner:
        from importlib import import_module

        runner: Callable[..., Runner] = getattr(import_module(module), name)
        return runner(settings)

    return factory


def _builtin() -> None:
    for name, module, factory in (("warm", "warm", "WarmRunner"),
                                  ("local", "local", "LocalRunner"),
                                  ("dask", "dask", "DaskRunner")):
        if name not in _FACTORIES:
            register_runner(name, _lazy(f"analysis.pipeline.runners.{module}", factory))


def _entry_points() -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _FACTORIES:
            register_runner(ep.name, ep.load())


def available_runners() -> list[str]:
    """Names of every registered runner (built-in first)."""
    _builtin()
    _entry_points()
    return list(_FACTORIES)


def get_runner(name: str, settings: RunnerSettings) -> Runner:
    """A runner by name, made with ``settings``.

    Raises
    ------
    ParameterError
        For a name no runner is registered under.
    """
    _builtin()
    if name not in _FACTORIES:
        _entry_points()
    if name not in _FACTORIES:
        raise ParameterError(f"unknown runner {name!r}; runners: "
                             f"{', '.join(available_runners())}")
    return _FACTORIES[name](settings)

