"""Fixtures of the reliability suite: a small gdidata-layout data directory, a one-chapter
registry, a good report to protect, and helpers to run the command line as a subprocess.

The data directory is *derived* from the embedded snapshot (``data/snapshot``): each canonical
table is cut down and written back in the gdidata layout (``frontex.csv.gz`` …, gdidata column
names), so the corpus of bad inputs can corrupt one real-looking file at a time and the
``talent`` chapter still builds on the good copy. Nothing from ``../shared`` is copied.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from analysis.sources.gdidata import LAYOUTS, WDI_VARS

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "data" / "snapshot"
REGISTRY = ROOT / "notebooks" / "chapters.toml"
PIPELINE_FIXTURES = ROOT / "tests" / "fixtures" / "pipeline"
HERE = Path(__file__).resolve().parent
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z
#: Files a build may add or change in OUT even when it refuses to run.
VOLATILE = (".lock", ".build/logs/")


def gdidata_frames() -> dict[str, pd.DataFrame]:
    """Small gdidata-layout tables derived from the snapshot, by file stem."""
    det = pd.read_parquet(SNAPSHOT / "detections.parquet")
    det = det[det["month"].str.startswith("2020")]
    asy = pd.read_parquet(SNAPSHOT / "asylum.parquet").query("year == 2020").head(400)
    stock = pd.read_parquet(SNAPSHOT / "migrant_stock.parquet").query("year == 2020").head(400)
    ind = pd.read_parquet(SNAPSHOT / "indicators.parquet").query("year >= 2012")
    disp = pd.read_parquet(SNAPSHOT / "displaced.parquet").query("year == 2020").head(400)
    code = {v: k for k, v in WDI_VARS.items()}
    frames = {
        "detections": det.head(600),
        "asylum": asy,
        "migrant_stock": stock.assign(type_b=1, type_c=0, type_r=1, type_i=0),
        "indicators": ind.assign(indicator=ind["indicator"].map(code)),
        "displaced": disp,
    }
    out = {}
    for table, frame in frames.items():
        layout = LAYOUTS[table]
        back = {canonical: raw for raw, canonical in layout.rename.items()}
        out[layout.stem] = frame.rename(columns=back).loc[:, list(layout.columns)] \
            .reset_index(drop=True)
    return out


def write_gz(path: Path, data: bytes) -> None:
    """Write ``data`` gzip-compressed, reproducibly (no time stamp)."""
    path.write_bytes(gzip.compress(data, mtime=0))


def csv_bytes(frame: pd.DataFrame, sep: str = ",") -> bytes:
    """The frame as CSV text (``\\n`` line ends, no index)."""
    return frame.to_csv(index=False, sep=sep, lineterminator="\n").encode("utf-8")


@pytest.fixture(scope="session")
def frames() -> dict[str, pd.DataFrame]:
    return gdidata_frames()


@pytest.fixture(scope="session")
def good_data(tmp_path_factory, frames) -> Path:
    """A valid gdidata-layout directory (five ``*.csv.gz``) derived from the snapshot."""
    d = tmp_path_factory.mktemp("gooddata") / "gdidata"
    d.mkdir()
    for stem, frame in frames.items():
        write_gz(d / f"{stem}.csv.gz", csv_bytes(frame))
    return d


def registry_with(chapter_ids: list[str], target: Path) -> Path:
    """A copy of ``notebooks/chapters.toml`` with only ``chapter_ids`` (notebooks by absolute
    path)."""
    text = REGISTRY.read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=\[chapters\.)", text)
    kept = []
    for block in blocks[1:]:
        cid = re.match(r"\[chapters\.([\w-]+)\]", block).group(1)
        if cid in chapter_ids:
            kept.append(re.sub(r'(?m)^notebook = "([^"]+)"',
                               lambda m: f'notebook = "{(REGISTRY.parent / m.group(1)).as_posix()}"',
                               block))
    assert len(kept) == len(chapter_ids), chapter_ids
    target.write_text("".join(kept), encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def talent_registry(tmp_path_factory) -> Path:
    """A registry with the real ``talent`` chapter only (it builds in a few seconds)."""
    return registry_with(["talent"], tmp_path_factory.mktemp("registry") / "chapters.toml")


@pytest.fixture(scope="session")
def cli_env(tmp_path_factory) -> dict[str, str]:
    """Environment of every build in this suite: a private cache, a fixed date."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MIGRATION_DATA_DIR", "MIGRATION_CHAPTERS_FILE",
                        "MIGRATION_LOCK_TIMEOUT")}
    env.update(MIGRATION_CACHE_DIR=str(tmp_path_factory.mktemp("cache")),
               SOURCE_DATE_EPOCH=EPOCH, PYTHONUNBUFFERED="1", COLUMNS="200")
    return env


@dataclass
class Done:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def command(*args: str | Path) -> list[str]:
    """``migration-report ARGS`` with this interpreter."""
    return [sys.executable, "-m", "analysis", *map(str, args)]


@pytest.fixture(scope="session")
def cli(cli_env) -> Callable[..., Done]:
    """Run ``migration-report`` in a subprocess; returns exit code and output."""

    def run(*args: str | Path, env: dict[str, str] | None = None, timeout: float = 180) -> Done:
        proc = subprocess.run(command(*args), env={**cli_env, **(env or {})}, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
        return Done(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture(scope="session")
def good_report(tmp_path_factory, cli, good_data, talent_registry) -> Path:
    """The ``talent`` chapter and the index built on :func:`good_data` (once per session)."""
    out = tmp_path_factory.mktemp("good") / "report"
    done = cli("build", "--data-dir", good_data, "--out", out, "--chapters", talent_registry,
               "--jobs", "2")
    assert done.code == 0, done.text
    assert (out / "talent.html").is_file() and (out / "index.html").is_file()
    return out


def tree_bytes(out: Path, *, volatile: tuple[str, ...] = VOLATILE) -> dict[str, bytes]:
    """Every file under ``out`` (relative POSIX path -> bytes), except ``volatile`` ones."""
    files = {}
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if path.is_file() and not any(name == v or name.startswith(v) for v in volatile):
            files[name] = path.read_bytes()
    return files


def drafts(out: Path) -> dict[str, bytes]:
    """The drafts and key figures of a report (what must not depend on how it was built)."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())
            if p.name.endswith((".html", ".md", ".key_figures.json"))}


def wait_for(predicate: Callable[[], bool], timeout: float, what: str,
             proc: subprocess.Popen | None = None) -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the build ended (code {proc.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def copy_report(src: Path, dst: Path) -> Path:
    """A copy of a built report (the lock file is not copied)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".lock"))
    return dst
