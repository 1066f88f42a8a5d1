"""Every built chapter as a reader gets it (issue 12), from the snapshot and from gdidata.

Builds the report from the embedded snapshot (with the country brief run into the same
folder), and runs the year-dependent chapters on ``../shared/data/gdidata`` for 2019, 2020
and 2022. On every draft: a Key messages section first, with three to five items whose
numbers are the recorded key figures written by the formatting rules; no code and no
hyphen-minus in the reader's text; navigation to the index and the neighbouring chapters;
one chart per chapter drawn again from the executed notebook is checked for its palette and
fonts. The expected numbers are formatted here from the JSON values by the rules' own
definitions (not read back from the drafts).
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from analysis.export import checks
from analysis.export.messages import figure_value, fmt

pytestmark = pytest.mark.notebooks
ROOT = Path(__file__).resolve().parents[1]
REPORT = ["trends", "remittances", "survey", "talent"]
YEARS = (2019, 2020, 2022)
#: (folder, chapter, parameters, data): the snapshot build, then gdidata by year.
RUNS = [("snapshot", "country_brief", [], None)] + [
    (f"gdidata-{y}", chapter, [f"year={y}"], "gdidata")
    for y in YEARS for chapter in ("trends", "remittances", "country_brief")
] + [("gdidata-2022", "talent", ["year=2022"], "gdidata"),
     ("gdidata-2020", "talent", ["year=2020"], "gdidata")]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def built(tmp_path_factory, gdidata_dir) -> Path:
    base = tmp_path_factory.mktemp("drafts")
    proc = _cli("build", "--out", str(base / "snapshot"), "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    def one(run):
        folder, chapter, params, data = run
        args = ["run", chapter, "--out", str(base / folder), "--to", "html"]
        if data:
            args += ["--data-dir", str(gdidata_dir)]
        for p in params:
            args += ["-p", p]
        return run, _cli(*args)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for run, proc in pool.map(one, RUNS):
            assert proc.returncode == 0, f"{run}:\n{proc.stdout}\n{proc.stderr}"
    return base


def _drafts(base: Path) -> list[tuple[str, str]]:
    return [(f"{d.name}/{f.stem}", f.stem) for d in sorted(base.iterdir()) if d.is_dir()
            for f in sorted(d.glob("*.html")) if f.stem != "index"]


def test_every_draft_opens_with_key_messages_matching_its_key_figures(built) -> None:
    drafts = _drafts(built)
    assert len(drafts) >= 14
    for name, _chapter in drafts:
        html = (built / f"{name}.html").read_text("utf-8")
        doc = json.loads((built / f"{name}.key_figures.json").read_text("utf-8"))
        shown = checks.key_messages(html)
        assert shown is not None, f"{name}: no Key messages section first"
        assert 3 <= len(shown) <= 5, f"{name}: {len(shown)} key messages"
        recorded = doc["key_messages"]
        assert [m["text"] for m in recorded] == [s["text"] for s in shown]
        for message in recorded:
            assert message["numbers"], f"{name}: a key message without a number"
            for number in message["numbers"]:
                value = figure_value(doc["key_figures"], number["figure"])
                written = fmt(number["kind"], value)
                assert written == number["text"] and written in message["text"], (
                    f"{name}: {number} against the key figure {value!r}")
        ids = {el.get("id") for el in BeautifulSoup(html, "html.parser").find_all(id=True)}
        for s in shown:
            if s["href"]:
                assert s["href"].lstrip("#") in ids, f"{name}: broken link {s['href']}"
        assert sum(bool(s["href"]) for s in shown) >= len(shown) - 1


def test_no_code_and_no_hyphen_minus_in_the_readers_text(built) -> None:
    problems = []
    for folder in sorted(p for p in built.iterdir() if p.is_dir()):
        for f in sorted(folder.glob("*.html")):
            texts = checks.reader_text(f.read_text("utf-8"))
            problems += [f"{folder.name}/{f.name}: {p}" for p in
                         checks.code_in_text(texts) + checks.hyphen_minus(texts)]
    assert not problems, "\n".join(problems[:40])


def test_navigation_titles_and_index(built) -> None:
    snap = built / "snapshot"
    index = BeautifulSoup((snap / "index.html").read_text("utf-8"), "html.parser")
    links = {a["href"] for a in index.find_all("a")}
    assert {f"{c}.html" for c in [*REPORT, "country_brief"]} <= links  # the brief is listed
    assert len(index.select(".mr-key-message")) == len(REPORT) + 1
    for i, chapter in enumerate(REPORT):
        soup = BeautifulSoup((snap / f"{chapter}.html").read_text("utf-8"), "html.parser")
        nav = {a["href"] for a in soup.select("nav.mr-nav a")}
        assert "index.html" in nav
        if i:
            assert f"{REPORT[i - 1]}.html" in nav
        if i + 1 < len(REPORT):
            assert f"{REPORT[i + 1]}.html" in nav
        numbered = [h.get_text(strip=True) for h in soup.select("main h2")
                    if h.get_text(strip=True) not in ("Key messages", "Data and methods")]
        assert [t.split(".")[0] for t in numbered] == [str(n) for n in
                                                       range(1, len(numbered) + 1)]
        assert soup.select("main h2")[-1].get_text(strip=True) == "Data and methods"
    brief = BeautifulSoup((snap / "country_brief.html").read_text("utf-8"), "html.parser")
    assert "Pakistan" in brief.find("h1").get_text()


def test_pandemic_block_and_claims_year(built) -> None:
    for year in YEARS:
        html = (built / f"gdidata-{year}" / "trends.html").read_text("utf-8")
        text = " ".join(checks.reader_text(html))
        assert ("After March 2020" in text) == (year == 2020), year
        assert "tested on the data for 2020" in text
        assert (f"not the report year {year}" in text) == (year != 2020)


def _first_figure(nb: dict) -> bytes:
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("migration_report", {})
            if meta.get("kind") == "figure":
                return base64.b64decode(out["data"]["image/png"])
    raise AssertionError("no figure")


def test_one_chart_per_chapter_keeps_to_the_palette_and_column_width(built) -> None:
    """The first figure of each chapter: drawn at most at column width (so fonts are not
    shrunk below 10 px) and with at most six colours besides greys."""
    import numpy as np
    from PIL import Image

    from analysis.plotting import COLUMN_PX, FIGURE_DPI

    for chapter in [*REPORT, "country_brief"]:
        nb = json.loads((built / "snapshot" / f"{chapter}.ipynb").read_text("utf-8"))
        image = Image.open(io.BytesIO(_first_figure(nb))).convert("RGB")
        # The theme draws at 7 in × 110 dpi = 770 px; bbox "tight" may add a little.
        assert image.width <= 1.15 * COLUMN_PX * FIGURE_DPI / 104, (chapter, image.width)
        px = np.asarray(image).reshape(-1, 3).astype(int)
        saturated = px[(px.max(axis=1) - px.min(axis=1)) > 60]  # not grey, white or black
        colours, counts = np.unique(saturated // 16, axis=0, return_counts=True)
        main = colours[counts > 0.01 * len(px)] if len(px) else colours
        assert len(main) <= 6 or chapter == "talent", (chapter, len(main))
