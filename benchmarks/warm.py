"""Warm kernels against new kernels and the naive loop, and against the physical limit.

Measured side by side in one run, on a temporary copy of the notebooks, every command with
one BLAS thread (``bench_env``) and ``--to html`` on every side (what the naive loop makes):

- **naive loop**: the plain ``papermill`` command line then ``jupyter nbconvert --to html``,
  one run after the other; the 10-country loop is the first 10 runs of the 30-country loop
  (it is serial: each run is the same command either way);
- **local**: ``--runner local`` (a new kernel per notebook, the pool of the previous
  release), ``--jobs 2``, ``--force``;
- **warm**: ``--runner warm`` (the default), ``--jobs 2``, ``--force``;
- **physical limit**: the sum over the points of their in-kernel work without imports and
  data loading (the cells' own time, from papermill's per-cell durations, of each point run
  once more in an already warm kernel), divided by the workers, plus one warm-up per worker
  (starting a kernel, the imports and the data loading: a fresh kernel's first point less a
  warm point's time, on top of the start).

For the report build: the four report chapters. For sweeps: the country brief over the first
10 and all 30 countries of ``benchmarks/sweep.py``. The peak resident memory of each worker
(its process plus its kernel) is sampled every 0.1 s during the warm runs.

Run with ``.venv/bin/python benchmarks/warm.py [--quick]`` (``--quick``: 4 countries, no
30-country sweep). Writes ``benchmarks/results/warm.json`` and prints the README tables.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import bench_env, copy_notebooks, run_timed, write_results
from sweep import COUNTRIES

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "warm.json"
JOBS = 2


def _naive(chapter, overrides: dict[str, str], work: Path, env: dict[str, str],
           data_dir: Path, name: str) -> float:
    """One papermill CLI run plus ``jupyter nbconvert --to html``: seconds."""
    from analysis.pipeline.datainfo import DataInfo
    from analysis.pipeline.fingerprint import data_checksums
    from analysis.pipeline.params import resolve_parameters

    info = DataInfo(data_dir, data_checksums(data_dir))
    params = {**resolve_parameters(chapter, overrides, info), "data_dir": str(data_dir)}
    out = work / "naive"
    out.mkdir(exist_ok=True)
    executed = out / f"{name}.ipynb"
    t1, rc1 = run_timed([str(BIN / "papermill"), str(chapter.notebook), str(executed), "-k",
                         "python3", "--no-progress-bar", "--cwd", str(chapter.notebook.parent),
                         "-y", json.dumps(params)], env)
    t2, rc2 = run_timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed),
                         "--output-dir", str(out)], env)
    if rc1 or rc2:
        raise RuntimeError(f"the naive run of {name} failed")
    return t1 + t2


def _sampled(cmd: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Run ``cmd``: (seconds, exit code, peak MB of one worker: its process and children)."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            cli = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            try:
                for worker in cli.children():
                    rss = worker.memory_info().rss
                    for child in worker.children(recursive=True):
                        try:
                            rss += child.memory_info().rss
                        except psutil.Error:
                            continue
                    peak = max(peak, rss / 1e6)
            except psutil.Error:
                pass
            done.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    thread.join()
    if proc.returncode:
        print(f"  ! {' '.join(cmd[1:3])} exited {proc.returncode}: {err.strip()[-300:]}",
              file=sys.stderr)
    return seconds, proc.returncode, peak


def _cli(kind: str, runner: str, registry: Path, out: Path, env: dict[str, str],
         countries: list[str] | None = None) -> dict:
    cmd = [str(BIN / "migration-report"), kind]
    if kind == "sweep":
        cmd += ["country_brief", "--over", f"country={','.join(countries or [])}"]
    cmd += ["--out", str(out), "--chapters", str(registry), "--jobs", str(JOBS), "--force",
            "--to", "html", "--runner", runner]
    seconds, rc, peak = _sampled(cmd, env)
    if rc:
        raise RuntimeError(f"{kind} --runner {runner} failed")
    return {"seconds": seconds, "peak_worker_mb": peak}


def _cell_seconds(executed: Path) -> float:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    return sum(float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0)
               for c in nb["cells"] if c["cell_type"] == "code")


def _in_kernel(points: list[tuple[object, dict[str, str], str]], data_dir: Path,
               work: Path) -> dict:
    """In-kernel work of each point in a warm kernel, and one worker's warm-up.

    Each point runs twice in one warm kernel: the first run pays the lazy imports and the
    data loading; the second is its work. The warm-up is the kernel's start (with the
    imports of the warm-up) plus the first runs' extra time, per worker.
    """
    import papermill as pm

    from analysis.pipeline.datainfo import DataInfo
    from analysis.pipeline.fingerprint import data_checksums
    from analysis.pipeline.kernels import ENGINE, KernelSession, kernel_environment
    from analysis.pipeline.params import resolve_parameters

    os.environ.update(kernel_environment(str(data_dir)))
    info = DataInfo(data_dir, data_checksums(data_dir))
    session = KernelSession("python3", max_runs=10**6, max_memory_mb=1e9)
    out = work / "limit"
    out.mkdir(exist_ok=True)

    def once(chapter, overrides: dict[str, str], name: str) -> float:
        params = {**resolve_parameters(chapter, overrides, info), "data_dir": str(data_dir)}
        session.prepare(str(chapter.notebook), str(data_dir), "python3")
        executed = out / f"{name}.ipynb"
        pm.execute_notebook(str(chapter.notebook), str(executed), parameters=params,
                            kernel_name="python3", engine_name=ENGINE, session=session,
                            progress_bar=False, cwd=str(chapter.notebook.parent))
        session.finished(True)
        return _cell_seconds(executed)

    try:
        t = time.perf_counter()
        session.start(str(data_dir))
        start = time.perf_counter() - t
        first: dict[str, float] = {}  # the first run of each notebook in this kernel
        work_s: dict[str, float] = {}
        seen: set[str] = set()
        for chapter, overrides, name in points:
            if chapter.id not in seen:
                seen.add(chapter.id)
                first[name] = once(chapter, overrides, name)
            work_s[name] = once(chapter, overrides, name)
    finally:
        session.shutdown()
    extra = sum(max(0.0, s - work_s[n]) for n, s in first.items())
    return {"start": start, "extra_first_runs": extra, "per_point": work_s}


def _limit(in_kernel: dict, names: list[str], workers: int) -> float:
    per = [in_kernel["per_point"][n] for n in names]
    warmup = in_kernel["start"] + in_kernel["extra_first_runs"] / workers
    return sum(per) / min(workers, len(per)) + warmup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 countries, no 30-country run")
    args = parser.parse_args(argv)

    from analysis.config import resolve_data_dir
    from analysis.pipeline.chapters import load_chapters

    data_dir = resolve_data_dir().path
    countries = list(COUNTRIES[:4] if args.quick else COUNTRIES)
    small = countries[: 2 if args.quick else 10]
    work = Path(tempfile.mkdtemp(prefix="migration-report-warm-bench-"))
    try:
        env = bench_env(work)
        registry = copy_notebooks(work)
        chapters = load_chapters(registry)
        report = [c for c in chapters.values() if c.exists and c.report]
        brief = chapters["country_brief"]
        result: dict = {"jobs": JOBS, "cpus": os.cpu_count(), "countries": countries,
                        "python": platform.python_version(), "platform": platform.platform(),
                        "data_dir": str(data_dir),
                        "kernel_env": {v: env[v] for v in env if v.endswith("_NUM_THREADS")}}
        print(f"{len(report)} chapters, {len(countries)} countries; {JOBS} jobs; "
              f"{os.cpu_count()} CPUs; data {data_dir}")

        naive_build = {c.id: _naive(c, {}, work, env, data_dir, c.id) for c in report}
        print(f"  naive build: {sum(naive_build.values()):.1f} s")
        naive_brief = {}
        for code in countries:
            naive_brief[code] = _naive(brief, {"country": code}, work, env, data_dir, code)
            print(f"  naive brief {code}: {naive_brief[code]:.1f} s")
        result["naive"] = {"build": naive_build, "brief": naive_brief}

        runs: dict[str, dict] = {}
        for runner in ("local", "warm"):
            shutil.rmtree(work / "cache", ignore_errors=True)
            runs[f"build/{runner}"] = _cli("build", runner, registry, work / f"b-{runner}", env)
            for label, chosen in (("small", small), ("all", countries)):
                if label == "all" and args.quick:
                    continue
                runs[f"sweep{len(chosen)}/{runner}"] = _cli(
                    "sweep", runner, registry, work / f"s{len(chosen)}-{runner}", env, chosen)
            print("  " + ", ".join(f"{k} {v['seconds']:.1f} s" for k, v in runs.items()
                                   if k.endswith(runner)))
        result["runs"] = runs

        build_k = _in_kernel([(c, {}, c.id) for c in report], data_dir, work)
        brief_k = _in_kernel([(brief, {"country": c}, c) for c in countries], data_dir, work)
        result["in_kernel"] = {"build": build_k, "brief": brief_k}
        limits = {"build": _limit(build_k, [c.id for c in report], JOBS),
                  f"sweep{len(small)}": _limit(brief_k, small, JOBS)}
        if not args.quick:
            limits[f"sweep{len(countries)}"] = _limit(brief_k, countries, JOBS)
        result["limit"] = limits
        naive_of = {"build": sum(naive_build.values()),
                    f"sweep{len(small)}": sum(naive_brief[c] for c in small),
                    f"sweep{len(countries)}": sum(naive_brief.values())}
        table = []
        for what, limit in limits.items():
            base = naive_of[what]
            n = len(report) if what == "build" else int(what.removeprefix("sweep"))
            for runner in ("naive", "local", "warm"):
                seconds = base if runner == "naive" else runs[f"{what}/{runner}"]["seconds"]
                peak = None if runner == "naive" else runs[f"{what}/{runner}"]["peak_worker_mb"]
                table.append({"what": what, "runner": runner, "seconds": seconds,
                              "per_item": seconds / n, "vs_naive": seconds / base,
                              "vs_limit": seconds / limit, "peak_worker_mb": peak})
            table.append({"what": what, "runner": "limit", "seconds": limit,
                          "per_item": limit / n, "vs_naive": limit / base, "vs_limit": 1.0,
                          "peak_worker_mb": None})
        result["table"] = table
        write_results(RESULTS, result, markdown_table(result))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def markdown_table(result: dict) -> str:
    """The README table."""
    names = {"naive": "naive loop (papermill CLI + nbconvert), serial",
             "local": "`--runner local` (a new kernel per notebook), 2 jobs",
             "warm": "`--runner warm` (default), 2 jobs", "limit": "physical limit"}
    lines = ["| work | run | seconds | per chapter or country | × naive | × limit | "
             "peak MB per worker |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in result["table"]:
        peak = f"{row['peak_worker_mb']:.0f}" if row["peak_worker_mb"] else "–"
        what = ("build --force, 4 chapters" if row["what"] == "build"
                else f"sweep --force, {row['what'].removeprefix('sweep')} countries")
        lines.append(f"| {what} | {names[row['runner']]} | {row['seconds']:.1f} | "
                     f"{row['per_item']:.2f} | {row['vs_naive']:.2f} | "
                     f"{row['vs_limit']:.2f} | {peak} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
