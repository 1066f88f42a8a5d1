"""Parameter sweeps: values, combinations, the combined table, the index, pool and Dask runs.

The runs use the sweep fixture registry (tests/fixtures/pipeline/sweep_chapters.toml): the
``country`` chapter counts the detections of one nationality in the embedded snapshot (a
kernel in about a second), and ``gamma`` fails when ``fail = 1``.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis.cli import main
from analysis.errors import ParameterError
from analysis.export.sweep_index import SweepRow, render_sweep_index
from analysis.pipeline.chapters import load_chapters
from analysis.pipeline.combinations import combination_name, combinations, parse_over
from analysis.pipeline.runners.dask import DetachedJob, apply_changes, run_detached
from analysis.pipeline.sweep import SweepOptions, sweep
from analysis.pipeline.sweep_outputs import key_figures_csv

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "pipeline"
REGISTRY = FIXTURES / "sweep_chapters.toml"
SNAPSHOT = ROOT / "data" / "snapshot"
EPOCH = "1700000000"
COUNTRIES = ("PAK", "BGD", "AFG")


class Years:
    """A stand-in for the data's year coverage: detections cover 2014-2025."""

    def years(self, table: str, indicator: str | None = None) -> list[int]:
        return list(range(2014, 2026))


@pytest.fixture(scope="module")
def chapters():
    return {**load_chapters(REGISTRY), "alpha": load_chapters(FIXTURES / "chapters.toml")["alpha"]}


# -- values and combinations (no kernel) -----------------------------------------------------


def test_over_values_split_on_commas_or_semicolons_and_repeat():
    assert parse_over(["country=PAK, BGD,", "year=2019", "country=AFG"]) == {
        "country": ["PAK", "BGD", "AFG"], "year": ["2019"]}
    assert parse_over(["countries=PAK,BGD;AFG,IRN"]) == {"countries": ["PAK,BGD", "AFG,IRN"]}
    assert parse_over(["countries=PAK,BGD;"]) == {"countries": ["PAK,BGD"]}
    for bad in (["country"], ["=PAK"], ["country=,;"], []):
        with pytest.raises(ParameterError):
            parse_over(bad)


def test_combination_names_are_readable_safe_and_distinct():
    assert combination_name({"country": "PAK", "year": 2020}) == "country=PAK__year=2020"
    assert combination_name({"scale": 1.5, "n": -3}) == "scale=1.5__n=-3"
    odd = ["a/b", "a b", "../x", "", "é", "x" * 41]
    names = [combination_name({"label": v}) for v in odd]
    assert len(set(names)) == len(odd)
    for name in names:
        value = name.removeprefix("label=")
        assert "/" not in value and " " not in value and len(value) <= 41
        assert value.split("~")[-1].isalnum() and len(value.split("~")[-1]) == 8


def test_combinations_follow_registry_order_with_canonical_values(chapters):
    found = combinations(chapters["country"], {"year": ["2019", "2020"],
                                               "country": ["pak", "BGD"]}, {}, Years())
    assert [c.name for c in found] == [
        "country=PAK__year=2019", "country=PAK__year=2020",
        "country=BGD__year=2019", "country=BGD__year=2020"]
    assert [c.index for c in found] == [1, 2, 3, 4]
    assert found[1].values == {"country": "PAK", "year": 2020}
    assert found[1].parameters == {"country": "PAK", "year": 2020}


def test_values_equal_but_for_case_get_distinct_folders(chapters):
    found = combinations(chapters["alpha"], {"label": ["Routes", "routes"]}, {}, Years())
    assert len({c.name.casefold() for c in found}) == 2
    assert all("~" in c.name for c in found)


def test_every_bad_value_is_named_before_anything_runs(chapters):
    with pytest.raises(ParameterError) as err:
        combinations(chapters["country"], {"country": ["PAK", "XXX", "pak"],
                                           "year": ["1850", "2020"], "yaer": ["1"]},
                     {"country": "BGD", "nope": "1"}, Years())
    text = str(err.value)
    assert "year=1850 is outside the data: detections cover 2014–2025" in text
    assert "unknown parameter; did you mean 'year'?" in text
    assert "country is both swept (--over) and fixed (-p)" in text
    assert "unknown parameter 'nope'" in text
    assert text.endswith("nothing was run")
    with pytest.raises(ParameterError) as err:
        combinations(chapters["country"], {"country": ["PAK", "XXX", "pak"]}, {}, Years())
    assert "country='XXX' is not one ISO-3 country code" in str(err.value)
    assert "--over country: PAK is given twice (as 'PAK' and 'pak')" in str(err.value)
    assert err.value.exit_code == 2


# -- the combined table and the index (no kernel) --------------------------------------------


