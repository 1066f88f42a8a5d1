"""KeyFigures: one call records a key figure (source and vintage from its table) and keeps it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from analysis.export import display, recorder
from analysis.export.recorder import KeyFigures


@pytest.fixture
def published(monkeypatch):
    seen = []
    monkeypatch.setattr(display, "_publish", lambda data, metadata=None: seen.append(data))
    return seen


def _entry(data: dict) -> dict:
    return data[display.KEY_FIGURE_MIME]


def test_source_and_vintage_come_from_the_named_table(published):
    prov = {"detections": SimpleNamespace(producer="Frontex", dataset="FRAN", vintage="2024-05")}
    kf = KeyFigures(provenance=prov, prefix="brief_")
    assert kf("total", 1234, "persons", "detections") == 1234
    assert kf == {"brief_total": 1234}
    entry = _entry(published[0])
    assert (entry["name"], entry["source"], entry["vintage"]) == \
        ("brief_total", "Frontex, FRAN", "2024-05")


def test_fields_keep_the_extra_values_for_the_messages(published):
    kf = KeyFigures(source="OECD", vintage="2023", fields=True)
    assert kf("top", "CHE", "ISO-3", rank_low=1, rank_high=2) == "CHE"
    assert kf == {"top": {"value": "CHE", "rank_low": 1, "rank_high": 2}}
    assert _entry(published[0])["rank_high"] == 2 and _entry(published[0])["source"] == "OECD"


def test_a_table_without_provenance_is_refused():
    with pytest.raises(ValueError, match="no provenance"):
        KeyFigures(source="x", vintage="y")("a", 1, "persons", "detections")
    assert recorder.__all__ == ["KeyFigures"]
