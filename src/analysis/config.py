"""Every path and setting the project uses: paths from the project root, then the settings.

Every setting is resolved here, the same way: an explicit argument (a command-line option),
then an environment variable, then a default.

- input data: ``--data-dir``, ``MIGRATION_DATA_DIR``, ``data/raw`` once fetched, else the
  snapshot (:func:`resolve_data_dir`, below);
- the chapters registry: ``--chapters``, ``MIGRATION_CHAPTERS_FILE``,
  ``notebooks/chapters.toml`` (:func:`chapters_file`);
- the build cache: ``MIGRATION_CACHE_DIR``, ``.cache/migration-report`` (:func:`cache_dir`);
- the wait for another build's lock: ``MIGRATION_LOCK_TIMEOUT``, 120 s (:func:`lock_timeout`);
- worker processes: ``--jobs``, one per core (:func:`resolve_jobs`);
- the runner: ``--runner``, ``MIGRATION_RUNNER``, ``dask`` with a scheduler, else ``warm``
  (:func:`resolve_runner`);
- a warm kernel's life: ``MIGRATION_WARM_MAX_RUNS`` notebooks (100) and
  ``MIGRATION_WARM_MAX_MB`` of memory (1200) before it is started again
  (:func:`warm_limits`);
- the Dask scheduler: ``--scheduler``, ``DASK_SCHEDULER_ADDRESS`` (:func:`resolve_scheduler`);
- the footer date and build time: ``SOURCE_DATE_EPOCH``, now (:func:`source_date`).

Precedence for the input data (highest first):

1. an explicit ``--data-dir`` flag (the ``data_dir`` argument of :func:`resolve_data_dir`);
2. the environment variable ``MIGRATION_DATA_DIR``;
3. ``data/raw/`` when ``migration-report data fetch`` has filled it (its manifest exists);
4. the embedded snapshot ``data/snapshot/``, committed with the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from analysis.errors import ParameterError, ReportError

ENV_DATA_DIR = "MIGRATION_DATA_DIR"
ENV_PROJECT_ROOT = "MIGRATION_PROJECT_ROOT"
ENV_RUNNER = "MIGRATION_RUNNER"
ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"
ENV_SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
ENV_CACHE_DIR = "MIGRATION_CACHE_DIR"
ENV_LOCK_TIMEOUT = "MIGRATION_LOCK_TIMEOUT"
#: Seconds a build waits for another build of the same output directory.
DEFAULT_LOCK_TIMEOUT = 120.0
ENV_CHAPTERS_FILE = "MIGRATION_CHAPTERS_FILE"
ENV_WARM_MAX_RUNS = "MIGRATION_WARM_MAX_RUNS"
ENV_WARM_MAX_MB = "MIGRATION_WARM_MAX_MB"
#: Notebooks a warm kernel runs before it is started again.
DEFAULT_WARM_MAX_RUNS = 100
#: Resident memory (MB) above which a warm kernel is started again after a run.
DEFAULT_WARM_MAX_MB = 1200.0
#: The runner when none is asked for and no Dask scheduler is set.
DEFAULT_RUNNER = "warm"


def _find_root() -> Path:
    """Return the project root: the folder holding ``pyproject.toml`` above this file.

    An installed (non-editable) package has no such folder above it; then the current
    directory is used, or ``MIGRATION_PROJECT_ROOT`` when it is set.
    """
    env = os.environ.get(ENV_PROJECT_ROOT)
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "notebooks").is_dir():
            return parent
    return Path.cwd().resolve()


PROJECT_ROOT: Path = _find_root()
DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
INTERIM_DIR: Path = DATA_DIR / "interim"
SNAPSHOT_DIR: Path = DATA_DIR / "snapshot"
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
CHAPTERS_FILE: Path = NOTEBOOKS_DIR / "chapters.toml"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
CACHE_DIR: Path = PROJECT_ROOT / ".cache" / "migration-report"
RAW_MANIFEST: Path = RAW_DIR / "manifest.json"


@dataclass(frozen=True)
class DataChoice:
    """Which data directory is used, and why.

    Attributes
    ----------
    path : Path
        The directory holding the source tables.
    origin : str
        ``"flag"``, ``"environment"``, ``"raw"`` or ``"snapshot"``.
    """

    path: Path
    origin: str


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> DataChoice:
    """Choose the input data directory by the documented precedence.

    Parameters
    ----------
    data_dir : path-like, optional
        An explicit directory (the ``--data-dir`` flag). Wins over everything else.

    Returns
    -------
    DataChoice
        The directory (made absolute) and the rule that chose it.
    """
    if data_dir is not None and str(data_dir) != "":
        return DataChoice(Path(data_dir).expanduser().resolve(), "flag")
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return DataChoice(Path(env).expanduser().resolve(), "environment")
    if RAW_MANIFEST.is_file():
        return DataChoice(RAW_DIR, "raw")
    return DataChoice(SNAPSHOT_DIR, "snapshot")


def chapters_file(path: str | os.PathLike[str] | None = None) -> Path:
    """The registry file: ``path``, else ``MIGRATION_CHAPTERS_FILE``, else the project's."""
    if path is not None and str(path) != "":
        return Path(path).expanduser().resolve()
    env = os.environ.get(ENV_CHAPTERS_FILE)
    if env:
        return Path(env).expanduser().resolve()
    return CHAPTERS_FILE


