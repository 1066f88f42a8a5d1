"""Benchmark the report build against the naive way of running the notebooks.

Measured on the same machine in one run, on a temporary copy of the chapter notebooks (the
working tree is never modified):

(a) naive baseline: every chapter run serially with the plain ``papermill`` command line, then
    ``jupyter nbconvert --to html``;
(b) ``migration-report build --force`` into a fresh output directory, with a fresh cache
    (cold: the year coverage of the data is computed too);
(c) ``migration-report build`` again with nothing changed (best of ``--repeat`` runs);
(d) ``migration-report build`` after one notebook changed (a space appended to a markdown
    cell of the first chapter): only that chapter runs.

Prints the timings and the speed-ups, writes ``benchmarks/results/build.json`` and prints a
Markdown table for the README. Run it with ``make benchmark`` or
``.venv/bin/python benchmarks/build.py [--jobs N] [--repeat K] [--skip-baseline]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import bench_env, copy_notebooks, run_timed, write_results

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "build.json"


def _prepare(work: Path) -> tuple[Path, list]:
    """Copy the notebooks into ``work``; return the registry and the chapters ``build`` runs
    (those of the report whose notebook exists)."""
    from analysis.pipeline.chapters import load_chapters

    registry = copy_notebooks(work)
    chapters = [c for c in load_chapters(registry).values() if c.exists and c.report]
    return registry, chapters


def baseline(chapters: list, work: Path, env: dict[str, str], data_dir: Path) -> dict:
    """(a) papermill CLI + jupyter nbconvert, one chapter after the other."""
    from analysis.pipeline.datainfo import DataInfo
    from analysis.pipeline.fingerprint import data_checksums
    from analysis.pipeline.params import resolve_parameters

    out = work / "baseline"
    out.mkdir()
    info = DataInfo(data_dir, data_checksums(data_dir))
    per: dict[str, float] = {}
    failed = []
    for chapter in chapters:
        params = {**resolve_parameters(chapter, {}, info), "data_dir": str(data_dir)}
        executed = out / f"{chapter.id}.ipynb"
        t1, rc1 = run_timed([str(BIN / "papermill"), str(chapter.notebook), str(executed),
                        "-k", "python3", "--no-progress-bar", "--cwd",
                        str(chapter.notebook.parent), "-y", json.dumps(params)], env)
        t2, rc2 = run_timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed),
                        "--output-dir", str(out)], env)
        per[chapter.id] = t1 + t2
        if rc1 or rc2:
            failed.append(chapter.id)
        print(f"  baseline {chapter.id}: {t1:.1f} s papermill + {t2:.1f} s nbconvert")
    return {"seconds": sum(per.values()), "per_chapter": per, "failed": failed}


def _build(registry: Path, out: Path, env: dict[str, str], jobs: int | None,
           force: bool = False) -> tuple[float, int]:
    cmd = [str(BIN / "migration-report"), "build", "--out", str(out), "--chapters",
           str(registry)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if force:
        cmd.append("--force")
    return run_timed(cmd, env)


def _executed(out: Path, since: float) -> list[str]:
    return sorted(p.stem for p in (out / ".build").glob("*.json")
                  if not p.name.endswith(".failed.json") and p.stat().st_mtime >= since)


def _touch_markdown(notebook: Path) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in reversed(nb["cells"]):
        if cell["cell_type"] == "markdown":
            src = cell["source"]
            if isinstance(src, list):
                src = "".join(src)
            cell["source"] = src + " "
            break
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def markdown_table(result: dict) -> str:
    """The README table."""
    base = result.get("baseline", {}).get("seconds")

    def row(label: str, seconds: float) -> str:
        ratio = f"{base / seconds:.1f}×" if base else "–"
        return f"| {label} | {seconds:.2f} | {ratio} |"

    lines = ["| build | seconds | speed-up vs. baseline |", "| --- | ---: | ---: |"]
    if base:
        lines.append(f"| (a) baseline: papermill CLI + nbconvert, serial | {base:.2f} | 1.0× |")
    lines += [
        row(f"(b) `migration-report build --force`, cold, {result['jobs']} jobs",
            result["cold"]["seconds"]),
        row("(c) `migration-report build`, nothing changed", result["cached"]["seconds"]),
        row("(d) `migration-report build`, one notebook changed", result["touched"]["seconds"]),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=None, help="--jobs for the build")
    parser.add_argument("--repeat", type=int, default=5, help="runs of (c); the best is kept")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args(argv)

    from analysis.config import resolve_data_dir

    data_dir = resolve_data_dir().path
    work = Path(tempfile.mkdtemp(prefix="migration-report-bench-"))
    try:
        env = bench_env(work)
        registry, chapters = _prepare(work)
        if not chapters:
            print("no chapter notebook exists yet; nothing to measure", file=sys.stderr)
            return 1
        jobs = args.jobs or os.cpu_count() or 1
        result: dict = {
            "chapters": [c.id for c in chapters], "jobs": jobs, "cpus": os.cpu_count(),
            "python": platform.python_version(), "platform": platform.platform(),
            "data_dir": str(data_dir),
        }
        print(f"{len(chapters)} chapter(s): {', '.join(result['chapters'])}; "
              f"{os.cpu_count()} CPUs; data {data_dir}")
        if not args.skip_baseline:
            result["baseline"] = baseline(chapters, work, env, data_dir)
            shutil.rmtree(work / "cache", ignore_errors=True)  # (b) starts cold
        out = work / "out"
        seconds, rc = _build(registry, out, env, jobs, force=True)
        result["cold"] = {"seconds": seconds, "exit_code": rc}
        print(f"  (b) cold build: {seconds:.2f} s (exit {rc})")
        runs = [_build(registry, out, env, jobs)[0] for _ in range(max(1, args.repeat))]
        result["cached"] = {"seconds": min(runs), "median": statistics.median(runs),
                            "runs": runs}
        print(f"  (c) nothing changed: best {min(runs):.2f} s, median "
              f"{statistics.median(runs):.2f} s")
        _touch_markdown(chapters[0].notebook)
        since = time.time() - 1
        seconds, rc = _build(registry, out, env, jobs)
        result["touched"] = {"seconds": seconds, "exit_code": rc, "notebook":
                             chapters[0].notebook.name, "executed": _executed(out, since)}
        print(f"  (d) {chapters[0].notebook.name} changed: {seconds:.2f} s, ran "
              f"{', '.join(result['touched']['executed']) or 'nothing'}")
        base = result.get("baseline", {}).get("seconds")
        if base:
            result["speedup"] = {k: base / result[k]["seconds"]
                                 for k in ("cold", "cached", "touched")}
            print("speed-up vs. baseline: " + ", ".join(
                f"{k} {v:.1f}×" for k, v in result["speedup"].items()))
        write_results(RESULTS, result, markdown_table(result))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
