"""Fixtures of the browser tests: headless Chromium through Playwright, the real report built
once per session, and a survey chapter built from hostile data.

Chromium is Debian's package (``apt-get install chromium``, /usr/bin/chromium); Playwright's
own browser download is not used. Without it the tests are skipped, except in CI
(``CI=true``), where a missing browser is an error.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "data" / "snapshot"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """/usr/bin/chromium, or skip (fail in CI) when it is not installed."""
    if not CHROMIUM.is_file():
        reason = (f"Chromium is not installed at {CHROMIUM}: run `apt-get install chromium` "
                  "to run the browser tests")
        if _in_ci():
            pytest.fail(f"{reason} (CI=true: a missing browser is an error in CI)")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path) -> Iterator[object]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(chromium_path), headless=True,
                                      args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def build_env(tmp_path_factory) -> Iterator[dict[str, str]]:
    """A private pipeline cache and a fixed build date, for in-process and CLI builds."""
    values = {"MIGRATION_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
              "SOURCE_DATE_EPOCH": EPOCH}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in values.items():
            mp.setenv(name, value)
        for name in ("MIGRATION_DATA_DIR", "MIGRATION_CHAPTERS_FILE"):
            mp.delenv(name, raising=False)
        yield dict(os.environ)


@pytest.fixture(scope="session")
def report(build_env, tmp_path_factory) -> Path:
    """Every registered chapter and the index, built from the embedded snapshot in every format
    (HTML, Markdown, PDF, Word, XLSX and CSV)."""
    from rich.console import Console

    from analysis.pipeline import cache
    from analysis.pipeline.build import BuildOptions, build

    out = tmp_path_factory.mktemp("report")
    log = io.StringIO()
    result = build(options=BuildOptions(out=out, data_dir=SNAPSHOT, jobs=2, force=True,
                                        formats=cache.FORMATS),
                   console=Console(file=log, highlight=False, width=160))
    if result.failed:
        pytest.fail(f"the report did not build:\n{log.getvalue()}")
    return out


@pytest.fixture(scope="session")
def hostile_survey(build_env, tmp_path_factory) -> Path:
    """The survey chapter alone, run on the hostile fixture through the command line."""
    out = tmp_path_factory.mktemp("hostile")
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "run", "survey",
         "-p", f"survey_path={FIXTURES / 'hostile_survey.csv'}",
         "-p", f"codebook_path={FIXTURES / 'hostile_survey.codebook.yaml'}", "--out", str(out)],
        env=build_env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where full-page screenshots go: MIGRATION_SCREENSHOT_DIR, else a session directory."""
    env = os.environ.get("MIGRATION_SCREENSHOT_DIR")
    path = Path(env).expanduser().resolve() if env else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
