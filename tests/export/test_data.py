"""The data behind figures and tables: what display carries, the CSV files and the workbook."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import matplotlib
import nbformat
import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis.export import display
from analysis.export.data import csv_files, data_file, normalise_zip, to_xlsx
from analysis.export.markdown import chapter_blocks

matplotlib.use("Agg")

MOMENT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def _capture(monkeypatch) -> list[tuple[dict, dict]]:
    published: list[tuple[dict, dict]] = []
    monkeypatch.setattr(display, "_publish", lambda data, metadata=None:
                        published.append((data, metadata or {})))
    return published


def _notebook(published) -> dict:
    outputs = [{"output_type": "display_data", "data": d, "metadata": m} for d, m in published]
    return {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "outputs": outputs}]}


def _read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    lines = data.decode("utf-8").splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(lines[len(comments):]))))
    return comments, rows


@pytest.fixture
def chapter(monkeypatch):
    """A figure with the numbers it draws, a table, and a figure without data."""
    import matplotlib.pyplot as plt

    published = _capture(monkeypatch)
    drawn = pd.DataFrame({"year": [2019, 2020], "detections": [141_846, 124_121]})
    fig, ax = plt.subplots()
    ax.bar(drawn["year"], drawn["detections"])
    display.figure(display.attach_data(fig, drawn, {"detections": "Detections (persons)"}),
                   caption="Detections", source="Frontex (3 Jun 2025)", alt="Bars")
    table = pd.DataFrame({"country": ["PAK", "=1+1"], "share": [0.123456, float("nan")],
                          "n_people": [1200, 35]})
    display.table(table, caption="Shares, 2020", source="UN DESA (2020)",
                  formats={"share": "{:.1%}"})
    fig, ax = plt.subplots()
    display.figure(fig, caption="No data", source="s", alt="empty")
    return chapter_blocks(_notebook(published))


def test_table_data_are_the_unformatted_values_under_readable_headers(chapter):
    table = next(b for b in chapter if b.kind == "table")
    assert table.rows[0][1] == "12.3\u00a0%"  # shown rounded, as the reader sees it …
    assert table.data == {"columns": ["Country", "Share", "Number of people"],
                          "rows": [["PAK", 0.123456, 1200], ["=1+1", None, 35]]}  # … kept whole


def test_figure_data_come_from_the_plotting_function(chapter):
    figure = chapter[0]
    assert figure.kind == "figure"
    assert figure.data == {"columns": ["Year", "Detections (persons)"],
                           "rows": [[2019, 141846], [2020, 124121]]}
    assert chapter[2].data is None  # no data given: no CSV


def test_csv_files_hold_source_caption_and_the_numbers(chapter):
    files = csv_files("trends", "Trends 2020", chapter)
    assert sorted(files) == ["trends_data/figure-1.csv", "trends_data/table-1.csv"]
    comments, rows = _read_csv(files["trends_data/table-1.csv"])
    assert comments == ["# Table 1. Shares, 2020", "# Source: UN DESA (2020)",
                        "# Chapter: Trends 2020 (trends)"]
    assert rows[0] == ["Country", "Share", "Number of people"]
    assert float(rows[1][1]) == 0.123456 and rows[2][1] == ""  # missing stays empty
    _, rows = _read_csv(files["trends_data/figure-1.csv"])
    assert [int(r[1]) for r in rows[1:]] == [141846, 124121]


def test_workbook_has_contents_and_one_sheet_per_figure_and_table(chapter):
    vintages = [{"table": "detections", "producer": "Frontex", "dataset": "map",
                 "vintage": "3 Jun 2025", "licence": "reuse"}]
    data = to_xlsx("trends", "Trends 2020", chapter, moment=MOMENT, vintages=vintages)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Contents", "Figure 1", "Table 1"]
    listed = [row for row in wb["Contents"].iter_rows(values_only=True) if row[0] in
              ("Figure 1", "Table 1")]
    assert [r[1] for r in listed] == ["Detections", "Shares, 2020"]
    assert listed[1][3] == data_file("trends", chapter[1])
    assert any("3 Jun 2025" in (row or ()) for row in wb["Contents"].iter_rows(values_only=True))
    sheet = list(wb["Table 1"].iter_rows(values_only=True))
    assert sheet[0] == ("Country", "Share", "Number of people")
    assert sheet[1] == ("PAK", 0.123456, 1200)
    assert sheet[2][0] == "=1+1" and wb["Table 1"]["A3"].data_type == "s"  # text, no formula
    assert wb.properties.created == MOMENT.replace(tzinfo=None)


def test_workbook_bytes_depend_only_on_content_and_moment(chapter):
    first = to_xlsx("trends", "T", chapter, moment=MOMENT)
    assert to_xlsx("trends", "T", chapter, moment=MOMENT) == first
    later = datetime(2024, 1, 1, tzinfo=UTC)
    assert to_xlsx("trends", "T", chapter, moment=later) != first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert b"2023-11-14T22:13:20Z" in z.read("docProps/core.xml")


def test_normalise_zip_sets_every_entry_time():
    def office(when: tuple[int, ...]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(zipfile.ZipInfo("a.xml", date_time=when), b"<a/>")
            z.writestr(zipfile.ZipInfo("docProps/core.xml", date_time=when),
                       b'<cp><dcterms:created xsi:type="dcterms:W3CDTF">2030-01-01T00:00:00Z'
                       b"</dcterms:created></cp>")
        return buf.getvalue()

    one = normalise_zip(office((2031, 5, 5, 5, 5, 6)), MOMENT)
    assert one == normalise_zip(office((1999, 1, 1, 0, 0, 0)), MOMENT)
    with zipfile.ZipFile(io.BytesIO(one)) as z:
        assert z.namelist() == ["a.xml", "docProps/core.xml"]
        assert b">2023-11-14T22:13:20Z<" in z.read("docProps/core.xml")


def test_suppressed_survey_cells_are_not_in_the_figure_data():
    from analysis.survey.figures import pointrange_figure

    table = pd.DataFrame({"country": ["PAK", "AFG"], "estimate": [0.4, 0.9],
                          "ci_low": [0.3, 0.8], "ci_high": [0.5, 0.95],
                          "suppressed": [False, True]})
    fig = pointrange_figure(table, label_cols=["country"])
    drawn, labels = getattr(fig, display.DATA_ATTRIBUTE)
    data = display.data_payload(drawn, labels=labels)
    assert data["rows"][0][:4] == ["PAK", 0.4, 0.3, 0.5]
    assert data["rows"][1][:4] == ["AFG", None, None, None]


def test_html_links_each_figure_and_table_with_data_to_its_csv(chapter, monkeypatch):
    from bs4 import BeautifulSoup

    from analysis.export.html import to_html

    published = _capture(monkeypatch)
    display.table(pd.DataFrame({"a": [1]}), caption="A", source="S")
    nb = nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{
        "cell_type": "code", "source": "", "metadata": {}, "execution_count": 1, "id": "c1",
        "outputs": [{"output_type": "display_data", "data": d, "metadata": m}
                    for d, m in published]}]})
    common = {"chapter": "ch", "title": "T", "parameters": {}, "data": {}, "version": "0",
              "date": "2023-11-14"}
    linked = BeautifulSoup(to_html(nb, **common, data_links=True)[0], "html.parser")
    assert [a["href"] for a in linked.select("figure.mr-table p.mr-data a")] == \
        ["ch_data/table-1.csv"]
    plain = BeautifulSoup(to_html(nb, **common)[0], "html.parser")
    assert plain.select("p.mr-data") == []