def cache_dir() -> Path:
    """The pipeline's cache directory (``MIGRATION_CACHE_DIR`` or ``.cache/migration-report``)."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env).expanduser().resolve()
    return CACHE_DIR


def lock_timeout(value: float | None = None) -> float:
    """``value``, else ``MIGRATION_LOCK_TIMEOUT``, else :data:`DEFAULT_LOCK_TIMEOUT` seconds."""
    if value is not None:
        return float(value)
    env = os.environ.get(ENV_LOCK_TIMEOUT)
    if not env:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(env)
    except ValueError:
        seconds = float("nan")
    if not (0 <= seconds < 1e9):
        raise ParameterError(f"{ENV_LOCK_TIMEOUT}={env[:40]!r} is not a number of seconds "
                             "(e.g. 120)")
    return seconds


def resolve_jobs(jobs: int | None = None) -> int:
    """Worker processes: ``jobs`` when given, else one per core.

    Raises
    ------
    ParameterError
        For fewer than one.
    """
    value = jobs if jobs is not None else (os.cpu_count() or 1)
    if value < 1:
        raise ParameterError(f"--jobs {value}: needs at least 1")
    return value


def resolve_scheduler(scheduler: str | None = None) -> str | None:
    """The Dask scheduler address: ``scheduler``, else ``DASK_SCHEDULER_ADDRESS``, else none."""
    value = scheduler if scheduler else os.environ.get(ENV_SCHEDULER, "").strip()
    return value or None


def resolve_runner(runner: str | None = None, scheduler: str | None = None) -> str:
    """The runner's name (:mod:`analysis.pipeline.runners`).

    ``runner`` when given, else ``MIGRATION_RUNNER``, else ``dask`` when a scheduler address
    is set (:func:`resolve_scheduler`), else :data:`DEFAULT_RUNNER` (``warm``).
    """
    value = runner or os.environ.get(ENV_RUNNER, "").strip()
    if value:
        return value
    return "dask" if resolve_scheduler(scheduler) else DEFAULT_RUNNER


def _positive_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (0 < value < 1e12):
        raise ParameterError(f"{name}={raw[:40]!r} is not a positive number")
    return value


def warm_limits() -> tuple[int, float]:
    """``(runs, MB)`` after which a warm kernel is started again.

    From ``MIGRATION_WARM_MAX_RUNS`` (default 100) and ``MIGRATION_WARM_MAX_MB`` (default
    1200).

    Raises
    ------
    ParameterError
        When either is set but not a positive number.
    """
    return (int(_positive_env(ENV_WARM_MAX_RUNS, DEFAULT_WARM_MAX_RUNS)),
            _positive_env(ENV_WARM_MAX_MB, DEFAULT_WARM_MAX_MB))


def source_date() -> tuple[str | None, str | None]:
    """``(YYYY-MM-DD, ISO time)`` from ``SOURCE_DATE_EPOCH``, or ``(None, None)`` if unset.

    Raises
    ------
    ReportError
        When it is set but not a Unix time in seconds.
    """
    raw = os.environ.get(ENV_SOURCE_DATE_EPOCH, "").strip()
    if not raw:
        return None, None
    try:
        moment = datetime.fromtimestamp(int(raw), UTC)
    except (ValueError, OverflowError, OSError):
        raise ReportError(f"SOURCE_DATE_EPOCH={raw!r} is not a Unix time in seconds") from None
    return moment.strftime("%Y-%m-%d"), moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def shown_path(path: Path, base: Path = PROJECT_ROOT) -> str:
    """``path`` relative to ``base`` (POSIX) when it is inside it, else as it is.

    >>> shown_path(Path("/a/b/c.txt"), Path("/a"))
    'b/c.txt'
    >>> shown_path(Path("/x/c.txt"), Path("/a"))
    '/x/c.txt'
    """
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)