def test_key_figures_csv_has_values_only_in_sorted_columns():
    rows = [
        ({"country": "PAK", "year": 2020},
         {"share": {"value": 0.1 + 0.2, "unit": "ratio"}, "count": {"value": 2603},
          "top": {"value": "Central, \"Med\" route"}, "year": {"value": 1}}),
        ({"country": "BGD", "year": 2020}, None),  # failed
        ({"country": "AFG", "year": 2020}, {"count": {"value": None}, "flag": {"value": True}}),
    ]
    assert key_figures_csv(rows, ["country", "year"]) == (
        "country,year,count,flag,share,top,year (key figure)\n"
        'PAK,2020,2603,,0.30000000000000004,"Central, ""Med"" route",1\n'
        "BGD,2020,,,,,\n"
        "AFG,2020,,true,,,\n")


def test_sweep_index_is_escaped_linked_and_self_contained():
    rows = [SweepRow("label=a-b~12345678", {"label": "<script>alert(1)</script>"}, "ok",
                     links={"HTML": "c.html"}, built_at="2023-11-14T22:13:20Z"),
            SweepRow("label=x y", {"label": "x y"}, "failed",
                     links={"Failed notebook": "failed/c.ipynb"}, message="KeyError: '<x>'")]
    html = render_sweep_index(rows, chapter="c", title="T <b>&</b>", swept=["label"],
                              fixed={"year": "<i>2020</i>"}, built_at="2023-11-14T22:13:20Z",
                              version="1.2.3", data_label="snapshot", data={"a": "f" * 64})
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all("script") == [] and soup.find_all("link") == []
    assert "<script>alert(1)</script>" not in html and "<i>2020</i>" not in html
    assert soup.h1.get_text() == "T <b>&</b>"
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert hrefs == ["key_figures.csv", "label=a-b~12345678/c.html",
                     "label=x%20y/failed/c.ipynb"]
    assert not any(h.startswith(("http", "//", "/")) for h in hrefs)
    cells = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
             for tr in soup.select("#combinations tbody tr")]
    assert cells[0][:2] == ["1", "<script>alert(1)</script>"]
    assert "failed" in cells[1][2] and "KeyError: '<x>'" in cells[1][2]


def test_changes_from_a_worker_are_committed_at_once_records_last(tmp_path, monkeypatch):
    out = tmp_path / "c"
    (out / "c_files").mkdir(parents=True)
    (out / "c_files" / "old.png").write_bytes(b"old")
    (out / "c.html").write_bytes(b"old html")
    (out / ".build").mkdir()
    (out / ".build" / "c.failed.json").write_text("{}")
    order = []
    import analysis.io
    import analysis.pipeline.commit as commit

    real_write, real_commit = analysis.io.atomic_write_bytes, commit.commit_chapter
    monkeypatch.setattr(analysis.io, "atomic_write_bytes",
                        lambda p, d: order.append(p.relative_to(out).as_posix()) or
                        real_write(p, d))
    monkeypatch.setattr(commit, "commit_chapter", lambda o, c, files, remove: order.append(
        ("commit", sorted(files), sorted(remove))) or real_commit(o, c, files, remove))
    apply_changes(out, "c", {".build/c.json": b"{}", "c.html": b"new", "c_files/old.png": None,
                             ".build/logs/c.log": b"log", ".build/c.failed.json": None})
    assert order == [".build/logs/c.log", ("commit", ["c.html"], ["c_files/old.png"]),
                     ".build/c.json"]
    assert (out / "c.html").read_bytes() == b"new" and not (out / "c_files").exists()
    assert not (out / ".build" / "c.failed.json").exists()


def test_a_worker_with_another_package_refuses_the_task(tmp_path):
    from analysis.pipeline.execute import Task

    task = Task(chapter="c", title="t", notebook=str(tmp_path / "n.ipynb"), label="n.ipynb",
                parameters={}, shown={}, data_dir=str(SNAPSHOT), out=str(tmp_path / "o"),
                formats=("html",), exec_key="k", export_key="e", data={}, inputs={},
                mode="run", date="d", built_at="b", version="v")
    with pytest.raises(RuntimeError, match="analysis package differs"):
        run_detached(DetachedJob(task, b"{}", {}, package="0" * 64))
    assert not (tmp_path / "o").exists()


def test_a_refused_value_stops_the_sweep_before_the_output_exists(tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    for over in (["country=PAK,XXX"], ["country=PAK", "year=2020,1850"]):
        args = ["sweep", "country", "--chapters", str(REGISTRY), "--out", str(out),
                "--data-dir", str(SNAPSHOT)]
        for item in over:
            args += ["--over", item]
        with pytest.raises(SystemExit) as exit_:
            main(args)
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert ("XXX" in err) if "XXX" in over[0] else ("year=1850" in err)
        assert "nothing was run" in err
        assert not out.exists()


# -- runs (kernels) ------------------------------------------------------------------------


def _options(out: Path, **kw) -> SweepOptions:
    return SweepOptions(out=out, data_dir=SNAPSHOT, jobs=2, chapters_file=REGISTRY, **kw)


@pytest.fixture(scope="module")
def pool_sweep(env, tmp_path_factory):
    out = tmp_path_factory.mktemp("pool") / "out"
    return sweep("country", {"country": list(COUNTRIES)}, options=_options(out))


@pytest.fixture(scope="module")
def dask_sweep(env, tmp_path_factory):
    from dask.distributed import LocalCluster

    out = tmp_path_factory.mktemp("dask") / "out"
    from dask.distributed import Client

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        report = sweep("country", {"country": list(COUNTRIES)},
                       options=_options(out, scheduler=cluster.scheduler_address))
        with Client(cluster) as client:  # what each worker's warm kernel did
            report.kernels = client.run(_kernel_counts)
        return report


def _kernel_counts() -> dict[str, int]:
    from analysis.pipeline.kernels import installed_session

    session = installed_session()
    return {"starts": session.starts, "runs": session.total_runs} if session else {}


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.suffix in (".csv", ".html", ".json", ".md")
            and "/.build/" not in f"/{p.relative_to(out).as_posix()}"}


