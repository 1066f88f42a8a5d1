"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

import pytest

#: ``SOURCE_DATE_EPOCH`` of the pipeline tests (2023-11-14T22:13:20Z).
EPOCH = "1700000000"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A module's builds: a fresh cache, a fixed date, and none of the user's data, registry
    or Dask scheduler settings."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGRATION_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        for name in ("MIGRATION_DATA_DIR", "MIGRATION_CHAPTERS_FILE", "DASK_SCHEDULER_ADDRESS"):
            mp.delenv(name, raising=False)
        yield
