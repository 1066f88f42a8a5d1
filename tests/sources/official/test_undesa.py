"""UN DESA International Migrant Stock 2020: the recorded workbook (real layout, invented
numbers) parsed into the canonical migrant_stock table."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from analysis.errors import DataError
from analysis.schemas import TABLES
from analysis.sources.official import undesa
from analysis.validation import validate_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "official"
SAMPLE = FIXTURES / "undesa_pd_2020_ims_stock_by_sex_destination_and_origin.xlsx"


@pytest.fixture(scope="module")
def stock():
    return undesa.parse(SAMPLE)


def _value(frame, dest, origin, year, sex):
    hit = frame[(frame.destination == dest) & (frame.origin == origin) & (frame.year == year)
                & (frame.sex == sex)]
    return None if hit.empty else int(hit["migrants"].iloc[0])


def test_pairs_and_row_count(stock):
    validate_table(stock, TABLES["migrant_stock"], path=SAMPLE)
    pairs = sorted(set(zip(stock.destination, stock.origin, strict=True)))
    # World and Sub-Saharan Africa (900, 947) are aggregates, as destination or origin;
    # "Others" -> OOO; 830 Channel Islands -> XCX; 158 -> TWN (name with a footnote mark).
    assert pairs == [("DEU", "KEN"), ("DEU", "OOO"), ("DEU", "POL"), ("DEU", "TUR"),
                     ("TWN", "IDN"), ("XCX", "GBR")]
    # 6 pairs x 7 years x 2 sexes, less Taiwan-Indonesia 1990 (female "..": both dropped).
    assert len(stock) == 6 * 7 * 2 - 2
    assert set(stock.sex) == {"female", "male"}


def test_values_come_from_the_right_sex_block(stock):
    assert _value(stock, "DEU", "POL", 2020, "male") == 1056264
    assert _value(stock, "DEU", "POL", 2020, "female") == 1085458
    assert _value(stock, "DEU", "TUR", 1990, "male") == 700000
    assert _value(stock, "XCX", "GBR", 2015, "female") == 26000
    assert _value(stock, "DEU", "OOO", 2005, "male") == 1300


def test_zero_is_kept_and_half_missing_pair_is_dropped(stock):
    assert _value(stock, "DEU", "KEN", 1990, "male") == 0
    assert _value(stock, "DEU", "KEN", 1990, "female") == 0
    assert _value(stock, "TWN", "IDN", 1990, "male") is None
    assert _value(stock, "TWN", "IDN", 1995, "female") == 250


def _table1() -> openpyxl.Workbook:
    return openpyxl.load_workbook(SAMPLE)


def test_without_block_labels_the_order_is_both_males_females(tmp_path, stock):
    book = _table1()
    sheet = book["Table 1"]
    for cell in ("H10", "O10", "V10"):
        sheet[cell] = None
    path = tmp_path / "nolabels.xlsx"
    book.save(path)
    assert undesa.parse(path).equals(stock)


def test_block_labels_decide_the_sex(tmp_path):
    book = _table1()
    sheet = book["Table 1"]
    sheet["O10"], sheet["V10"] = sheet["V10"].value, sheet["O10"].value  # labels swapped
    path = tmp_path / "swapped.xlsx"
    book.save(path)
    swapped = undesa.parse(path)
    assert _value(swapped, "DEU", "POL", 2020, "female") == 1056264


def test_missing_sheet_and_missing_header_are_named(tmp_path):
    book = _table1()
    book["Table 1"].title = "Table 2"
    path = tmp_path / "nosheet.xlsx"
    book.save(path)
    with pytest.raises(DataError, match="has no sheet 'Table 1'"):
        undesa.parse(path)
    book = _table1()
    book["Table 1"]["D11"] = "Code"
    path = tmp_path / "noheader.xlsx"
    book.save(path)
    with pytest.raises(DataError, match="no header row"):
        undesa.parse(path)


def test_a_cell_that_is_not_a_count_is_named_with_its_row(tmp_path):
    book = _table1()
    sheet = book["Table 1"]
    row = next(r for r in range(12, 30) if sheet.cell(r, 6).value == "Poland")
    sheet.cell(row, 15, "about 600000")  # column O: males 1990
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(DataError, match=f"row {row}") as err:
        undesa.parse(path)
    assert err.value.column == "1990 (male)"


def test_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("<html>not found</html>")
    with pytest.raises(DataError, match="not a readable XLSX"):
        undesa.parse(path)
