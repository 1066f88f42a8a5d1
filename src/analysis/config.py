"""Every path the project uses, built from the project root, and the data-directory precedence.

Precedence for the input data (highest first):

1. an explicit ``--data-dir`` flag (the ``data_dir`` argument of :func:`resolve_data_dir`);
2. the environment variable ``MIGRATION_DATA_DIR``;
3. ``data/raw/`` when ``migration-report data fetch`` has filled it (its manifest exists);
4. the embedded snapshot ``data/snapshot/``, committed with the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_DATA_DIR = "MIGRATION_DATA_DIR"
ENV_PROJECT_ROOT = "MIGRATION_PROJECT_ROOT"


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
