"""The real chapters, executed through the pipeline with parameters, against hand computations.

Each run is ``migration-report run CHAPTER -p … --data-dir ../shared/data/gdidata``; the key
figures it records are compared with values computed here directly from the raw gdidata
files with plain pandas (an independent path: no ``analysis`` function is used for them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from analysis.countries import GROUPS, UNKNOWN_ORIGIN

pytestmark = pytest.mark.notebooks
ROOT = Path(__file__).resolve().parents[1]

#: run name -> (chapter, parameters)
RUNS: dict[str, tuple[str, list[str]]] = {
    "trends_default": ("trends", []),
    "trends_2016": ("trends", ["year=2016"]),
    "trends_2023": ("trends", ["year=2023"]),
    "trends_silk": ("trends", ["region=silk_routes"]),
    "remit_default": ("remittances", []),
    "remit_2019": ("remittances", ["year=2019"]),
    "remit_countries": ("remittances", ["countries=PAK,BGD,MAR"]),
    "talent_default": ("talent", []),
    "talent_user": ("talent", ["indicators_path=data/talent/example_indicators.csv",
                               "mapping_path=data/talent/example_mapping.yaml"]),
    "survey_default": ("survey", []),
}


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, gdidata_dir) -> dict[str, dict]:
    """Execute every run (two at a time) and return its key figures by run name."""
    base = tmp_path_factory.mktemp("chapters")

    def one(name: str) -> tuple[str, subprocess.CompletedProcess]:
        chapter, params = RUNS[name]
        args = ["run", chapter, "--data-dir", str(gdidata_dir), "--out", str(base / name),
                "--to", "html"]
        for p in params:
            args += ["-p", p]
        return name, _cli(*args)

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(pool.map(one, RUNS))
    out = {}
    for name, proc in done.items():
        assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
        chapter = RUNS[name][0]
        doc = json.loads((base / name / f"{chapter}.key_figures.json").read_text("utf-8"))
        out[name] = {k: v["value"] for k, v in doc["key_figures"].items()}
        out[name]["_doc"] = doc
        out[name]["_html"] = (base / name / f"{chapter}.html").read_text("utf-8")
        out[name]["_index"] = (base / name / "index.html").read_text("utf-8")
    return out


@pytest.fixture(scope="module")
def raw(gdidata_dir) -> dict[str, pd.DataFrame]:
    read = {"keep_default_na": False, "na_values": [""]}
    return {
        "frontex": pd.read_csv(gdidata_dir / "frontex.csv.gz", **read),
        "asy": pd.read_csv(gdidata_dir / "eu_asyapp.csv.gz", **read),
        "stock": pd.read_csv(gdidata_dir / "undesa_stocks_2020.csv.gz", **read),
        "wdi": pd.read_csv(gdidata_dir / "wdi.csv.gz", **read),
    }


def _detections(raw, year, nats=None) -> int:
    f = raw["frontex"]
    f = f[f["month"].str[:4] == str(year)]
    if nats is not None:
        f = f[f["nat"].isin(nats)]
    return int(f["n"].sum())


def _eu27(raw, year, nats=None) -> int:
    a = raw["asy"]
    a = a[(a["geo"] == "EU27") & (a["year"] == year)]
    if nats is not None:
        a = a[a["nat"].isin(nats)]
    return int(a["n"].sum())


def _top_destination(raw, year) -> str:
    a = raw["asy"]
    a = a[(a["year"] == year) & a["geo"].isin(GROUPS["eu27"])]
    return a.groupby("geo")["n"].sum().idxmax()


def _top_origin(raw, year, origins=None) -> tuple[str, int]:
    s = raw["stock"]
    s = s[(s["year"] == year) & ~s["from"].isin(UNKNOWN_ORIGIN)]
    if origins is not None:
        s = s[s["from"].isin(origins)]
    by = s.groupby("from")["n"].sum()
    return by.idxmax(), int(by.max())


def test_trends_defaults_on_real_data(runs, raw):
    kf = runs["trends_default"]
    assert kf["detections_total"] == 126_310 == _detections(raw, 2020)
    assert kf["detections_total_base"] == _detections(raw, 2019)
    assert kf["detections_change_pct"] == pytest.approx(
        100 * (126_310 - _detections(raw, 2019)) / _detections(raw, 2019))
    assert kf["route_largest_increase"] == "Western African Route"
    assert kf["asylum_applications_eu27"] == 476_615
    assert kf["asylum_top_destination"] == "DEU" == _top_destination(raw, 2020)
    assert kf["migrant_stock_year"] == 2020
    assert kf["migrant_stock_world"] == 280_598_105
    assert kf["emigrants_top_origin"] == "IND"
    assert kf["emigrants_top_origin_value"] == _top_origin(raw, 2020)[1]


@pytest.mark.parametrize(("run", "year", "stock_year"),
                         [("trends_2016", 2016, 2015), ("trends_2023", 2023, 2020)])
def test_trends_other_years(runs, raw, run, year, stock_year):
    kf = runs[run]
    assert kf["detections_total"] == _detections(raw, year)
    assert kf["detections_total_base"] == _detections(raw, year - 1)
    assert kf["asylum_applications_eu27"] == _eu27(raw, year)
    assert kf["asylum_top_destination"] == _top_destination(raw, year)
    assert kf["migrant_stock_year"] == stock_year
    origin, value = _top_origin(raw, stock_year)
    assert (kf["emigrants_top_origin"], kf["emigrants_top_origin_value"]) == (origin, value)
    # route with the largest % increase among routes with >= 1,000 detections in the base year
    f = raw["frontex"].assign(year=lambda d: d["month"].str[:4].astype(int))
    by = f[f["year"].isin([year - 1, year])].pivot_table(
        index="route", columns="year", values="n", aggfunc="sum", fill_value=0)
    by = by[by[year - 1] >= 1000]
    assert kf["route_largest_increase"] == ((by[year] - by[year - 1]) / by[year - 1]).idxmax()


def test_trends_region_silk_routes(runs, raw):
    kf = runs["trends_silk"]
    silk = GROUPS["silk_routes"]
    assert kf["detections_total"] == _detections(raw, 2020, silk)
    assert kf["asylum_applications_eu27"] == _eu27(raw, 2020, silk)
    origin, value = _top_origin(raw, 2020, silk)
    assert (kf["emigrants_top_origin"], kf["emigrants_top_origin_value"]) == (origin, value)
    s = raw["stock"]
    assert kf["migrant_stock_world"] == s[(s["year"] == 2020) & s["from"].isin(silk)]["n"].sum()


def _remittances(raw, year) -> pd.Series:
    w = raw["wdi"]
    r = w[(w["var"] == "remin") & (w["year"] == year) & (w["value"] > 0)]
    return r.set_index("geo")["value"]


@pytest.mark.parametrize(("run", "year"), [("remit_default", 2020), ("remit_2019", 2019)])
def test_remittances_world_change_and_top_recipient(runs, raw, run, year):
    kf = runs[run]
    now, before = _remittances(raw, year), _remittances(raw, year - 1)
    both = now.index.intersection(before.index)
    assert kf["remittances_world_change_pct"] == pytest.approx(
        100 * (now[both].sum() / before[both].sum() - 1), rel=1e-9)
    assert kf["remittances_world_total"] == pytest.approx(now.sum(), rel=1e-12)
    assert kf["remittances_countries_counted"] == len(now)
    assert kf["remittances_top_recipient"] == now.idxmax()
    interval = kf["_doc"]["key_figures"]["remittances_vs_trend_pct"]
    assert interval["ci_low"] < interval["ci_high"]
    assert f"<h1 id=\"top\">Remittances in {year}:" in kf["_html"]


def test_remittances_world_figures_do_not_depend_on_countries(runs):
    default, chosen = runs["remit_default"], runs["remit_countries"]
    assert chosen["_doc"]["parameters"]["countries"] == "PAK, BGD, MAR"  # as shown
    for name in ("remittances_world_total", "remittances_vs_trend_pct",
                 "remittances_backtest_mape_pct"):
        assert chosen[name] == default[name], name


def test_remittances_backtest_coverage_in_key_figures_and_text(runs):
    for run, n_countries in (("remit_default", len(GROUPS["partner_countries"])),
                             ("remit_countries", 3)):
        entry = runs[run]["_doc"]["key_figures"]["remittances_backtest_coverage_pct"]
        n = entry["forecasts"]
        # five origins for the world and each country, less the few without data
        assert 0.9 * 5 * (1 + n_countries) <= n <= 5 * (1 + n_countries)
        hits = round(entry["value"] * n / 100)
        assert entry["value"] == pytest.approx(100 * hits / n)
        assert entry["ci_low"] <= entry["value"] <= entry["ci_high"]
        assert f"{hits} of {n}" in runs[run]["_html"]


def test_talent_default_and_user_file(runs):
    kf = runs["talent_default"]
    members = set(GROUPS["icmpd_members"]) | set(GROUPS["oecd_comparators"])
    assert kf["talent_top_country"] in members
    assert kf["talent_countries"] <= len(members)
    user = runs["talent_user"]
    example = pd.read_csv(ROOT / "data" / "talent" / "example_indicators.csv")
    assert user["talent_countries"] == len(set(example["country"]) & members)
    assert user["talent_top_country"] in set(example["country"])


def test_survey_default_is_synthetic_and_plausible(runs):
    doc = runs["survey_default"]["_doc"]["key_figures"]
    share = doc["unaware_legal_share_PAK"]
    assert share["ci_low"] < share["value"] < share["ci_high"]
    assert 0.5 < share["value"] < 0.8
    assert "synthetic" in share["source"].lower()
    assert doc["respondents"]["value"] > 1000 and doc["psus"]["value"] > 50
    assert "<h1 id=\"top\">Migrant Resource Centre survey (synthetic data)</h1>" in \
        runs["survey_default"]["_html"]
    assert "Migrant Resource Centre survey (synthetic data)</a>" in runs["survey_default"]["_index"]


def test_year_outside_data_is_refused_before_execution(tmp_path, gdidata_dir):
    proc = _cli("run", "trends", "-p", "year=1999", "--data-dir", str(gdidata_dir),
                "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "1999" in proc.stderr and "2009" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_country_code_is_refused(tmp_path):
    proc = _cli("run", "remittances", "-p", "countries=PAK,XXX", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "XXX" in proc.stderr
    assert not (tmp_path / "o").exists()
