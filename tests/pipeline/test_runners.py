"""The runner registry, the settings that choose a runner, and the records of a build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.config import resolve_jobs, resolve_runner, resolve_scheduler
from analysis.errors import ParameterError
from analysis.pipeline.build import BuildOptions, build
from analysis.pipeline.execute import run_task
from analysis.pipeline.records import BuildRecord, Status
from analysis.pipeline.runners import (
    RunnerSettings,
    available_runners,
    get_runner,
    register_runner,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "pipeline"
SNAPSHOT = ROOT / "data" / "snapshot"


def test_runner_precedence_argument_then_environment_then_scheduler(monkeypatch):
    monkeypatch.delenv("MIGRATION_RUNNER", raising=False)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert resolve_runner() == "warm"
    assert resolve_runner(scheduler="tcp://h:1") == "dask"
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://env:2")
    assert resolve_scheduler() == "tcp://env:2" and resolve_runner() == "dask"
    assert resolve_scheduler("tcp://flag:3") == "tcp://flag:3"
    monkeypatch.setenv("MIGRATION_RUNNER", "local")
    assert resolve_runner() == "local"
    assert resolve_runner("dask") == "dask"


def test_jobs_default_to_the_cores_and_refuse_zero():
    assert resolve_jobs(3) == 3 and resolve_jobs() >= 1
    with pytest.raises(ParameterError, match="--jobs 0"):
        resolve_jobs(0)


def test_unknown_runner_names_the_registered_ones():
    assert available_runners()[:3] == ["warm", "local", "dask"]
    with pytest.raises(ParameterError, match="unknown runner 'wram'.*warm, local, dask"):
        get_runner("wram", RunnerSettings())


def test_warm_limits_come_from_the_environment_and_refuse_nonsense(monkeypatch):
    from analysis.config import warm_limits

    monkeypatch.delenv("MIGRATION_WARM_MAX_RUNS", raising=False)
    monkeypatch.delenv("MIGRATION_WARM_MAX_MB", raising=False)
    assert warm_limits() == (100, 1200.0)
    monkeypatch.setenv("MIGRATION_WARM_MAX_RUNS", "5")
    monkeypatch.setenv("MIGRATION_WARM_MAX_MB", "800")
    assert warm_limits() == (5, 800.0)
    monkeypatch.setenv("MIGRATION_WARM_MAX_MB", "lots")
    with pytest.raises(ParameterError, match="MIGRATION_WARM_MAX_MB='lots' is not a positive"):
        warm_limits()


def test_local_runners_describe_their_workers():
    with get_runner("local", RunnerSettings(jobs=4)) as runner:
        assert runner.describe(2) == "local process pool, 2 worker(s)"
        assert runner.describe(9) == "local process pool, 4 worker(s)"
    with get_runner("warm", RunnerSettings(jobs=4)) as runner:
        assert runner.describe(1) == "1 warm kernel(s), local"


def test_the_dask_runner_needs_an_address():
    from analysis.errors import ReportError

    with pytest.raises(ReportError, match="scheduler address"):
        get_runner("dask", RunnerSettings())


def test_build_record_round_trip_keeps_unknown_fields():
    data = {"chapter": "a", "title": "A", "notebook": "a.ipynb", "exec_key": "e",
            "export_key": "x", "seconds": 1.5, "added_later": "newer field"}
    record = BuildRecord.from_json(data)
    assert record.extra == {"added_later": "newer field"} and record.seconds == 1.5
    assert {k: v for k, v in record.to_json().items() if k in data} == data
    assert Status("done") is Status.DONE and Status.DONE == "done"
    assert Status.FAILED.executed and not Status.CACHED.executed and Status.CACHED.ok


class InlineRunner:
    """A runner that runs each task in this process (the smallest runner there is)."""

    calls: list[str] = []

    def __init__(self, settings: RunnerSettings) -> None:
        self.settings = settings

    def __enter__(self) -> InlineRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def describe(self, n_tasks: int) -> str:
        return "inline"

    def run(self, tasks, on_running=None, on_result=None):
        results = []
        for task in tasks:
            InlineRunner.calls.append(task.chapter)
            if on_running is not None:
                on_running(task)
            result = run_task(task)
            if on_result is not None:
                on_result(task, result)
            results.append(result)
        return results


@pytest.mark.notebooks
def test_a_registered_runner_builds_the_same_key_figures_as_the_pool(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    register_runner("inline", InlineRunner)
    figures = {}
    for name in ("inline", "local"):
        out = tmp_path / name
        report = build(["alpha"], options=BuildOptions(
            out=out, data_dir=SNAPSHOT, jobs=1, chapters_file=FIXTURES / "chapters.toml",
            runner=name, force=True))
        assert [r.status for r in report.results] == [Status.DONE]
        assert report.runner == ("inline" if name == "inline"
                                 else "local process pool, 1 worker(s)")
        figures[name] = (out / "alpha.key_figures.json").read_text(encoding="utf-8")
        record = json.loads((out / ".build" / "alpha.json").read_text(encoding="utf-8"))
        assert BuildRecord.from_json(record).outputs["alpha.html"]
    assert InlineRunner.calls == ["alpha"]
    assert figures["inline"] == figures["local"]
