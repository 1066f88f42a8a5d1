"""The ``migration-report`` command line (also ``python -m analysis``).

Sub-commands are thin: each parses its options and calls one library function. Errors meant
for people (:class:`analysis.errors.ReportError`) are printed in one block, without a
traceback, and set the exit code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from analysis import __version__
from analysis.errors import ReportError

app = typer.Typer(
    name="migration-report",
    help="Build the migration-policy report: data, chapters, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Fetch, snapshot and validate the source data.", no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console(stderr=True, highlight=False)
out = Console(highlight=False)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Source data directory (default: MIGRATION_DATA_DIR, "
                 "data/raw if fetched, else the embedded snapshot).", show_default=False),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"migration-report {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          metavar="", help="Show the version and exit.")] = False,
) -> None:
    """Build the migration-policy report."""


@data_app.command("validate")
def data_validate(data_dir: DataDirOption = None) -> None:
    """Check every table against its schema and every declared checksum."""
    from analysis.config import resolve_data_dir
    from analysis.schemas import TABLES
    from analysis.sources import load_table, registry, verify_checksums

    choice = resolve_data_dir(data_dir)
    adapter = registry.for_directory(choice.path)
    table = Table(title=f"{choice.path} ({adapter.name} layout, chosen by {choice.origin})")
    for col in ("table", "rows", "columns", "status"):
        table.add_column(col)
    checks = verify_checksums(choice.path)
    for name in TABLES:
        frame = load_table(name, choice.path)
        table.add_row(name, f"{len(frame):,}", ", ".join(frame.columns), "valid")
    out.print(table)
    out.print(f"checksums verified: {len(checks)} file(s)" if checks
              else "no declared checksums in this directory")


@data_app.command("fetch")
def data_fetch(
    source: Annotated[list[str] | None, typer.Option(
        "--source", "-s", help="A source to fetch (repeat for more): eurostat, worldbank, "
        "undesa, unhcr, frontex. Default: all.", show_default=False)] = None,
    dest: Annotated[Path | None, typer.Option(
        "--dest", help="Raw-data folder (default: data/raw).", show_default=False)] = None,
    retries: Annotated[int, typer.Option(
        "--retries", min=0, help="Retries per request on connection errors and HTTP 429/5xx.")] = 3,
) -> None:
    """Download the official sources into data/raw/ and record them in manifest.json."""
    from analysis.config import RAW_DIR
    from analysis.sources.official import MANIFEST, fetch_all, rich_progress

    target = dest or RAW_DIR
    try:
        with rich_progress(console) as progress:
            manifest = fetch_all(target, source or None, progress=progress, retries=retries)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--source") from None
    for entry in manifest.files:
        out.print(f"{entry.source:10s} {entry.file:55s} {entry.bytes:>12,} bytes  "
                  f"{entry.retrieved}")
    out.print(f"{len(manifest.files)} file(s) recorded in {target / MANIFEST}")


@data_app.command("ingest")
def data_ingest(
    path: Annotated[Path, typer.Argument(help="A Eurostat bulk TSV (.tsv or .tsv.gz) of "
                                         "migr_asyappctza, of any size.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder (default: "
                                                 "data/interim/asylum).")] = None,
    memory_limit: Annotated[str, typer.Option(help="duckdb memory limit.")] = "1GB",
) -> None:
    """Stream a large Eurostat file into year-partitioned Parquet without loading it whole."""
    from analysis.config import INTERIM_DIR
    from analysis.sources.ingest import ingest_eurostat_tsv, read_ingested

    target = out_dir or INTERIM_DIR / "asylum"
    with console.status(f"ingesting {path}"):
        done = ingest_eurostat_tsv(path, target, memory_limit=memory_limit)
    frame = read_ingested(done)
    out.print(f"{len(frame):,} canonical asylum rows, years {frame['year'].min()}-"
              f"{frame['year'].max()}, in {done}")


@data_app.command("snapshot")
def data_snapshot(
    from_dir: Annotated[Path, typer.Option("--from", help="Source tables to derive from.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Snapshot directory "
                                                 "(default: data/snapshot).")] = None,
) -> None:
    """Derive the embedded snapshot (small aggregated canonical tables) from source tables."""
    from analysis.config import SNAPSHOT_DIR
    from analysis.sources.snapshot import MAX_SNAPSHOT_BYTES, build_snapshot

    target = out_dir or SNAPSHOT_DIR
    with console.status("deriving snapshot") as status:
        index = build_snapshot(from_dir.resolve(), target,
                               progress=lambda msg: status.update(msg))
    total = sum(e["bytes"] for e in index.values())
    for name, entry in index.items():
        out.print(f"{name:15s} {entry['rows']:>9,} rows {entry['bytes']:>10,} bytes")
    out.print(f"total {total:,} bytes into {target}")
    if total > MAX_SNAPSHOT_BYTES:
        raise ReportError(f"the snapshot is {total:,} bytes, over the {MAX_SNAPSHOT_BYTES:,} cap")


OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Output directory (default: reports/).", show_default=False),
]
RunOutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Output directory (default: reports/runs/CHAPTER/PARAMETERS, "
                 "e.g. reports/runs/trends/year=2016; never the annual report's reports/).",
                 show_default=False),
]
ToOption = Annotated[
    str, typer.Option("--to", help="Formats to write, comma separated: html, markdown, pdf "
                      "(needs Chromium), docx, xlsx, csv, or all."),
]
JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", "-j", help="Worker processes (default: the number of CPUs).",
                 show_default=False),
]
ForceOption = Annotated[
    bool, typer.Option("--force", metavar="", show_default=False,
                       help="Run even the chapters whose inputs did not change (a flag)."),
]
RunnerOption = Annotated[
    str | None,
    typer.Option("--runner", envvar="MIGRATION_RUNNER", show_default=False,
                 help="Where chapters run: warm (default: local workers that keep a kernel "
                 "warm), local (a new kernel per notebook), dask (with --scheduler), or a "
                 "runner another package registers."),
]
ChaptersOption = Annotated[
    Path | None,
    typer.Option("--chapters", help="Chapters registry (default: MIGRATION_CHAPTERS_FILE or "
                 "notebooks/chapters.toml).", show_default=False),
]


def _build(chapters: list[str] | None, params: list[str] | None, *, data_dir: Path | None,
           out_dir: Path | None, to: str, jobs: int | None, force: bool,
           registry: Path | None, runner: str | None = None) -> None:
    from analysis.config import REPORTS_DIR
    from analysis.errors import ChapterFailed
    from analysis.pipeline.build import BuildOptions, build, parse_formats
    from analysis.pipeline.params import parse_assignments

    options = BuildOptions(out=out_dir if chapters else out_dir or REPORTS_DIR,
                           data_dir=data_dir, jobs=jobs,
                           force=force, formats=parse_formats(to), chapters_file=registry,
                           runner=runner or None)
    report = build(chapters, parse_assignments(params), options=options, console=out)
    if report.failed:
        names = ", ".join(r.chapter for r in report.failed)
        raise ChapterFailed(f"{len(report.failed)} chapter(s) failed: {names}")


@app.command("run")
def run(
    chapter: Annotated[str, typer.Argument(help="Chapter id from the chapters registry.")],
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="A parameter, NAME=VALUE (repeatable), e.g. -p year=2020.",
        show_default=False)] = None,
    data_dir: DataDirOption = None,
    out_dir: RunOutOption = None,
    to: ToOption = "all",
    force: ForceOption = False,
    chapters: ChaptersOption = None,
    runner: RunnerOption = None,
) -> None:
    """Run one chapter with parameters; write its drafts, key figures and the index."""
    _build([chapter], param, data_dir=data_dir, out_dir=out_dir, to=to, jobs=1, force=force,
           registry=chapters, runner=runner)


@app.command("build")
def build_all(
    data_dir: DataDirOption = None,
    out_dir: OutOption = None,
    jobs: JobsOption = None,
    force: ForceOption = False,
    to: ToOption = "all",
    chapters: ChaptersOption = None,
    runner: RunnerOption = None,
) -> None:
    """Run every chapter whose notebook exists (unchanged ones are skipped); write the index."""
    _build(None, None, data_dir=data_dir, out_dir=out_dir, to=to, jobs=jobs, force=force,
           registry=chapters, runner=runner)


@app.command("chapters")
def chapters_cmd(chapters: ChaptersOption = None) -> None:
    """List the chapters with their parameters: type, default and help."""
    from analysis.config import chapters_file
    from analysis.pipeline.chapters import load_chapters

    registry = load_chapters(chapters)
    table = Table(title=f"Chapters ({chapters_file(chapters)})")
    for col in ("chapter", "parameter", "type", "default", "help"):
        table.add_column(col, no_wrap=col != "help", overflow="fold")
    for chapter in registry.values():
        notes = [chapter.notebook.name] + ([] if chapter.report else ["(not in the report)"])
        specs = list(chapter.parameters.values())
        for i in range(max(len(specs), len(notes) + 1)):
            first = f"[bold]{chapter.id}[/]" if i == 0 else notes[i - 1] if i <= len(notes) else ""
            if i >= len(specs):
                table.add_row(first, "", "", "", "")
                continue
            spec = specs[i]
            kind = spec.type
            if spec.type == "choice":
                kind += f" ({', '.join(spec.choices)})"
            elif spec.min is not None or spec.max is not None:
                low = "" if spec.min is None else f"{spec.min:g}"
                high = "" if spec.max is None else f"{spec.max:g}"
                kind += f" [{low}..{high}]"
            default = repr(spec.default) if isinstance(spec.default, str) else str(spec.default)
            table.add_row(first, spec.name, kind, default, spec.help)
        table.add_section()
    out.print(table)
    out.print("Set a parameter with: migration-report run CHAPTER -p NAME=VALUE",
              style="dim")


@app.command("sweep")
def sweep_cmd(
    chapter: Annotated[str, typer.Argument(help="Chapter id from the chapters registry.")],
    over: Annotated[list[str], typer.Option(
        "--over", help="A swept parameter, NAME=V1,V2,… (repeatable; the cartesian product "
        "runs). Values are comma separated, or semicolon separated when the text holds a ';' "
        "(list values: --over 'countries=PAK,BGD;AFG,IRN'). Repeating a name adds values.",
        show_default=False)],
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="A parameter shared by every run, NAME=VALUE (repeatable).",
        show_default=False)] = None,
    data_dir: DataDirOption = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output directory (default: reports/sweeps/CHAPTER).",
        show_default=False)] = None,
    jobs: JobsOption = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", envvar="DASK_SCHEDULER_ADDRESS", help="Run on this Dask scheduler "
        "(tcp://host:8786) instead of local processes. Its workers need the project installed "
        "and the data directory at the same path.", show_default=False)] = None,
    force: ForceOption = False,
    to: ToOption = "html,markdown",
    chapters: ChaptersOption = None,
    runner: RunnerOption = None,
) -> None:
    """Run one chapter for every combination of parameter values; write an index and a CSV."""
    from analysis.config import REPORTS_DIR
    from analysis.errors import ChapterFailed
    from analysis.pipeline.build import parse_formats
    from analysis.pipeline.params import parse_assignments
    from analysis.pipeline.sweep import SweepOptions, parse_over, sweep

    options = SweepOptions(out=out_dir or REPORTS_DIR / "sweeps" / chapter, data_dir=data_dir,
                           jobs=jobs, force=force, formats=parse_formats(to),
                           chapters_file=chapters, scheduler=scheduler or None,
                           runner=runner or None)
    report = sweep(chapter, parse_over(over), parse_assignments(param), options=options,
                   console=out)
    if report.failed:
        names = ", ".join(c.name for c in report.failed)
        raise ChapterFailed(f"{len(report.failed)} of {len(report.combinations)} "
                            f"combination(s) failed: {names}")


#: Exit codes (also in the README): 0 done; 1 bad data or a chapter failed; 2 a bad
#: parameter, option or environment variable (nothing ran); 3 another build holds the output
#: folder; 4 a file system error (disk full, permission); 5 a bug (traceback in a log file).
EXIT_OS_ERROR = 4
EXIT_BUG = 5


def _crash_log(exc: BaseException) -> str:
    """Write the traceback of an unexpected error to a log file; return its path."""
    import tempfile
    import traceback
    from datetime import UTC, datetime

    text = "".join(traceback.format_exception(exc))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    cache = os.environ.get("MIGRATION_CACHE_DIR")
    folders = [Path(cache) / "logs"] if cache else []
    for folder in [*folders, Path(tempfile.gettempdir())]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"migration-report-crash-{stamp}-{os.getpid()}.log"
            path.write_text(f"migration-report {__version__}\n{text}", encoding="utf-8")
            return str(path.resolve())
        except OSError:
            continue
    return "(no log could be written)"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every error into one message and an exit code.

    :class:`ReportError` is printed as it is; an ``OSError`` (disk full, permission denied)
    names the file; anything else is a bug: one line, and the traceback in a log file.
    """
    try:
        app(args=argv, prog_name="migration-report")
    except ReportError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        console.print("[bold red]error:[/] interrupted", markup=True)
        sys.exit(130)
    except OSError as exc:
        where = f"{_one_line(exc.filename, 120)}: " if exc.filename else ""
        console.print(f"[bold red]error:[/] {escape(where)}"
                      f"{escape(exc.strerror or _one_line(str(exc)))}",
                      markup=True, soft_wrap=True)
        sys.exit(EXIT_OS_ERROR)
    except Exception as exc:  # a bug: one line here, the traceback in a log
        log = _crash_log(exc)
        console.print(f"[bold red]internal error:[/] {type(exc).__name__}: "
                      f"{escape(_one_line(str(exc), 200))} (traceback in {escape(log)})",
                      markup=True, soft_wrap=True)
        sys.exit(EXIT_BUG)
