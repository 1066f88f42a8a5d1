"""The ``warm`` runner (the default): a local pool of workers that each keep a kernel warm.

Each worker process starts one Jupyter kernel with its first chapter, imports the library and
the heavy packages in it once, and then runs chapter after chapter (or sweep point after
sweep point) in it, each from the state of a new kernel: a fresh namespace, matplotlib and
random generators reset (:mod:`analysis.pipeline.kernels`,
:mod:`analysis.pipeline.kernel_state`). The canonical tables stay in the kernel's memory,
keyed by their checksums. The outputs are byte for byte those of a new kernel per notebook
(the ``local`` runner), which a test checks for the whole report and for a sweep.

A run that fails or times out restarts that worker's kernel only; a worker process that dies
is handled as the ``local`` runner does (its tasks run again alone). Kernels are started
again after ``warm_max_runs`` runs or when one holds more than ``warm_max_memory_mb`` MB
(:mod:`analysis.config`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis.pipeline.execute import Result, Task, prepare_process, run_task
from analysis.pipeline.runners import OnResult, OnRunning, RunnerSettings
from analysis.pipeline.runners.local import run_pool

__all__ = ["WarmRunner", "run_warm"]


class WarmRunner:
    """Run tasks on ``settings.jobs`` local workers, each with a warm kernel."""

    def __init__(self, settings: RunnerSettings) -> None:
        self.jobs = max(1, settings.jobs)
        self.session = {"max_runs": settings.warm_max_runs,
                        "max_memory_mb": settings.warm_max_memory_mb}

    def __enter__(self) -> WarmRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def describe(self, n_tasks: int) -> str:
        """``"N warm kernel(s)"``."""
        return f"{min(self.jobs, max(n_tasks, 1))} warm kernel(s), local"

    def run(self, tasks: Sequence[Task], on_running: OnRunning | None = None,
            on_result: OnResult | None = None) -> list[Result]:
        """Run every task on the warm pool (see :func:`~.local.run_pool` for lost workers)."""
        # Each worker launches the kernel the first tasks ask for as soon as it starts.
        session = {**self.session, "kernel_name": tasks[0].kernel if tasks else None}
        return run_pool(tasks, self.jobs, on_running=on_running, on_result=on_result,
                        work=run_warm, initializer=_init_warm_worker, initargs=(session,))


def _init_warm_worker(events: Any, session: dict[str, Any]) -> None:
    """Pool initializer: events, a lean process, and this worker's kernel launched at once.

    The kernel boots and imports while this process imports what runs and exports a
    notebook; a kernel that cannot be launched is tried again (and its failure reported)
    with the first task.
    """
    import contextlib

    from analysis.config import resolve_data_dir
    from analysis.pipeline.execute import set_event_queue
    from analysis.pipeline.kernels import current_session

    set_event_queue(events)
    prepare_process()
    warm = current_session(**session)
    with contextlib.suppress(Exception):  # the first task says what went wrong
        warm.launch(str(resolve_data_dir().path))
    import papermill  # noqa: F401  (imported now, while the kernel warms up)

    from analysis.export import html, key_figures, markdown  # noqa: F401


def run_warm(task: Task) -> Result:
    """Run ``task`` in this process's warm kernel (:func:`~analysis.pipeline.kernels.current_session`)."""
    from analysis.pipeline.kernels import current_session

    return run_task(task, session=current_session())
