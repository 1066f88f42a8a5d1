"""One build at a time per output directory (a :mod:`filelock` lock on ``OUT/.lock``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis.errors import ReportError

LOCK_NAME = ".lock"
ENV_LOCK_TIMEOUT = "MIGRATION_LOCK_TIMEOUT"
#: Seconds a build waits for another build of the same output directory.
DEFAULT_TIMEOUT = 120.0


class BuildLocked(ReportError):
    """Another build holds the output directory for longer than the timeout."""

    exit_code = 3


def lock_timeout(value: float | None = None) -> float:
    """``value``, else ``MIGRATION_LOCK_TIMEOUT``, else :data:`DEFAULT_TIMEOUT` seconds."""
    if value is not None:
        return float(value)
    env = os.environ.get(ENV_LOCK_TIMEOUT)
    return float(env) if env else DEFAULT_TIMEOUT


@contextmanager
def build_lock(out: Path, timeout: float | None = None,
               on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``OUT/.lock`` for the duration of the block.

    Parameters
    ----------
    out : Path
        The output directory (created if needed).
    timeout : float, optional
        Seconds to wait for another build; see :func:`lock_timeout`.
    on_wait : callable, optional
        Called once with a message when the lock is busy and the build starts waiting.

    Raises
    ------
    BuildLocked
        When another build still holds the lock after ``timeout`` seconds.
    """
    from filelock import FileLock, Timeout

    seconds = lock_timeout(timeout)
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    lock = FileLock(path, timeout=seconds)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait(f"another build is writing to {out}; waiting up to {seconds:g} s for it")
        try:
            lock.acquire(timeout=seconds)
        except Timeout:
            raise BuildLocked(
                f"another build is still writing to {out} after {seconds:g} s (it holds "
                f"{path}); nothing was run. Wait for it to finish, choose another --out, or "
                f"set {ENV_LOCK_TIMEOUT} to wait longer."
            ) from None
    try:
        yield
    finally:
        lock.release()
