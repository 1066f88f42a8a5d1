"""The ``migration-report`` command line (also ``python -m analysis``).

Sub-commands are thin: each parses its options and calls one library function. Errors meant
for people (:class:`analysis.errors.ReportError`) are printed in one block, without a
traceback, and set the exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
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
                                          help="Show the version and exit.")] = False,
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning :class:`ReportError` into a message and exit code."""
    try:
        app(args=argv, prog_name="migration-report")
    except ReportError as exc:
        console.print(f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True)
        sys.exit(exc.exit_code)
