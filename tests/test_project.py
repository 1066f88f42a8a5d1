"""The project's own conventions: dependencies agree, the quick start is exact, outputs ignored."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=\[ ;]", req, maxsplit=1)[0].strip().lower().replace("_", "-")


def _bound(req: str) -> str | None:
    m = re.search(r">=\s*([0-9][^,; ]*)", req)
    return m.group(1) if m else None


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): _bound(d) for d in env["dependencies"] if isinstance(d, str)}
    for req in project["dependencies"]:
        name = _name(req)
        if name == "dask":  # conda splits dask[distributed] into dask + distributed
            assert "distributed" in conda
        if name == "pypandoc-binary":  # conda: pypandoc with conda's pandoc
            assert conda.get("pypandoc") == _bound(req) and "pandoc" in conda
            continue
        assert name in conda, f"{name} is in pyproject.toml but not in environment.yml"
        assert conda[name] == _bound(req), f"{name}: lower bounds differ"


def test_security_floor_for_nbconvert():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    nbconvert = next(r for r in project["dependencies"] if _name(r) == "nbconvert")
    major, minor, patch = (int(x) for x in _bound(nbconvert).split("."))
    assert (major, minor, patch) >= (7, 17, 1)


def test_readme_quick_start_is_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line.strip() for line in block.splitlines()[1:] if line.strip()]
    assert commands == ["make report", "make test"]


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_make_help_lists_documented_targets():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    for target in ("report", "test", "test-fast", "lab", "validate", "snapshot"):
        assert re.search(rf"^\s+{target}\s+\S", out, re.M), target


def test_generated_folders_are_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    for folder in ("reports/", "data/raw/", "data/interim/", ".venv/"):
        assert folder in ignored
