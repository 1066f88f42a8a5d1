"""Benchmark: streaming DuckDB ingest vs pandas on a big Eurostat-layout TSV file.

Generates a synthetic ``migr_asyappctza`` file in Eurostat's bulk TSV layout (10 million rows by
default, about 0.9 GB; kept and reused) and measures, each method in its own fresh Python
process so that peak memory is per method:

- ``duckdb``: :func:`analysis.sources.ingest.ingest_eurostat_tsv` (file -> partitioned Parquet);
- ``pandas``: ``pandas.read_csv`` of the whole file (``sep='\\t'``), then the same reshaping in
  pandas (split the series key, filter, melt, parse, map codes, group and sum);
- ``pandas_pyarrow`` (optional): the same with ``engine="pyarrow"``.

Wall time is measured inside the child around the work only (imports excluded); peak memory is
the child's maximum resident set size (``getrusage(RUSAGE_SELF).ru_maxrss``, which includes
DuckDB's native allocations). The page cache is warmed before the runs. Both results are
compared row for row. Prints a Markdown table and writes ``benchmarks/results/ingest.json``.

Usage::

    .venv/bin/python benchmarks/ingest.py                    # 10M rows, duckdb and pandas
    .venv/bin/python benchmarks/ingest.py --rows 1000000 --methods duckdb,pandas,pandas_pyarrow
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_DIR = Path(tempfile.gettempdir()) / "migration-report-bench"
METHODS = ("duckdb", "pandas", "pandas_pyarrow")


# --- the pandas baseline ---------------------------------------------------------------------


def pandas_asylum(path: Path, engine: str = "c"):
    """The canonical asylum table computed in pandas from the whole file in memory."""
    import pandas as pd

    from analysis.sources.ingest import KEPT_CODES, SEX_CODES, citizen_code_map, geo_code_map

    raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, engine=engine)
    first = raw.columns[0]
    dims = first.split("\\")[0].split(",")
    keys = raw[first].str.split(",", expand=True)
    keys.columns = dims
    keep = keys["sex"].isin(list(SEX_CODES))
    for dim, code in KEPT_CODES.items():
        keep &= keys[dim] == code
    wide = pd.concat([keys.loc[keep, ["geo", "citizen", "sex"]],
                      raw.loc[keep].drop(columns=first)], axis=1)
    del raw, keys
    long = wide.melt(id_vars=["geo", "citizen", "sex"], var_name="year", value_name="cell")
    value = long["cell"].str.strip().str.split(" ").str[0]
    long = long.loc[value != ":"].assign(applicants=value[value != ":"].astype("int64"))
    long = long.assign(
        destination=long["geo"].map(geo_code_map()),
        citizenship=long["citizen"].map(citizen_code_map()),
        sex=long["sex"].map(SEX_CODES),
        year=long["year"].str.strip().astype("int64"),
    ).dropna(subset=["destination", "citizenship"])
    key = ["destination", "year", "citizenship", "sex"]
    out = long.groupby(key, as_index=False)["applicants"].sum()
    out = out[out["applicants"] > 0]
    return out.sort_values(key).reset_index(drop=True)


# --- one measured run, in a child process ----------------------------------------------------


def _child(method: str, path: Path, work: Path, memory_limit: str, threads: int | None) -> dict:
    import pandas as pd  # noqa: F401 - imported before timing, in both methods

    from analysis.sources.ingest import ingest_eurostat_tsv, read_ingested

    result_file = work / f"result_{method}.parquet"
    start = time.perf_counter()
    if method == "duckdb":
        out = ingest_eurostat_tsv(path, work / "asylum", memory_limit=memory_limit,
                                  threads=threads)
        elapsed = time.perf_counter() - start
        frame = read_ingested(out)
    else:
        frame = pandas_asylum(path, engine="pyarrow" if method == "pandas_pyarrow" else "c")
        elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    frame.to_parquet(result_file, index=False)
    return {"method": method, "seconds": elapsed, "peak_rss_mb": peak_kb / 1024,
            "rows_out": len(frame), "applicants_total": int(frame["applicants"].sum()),
            "result": str(result_file)}


def _baseline_rss_mb() -> float:
    """Peak RSS of a Python that only imports pandas, duckdb and the package."""
    code = ("import resource, pandas, duckdb, pyarrow.dataset, analysis.sources.ingest; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    return int(out.stdout.strip()) / 1024


def _run(method: str, path: Path, work: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", method, "--file", str(path), "--work", str(work),
           "--memory-limit", args.memory_limit]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{method} failed:\n{proc.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["cpu_seconds"] = ((after.ru_utime - before.ru_utime)
                             + (after.ru_stime - before.ru_stime))
    return result


def _warm_and_count(path: Path) -> int:
    """Read the whole file once (warming the page cache); return its number of data rows."""
    import gzip

    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
    lines = 0
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
        while block := fh.read(1 << 24):
            lines += block.count(b"\n")
    return lines - 1


def _markdown(rows: list[dict], info: dict) -> str:
    lines = [
        f"Ingest of a {info['rows']:,}-row Eurostat-layout TSV ({info['file_mb']:,.0f} MB), "
        f"{info['cpus']} cores, DuckDB memory_limit={info['memory_limit']}, "
        f"median of {info['repeat']} run(s), peak memory = max RSS of the process:",
        "",
        "| method | time (s) | peak memory (MB) | rows out |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['label']} | {r['seconds']:.1f} | {r['peak_rss_mb']:,.0f} | "
                     f"{r['rows_out']:,} |")
    return "\n".join(lines)


LABELS = {
    "duckdb": "`ingest_eurostat_tsv` (DuckDB, streaming)",
    "pandas": "`pandas.read_csv` + melt/filter/groupby",
    "pandas_pyarrow": "`pandas.read_csv(engine='pyarrow')` + melt/filter/groupby",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--file", type=Path, default=None,
                        help="the TSV file (generated when absent)")
    parser.add_argument("--methods", default="duckdb,pandas")
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per method, interleaved; the median time is reported")
    parser.add_argument("--out", type=Path, default=RESULTS / "ingest.json")
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(_child(args.child, args.file, args.work, args.memory_limit,
                                args.threads)))
        return 0

    import pandas as pd

    from analysis.sources.eurostat_synth import write_synthetic_eurostat_tsv

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method {unknown[0]!r}; known: {', '.join(METHODS)}")
    path = args.file or DEFAULT_DIR / f"eurostat_{args.rows}.tsv"
    generated_s = None
    if not path.is_file():
        print(f"generating {path} ({args.rows:,} rows) …", flush=True)
        start = time.perf_counter()
        write_synthetic_eurostat_tsv(path, args.rows, seed=0)
        generated_s = time.perf_counter() - start
    info = {"rows": _warm_and_count(path), "file": str(path), "file_mb": path.stat().st_size / 2**20,
            "generated_seconds": generated_s, "cpus": os.cpu_count(),
            "memory_limit": args.memory_limit, "threads": args.threads,
            "repeat": max(1, args.repeat),
            "python": platform.python_version(), "baseline_rss_mb": _baseline_rss_mb()}
    import duckdb

    info |= {"pandas": pd.__version__, "duckdb": duckdb.__version__}
    samples: dict[str, list[dict]] = {m: [] for m in methods}
    with tempfile.TemporaryDirectory(prefix="ingest-bench-", dir=path.parent) as tmp:
        for i in range(max(1, args.repeat)):
            for method in methods:
                print(f"running {method} ({i + 1}/{max(1, args.repeat)}) …", flush=True)
                r = _run(method, path, Path(tmp), args)
                print(f"  {r['seconds']:.1f} s, peak {r['peak_rss_mb']:,.0f} MB", flush=True)
                samples[method].append(r)
        frames = {m: pd.read_parquet(s[-1]["result"]) for m, s in samples.items()}
        first = next(iter(frames.values()))
        identical = all(f.equals(first) for f in frames.values())
    rows = []
    for method, runs in samples.items():
        times = sorted(r["seconds"] for r in runs)
        rows.append({
            "method": method, "label": LABELS[method],
            "seconds": statistics.median(times), "seconds_all": [r["seconds"] for r in runs],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "peak_rss_mb_all": [r["peak_rss_mb"] for r in runs],
            "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in runs),
            "rows_out": runs[-1]["rows_out"], "applicants_total": runs[-1]["applicants_total"],
        })
    by = {r["method"]: r for r in rows}
    summary = {"results_identical": identical}
    if "duckdb" in by and "pandas" in by:
        summary["speedup_vs_pandas"] = by["pandas"]["seconds"] / by["duckdb"]["seconds"]
        summary["memory_ratio_pandas_over_duckdb"] = (by["pandas"]["peak_rss_mb"]
                                                      / by["duckdb"]["peak_rss_mb"])
        summary["targets"] = {
            "duckdb_peak_under_1.5GB": by["duckdb"]["peak_rss_mb"] < 1536,
            "at_least_3x_faster": summary["speedup_vs_pandas"] >= 3,
        }
    table = _markdown(rows, info)
    print()
    print(table)
    print()
    for key, value in summary.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"info": info, "runs": rows, "summary": summary,
                                    "markdown": table}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {args.out}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
