"""One build at a time per output directory (a :mod:`filelock` lock on ``OUT/.lock``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis.config import ENV_LOCK_TIMEOUT, lock_timeout
from analysis.errors import ReportError

LOCK_NAME = ".lock"


class BuildLocked(ReportError):
    """Another build holds the output directory for longer than the timeout."""

    exit_code = 3


class OutputDirError(ReportError):
    """An output folder that cannot be one (a file, under a file, read-only, too long)."""

    exit_code = 2


def _shown(path: Path, limit: int = 100) -> str:
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


def check_output_dir(out: Path) -> None:
    """Refuse an output folder that cannot be written, before anything is written.

    Raises
    ------
    OutputDirError
        Naming ``--out`` and the reason: it is a file, it sits under a file, its nearest
        existing folder is read-only, or its path is too long for the file system.
    """
    text = os.fspath(out)
    longest = max((len(os.fsencode(part)) for part in Path(text).parts), default=0)
    if len(os.fsencode(text)) >= 4096 or longest > 255:
        raise OutputDirError(f"--out {_shown(out)}: the path is too long "
                             f"({len(text):,} characters; a name may have at most 255)")
    probe = Path(os.path.abspath(text))
    while True:
        try:
            mode_is_dir = probe.is_dir()
            exists = probe.exists() or probe.is_symlink()
        except OSError as exc:
            raise OutputDirError(f"--out {_shown(out)}: {exc.strerror or exc}") from None
        if exists:
            break
        probe = probe.parent
    if not mode_is_dir:
        where = "is a file" if probe == Path(os.path.abspath(text)) \
            else f"is under {_shown(probe)}, which is a file"
        raise OutputDirError(f"--out {_shown(out)}: {where}, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputDirError(f"--out {_shown(out)}: {_shown(probe)} is read-only")


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
    check_output_dir(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(f"--out {_shown(out)}: cannot be created "
                             f"({exc.strerror or exc})") from None
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
