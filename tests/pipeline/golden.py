"""Record or compare the golden outputs: every chapter and a sweep, built from the snapshot.

``python tests/pipeline/golden.py record`` rebuilds them with ``SOURCE_DATE_EPOCH`` fixed and
writes ``tests/fixtures/golden/``: each key-figures file in full, and the SHA-256 of every
draft (``.html``, ``.md``) and of the sweep's ``key_figures.csv`` and ``index.html``.
Regenerate only for an intended change of the outputs; ``tests/pipeline/test_golden.py``
compares a fresh build with them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
EPOCH = "1700000000"
#: The sweep recorded: the country brief for two countries and two years.
SWEEP = ["country_brief", "--over", "country=PAK,AFG", "--over", "year=2019,2020"]


def _cli(*args: str) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "MIGRATION_DATA_DIR": ""}
    env.pop("MIGRATION_DATA_DIR")
    done = subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"migration-report {' '.join(args)} exited {done.returncode}:\n"
                           f"{done.stdout}\n{done.stderr}")


def build_all(out: Path, jobs: int = 2, runner: str = "local") -> None:
    """Build the report, the country brief and the sweep into ``out`` (snapshot data).

    ``runner`` is where the notebooks run: ``local`` (a new kernel each) or ``warm``.
    """
    data = str(ROOT / "data" / "snapshot")
    common = ["--force", "--data-dir", data, "--to", "html,markdown", "--runner", runner]
    _cli("build", "--out", str(out / "report"), "--jobs", str(jobs), *common)
    _cli("run", "country_brief", "--out", str(out / "report"), *common)
    _cli("sweep", *SWEEP, "--out", str(out / "sweep"), "--jobs", str(jobs), *common)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def collect(out: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``(key figures file -> text, output file -> sha256)`` of a :func:`build_all` folder."""
    figures: dict[str, str] = {}
    hashes: dict[str, str] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file() or ".build" in path.parts or "failed" in path.parts:
            continue
        name = path.relative_to(out).as_posix()
        if name.endswith(".key_figures.json"):
            figures[name] = path.read_text(encoding="utf-8")
        elif name.endswith((".html", ".md", "key_figures.csv")):
            hashes[name] = _sha(path)
    return figures, hashes


def record(out: Path) -> None:
    """Write the golden files from a fresh build into ``out``."""
    build_all(out)
    figures, hashes = collect(out)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for old in GOLDEN.rglob("*.key_figures.json"):
        old.unlink()
    for name, text in figures.items():
        target = GOLDEN / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (GOLDEN / "hashes.json").write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    if sys.argv[1:] != ["record"]:
        sys.exit("usage: python tests/pipeline/golden.py record")
    with tempfile.TemporaryDirectory() as tmp:
        record(Path(tmp))
    print(f"recorded {GOLDEN.relative_to(ROOT)}")
