"""Benchmark the remittance trend counterfactual (models, backtest, selection, intervals).

Times, on the shared data (``../shared/data/gdidata`` or ``--data-dir``), year 2020, trend
from 2010, five backtest origins and three candidate models:

- *one country*: ``country_counterfactual(indicators, C, 2020)`` (the country brief's call:
  it backtests and forecasts the country and the world), for ``--countries``;
- *world*: ``counterfactual(indicators, [], 2020, 2010)`` (the world series alone);
- *chapter*: ``counterfactual`` for the chapter's default group (world + 16 partner countries).

Each implementation runs in a fresh process with one BLAS thread (as the pipeline runs
kernels): the wall time of the *first* call (what a fresh kernel pays, caches cold), and the
median wall and CPU (process) time of ``--repeat`` further calls. On a shared machine the CPU
time is the steadier figure; on an idle one the two agree (the work is single-threaded). ``before`` is ``trend.py`` as of commit ``a3aa860`` (statsmodels
``ARIMA`` and ``ETSModel`` fits), loaded from git; ``after`` is the working tree.

Prints a Markdown table for the README and writes ``benchmarks/results/remittances.json``.
Run: ``.venv/bin/python benchmarks/remittances.py [--repeat 5] [--countries PAK,NGA,MAR]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "remittances.json"
BEFORE = "a3aa860"
THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _module(impl: str):
    if impl == "after":
        from analysis.remittances import trend
        return trend
    source = subprocess.run(["git", "show", f"{BEFORE}:src/analysis/remittances/trend.py"],
                            cwd=ROOT, check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "trend_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("trend_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["trend_before"] = module
    spec.loader.exec_module(module)
    return module


def worker(impl: str, data_dir: Path, countries: list[str], repeat: int) -> dict:
    """Time one implementation in this process."""
    from analysis import remittances as rm
    from analysis.sources import load_table

    warnings.simplefilter("ignore")
    trend = _module(impl)
    ind = load_table("indicators", data_dir)
    group = rm.select_countries("partner_countries", ind, 2010, 2020)
    cases = {f"one country ({c})": (trend.country_counterfactual, (ind, c, 2020))
             for c in countries}
    cases["world"] = (trend.counterfactual, (ind, [], 2020, 2010))
    cases[f"chapter (world + {len(group)} countries)"] = (trend.counterfactual,
                                                          (ind, group, 2020, 2010))
    out = {}
    for name, (fn, args) in cases.items():
        wall, cpu = [], []
        for _ in range(repeat + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn(*args)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        out[name] = {"first": wall[0], "median": statistics.median(wall[1:]),
                     "cpu": statistics.median(cpu[1:])}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path,
                        default=ROOT / ".." / "shared" / "data" / "gdidata")
    parser.add_argument("--countries", default="PAK,NGA,MAR")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--worker", choices=("before", "after"))
    args = parser.parse_args()
    countries = args.countries.split(",")
    if args.worker:
        print(json.dumps(worker(args.worker, args.data_dir, countries, args.repeat)))
        return
    env = {**os.environ, **dict.fromkeys(THREADS, "1")}
    results = {}
    for impl in ("before", "after"):
        proc = subprocess.run([sys.executable, __file__, "--worker", impl, "--data-dir",
                               str(args.data_dir), "--countries", args.countries,
                               "--repeat", str(args.repeat)],
                              env=env, check=True, capture_output=True, text=True)
        results[impl] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| run | before: wall | before: CPU | after: wall, first call | after: wall "
          "| after: CPU |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in results["after"]:
        b, a = results["before"][name], results["after"][name]
        print(f"| {name} | {b['median']:.2f} | {b['cpu']:.2f} | {a['first']:.2f} "
              f"| {a['median']:.2f} | {a['cpu']:.2f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"before": BEFORE, "repeat": args.repeat, **results},
                                  indent=2) + "\n")


if __name__ == "__main__":
    main()
