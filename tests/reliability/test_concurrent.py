"""Two builds of one output directory at the same time: the second waits for the first (or,
past its timeout, refuses with exit code 3 and a message), and the report ends up exactly as
a clean build makes it."""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import ROOT, command, copy_report, drafts, wait_for

pytestmark = pytest.mark.reliability


def start(args: list, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command(*args), env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 150) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"a build did not finish in {timeout} s:\n{out}\n{err}")
    return proc.returncode, out, err


def talent_status(stdout: str) -> str:
    found = re.search(r"│ talent\s+│ (\w+)", stdout)
    assert found, stdout
    return found.group(1)


def test_second_build_waits_then_finds_everything_built(cli_env, good_data, good_report,
                                                        talent_registry, tmp_path):
    out = tmp_path / "report"
    args = ["build", "--data-dir", good_data, "--out", out, "--chapters", talent_registry,
            "--jobs", "2"]
    procs = [start(args, cli_env), start(args, cli_env)]  # at once, on an empty directory
    results = [finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0, 0], results
    waited = [f"another build is writing to {out}" in o + e for _, o, e in results]
    assert sorted(waited) == [False, True]  # exactly one waited for the lock
    states = sorted(talent_status(o) for _, o, _ in results)
    assert states == ["cached", "done"]  # the chapter ran once, the waiting build reused it
    assert drafts(out) == drafts(good_report)


def test_second_build_refuses_after_its_timeout(cli_env, good_data, good_report,
                                                talent_registry, tmp_path):
    out = copy_report(good_report, tmp_path / "report")
    args = ["build", "--data-dir", good_data, "--out", out, "--chapters", talent_registry,
            "--jobs", "2"]
    marker = out / ".build" / "tmp" / "marker"  # a build removes .build/tmp under the lock
    marker.parent.mkdir(exist_ok=True)
    marker.write_text("")
    first = start([*args, "--force"], cli_env)
    wait_for(lambda: not marker.exists(), 60, "the first build to take the lock", first)
    second = start(args, {**cli_env, "MIGRATION_LOCK_TIMEOUT": "1"})
    code, stdout, stderr = finish(second, timeout=60)
    assert first.poll() is None, "the first build ended before the second gave up"
    assert code == 3, stdout + stderr
    message = " ".join(stderr.split())
    assert f"another build is still writing to {out} after 1 s" in message
    assert "nothing was run" in message and "MIGRATION_LOCK_TIMEOUT" in message
    assert "Traceback" not in stderr
    code, stdout, stderr = finish(first)
    assert code == 0 and talent_status(stdout) == "done", stdout + stderr
    assert drafts(out) == drafts(good_report)


def test_lock_file_is_not_a_stale_lock(cli, good_data, good_report, talent_registry,
                                       tmp_path):
    """The lock file stays after a build; its presence alone blocks nobody."""
    out = copy_report(good_report, tmp_path / "report")
    (out / ".lock").write_text("left by a build that died\n")
    done = cli("build", "--data-dir", good_data, "--out", out, "--chapters", talent_registry,
               "--jobs", "2", env={"MIGRATION_LOCK_TIMEOUT": "1"})
    assert done.code == 0, done.text
    assert "another build" not in done.text and talent_status(done.out) == "cached"
