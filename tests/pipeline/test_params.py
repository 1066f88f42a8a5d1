"""Parameters: parsing, types, bounds, data coverage, and the command line's exit code 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.cli import main
from analysis.errors import ParameterError
from analysis.pipeline.chapters import ParameterSpec, load_chapters
from analysis.pipeline.params import (
    check_year,
    coerce,
    needs_data,
    parse_assignments,
    resolve_parameters,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_REGISTRY = ROOT / "tests" / "fixtures" / "pipeline" / "chapters.toml"
SNAPSHOT = ROOT / "data" / "snapshot"


class Years:
    """A fake year coverage: table -> years, (table, indicator) -> years."""

    def __init__(self, years: dict) -> None:
        self.map = years
        self.calls = 0

    def years(self, table, indicator=None):
        self.calls += 1
        return self.map[(table, indicator) if indicator else table]


def spec(kind, default, **kw) -> ParameterSpec:
    return ParameterSpec(name="p" if kind != "year" else "year", type=kind, default=default, **kw)


def test_parse_assignments():
    assert parse_assignments(["year=2020", "countries = PAK,BGD", "x=a=b"]) == {
        "year": "2020", "countries": "PAK,BGD", "x": "a=b"}
    assert parse_assignments(None) == {}
    with pytest.raises(ParameterError, match="expected NAME=VALUE"):
        parse_assignments(["year"])
    with pytest.raises(ParameterError, match="given twice"):
        parse_assignments(["a=1", "a=2"])


@pytest.mark.parametrize(("kind", "value", "expected", "extra"), [
    ("int", "12", 12, {}),
    ("int", 7, 7, {}),
    ("float", "0.9", 0.9, {}),
    ("float", 1, 1.0, {}),
    ("str", " text ", "text", {}),
    ("year", "2019", 2019, {"table": "t"}),
    ("year", "", 0, {"table": "t"}),
    ("choice", "zscore", "zscore", {"listed": ("minmax", "zscore")}),
    ("codes", "pak, bgd", "PAK,BGD", {}),
    ("codes", "Silk_Routes", "silk_routes", {}),
    ("codes", "", "", {}),
    ("path", "", "", {}),
])
def test_coerce_converts_to_the_declared_type(kind, value, expected, extra):
    result = coerce(spec(kind, expected, **extra), value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("kind", "value", "message", "extra"), [
    ("int", "three", "p='three' is not an integer", {}),
    ("int", "1.5", "p='1.5' is not an integer", {}),
    ("int", True, "p=True is not an integer", {}),
    ("float", "nan", "p='nan' is not a number", {}),
    ("int", "0", "p=0 is below the minimum 1", {"min": 1}),
    ("float", "2.5", "p=2.5 is above the maximum 1", {"max": 1.0}),
    ("year", "20x0", "year='20x0' is not a year such as 2020", {"table": "t"}),
    ("choice", "other", "p='other' is not one of a, b", {"listed": ("a", "b")}),
    ("codes", "PAK,XYZ", "unknown country code(s) XYZ", {}),
    ("path", "/no/such/file.csv", "file not found", {}),
])
def test_coerce_refuses_bad_values_with_a_clear_message(kind, value, message, extra):
    with pytest.raises(ValueError) as err:
        coerce(spec(kind, 0, **extra), value)
    assert message in str(err.value)


def test_path_is_made_absolute(tmp_path, monkeypatch):
    (tmp_path / "s.csv").write_text("a\n1\n")
    monkeypatch.chdir(tmp_path)
    assert coerce(spec("path", ""), "s.csv") == str(tmp_path / "s.csv")


def test_check_year_against_the_coverage():
    years = Years({"detections": list(range(2014, 2026)),
                   "migrant_stock": [1990, 1995, 2000],
                   ("indicators", "gdp_usd"): list(range(1990, 2024))})
    year = ParameterSpec("year", "year", 2020, table="detections")
    check_year(year, 2014, years)
    with pytest.raises(ValueError) as err:
        check_year(year, 1999, years)
    assert str(err.value) == "year=1999 is outside the data: detections cover 2014–2025"
    gaps = ParameterSpec("year", "year", 2000, table="migrant_stock")
    with pytest.raises(ValueError, match="year=1997 has no data: migrant_stock cover only "
                                         "1990, 1995, 2000"):
        check_year(gaps, 1997, years)
    per = ParameterSpec("year", "year", 2020, table="indicators", indicator="gdp_usd")
    with pytest.raises(ValueError, match=r"year=2030 is outside the data: gdp_usd \(indicators\)"
                                         " covers 1990–2023"):
        check_year(per, 2030, years)
    derived = ParameterSpec("base_year", "year", 0, table="detections", derive="previous")
    before = years.calls
    check_year(derived, 0, years)
    assert years.calls == before  # derived by resolve_parameters, checked once derived


def test_resolve_parameters_reports_every_problem_at_once():
    alpha = load_chapters(FIXTURE_REGISTRY)["alpha"]
    years = Years({"detections": list(range(2014, 2026))})
    assert resolve_parameters(alpha, {"year": "2016", "countries": "pak"}, years) == {
        "year": 2016, "countries": "PAK", "top_n": 3, "label": "routes"}
    with pytest.raises(ParameterError) as err:
        resolve_parameters(alpha, {"yaer": "2020", "top_n": "x", "year": "2030",
                                   "countries": "QQQ"}, years)
    text = str(err.value)
    assert err.value.exit_code == 2
    for part in ("unknown parameter 'yaer'; did you mean 'year'?", "top_n='x' is not an integer",
                 "year=2030 is outside the data: detections cover 2014–2025",
                 "unknown country code(s) QQQ", "nothing was run"):
        assert part in text, part
    with pytest.raises(ParameterError, match="data_dir is set with --data-dir"):
        resolve_parameters(alpha, {"data_dir": "/x"}, years)


def test_needs_data_only_for_real_years():
    chapters = load_chapters(FIXTURE_REGISTRY)
    assert needs_data(chapters["alpha"], chapters["alpha"].defaults())
    assert not needs_data(chapters["beta"], chapters["beta"].defaults())


# --- the command line: exit code 2 and nothing run or written ------------------------------

@pytest.fixture(scope="module")
def cache_env(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGRATION_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        mp.setenv("MIGRATION_CHAPTERS_FILE", str(FIXTURE_REGISTRY))
        yield


@pytest.mark.parametrize(("args", "message"), [
    (["-p", "yaer=2020"], "unknown parameter 'yaer'; did you mean 'year'?"),
    (["-p", "top_n=three"], "top_n='three' is not an integer"),
    (["-p", "year=1999"], "year=1999 is outside the data: detections cover 2014–2025"),
    (["-p", "countries=PAK,XYZ"], "unknown country code(s) XYZ"),
    (["-p", "top_n"], "expected NAME=VALUE"),
])
def test_cli_refuses_bad_parameters_with_exit_code_2(cache_env, tmp_path, capsys, args,
                                                      message):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["run", "alpha", *args, "--data-dir", str(SNAPSHOT), "--out", str(out)])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_unknown_chapter_and_format(cache_env, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "omega", "--out", str(tmp_path / "o")])
    assert exit_.value.code == 2 and "unknown chapter 'omega'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--to", "epub", "--out", str(tmp_path / "o")])
    assert exit_.value.code == 2 and "--to 'epub'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_year_coverage_matches_the_data(cache_env):
    """The cached coverage agrees with a direct reading of the snapshot."""
    from analysis.pipeline.datainfo import DataInfo
    from analysis.pipeline.fingerprint import data_checksums

    info = DataInfo(SNAPSHOT, data_checksums(SNAPSHOT))
    months = pd.read_parquet(SNAPSHOT / "detections.parquet", columns=["month"])["month"]
    assert info.years("detections") == sorted({int(m[:4]) for m in months})
    ind = pd.read_parquet(SNAPSHOT / "indicators.parquet", columns=["indicator", "year"])
    expected = sorted(ind.loc[ind["indicator"] == "gdp_usd", "year"].unique().tolist())
    assert info.years("indicators", "gdp_usd") == expected
    info.save()
    assert info.path.is_file()


def test_country_type_takes_exactly_one_known_code():
    from analysis.pipeline.chapters import ParameterSpec
    from analysis.pipeline.params import coerce

    spec = ParameterSpec(name="country", type="country", default="PAK")
    assert coerce(spec, " pak ") == "PAK"
    for bad in ("XXX", "PAK,BGD", "silk_routes", "EU27", ""):
        with pytest.raises(ValueError, match="one ISO-3 country code"):
            coerce(spec, bad)
