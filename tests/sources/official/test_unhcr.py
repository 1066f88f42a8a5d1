"""UNHCR population API: recorded pages parsed into the canonical displaced table; fetching
every page (HTTP mocked with ``responses``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources.official import make_session, unhcr
from analysis.validation import validate_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "official"
PAGES = [FIXTURES / "unhcr_population_p0001.json", FIXTURES / "unhcr_population_p0002.json"]


def test_pages_parse_to_hand_computed_table():
    out = unhcr.parse(PAGES)
    # coa_iso (DEU), not UNHCR's own coa code (GFR); counts as numbers or strings; "0" and
    # "-" dropped; XXA -> STL, UNK -> OOO, TIB kept; other = ooc + oip (100 + 2,875,743).
    assert list(out.itertuples(index=False, name=None)) == [
        ("CIV", "STL", 2022, "stateless", 931000),
        ("COL", "VEN", 2023, "asylum", 5000),
        ("COL", "VEN", 2023, "other", 2875843),
        ("COL", "VEN", 2023, "refugee", 1000),
        ("DEU", "AFG", 2023, "asylum", 47326),
        ("DEU", "AFG", 2023, "other", 12),
        ("DEU", "AFG", 2023, "refugee", 186415),
        ("IND", "TIB", 2022, "refugee", 72312),
        ("SRB", "OOO", 2022, "asylum", 10),
        ("SYR", "SYR", 2023, "idp", 7248000),
        ("SYR", "SYR", 2023, "idp return", 283000),
        ("SYR", "SYR", 2023, "refugee return", 38500),
        ("TUR", "SYR", 2023, "asylum", 55),
        ("TUR", "SYR", 2023, "refugee", 3214780),
    ]
    validate_table(out, TABLES["displaced"], path="pages")


def test_page_order_does_not_matter():
    assert unhcr.parse(PAGES[::-1]).equals(unhcr.parse(PAGES))


def test_the_same_item_on_two_pages_is_refused():
    with pytest.raises(DataError, match="appears twice"):
        unhcr.parse([PAGES[0], PAGES[0]])


def test_a_count_that_is_not_a_whole_number_is_named(tmp_path):
    doc = json.loads(PAGES[0].read_text())
    doc["items"][0]["refugees"] = "12.5"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="'12.5' is not a whole number") as err:
        unhcr.parse(path)
    assert err.value.column == "refugees"


def test_unknown_country_code_is_dropped_with_a_warning(tmp_path):
    doc = json.loads(PAGES[1].read_text())
    doc["items"][0]["coa_iso"] = "ZZZ"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    with pytest.warns(UserWarning, match=r"coa_iso.*ZZZ"):
        out = unhcr.parse(path)
    assert "CIV" not in set(out["asylum_country"]) and len(out) == 2


def test_fetch_reads_every_page(tmp_path):
    seen = []

    def callback(request):
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        seen.append(query)
        return 200, {"Content-Type": "application/json"}, PAGES[int(query["page"]) - 1].read_text()

    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, re.compile(re.escape(unhcr.URL)), callback=callback)
        files = unhcr.fetch(make_session(0), tmp_path)
    assert [q["page"] for q in seen] == ["1", "2"]
    assert all(q["coo_all"] == "true" and q["coa_all"] == "true" for q in seen)
    assert all(q["yearFrom"] == "1990" for q in seen)
    assert [f.file for f in files] == ["unhcr_population_p0001.json",
                                        "unhcr_population_p0002.json"]
    assert "page=2" in files[1].url
    assert unhcr.parse([tmp_path / f.file for f in files]).equals(unhcr.parse(PAGES))
