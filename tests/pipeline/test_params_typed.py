"""Parameters typed once: the registry's typed values, what notebooks receive and show.

Expected values are written out by hand (group members, the year before, the weights), not
computed with the code under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from analysis.config import CHAPTERS_FILE
from analysis.errors import ParameterError
from analysis.pipeline.chapters import Chapter, ParameterSpec, load_chapters, parse_chapters
from analysis.pipeline.notebook import check_parameters
from analysis.pipeline.params import coerce, resolve_parameters, shown_values, typed_values

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "data" / "snapshot"
CHAPTERS = load_chapters(CHAPTERS_FILE)
SILK_ROUTES = ["AFG", "BGD", "IRN", "IRQ", "PAK"]


class Years:
    """Detections cover 2014-2025."""

    def years(self, table, indicator=None):
        return list(range(2014, 2026))


def one(kind: str, text: str, **kw) -> object:
    """Coerce ``text`` as a parameter ``p`` of ``kind`` and return its typed value."""
    spec = ParameterSpec("p", kind, "", **kw)
    chapter = Chapter("c", Path("c.ipynb"), "C", {"p": spec})
    return typed_values(chapter, {"p": coerce(spec, text)})["p"]


@pytest.mark.parametrize(("text", "expected"), [
    ("", None),
    ("all", None),
    ("silk_routes", SILK_ROUTES),
    ("pak, bgd", ["PAK", "BGD"]),
    ("mar,silk_routes,PAK", ["MAR", "AFG", "BGD", "IRN", "IRQ", "PAK"]),
    ("oecd_comparators", ["AUS", "CAN", "GBR", "NOR", "NZL", "USA"]),
])
def test_codes_become_a_list_of_iso3_codes_or_none_for_all(text, expected):
    assert one("codes", text) == expected


def test_a_group_inside_a_list_keeps_its_name_in_the_canonical_text():
    spec = ParameterSpec("p", "codes", "")
    assert coerce(spec, "pak, Silk_Routes") == "PAK,silk_routes"


@pytest.mark.parametrize(("text", "expected"), [
    ("", []),
    ("country,gender,area", ["country", "gender", "area"]),
    (" country , gender ,", ["country", "gender"]),
])
def test_names_become_a_list(text, expected):
    assert one("names", text) == expected


def test_names_given_twice_are_refused():
    with pytest.raises(ValueError, match="p='gender,gender': gender given twice"):
        one("names", "gender,gender")


@pytest.mark.parametrize(("text", "expected"), [
    ("", {}),
    ("gdp_per_capita_ppp:2", {"gdp_per_capita_ppp": 2.0}),
    ("a=0.5, b:3", {"a": 0.5, "b": 3.0}),
    ("a:0", {"a": 0.0}),
])
def test_weights_become_a_dict_of_floats(text, expected):
    got = one("weights", text)
    assert got == expected and all(type(v) is float for v in got.values())


@pytest.mark.parametrize(("text", "message"), [
    ("inflation_pct", "p='inflation_pct': expected NAME:NUMBER, got 'inflation_pct'"),
    (":2", "expected NAME:NUMBER"),
    ("inflation_pct:x", "p: inflation_pct='x' is not a number"),
    ("inflation_pct:-1", "p: inflation_pct must be a non-negative number, got '-1'"),
    ("a:inf", "p: a must be a non-negative number"),
    ("a:1,a:2", "p: a is given twice"),
])
def test_bad_weights_are_refused_naming_the_parameter(text, message):
    with pytest.raises(ValueError) as err:
        one("weights", text)
    assert message in str(err.value)


def test_a_path_becomes_an_absolute_path_or_none(tmp_path, monkeypatch):
    (tmp_path / "s.csv").write_text("a\n1\n")
    monkeypatch.chdir(tmp_path)
    got = one("path", "s.csv")
    assert isinstance(got, Path) and got == tmp_path / "s.csv" and got.is_absolute()
    assert one("path", "") is None


def test_the_derived_base_year_is_the_year_before_and_checked_against_the_data():
    trends = CHAPTERS["trends"]
    assert resolve_parameters(trends, {"year": "2016"}, Years())["base_year"] == 2015
    assert resolve_parameters(trends, {"year": "2016", "base_year": "2020"},
                              Years())["base_year"] == 2020
    with pytest.raises(ParameterError) as err:
        resolve_parameters(trends, {"year": "2014"}, Years())
    assert "base_year=2013 is outside the data: detections cover 2014–2025" in str(err.value)
    with pytest.raises(ParameterError, match=r"base_year=2020 must differ from year \(2020\)"):
        resolve_parameters(trends, {"year": "2020", "base_year": "2020"}, Years())


def test_the_registry_declares_what_a_derived_year_means():
    raw = tomllib.loads(CHAPTERS_FILE.read_text("utf-8"))["chapters"]["trends"]["parameters"]
    assert raw["base_year"]["default"] == 0 and raw["base_year"]["derive"] == "previous"


def test_check_parameters_gives_the_notebook_typed_values(monkeypatch, tmp_path):
    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path))
    ns = {**CHAPTERS["trends"].defaults(), "data_dir": str(SNAPSHOT)}
    got = check_parameters("trends", ns)
    assert got == {"year": 2020, "base_year": 2019, "region": None, "top_n": 10,
                   "data_dir": str(SNAPSHOT)}
    got = check_parameters("trends", {**ns, "region": "silk_routes", "base_year": 2016})
    assert got["region"] == SILK_ROUTES and got["base_year"] == 2016
    survey = check_parameters("survey", {**CHAPTERS["survey"].defaults(), "data_dir": ""})
    assert survey["by"] == ["country", "gender", "area"]
    assert survey["survey_path"] is None and survey["codebook_path"] is None
    talent = check_parameters("talent", {**CHAPTERS["talent"].defaults(),
                                         "data_dir": str(SNAPSHOT)})
    assert talent["countries"] == [  # ICMPD members, then the OECD comparators
        "AUT", "BIH", "BGR", "CHE", "CZE", "DEU", "GRC", "HRV", "HUN", "MKD", "MLT", "POL",
        "PRT", "SRB", "SVK", "SVN", "SWE", "TUR", "AUS", "CAN", "GBR", "NOR", "NZL", "USA"]
    assert talent["weights"] == {} and talent["indicators_path"] is None


def test_the_shown_parameters_say_what_the_values_mean():
    trends = CHAPTERS["trends"]
    shown = shown_values(trends, resolve_parameters(trends, {}, Years()))
    assert shown == {"year": 2020, "base_year": 2019, "region": "all", "top_n": 10}
    survey = CHAPTERS["survey"]
    shown = shown_values(survey, resolve_parameters(survey, {}))
    assert shown["survey_path"] == "none" and shown["by"] == "country, gender, area"
    talent = CHAPTERS["talent"]
    shown = shown_values(talent, resolve_parameters(talent, {"weights": "gdp_per_capita_ppp:2"},
                                                    Years()))
    assert shown["countries"] == "icmpd_members, oecd_comparators"
    assert shown["weights"] == "gdp_per_capita_ppp:2" and shown["indicators_path"] == "none"


# --- each choice list in one place -----------------------------------------------------------

def test_talent_choices_are_the_library_tuples_not_a_second_list():
    from analysis.talent.index import AGGREGATIONS, NORMALISATIONS

    raw = tomllib.loads(CHAPTERS_FILE.read_text("utf-8"))["chapters"]["talent"]["parameters"]
    assert raw["normalisation"]["choices"] == "analysis.talent.index:NORMALISATIONS"
    assert raw["aggregation"]["choices"] == "analysis.talent.index:AGGREGATIONS"
    talent = CHAPTERS["talent"]
    assert talent.parameters["normalisation"].choices == NORMALISATIONS
    assert talent.parameters["aggregation"].choices == AGGREGATIONS
    with pytest.raises(ValueError, match="aggregation='median' is not one of arithmetic, "
                                         "geometric"):
        coerce(talent.parameters["aggregation"], "median")


def test_a_choice_list_read_from_a_module_follows_the_module(tmp_path, monkeypatch):
    module = tmp_path / "my_methods.py"
    module.write_text('METHODS = ("fast", "exact")\nNOT_A_TUPLE = 3\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    text = ('[chapters.a]\nnotebook = "a.ipynb"\ntitle = "A"\n'
            'parameters.m = { type = "choice", default = "fast", choices = "my_methods:METHODS" }\n'
            'parameters.n = { type = "choice", default = "x", choices = "my_methods:NOT_A_TUPLE" }\n')
    specs = parse_chapters(text, tmp_path / "c.toml")["a"].parameters
    assert coerce(specs["m"], "exact") == "exact"
    with pytest.raises(ValueError, match="m='slow' is not one of fast, exact"):
        coerce(specs["m"], "slow")
    with pytest.raises(ValueError, match="does not name a tuple of str"):
        coerce(specs["n"], "x")


def test_subject_defaults_come_from_the_registry_alone(monkeypatch, tmp_path):
    """The default country lists are the registry's: change the registry, the notebook follows."""
    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path / "cache"))
    ns = {**CHAPTERS["remittances"].defaults(), "data_dir": str(SNAPSHOT)}
    assert check_parameters("remittances", ns)["countries"] == [  # partner countries
        "PAK", "BGD", "AFG", "IRQ", "EGY", "MAR", "TUN", "NGA", "GHA", "SEN", "UKR", "GEO",
        "ARM", "KGZ", "TJK", "UZB"]
    text = CHAPTERS_FILE.read_text("utf-8").replace(
        'default = "icmpd_members,oecd_comparators"', 'default = "mar,silk_routes"')
    registry = tmp_path / "chapters.toml"
    registry.write_text(text, encoding="utf-8")
    monkeypatch.setenv("MIGRATION_CHAPTERS_FILE", str(registry))
    talent = load_chapters(registry)["talent"]
    got = check_parameters("talent", {**talent.defaults(), "data_dir": str(SNAPSHOT)})
    assert got["countries"] == ["MAR", "AFG", "BGD", "IRN", "IRQ", "PAK"]


