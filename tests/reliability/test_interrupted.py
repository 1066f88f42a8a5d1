"""A build killed with SIGKILL half-way: no process is left behind, the lock does not block
the next build, and the next build ends with exactly the drafts of a clean build.

The killed build is the command line in its own process group (the main process and its
spawned workers); the Jupyter kernels run in sessions of their own and must exit by
themselves when their worker dies.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from .conftest import ROOT, command, copy_report, drafts, wait_for

pytestmark = pytest.mark.reliability


def start(args: list, env: dict[str, str]) -> subprocess.Popen:
    """Start ``migration-report ARGS`` in a new process group."""
    return subprocess.Popen(command(*args), env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def kernel_running(out: Path) -> bool:
    """Papermill has started saving the executing notebook (the kernel runs its cells)."""
    return any((out / ".build" / "tmp").glob("talent.*.ipynb"))


def kill_group(proc: subprocess.Popen) -> tuple[list[psutil.Process], list[str]]:
    """SIGKILL the build's process group.

    Returns every process the build had started, and their command lines.
    """
    family, lines = [], []
    for p in psutil.Process(proc.pid).children(recursive=True):
        try:
            lines.append(" ".join(p.cmdline()))
            family.append(p)
        except psutil.NoSuchProcess:
            pass
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return family, lines


def assert_no_survivors(family: list[psutil.Process], timeout: float = 15) -> None:
    """Every worker and kernel of the killed build exits (kernels poll for their parent)."""
    _, alive = psutil.wait_procs(family, timeout=timeout)
    if alive:
        described = [f"{p.pid} {' '.join(p.cmdline()[:3])}" for p in alive]
        for p in alive:  # do not leave them to the next test
            p.kill()
        pytest.fail(f"processes of the killed build are still running: {described}")


def assert_clean_recovery(out: Path, reference: Path, cli, registry: Path, data: Path) -> str:
    started = time.monotonic()
    done = cli("build", "--data-dir", data, "--out", out, "--chapters", registry,
               "--jobs", "2", timeout=120)
    assert done.code == 0, done.text
    assert "another build" not in done.text  # the dead build's lock did not hold this one
    assert time.monotonic() - started < 60
    assert drafts(out) == drafts(reference)
    leftovers = [p.relative_to(out).as_posix() for p in out.rglob("*")
                 if p.is_file() and (re.search(r"\.[a-z0-9_]{8}\.tmp$", p.name)
                                     or p.parent.name == "tmp")]
    assert leftovers == []
    return re.search(r"│ talent\s+│ (\w+)", done.out).group(1)


def test_killed_first_build_then_a_clean_one(cli, cli_env, good_data, good_report,
                                             talent_registry, tmp_path):
    out = tmp_path / "report"
    proc = start(["build", "--force", "--data-dir", good_data, "--out", out,
                  "--chapters", talent_registry, "--jobs", "2"], cli_env)
    wait_for(lambda: kernel_running(out), 60, "the kernel to start", proc)
    time.sleep(0.5)  # half-way through the notebook
    family, lines = kill_group(proc)
    assert any("ipykernel" in line for line in lines), lines  # a kernel was running
    assert_no_survivors(family)
    assert not (out / "talent.html").exists()  # nothing was finished
    status = assert_clean_recovery(out, good_report, cli, talent_registry, good_data)
    assert status == "done"


def test_killed_while_replacing_the_drafts(cli, cli_env, good_data, good_report,
                                          talent_registry, tmp_path):
    out = copy_report(good_report, tmp_path / "report")
    html = out / "talent.html"
    first = html.stat().st_ino
    proc = start(["build", "--force", "--data-dir", good_data, "--out", out,
                  "--chapters", talent_registry, "--jobs", "2"], cli_env)
    deadline = time.monotonic() + 90
    while html.stat().st_ino == first and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)  # the worker writes talent.html first, then the others, then
    assert proc.poll() is None, "the build finished before it could be killed while writing"
    family, _ = kill_group(proc)  # the record: kill it between those writes if we can
    assert_no_survivors(family)
    status = assert_clean_recovery(out, good_report, cli, talent_registry, good_data)
    assert status in ("done", "cached", "exported")
