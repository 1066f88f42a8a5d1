"""fetch_all: files and manifest, retries, failures that leave nothing half-written.

Every HTTP exchange is mocked with ``responses`` from the recorded samples of
tests/fixtures/official/; nothing touches the network.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from analysis.sources.official import (
    MANIFEST,
    SOURCES,
    FetchError,
    Manifest,
    eurostat,
    fetch_all,
    frontex,
    make_session,
    undesa,
    unhcr,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "official"
WB_API = re.compile(r"https://api\.worldbank\.org/v2/country/all/indicator/([^?]+)")
FRONTEX_XLSX = ("https://www.frontex.europa.eu/assets/Migratory_routes/2025/"
                "Monthly_detections_of_IBC_2025_06_03.xlsx")


def _rsps() -> responses.RequestsMock:
    return responses.RequestsMock(assert_all_requests_are_fired=False)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def _worldbank(request):
    code = WB_API.match(request.url).group(1)
    name = f"worldbank_{code}_p{int(_query(request.url)['page']):03d}.json"
    path = FIXTURES / name if (FIXTURES / name).is_file() else FIXTURES / "worldbank_empty_page.json"
    return 200, {"Content-Type": "application/json"}, path.read_text()


def _unhcr(request):
    page = int(_query(request.url)["page"])
    return 200, {}, (FIXTURES / f"unhcr_population_p{page:04d}.json").read_text()


def _mock_api(rsps: responses.RequestsMock, *, undesa_status: list[int] | None = None) -> None:
    """Register the five sources; ``undesa_status`` lists statuses served before a 200."""
    rsps.get(eurostat.URL, body=(FIXTURES / eurostat.FILE).read_bytes(),
             content_type="application/octet-stream")
    rsps.add_callback(responses.GET, WB_API, callback=_worldbank)
    for status in undesa_status or []:
        rsps.get(undesa.URL, status=status)
    rsps.get(undesa.URL, body=(FIXTURES / undesa.FILE).read_bytes())
    rsps.add_callback(responses.GET, re.compile(re.escape(unhcr.URL)), callback=_unhcr)
    rsps.get(frontex.PAGES[0], body=(FIXTURES / "frontex_migratory_map.html").read_text())
    rsps.get(FRONTEX_XLSX, body=(FIXTURES / frontex.FILE).read_bytes())


@pytest.fixture(autouse=True)
def _no_frontex_override(monkeypatch):
    monkeypatch.delenv(frontex.ENV_URL, raising=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(dest: Path) -> list[str]:
    """Temporary files or staging folders left in ``dest``."""
    return [p.name for p in dest.iterdir() if p.name.startswith(".")]


def test_fetch_all_writes_files_and_a_checksummed_manifest(tmp_path):
    with _rsps() as rsps:
        _mock_api(rsps)
        manifest = fetch_all(tmp_path, session=make_session(0))
    doc = json.loads((tmp_path / MANIFEST).read_text())
    entries = doc["files"]
    assert [(e["source"], e["file"]) for e in entries] == sorted(
        (e["source"], e["file"]) for e in entries)
    assert {e["source"] for e in entries} == set(SOURCES)
    for e in entries:
        path = tmp_path / e["file"]
        assert set(e) == {"source", "file", "url", "sha256", "bytes", "retrieved"}
        assert e["sha256"] == _sha(path)
        assert e["bytes"] == path.stat().st_size
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["retrieved"])
    by_file = {e["file"]: e for e in entries}
    assert by_file[eurostat.FILE]["url"] == eurostat.URL
    assert (tmp_path / eurostat.FILE).read_bytes() == (FIXTURES / eurostat.FILE).read_bytes()
    assert by_file["frontex_monthly_detections_of_ibc.xlsx"]["url"] == FRONTEX_XLSX
    assert "page=2" in by_file["unhcr_population_p0002.json"]["url"]
    assert "worldbank_SP.POP.TOTL_p002.json" in by_file  # World Bank pagination
    assert [f.file for f in manifest.files] == [e["file"] for e in entries]
    assert _leftovers(tmp_path) == []


def test_a_503_is_retried_then_succeeds(tmp_path):
    with _rsps() as rsps:
        _mock_api(rsps, undesa_status=[503])
        fetch_all(tmp_path, ["undesa"], retries=3)  # the default session and its retry policy
        assert sum(c.request.url == undesa.URL for c in rsps.calls) == 2
    assert _sha(tmp_path / undesa.FILE) == _sha(FIXTURES / undesa.FILE)


def test_permanent_failure_names_source_and_url_and_leaves_nothing(tmp_path):
    with _rsps() as rsps:
        _mock_api(rsps)
        fetch_all(tmp_path, ["eurostat", "undesa"], session=make_session(0))
    before = (tmp_path / MANIFEST).read_bytes()
    xlsx = _sha(tmp_path / undesa.FILE)
    with _rsps() as rsps:
        rsps.get(undesa.URL, status=503)
        with pytest.raises(FetchError) as err:
            fetch_all(tmp_path, ["undesa"], session=make_session(retries=2, backoff_factor=0))
        assert len(rsps.calls) == 3  # first attempt and two retries
    assert err.value.source == "undesa"
    assert undesa.URL in str(err.value) and "undesa" in str(err.value)
    assert (tmp_path / MANIFEST).read_bytes() == before  # earlier downloads stay as they were
    assert _sha(tmp_path / undesa.FILE) == xlsx
    assert _leftovers(tmp_path) == []


def test_not_found_is_not_retried(tmp_path):
    with _rsps() as rsps:
        rsps.get(eurostat.URL, status=404)
        with pytest.raises(FetchError, match="HTTP 404"):
            fetch_all(tmp_path, ["eurostat"], session=make_session(3, 0))
        assert len(rsps.calls) == 1
    assert not (tmp_path / eurostat.FILE).exists()
    assert not (tmp_path / MANIFEST).exists()


def test_a_body_cut_short_is_retried_and_never_kept(tmp_path):
    body = (FIXTURES / eurostat.FILE).read_bytes()
    with _rsps() as rsps:
        rsps.get(eurostat.URL, body=body[:100], headers={"Content-Length": str(len(body))})
        rsps.get(eurostat.URL, body=body)
        fetch_all(tmp_path, ["eurostat"], session=make_session(1, 0))
    assert (tmp_path / eurostat.FILE).read_bytes() == body
    with _rsps() as rsps:
        rsps.get(eurostat.URL, body=body[:100], headers={"Content-Length": str(len(body))})
        with pytest.raises(FetchError, match="IncompleteRead|Connection broken"):
            fetch_all(tmp_path / "new", ["eurostat"], session=make_session(1, 0))
    assert not (tmp_path / "new" / eurostat.FILE).exists()
    assert _leftovers(tmp_path / "new") == []


def test_a_failed_page_keeps_the_previous_pages_of_that_source(tmp_path):
    with _rsps() as rsps:
        _mock_api(rsps)
        fetch_all(tmp_path, ["unhcr"], session=make_session(0))
    before = Manifest.load(tmp_path / MANIFEST).for_source("unhcr")

    def second_page_fails(request):
        if _query(request.url)["page"] == "2":
            return 500, {}, "server error"
        return 200, {}, (FIXTURES / "unhcr_population_p0001.json").read_text()

    with _rsps() as rsps:
        rsps.add_callback(responses.GET, re.compile(re.escape(unhcr.URL)),
                          callback=second_page_fails)
        with pytest.raises(FetchError, match="page=2"):
            fetch_all(tmp_path, ["unhcr"], session=make_session(0))
    assert Manifest.load(tmp_path / MANIFEST).for_source("unhcr") == before
    for entry in before:
        assert _sha(tmp_path / entry.file) == entry.sha256


def test_pages_that_disappear_are_removed_with_their_entries(tmp_path):
    with _rsps() as rsps:
        _mock_api(rsps)
        fetch_all(tmp_path, ["unhcr"], session=make_session(0))
    one_page = json.loads((FIXTURES / "unhcr_population_p0001.json").read_text())
    one_page["maxPages"] = 1
    with _rsps() as rsps:
        rsps.get(re.compile(re.escape(unhcr.URL)), json=one_page)
        manifest = fetch_all(tmp_path, ["unhcr"], session=make_session(0))
    assert [f.file for f in manifest.for_source("unhcr")] == ["unhcr_population_p0001.json"]
    assert not (tmp_path / "unhcr_population_p0002.json").exists()


def test_progress_reports_bytes_up_to_the_size(tmp_path):
    events = []
    with _rsps() as rsps:
        _mock_api(rsps)
        fetch_all(tmp_path, ["undesa"], session=make_session(0),
                  progress=lambda *e: events.append(e))
    size = (FIXTURES / undesa.FILE).stat().st_size
    done = [d for s, f, d, _ in events if s == "undesa" and f == undesa.FILE]
    assert done[0] == 0 and done[-1] == size and done == sorted(done)


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="unknown source.*wikipedia.*known: eurostat"):
        fetch_all(Path("/nonexistent"), ["wikipedia"])


def test_a_broken_manifest_is_named(tmp_path):
    (tmp_path / MANIFEST).write_text("{not json")
    from analysis.errors import DataError

    with pytest.raises(DataError, match="manifest"):
        Manifest.load(tmp_path / MANIFEST)