@pytest.mark.notebooks
def test_pool_sweep_writes_every_combination_and_the_combined_table(pool_sweep):
    out = pool_sweep.out
    assert [c.name for c in pool_sweep.combinations] == [f"country={c}" for c in COUNTRIES]
    assert {r.status for r in pool_sweep.results.values()} == {"done"}
    assert pool_sweep.runner == "2 warm kernel(s), local"
    assert all(0 < r.seconds < 300 for r in pool_sweep.results.values())  # the run's own time
    for code in COUNTRIES:
        for suffix in (".ipynb", ".html", ".md", ".key_figures.json"):
            assert (out / f"country={code}" / f"country{suffix}").is_file()
    det = pd.read_parquet(SNAPSHOT / "detections.parquet")
    year = det[det["month"].str.startswith("2020")]
    expected = "country,detections,share_of_all,top_route\n"
    for code in COUNTRIES:
        mine = year[year["nationality"] == code]
        routes = mine.groupby("route")["detections"].sum()
        top = sorted(routes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        total = int(mine["detections"].sum())
        expected += f"{code},{total},{total / int(year['detections'].sum())!r},{top}\n"
    assert (out / "key_figures.csv").read_text() == expected
    table = list(csv.DictReader(io.StringIO(expected)))
    doc = json.loads((out / "country=BGD" / "country.key_figures.json").read_text())
    assert doc["parameters"] == {"country": "BGD", "year": 2020}
    assert doc["key_figures"]["detections"]["value"] == int(table[1]["detections"])
    index = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    rows = index.select("#combinations tbody tr")
    assert [r.find_all("td")[1].get_text() for r in rows] == list(COUNTRIES)
    assert rows[0].find("a", string="HTML")["href"] == "country=PAK/country.html"
    assert "2023-11-14T22:13:20Z" in index.get_text()


@pytest.mark.notebooks
def test_dask_sweep_gives_the_same_bytes_as_the_pool(pool_sweep, dask_sweep):
    assert {r.status for r in dask_sweep.results.values()} == {"done"}
    assert dask_sweep.runner.startswith("Dask scheduler tcp://")
    pool, dask = _files(pool_sweep.out), _files(dask_sweep.out)
    assert set(pool) == set(dask)
    assert len([n for n in pool if n.endswith(".key_figures.json")]) == len(COUNTRIES)
    for name in pool:
        assert pool[name] == dask[name], name  # CSV, key figures, drafts and the index
    log = dask_sweep.out / "country=PAK" / ".build" / "logs" / "country.log"
    assert log.is_file()  # the worker's log came back
    kernels = list(dask_sweep.kernels.values())  # each worker kept one kernel warm
    assert sum(k.get("runs", 0) for k in kernels) == len(COUNTRIES)
    assert all(k["starts"] == 1 for k in kernels if k.get("runs"))


@pytest.mark.notebooks
def test_a_rerun_is_fully_cached(pool_sweep, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pool_sweep.out, out)
    before = _files(out)
    again = sweep("country", {"country": list(COUNTRIES)}, options=_options(out))
    assert {r.status for r in again.results.values()} == {"cached"}
    assert again.executed == [] and again.runner == "nothing to run"
    assert _files(out) == before


@pytest.mark.notebooks
def test_a_failing_combination_is_listed_while_the_others_succeed(env, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", "gamma", "--over", "fail=0,1", "--chapters", str(REGISTRY),
              "--out", str(out), "--data-dir", str(SNAPSHOT), "--jobs", "2"])
    assert exit_.value.code == 1
    printed = capsys.readouterr()
    assert "fail=1 failed: cell 5 (In [5]) of gamma.ipynb" in printed.out
    assert "RuntimeError: deliberate failure (fail=1)" in printed.out
    assert "1 of 2 combination(s) failed: fail=1" in printed.err
    assert (out / "fail=0" / "gamma.html").is_file()
    assert (out / "fail=1" / "failed" / "gamma.ipynb").is_file()
    assert (out / "key_figures.csv").read_text() == "fail,gamma_ok\n0,1\n1,\n"
    index = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    ok, failed = index.select("#combinations tbody tr")
    assert "built" in ok.get_text() and ok.find("a", href="fail=0/gamma.html")
    assert "deliberate failure (fail=1)" in failed.pre.get_text()
    assert failed.find("a", href="fail=1/failed/gamma.ipynb")
