"""Benchmark a parameter sweep against the naive loop: 30 countries of the country brief.

Measured on the same machine in one run, on a temporary copy of the chapter notebooks (the
working tree is never modified):

(a) naive baseline: one run per value, serially, with the plain ``papermill`` command line,
    each followed by ``jupyter nbconvert --to html`` (what a hand-written loop does);
(b) ``migration-report sweep CHAPTER --over NAME=V1,…,V30 --jobs N`` into a fresh output
    directory with a fresh cache (cold: the data are validated too);
(c) the same sweep again, nothing changed (every combination cached).

The chapter is ``country_brief`` (``notebooks/05_country_brief.ipynb``) swept over
``country`` by default; ``--chapter`` and ``--param-name`` choose others. Both sides run the
kernels with one BLAS thread, as the pipeline does (``OPENBLAS_NUM_THREADS=1`` …), so the
notebook's own work is the same and the difference is the machinery around it.

Prints the timings and the ratio, writes ``benchmarks/results/sweep.json`` and prints a
Markdown table for the README. Run it with
``.venv/bin/python benchmarks/sweep.py [--jobs N] [--values PAK,BGD,…] [--skip-baseline]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from _common import bench_env, copy_notebooks, run_timed

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "sweep.json"
#: 30 countries of origin with data in every table of the embedded snapshot.
COUNTRIES = (
    "PAK", "BGD", "AFG", "IRQ", "IRN", "SYR", "TUR", "EGY", "MAR", "TUN", "DZA", "NGA", "GHA",
    "SEN", "MLI", "GIN", "CIV", "ERI", "SOM", "SDN", "ETH", "UKR", "GEO", "ARM", "KGZ", "TJK",
    "UZB", "IND", "LKA", "NPL",
)
def baseline(chapter, name: str, values: list[str], fixed: dict[str, str], work: Path,
             env: dict[str, str], data_dir: Path) -> dict:
    """(a) papermill CLI + jupyter nbconvert, one value after the other."""
    from analysis.pipeline.datainfo import DataInfo
    from analysis.pipeline.fingerprint import data_checksums
    from analysis.pipeline.params import resolve_parameters

    out = work / "baseline"
    out.mkdir()
    info = DataInfo(data_dir, data_checksums(data_dir))
    per: dict[str, float] = {}
    failed = []
    for value in values:
        params = {**resolve_parameters(chapter, {**fixed, name: value}, info),
                  "data_dir": str(data_dir)}
        executed = out / f"{chapter.id}_{value}.ipynb"
        t1, rc1 = run_timed([str(BIN / "papermill"), str(chapter.notebook), str(executed),
                        "-k", "python3", "--no-progress-bar", "--cwd",
                        str(chapter.notebook.parent), "-y", json.dumps(params)], env)
        t2, rc2 = run_timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed),
                        "--output-dir", str(out)], env)
        per[value] = t1 + t2
        if rc1 or rc2:
            failed.append(value)
        print(f"  baseline {name}={value}: {t1:.1f} s papermill + {t2:.1f} s nbconvert")
    return {"seconds": sum(per.values()), "per_value": per, "failed": failed}


def _sweep(registry: Path, chapter: str, name: str, values: list[str], fixed: dict[str, str],
           out: Path, env: dict[str, str], jobs: int) -> tuple[float, int]:
    cmd = [str(BIN / "migration-report"), "sweep", chapter, "--over",
           f"{name}={','.join(values)}", "--out", str(out), "--chapters", str(registry),
           "--jobs", str(jobs)]
    for key, value in fixed.items():
        cmd += ["-p", f"{key}={value}"]
    return run_timed(cmd, env)


def _statuses(out: Path, chapter: str) -> dict[str, int]:
    counts = {"ok": 0, "failed": 0}
    for sub in sorted(p for p in out.iterdir() if p.is_dir()):
        failed = (sub / ".build" / f"{chapter}.failed.json").is_file()
        counts["failed" if failed else "ok"] += 1
    return counts


def markdown_table(result: dict) -> str:
    """The README table."""
    base = result.get("baseline", {}).get("seconds")
    n, name = len(result["values"]), result["param_name"]

    def row(label: str, seconds: float) -> str:
        ratio = f"{seconds / base:.2g}×" if base else "–"
        return f"| {label} | {seconds:.1f} | {ratio} |"

    lines = ["| run | seconds | time vs. naive loop |", "| --- | ---: | ---: |"]
    if base:
        lines.append(f"| (a) naive loop: papermill CLI + `jupyter nbconvert --to html`, "
                     f"{n} runs, serial | {base:.1f} | 1.00× |")
    lines += [
        row(f"(b) `migration-report sweep {result['chapter']} --over {name}=…` ({n} values), "
            f"{result['jobs']} jobs, cold", result["sweep"]["seconds"]),
        row("(c) the same sweep again, nothing changed", result["cached"]["seconds"]),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapter", default="country_brief", help="chapter id to sweep")
    parser.add_argument("--param-name", default="country", help="the swept parameter")
    parser.add_argument("--values", default=",".join(COUNTRIES),
                        help="comma-separated values (default: 30 ISO-3 codes)")
    parser.add_argument("-p", "--param", action="append", default=[],
                        help="a fixed parameter NAME=VALUE (repeatable)")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs (default: CPUs)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)

    from analysis.config import resolve_data_dir
    from analysis.pipeline.chapters import load_chapters
    from analysis.pipeline.params import parse_assignments

    values = [v.strip() for v in args.values.split(",") if v.strip()]
    fixed = parse_assignments(args.param)
    data_dir = resolve_data_dir().path
    jobs = args.jobs or os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="migration-report-sweep-bench-"))
    try:
        env = bench_env(work)
        registry = copy_notebooks(work)
        chapter = load_chapters(registry).get(args.chapter)
        if chapter is None or not chapter.exists:
            print(f"chapter {args.chapter} is not registered or its notebook does not exist",
                  file=sys.stderr)
            return 1
        result: dict = {
            "chapter": args.chapter, "param_name": args.param_name, "values": values,
            "fixed": fixed, "jobs": jobs, "cpus": os.cpu_count(),
            "python": platform.python_version(), "platform": platform.platform(),
            "data_dir": str(data_dir),
            "kernel_env": {v: env[v] for v in env if v.endswith("_NUM_THREADS")},
        }
        print(f"{args.chapter} over {len(values)} values of {args.param_name}; {jobs} jobs; "
              f"{os.cpu_count()} CPUs; data {data_dir}")
        if not args.skip_baseline:
            result["baseline"] = baseline(chapter, args.param_name, values, fixed, work, env,
                                          data_dir)
            print(f"  (a) naive loop: {result['baseline']['seconds']:.1f} s")
            shutil.rmtree(work / "cache", ignore_errors=True)  # (b) starts cold
        out = work / "out"
        seconds, rc = _sweep(registry, args.chapter, args.param_name, values, fixed, out, env,
                             jobs)
        result["sweep"] = {"seconds": seconds, "exit_code": rc,
                           "combinations": _statuses(out, args.chapter)}
        print(f"  (b) sweep: {seconds:.1f} s (exit {rc}; {result['sweep']['combinations']})")
        seconds, rc = _sweep(registry, args.chapter, args.param_name, values, fixed, out, env,
                             jobs)
        result["cached"] = {"seconds": seconds, "exit_code": rc}
        print(f"  (c) sweep again, nothing changed: {seconds:.2f} s (exit {rc})")
        base = result.get("baseline", {}).get("seconds")
        if base:
            result["ratio"] = result["sweep"]["seconds"] / base
            print(f"sweep / naive loop: {result['ratio']:.2f}× "
                  f"({base / result['sweep']['seconds']:.1f} times faster)")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n",
                               encoding="utf-8")
        print(f"\nwritten {args.output}\n")
        print(markdown_table(result))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
