"""One shape per subject package, and notebooks that load and draw through it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "analysis"
SUBJECTS = ["trends", "remittances", "survey", "talent"]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_subject_has_chapter_figures_and_messages(subject):
    for module in ("__init__", "chapter", "figures", "messages"):
        path = SRC / subject / f"{module}.py"
        assert path.is_file(), f"{subject}/{module}.py"
        assert "__all__" in path.read_text(encoding="utf-8"), f"{path} has no __all__"
    for path in (SRC / subject).rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, path


@pytest.mark.parametrize("subject", ["trends", "remittances", "talent"])
def test_chapter_load_reads_the_subject_tables(subject, snapshot_dir):
    chapter = importlib.import_module(f"analysis.{subject}.chapter")
    tables = chapter.load(snapshot_dir)
    assert list(tables) == list(chapter.TABLES)
    assert all(isinstance(t, pd.DataFrame) and len(t) for t in tables.values())


@pytest.mark.parametrize("twin", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_draw_and_read_nothing_themselves(twin):
    code = "\n".join(line for line in twin.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#"))
    for pattern in (r"\bplt\.", r"\bsns\.", r"\bload_table\(", r"read_csv|read_parquet",
                    r"import matplotlib|import seaborn"):
        assert not re.search(pattern, code), f"{twin.name}: {pattern}"
    if twin.stem != "03_mrc_survey":  # survey microdata are read by open_survey
        assert re.search(r"\b\w+\.load\(data_dir\)", code), f"{twin.name} loads no tables"
