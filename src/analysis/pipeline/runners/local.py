"""The ``local`` runner: a pool of spawned worker processes on this machine.

Each worker imports papermill and nbconvert once and then runs task after task with
:func:`~analysis.pipeline.execute.run_task`; every notebook still gets a fresh kernel. The
workers send "running" events over a queue, so the progress display shows what runs now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from analysis.pipeline.execute import Result, Task, lost_result, prepare_process, run_task
from analysis.pipeline.runners import OnResult, OnRunning, RunnerSettings, deliver

__all__ = ["LocalRunner", "run_pool"]


class LocalRunner:
    """Run tasks on a local process pool of ``settings.jobs`` workers (see :func:`run_pool`)."""

    def __init__(self, settings: RunnerSettings) -> None:
        self.jobs = max(1, settings.jobs)

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def describe(self, n_tasks: int) -> str:
        """``"local process pool, N worker(s)"``."""
        return f"local process pool, {min(self.jobs, max(n_tasks, 1))} worker(s)"

    def run(self, tasks: Sequence[Task], on_running: OnRunning | None = None,
            on_result: OnResult | None = None) -> list[Result]:
        """Run every task (see :func:`run_pool`)."""
        return run_pool(tasks, self.jobs, on_running=on_running, on_result=on_result)


def _init_worker(events: Any) -> None:
    """Process-pool initializer: events go to ``events``; a lean notebook runner."""
    from analysis.pipeline.execute import set_event_queue

    set_event_queue(events)
    prepare_process()


def run_pool(tasks: Sequence[Task], jobs: int, *,
             on_running: OnRunning | None = None,
             on_result: OnResult | None = None,
             work: Callable[[Task], Result] = run_task,
             initializer: Callable[..., None] = _init_worker,
             initargs: tuple[Any, ...] = ()) -> list[Result]:
    """Run tasks with :func:`run_task` on a pool of ``jobs`` spawned worker processes.

    Each worker imports papermill and nbconvert once and then runs task after task; every
    notebook still gets a fresh kernel.

    A worker process that dies (killed, out of memory) breaks the whole pool: every task
    still running or waiting in it is lost, not only the one that killed it. Those tasks run
    again, one at a time, each in a fresh single-worker pool, so that only a task whose
    process dies again fails.

    Parameters
    ----------
    tasks : sequence of Task
        What to run, in submission order.
    jobs : int
        Worker processes (at most one per task).
    on_running : callable, optional
        Called with a task when a worker starts it.
    on_result : callable, optional
        Called with a task and its result as each one finishes.
    work : callable
        What a worker runs for each task (a module-level function: it is pickled by name).
    initializer : callable
        Run once in each worker, with the event queue and then ``initargs``.
    initargs : tuple
        More arguments of ``initializer``.

    Returns
    -------
    list of Result
        In completion order. A task whose worker process dies also when run alone gives a
        ``failed`` result.
    """
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    events = ctx.Queue()
    try:
        pool = (work, initializer, (events, *initargs))
        results, lost = _pool_pass(tasks, jobs, ctx, pool, events, on_running, on_result)
        for task, _ in lost:  # one at a time: a worker that dies again is the task's own
            again, still = _pool_pass([task], 1, ctx, pool, events, on_running, on_result)
            results += again
            for t, exc in still:
                deliver(t, lost_result(t, f"{t.label}: the worker process died "
                                          f"({type(exc).__name__}), also when run alone"),
                        on_result, results)
    finally:
        events.close()
    return results


def _pool_pass(tasks: Sequence[Task], jobs: int, ctx: Any,
               pool_spec: tuple[Callable[[Task], Result], Callable[..., None], tuple[Any, ...]],
               events: Any, on_running: OnRunning | None,
               on_result: OnResult | None,
               ) -> tuple[list[Result], list[tuple[Task, BaseException]]]:
    """One process pool over ``tasks``: the results, and the tasks lost with a dead worker."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from queue import Empty

    by_place = {(t.chapter, t.out): t for t in tasks}
    results: list[Result] = []
    lost: list[tuple[Task, BaseException]] = []

    def drain() -> None:
        while True:
            try:
                chapter, out, state = events.get_nowait()
            except (Empty, OSError, ValueError):
                return
            task = by_place.get((chapter, out))
            if state == "running" and task is not None and on_running is not None:
                on_running(task)

    work, initializer, initargs = pool_spec
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(tasks))), mp_context=ctx,
                             initializer=initializer, initargs=initargs) as pool:
        futures = {pool.submit(work, task): task for task in tasks}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            drain()
            for future in finished:
                task = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a worker process died: the pool is broken
                    lost.append((task, exc))
                    continue
                deliver(task, result, on_result, results)
    drain()
    return results, lost
