"""Shared fixtures: where the real data lives, a seeded RNG, and closed figures."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The real IOM gdidata tables beside the project (never copied into it).
GDIDATA = Path(os.environ.get("GDIDATA_DIR", ROOT.parent / "shared" / "data" / "gdidata"))
SNAPSHOT = ROOT / "data" / "snapshot"


@pytest.fixture(scope="session")
def gdidata_dir() -> Path:
    """The shared real data; CI and every developer have it at ../shared/data/gdidata."""
    if not (GDIDATA / "frontex.csv.gz").is_file():
        pytest.fail(f"the shared real data is missing at {GDIDATA} (set GDIDATA_DIR)")
    return GDIDATA


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """The embedded snapshot committed with the project."""
    return SNAPSHOT


@pytest.fixture(autouse=True)
def _seed_and_close_figures():
    np.random.seed(0)
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
