"""World Bank API v2: recorded pages parsed into the canonical indicators table; fetching
with pagination and the governance-indicator fallback (HTTP mocked with ``responses``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources.official import FetchError, make_session, worldbank
from analysis.validation import validate_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "official"
PAGES = sorted(FIXTURES.glob("worldbank_*_p*.json"))
API = re.compile(r"https://api\.worldbank\.org/v2/country/all/indicator/([^?]+)")


def test_pages_parse_to_hand_computed_table():
    out = worldbank.parse(PAGES)
    # Aggregates (AFE, WLD, EUU) and null values (PAK 2024, TUV, WLD) are dropped; Kosovo
    # and the Channel Islands kept; the negative stability estimate kept.
    assert list(out.itertuples(index=False, name=None)) == [
        ("AFG", "population", 2022, 40578842.0),
        ("AFG", "population", 2023, 41454761.0),
        ("CHE", "political_stability", 2022, 1.22653985023499),
        ("CHI", "population", 2023, 172847.0),
        ("PAK", "political_stability", 2022, -1.69211864471436),
        ("PAK", "remittances_received_usd", 2022, 29870000000.0),
        ("PAK", "remittances_received_usd", 2023, 26544000000.0),
        ("XKX", "population", 2023, 1756374.0),
    ]
    validate_table(out, TABLES["indicators"], path="pages")


def test_empty_page_yields_no_rows():
    assert worldbank.parse(FIXTURES / "worldbank_empty_page.json").empty


def test_unknown_indicator_is_refused(tmp_path):
    doc = json.loads((FIXTURES / "worldbank_PV.EST_p001.json").read_text())
    doc[1][0]["indicator"]["id"] = "XX.UNKNOWN"
    path = tmp_path / "page.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="unknown indicator 'XX.UNKNOWN'"):
        worldbank.parse(path)


def test_a_value_that_is_not_a_number_is_named(tmp_path):
    doc = json.loads((FIXTURES / "worldbank_PV.EST_p001.json").read_text())
    doc[1][0]["value"] = "n/a"
    path = tmp_path / "page.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="'n/a' is not a number") as err:
        worldbank.parse(path)
    assert err.value.column == "value"


def _page(name: str) -> str:
    return (FIXTURES / name).read_text()


def _serve(rejected: frozenset[str] = frozenset()):
    """A callback answering like the API from the recorded pages."""
    calls: list[tuple[str, dict]] = []

    def callback(request):
        code = API.match(request.url).group(1)
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        calls.append((code, query))
        assert query["format"] == "json" and query["per_page"] == "20000"
        if code in rejected:
            return 200, {}, _page("worldbank_error_not_found.json")
        page = int(query["page"])
        name = f"worldbank_{code}_p{page:03d}.json"
        if (FIXTURES / name).is_file():
            return 200, {"Content-Type": "application/json"}, _page(name)
        return 200, {}, _page("worldbank_empty_page.json")

    return callback, calls


def test_fetch_follows_pages_and_asks_source_3_for_governance(tmp_path):
    callback, calls = _serve()
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, API, callback=callback)
        files = worldbank.fetch(make_session(0), tmp_path)
    names = sorted(f.file for f in files)
    assert "worldbank_SP.POP.TOTL_p001.json" in names
    assert "worldbank_SP.POP.TOTL_p002.json" in names
    assert [q["page"] for c, q in calls if c == "SP.POP.TOTL"] == ["1", "2"]
    assert [q.get("source") for c, q in calls if c == "PV.EST"] == ["3"]
    assert len(files) == len(worldbank.SERIES) + 1  # one page each, two for population
    assert worldbank.parse([tmp_path / n for n in names]).equals(worldbank.parse(PAGES))


def test_fetch_falls_back_to_the_wdi_governance_code(tmp_path):
    callback, calls = _serve(rejected=frozenset({"PV.EST"}))
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, API, callback=callback)
        files = worldbank.fetch(make_session(0), tmp_path)
    assert [c for c, _ in calls if "PV.EST" in c] == ["PV.EST", "GOV_WGI_PV.EST"]
    assert not (tmp_path / "worldbank_PV.EST_p001.json").exists()  # the rejection is not kept
    assert "worldbank_GOV_WGI_PV.EST_p001.json" in {f.file for f in files}


def test_optional_indicator_rejected_everywhere_is_skipped_with_a_warning(tmp_path):
    callback, _ = _serve(rejected=frozenset({"PV.EST", "GOV_WGI_PV.EST"}))
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, API, callback=callback)
        with pytest.warns(UserWarning, match="political_stability skipped"):
            files = worldbank.fetch(make_session(0), tmp_path)
    assert len(files) == len(worldbank.SERIES)  # 12 required + 1 extra population page


def test_required_indicator_rejected_is_an_error_naming_it(tmp_path):
    callback, _ = _serve(rejected=frozenset({"SP.POP.TOTL"}))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, API, callback=callback)
        with pytest.raises(FetchError, match=r"SP\.POP\.TOTL.*not found") as err:
            worldbank.fetch(make_session(0), tmp_path)
    assert err.value.source == "worldbank"
