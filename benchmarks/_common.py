"""What the benchmark scripts share: a timed subprocess, a copy of the notebooks, the env.

Imported by ``benchmarks/build.py`` and ``benchmarks/sweep.py`` (run as scripts, so this
folder is on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def run_timed(cmd: list[str], env: dict[str, str], cwd: Path | None = None
              ) -> tuple[float, int]:
    """Run ``cmd``; return its wall time in seconds and its exit code (stderr tail on failure)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
        print(f"  ! {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd[:3]))} "
              f"exited {proc.returncode}: {tail}", file=sys.stderr)
    return seconds, proc.returncode


def copy_notebooks(work: Path) -> Path:
    """Copy the registry and the notebooks into ``work/notebooks``; return the copied registry.

    The benchmarks change notebooks (to measure a one-notebook rebuild) only in this copy.
    """
    from analysis.config import CHAPTERS_FILE

    nbdir = work / "notebooks"
    nbdir.mkdir(parents=True)
    registry = nbdir / "chapters.toml"
    shutil.copy2(CHAPTERS_FILE, registry)
    for path in CHAPTERS_FILE.parent.glob("*.ipynb"):
        shutil.copy2(path, nbdir / path.name)
    return registry


def bench_env(work: Path) -> dict[str, str]:
    """The environment of every measured command: a fresh cache in ``work``, a fixed date and
    hash seed, and one BLAS thread per kernel on both sides (as the pipeline runs them), so
    the notebooks' own work is the same and the difference is the machinery around them."""
    from analysis.pipeline.execute import BLAS_THREAD_VARIABLES

    env = {**os.environ, "MIGRATION_CACHE_DIR": str(work / "cache"),
           "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "1700000000"),
           "PYTHONHASHSEED": "0"}
    env.pop("MIGRATION_CHAPTERS_FILE", None)
    for var in BLAS_THREAD_VARIABLES:
        env.setdefault(var, "1")
    return env


def write_results(path: Path, result: dict, table: str) -> None:
    """Write ``result`` as JSON to ``path``, then print where and the README ``table``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten {path}\n")
    print(table)