# --- the talent checks that need the data ---------------------------------------------------

def test_talent_weights_for_an_unknown_indicator_are_refused_naming_the_known_ones():
    from analysis.talent.chapter import full_weights

    names = ["gdp_per_capita_ppp", "unemployment_pct", "inflation_pct"]
    assert full_weights({}, names) is None
    assert full_weights({"unemployment_pct": 0.5}, names) == {
        "gdp_per_capita_ppp": 1.0, "unemployment_pct": 0.5, "inflation_pct": 1.0}
    with pytest.raises(ParameterError, match="weights: unknown indicator 'gdp'; known: "
                                             "gdp_per_capita_ppp, unemployment_pct"):
        full_weights({"gdp": 2.0}, names)


def test_talent_user_files_go_together(tmp_path):
    from analysis.talent.chapter import user_files

    assert user_files(None, None) is None
    with pytest.raises(ParameterError, match="go together"):
        user_files(tmp_path / "a.csv", None)


# --- a notebook run by papermill directly gets what the command line gets --------------------

@pytest.mark.notebooks
def test_papermill_directly_and_the_cli_record_the_same_key_figures(tmp_path, monkeypatch):
    """The trends chapter, base year derived and a group as region, both ways."""
    import nbformat
    import papermill as pm

    from analysis.export.key_figures import extract_key_figures

    env = {k: v for k, v in os.environ.items()
           if k not in ("MIGRATION_DATA_DIR", "MIGRATION_CHAPTERS_FILE")}
    env |= {"MIGRATION_CACHE_DIR": str(tmp_path / "cache"), "SOURCE_DATE_EPOCH": "1700000000"}
    cli = subprocess.run([sys.executable, "-m", "analysis", "run", "trends", "-p", "year=2016",
                          "-p", "region=silk_routes", "--data-dir", str(SNAPSHOT), "--out",
                          str(tmp_path / "cli"), "--to", "html"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    doc = json.loads((tmp_path / "cli" / "trends.key_figures.json").read_text("utf-8"))
    assert doc["parameters"]["base_year"] == 2015 and doc["parameters"]["region"] == \
        "silk_routes"
    out = tmp_path / "direct.ipynb"
    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MIGRATION_CHAPTERS_FILE", raising=False)
    pm.execute_notebook(str(ROOT / "notebooks" / "01_migration_trends.ipynb"), str(out),
                        parameters={"year": 2016, "base_year": 0, "region": "silk_routes",
                                    "data_dir": str(SNAPSHOT)},
                        cwd=str(ROOT / "notebooks"), progress_bar=False)
    direct = extract_key_figures(nbformat.read(out, as_version=4))
    assert {k: v["value"] for k, v in direct.items()} == \
        {k: v["value"] for k, v in doc["key_figures"].items()}
    assert len(direct) > 10
