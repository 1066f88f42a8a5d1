"""Key figures: read back from an executed notebook, one sorted JSON document per chapter."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from analysis.export import display as show
from analysis.export.key_figures import dumps, extract_key_figures, key_figures_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pipeline"
_spec = importlib.util.spec_from_file_location("pipeline_synthetic", FIXTURES / "synthetic.py")
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)


def _cell(fn, count):
    cell = new_code_cell("x", outputs=synthetic.outputs_of(fn))
    cell["execution_count"] = count
    return cell


def test_extracts_every_key_figure_with_its_fields():
    nb = new_notebook(cells=[
        _cell(lambda: show.record("total", 1234, unit="persons", source="Frontex",
                                  vintage="2025"), 3),
        _cell(lambda: show.prose("not a key figure"), 4),
        _cell(lambda: show.record("share", 0.25, unit="percent", source="Eurostat",
                                  vintage="2024", ci_low=0.2, ci_high=0.3), 5),
    ])
    found = extract_key_figures(nb)
    assert list(found) == ["total", "share"]
    assert found["total"] == {"value": 1234, "unit": "persons", "source": "Frontex",
                              "vintage": "2025"}
    assert found["share"]["ci_low"] == 0.2 and found["share"]["ci_high"] == 0.3


def test_duplicate_name_is_an_error_naming_both_cells():
    nb = new_notebook(cells=[
        _cell(lambda: show.record("total", 1, unit="u", source="s", vintage="v"), 2),
        _cell(lambda: show.record("total", 2, unit="u", source="s", vintage="v"), 7),
    ])
    with pytest.raises(ValueError, match=r"'total' is recorded twice: in cell 1 \(In \[2\]\) "
                                         r"and in cell 2 \(In \[7\]\)"):
        extract_key_figures(nb)


def test_document_is_sorted_deterministic_json():
    doc = key_figures_document(chapter="c", title="T", parameters={"year": 2020, "a": "x"},
                               data={"b.parquet": "2" * 64, "a.parquet": "1" * 64},
                               key_figures={"z": {"value": 1, "unit": "u"}, "a": {"value": 2}})
    text = dumps(doc)
    assert text.endswith("}\n")
    assert list(json.loads(text)) == ["chapter", "data", "key_figures", "parameters", "title"]
    assert text.index('"a.parquet"') < text.index('"b.parquet"')
    assert text.index('"a": {') < text.index('"z": {')
    assert json.loads(text) == doc
    assert dumps(doc) == text


def test_non_finite_values_are_refused():
    doc = key_figures_document(chapter="c", title="T", parameters={}, data={},
                               key_figures={"x": {"value": float("nan")}})
    with pytest.raises(ValueError):
        dumps(doc)
