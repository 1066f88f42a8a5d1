"""Frontex monthly detections: the recorded workbook (real layout, invented numbers) parsed
into the canonical detections table; finding the workbook link on the Migratory Map page."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import responses

from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources.official import FetchError, UnmappedCodeWarning, frontex, make_session
from analysis.validation import validate_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "official"
SAMPLE = FIXTURES / "frontex_monthly_detections_of_ibc.xlsx"
PAGE = FIXTURES / "frontex_migratory_map.html"
WORKBOOK_URL = ("https://www.frontex.europa.eu/assets/Migratory_routes/2025/"
                "Monthly_detections_of_IBC_2025_06_03.xlsx")


def test_sample_parses_to_hand_computed_table():
    out = frontex.parse(SAMPLE)
    validate_table(out, TABLES["detections"], path=SAMPLE)
    # Zeros and empty cells dropped; "Not specified" (0, 3, 4) and "Unknown" (1, -, -) both
    # OOO, summed; Kosovo* -> XKX; sub-Saharan -> OOS.
    assert list(out.itertuples(index=False, name=None)) == [
        ("Central Mediterranean Route", "Sea", "OOO", "2024-01", 1),
        ("Central Mediterranean Route", "Sea", "OOO", "2024-02", 3),
        ("Central Mediterranean Route", "Sea", "OOO", "2024-03", 4),
        ("Central Mediterranean Route", "Sea", "TUN", "2024-01", 1200),
        ("Central Mediterranean Route", "Sea", "TUN", "2024-02", 800),
        ("Eastern Borders Route", "Land", "STL", "2024-01", 2),
        ("Eastern Borders Route", "Land", "STL", "2024-03", 1),
        ("Eastern Mediterranean Route", "Land", "TUR", "2024-01", 150),
        ("Eastern Mediterranean Route", "Land", "TUR", "2024-02", 90),
        ("Eastern Mediterranean Route", "Land", "TUR", "2024-03", 110),
        ("Eastern Mediterranean Route", "Sea", "SYR", "2024-01", 1000),
        ("Eastern Mediterranean Route", "Sea", "SYR", "2024-02", 1100),
        ("Eastern Mediterranean Route", "Sea", "SYR", "2024-03", 1250),
        ("Western African Route", "Sea", "OOS", "2024-01", 300),
        ("Western African Route", "Sea", "OOS", "2024-02", 250),
        ("Western African Route", "Sea", "OOS", "2024-03", 200),
        ("Western Balkan Route", "Land", "XKX", "2024-01", 5),
        ("Western Mediterranean Route", "Sea", "CIV", "2024-01", 40),
        ("Western Mediterranean Route", "Sea", "CIV", "2024-02", 35),
        ("Western Mediterranean Route", "Sea", "CIV", "2024-03", 30),
    ]
    assert out["detections"].sum() == 2000 + 8 + 3 + 350 + 3350 + 750 + 5 + 105


def test_older_layout_with_date_headers_and_unknown_labels(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["Route", "BorderLocation", "NationalityLong",
                  datetime(2015, 9, 1), datetime(2015, 10, 1)])
    sheet.append(["Western Balkan Route", "Land", "Atlantis", 7, 8])
    sheet.append(["Western Balkan Route", "Inland", "Afghanistan", 1, 2])
    sheet.append(["Western Balkan Route", "Land", "Afghanistan", 30000, 29000])
    path = tmp_path / "old.xlsx"
    book.save(path)
    with pytest.warns(UnmappedCodeWarning) as record:
        out = frontex.parse(path)
    text = " ".join(str(w.message) for w in record)
    assert "Atlantis" in text and "Inland" in text
    assert list(out.itertuples(index=False, name=None)) == [
        ("Western Balkan Route", "Land", "AFG", "2015-09", 30000),
        ("Western Balkan Route", "Land", "AFG", "2015-10", 29000),
    ]


def test_a_cell_that_is_not_a_count_is_named(tmp_path):
    book = openpyxl.load_workbook(SAMPLE)
    book["Detections_of_IBC"]["E3"] = "n.a."
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(DataError, match="sheet row 3") as err:
        frontex.parse(path)
    assert err.value.column == "FEB2024"


def test_no_header_row_is_refused(tmp_path):
    book = openpyxl.load_workbook(SAMPLE)
    book["Detections_of_IBC"]["A2"] = "Itinerary"
    path = tmp_path / "nohead.xlsx"
    book.save(path)
    with pytest.raises(DataError, match="header row starting 'Route'"):
        frontex.parse(path)


def test_the_newest_workbook_link_is_chosen_and_made_absolute():
    page = "https://www.frontex.europa.eu/what-we-do/monitoring-and-risk-analysis/migratory-map/"
    assert frontex.find_workbook_url(PAGE.read_text(), page) == WORKBOOK_URL
    assert frontex.find_workbook_url("<html>no link</html>", page) is None


def test_fetch_discovers_the_link_then_downloads(tmp_path, monkeypatch):
    monkeypatch.delenv(frontex.ENV_URL, raising=False)
    with responses.RequestsMock() as rsps:
        rsps.get(frontex.PAGES[0], body=PAGE.read_text())
        rsps.get(WORKBOOK_URL, body=SAMPLE.read_bytes())
        files = frontex.fetch(make_session(0), tmp_path)
    assert files[0].url == WORKBOOK_URL
    assert (tmp_path / frontex.FILE).read_bytes() == SAMPLE.read_bytes()


def test_fetch_without_a_link_says_how_to_give_one(tmp_path, monkeypatch):
    monkeypatch.delenv(frontex.ENV_URL, raising=False)
    with responses.RequestsMock() as rsps:
        for page in frontex.PAGES:
            rsps.get(page, body="<html>redesigned</html>")
        with pytest.raises(FetchError, match=re.escape(frontex.ENV_URL)):
            frontex.fetch(make_session(0), tmp_path)


def test_environment_url_skips_the_page(tmp_path, monkeypatch):
    url = "https://mirror.example.org/ibc.xlsx"
    monkeypatch.setenv(frontex.ENV_URL, url)
    with responses.RequestsMock() as rsps:
        rsps.get(url, body=SAMPLE.read_bytes())
        files = frontex.fetch(make_session(0), tmp_path)
        assert len(rsps.calls) == 1  # no page request
    assert files[0].url == url
