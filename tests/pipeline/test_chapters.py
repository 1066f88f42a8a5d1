"""The chapters registry and the notebooks' parameters cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.config import CHAPTERS_FILE, ENV_CHAPTERS_FILE, chapters_file
from analysis.errors import DataError
from analysis.pipeline.chapters import (
    declared_parameters,
    load_chapters,
    missing_parameters,
    parse_chapters,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pipeline"
FIXTURE_REGISTRY = FIXTURES / "chapters.toml"


def _registered(path: Path) -> list:
    return [pytest.param(c, id=f"{path.parent.name}:{c.id}") for c in load_chapters(path).values()]


def test_fixture_registry_is_read_in_order_with_types():
    chapters = load_chapters(FIXTURE_REGISTRY)
    assert list(chapters) == ["alpha", "beta", "gamma", "missing"]
    alpha = chapters["alpha"]
    assert alpha.notebook == (FIXTURES / "alpha.ipynb").resolve()
    assert alpha.title == "Alpha: detections on the Silk Routes"
    assert alpha.defaults() == {"year": 2020, "countries": "silk_routes", "top_n": 3,
                                "label": "routes"}
    assert alpha.parameters["year"].table == "detections"
    assert alpha.parameters["top_n"].min == 1 and alpha.parameters["top_n"].max == 10
    assert chapters["beta"].parameters["mode"].choices == ("plain", "fancy")
    assert alpha.exists and not chapters["missing"].exists


def test_tables_default_to_those_of_the_year_parameters(tmp_path):
    text = ('[chapters.a]\nnotebook = "a.ipynb"\ntitle = "A"\n'
            'parameters.year = { type = "year", default = 2020, table = "indicators" }\n'
            'parameters.z = { type = "year", default = 0, derive = "previous", '
            'table = "indicators" }\n')
    assert parse_chapters(text, tmp_path / "c.toml")["a"].tables == ("indicators",)


def test_the_project_registry_parses():
    chapters = load_chapters(CHAPTERS_FILE)
    assert list(chapters) == ["trends", "remittances", "survey", "talent", "country_brief"]
    assert [c.id for c in chapters.values() if c.report] == ["trends", "remittances", "survey",
                                                             "talent"]
    kinds = {p.type for c in chapters.values() for p in c.parameters.values()}
    assert kinds == {"year", "codes", "int", "path", "str", "float", "choice", "country",
                     "names", "weights"}


@pytest.mark.parametrize(("snippet", "problem"), [
    ('parameters.x = { type = "date", default = 1 }', "type 'date' is not one of"),
    ('parameters.x = { type = "int", default = "1" }', "default '1' is not of type int"),
    ('parameters.x = { type = "choice", default = "c", choices = ["a", "b"] }', "not among"),
    ('parameters.x = { type = "year", default = 2020 }', "a year needs `table`"),
    ('parameters.x = { type = "int" }', "no default"),
    ('parameters.x = { type = "year", default = 0, table = "t" }', "default 0 needs `derive`"),
    ('parameters.x = { type = "int", default = 0, derive = "previous" }',
     "derive = 'previous' needs type = \"year\""),
    ('parameters.x = { type = "year", default = 0, derive = "previous", table = "t" }',
     "needs a parameter `year`"),
    ('parameters.x = { type = "choice", default = "a", choices = "minmax" }', "'module:NAME'"),
    ('parameters.data_dir = { type = "str", default = "" }', "other than 'data_dir'"),
    ('parameters.x = { type = "int", default = 1, colour = "red" }', "unknown key(s) colour"),
])
def test_bad_parameter_declarations_name_file_chapter_and_parameter(tmp_path, snippet, problem):
    text = f'[chapters.a]\nnotebook = "a.ipynb"\ntitle = "A"\n{snippet}\n'
    with pytest.raises(DataError) as err:
        parse_chapters(text, tmp_path / "chapters.toml")
    assert "chapters.toml" in str(err.value) and problem in str(err.value)
    if "colour" not in snippet and "data_dir" not in snippet:
        assert "chapter 'a', parameter 'x'" in str(err.value)


@pytest.mark.parametrize(("text", "problem"), [
    ("[chapters.a\n", "is not valid TOML"),
    ("title = 1\n", "declares no [chapters.ID]"),
    ('[chapters.Bad]\nnotebook = "a.ipynb"\ntitle = "A"\n', "chapter id 'Bad'"),
    ('[chapters.a]\nnotebook = "a.ipynb"\n', "chapter 'a' has no title"),
])
def test_bad_registry_files(tmp_path, text, problem):
    with pytest.raises(DataError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        parse_chapters(text, tmp_path / "chapters.toml")


def test_registry_file_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_CHAPTERS_FILE, raising=False)
    assert chapters_file() == CHAPTERS_FILE
    monkeypatch.setenv(ENV_CHAPTERS_FILE, str(FIXTURE_REGISTRY))
    assert chapters_file() == FIXTURE_REGISTRY.resolve()
    assert list(load_chapters()) == ["alpha", "beta", "gamma", "missing"]
    other = tmp_path / "other.toml"
    assert chapters_file(other) == other.resolve()


def _notebook(tmp_path: Path, cells: list[dict]) -> Path:
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")
    return path


def _code(source: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {"tags": tags or []},
            "outputs": [], "execution_count": None}


def test_declared_parameters_reads_the_parameters_cell(tmp_path):
    path = _notebook(tmp_path, [_code("import x"), _code("a = 1\nb: int = 2  # c\nc = d = ''",
                                                         ["parameters"])])
    assert declared_parameters(path) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("tags", [[[], []], [["parameters"], ["parameters"]]])
def test_exactly_one_parameters_cell_is_required(tmp_path, tags):
    path = _notebook(tmp_path, [_code("a = 1", t) for t in tags])
    with pytest.raises(DataError, match=f"has {2 if tags[0] else 0} cells tagged 'parameters'"):
        declared_parameters(path)


def test_missing_parameters_lists_registry_names_and_data_dir():
    gamma = load_chapters(FIXTURE_REGISTRY)["gamma"]
    assert missing_parameters(gamma) == []
    fake = type(gamma)(id="g", notebook=gamma.notebook, title="G",
                       parameters={**gamma.parameters, "extra": gamma.parameters["fail"]})
    assert missing_parameters(fake) == ["extra"]


@pytest.mark.parametrize(
    "chapter",
    _registered(CHAPTERS_FILE) + [p for p in _registered(FIXTURE_REGISTRY) if p.values[0].exists],
)
def test_every_registered_notebook_declares_its_parameters(chapter):
    assert chapter.exists, f"{chapter.notebook} is registered but does not exist"
    nb = json.loads(chapter.notebook.read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{chapter.notebook.name}: {len(tagged)} parameters cells"
    declared = set(declared_parameters(chapter.notebook))
    wanted = {*chapter.parameters, "data_dir"}
    assert wanted <= declared, f"{chapter.notebook.name} misses {sorted(wanted - declared)}"
