"""The numbers behind every figure and table: a CSV beside the draft and one workbook.

A figure shown with ``analysis.export.display.figure(..., data=df)`` and every table shown with
``analysis.export.display.table`` carry their numbers in the notebook (see
:data:`~analysis.export.display.DATA_MIME`). The export writes them as

- ``CHAPTER_data/figure-N.csv`` and ``CHAPTER_data/table-N.csv``: UTF-8, comma separated,
  lines starting with ``#`` first (what it is, the caption, the source and vintage, the
  chapter), then one header row of readable names with units, then the values as computed
  (full precision; empty for missing). Survey tables hold exactly the cells the draft shows,
  so a suppressed cell is suppressed here too;
- ``CHAPTER.xlsx``: a ``Contents`` sheet listing every figure and table with its caption,
  source and CSV file, and the chapter's data vintages; then one sheet per figure and table.

Both are deterministic: the workbook's dates and its zip entries' times are the build's.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from analysis.export.markdown import Block

DATA_FOLDER = "{chapter}_data"


def data_file(chapter: str, block: Block) -> str:
    """Relative path of a block's CSV: ``CHAPTER_data/figure-N.csv`` or ``…/table-N.csv``.

    Examples
    --------
    >>> data_file("trends", Block("table", 0, number=2))
    'trends_data/table-2.csv'
    """
    return f"{DATA_FOLDER.format(chapter=chapter)}/{block.kind}-{block.number}.csv"


def with_data(blocks: Sequence[Block]) -> list[Block]:
    """The figures and tables that carry their numbers, in order."""
    return [b for b in blocks if b.kind in ("figure", "table") and b.data
            and b.data.get("columns")]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _label(block: Block) -> str:
    return f"{block.kind.capitalize()} {block.number}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(block: Block, *, chapter: str, title: str) -> bytes:
    """The CSV of one figure or table (see the module docstring for the layout).

    Examples
    --------
    >>> b = Block("table", 0, number=1, caption="Stocks", source="UN DESA (2020)",
    ...           data={"columns": ["Country", "Migrants (persons)"], "rows": [["PAK", 5]]})
    >>> print(to_csv(b, chapter="c", title="T").decode())
    # Table 1. Stocks
    # Source: UN DESA (2020)
    # Chapter: T (c)
    Country,Migrants (persons)
    PAK,5
    <BLANKLINE>
    """
    assert block.data is not None
    buf = io.StringIO()
    buf.write(f"# {_label(block)}. {_one_line(block.caption)}\n")
    buf.write(f"# Source: {_one_line(block.source) or 'not stated'}\n")
    buf.write(f"# Chapter: {_one_line(title)} ({chapter})\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([str(c) for c in block.data["columns"]])
    for row in block.data.get("rows", []):
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue().encode("utf-8")


def csv_files(chapter: str, title: str, blocks: Sequence[Block]) -> dict[str, bytes]:
    """Every CSV of a chapter: relative path -> bytes."""
    return {data_file(chapter, b): to_csv(b, chapter=chapter, title=title)
            for b in with_data(blocks)}


_CORE_DATES = re.compile(
    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def normalise_zip(data: bytes, moment: datetime) -> bytes:
    """An Office file (zip) rewritten with every entry dated ``moment``, and its core dates.

    Entries keep their order and compression; ``docProps/core.xml``'s created and modified
    dates become ``moment``. The result depends only on the content and ``moment``.
    """
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = (max(moment.year, 1980), moment.month, moment.day, moment.hour,
                 moment.minute, moment.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(3), content)
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def _put(ws: Any, row: int, column: int, value: Any) -> None:
    """Write one value; text stays text (never a formula), minus characters XML forbids."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        cell = ws.cell(row=row, column=column, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
    else:
        ws.cell(row=row, column=column, value=value)


def _sheet_title(block: Block) -> str:
    return _label(block)  # "Figure 3", "Table 12": short, unique, valid sheet names


def to_xlsx(chapter: str, title: str, blocks: Sequence[Block], *, moment: datetime,
            vintages: Sequence[Mapping[str, str]] = (), csv_links: bool = True) -> bytes:
    """The chapter's workbook: a contents sheet, then one sheet per figure and table.

    Parameters
    ----------
    chapter, title : str
        Chapter id and title.
    blocks : sequence of Block
        The chapter's blocks (:func:`analysis.export.markdown.chapter_blocks`).
    moment : datetime
        The build time (UTC): the workbook's created and modified dates.
    vintages : sequence of mapping
        The chapter's data vintages (``table``, ``producer``, ``dataset``, ``vintage``,
        ``licence``), listed on the contents sheet.
    csv_links : bool
        Name each item's CSV file on the contents sheet.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    contents.append([title])
    contents["A1"].font = Font(bold=True, size=14)
    contents.append([f"Chapter {chapter}: the numbers behind every figure and table, one "
                     "sheet each. Values are as computed (not rounded); empty cells are "
                     "missing or suppressed."])
    contents.append([])
    header = ["Sheet", "Caption", "Source", *(["CSV file"] if csv_links else [])]
    contents.append(header)
    for cell in contents[contents.max_row]:
        cell.font = bold
    items = with_data(blocks)
    for block in items:
        name = _sheet_title(block)
        contents.append([name, _one_line(block.caption), _one_line(block.source),
                         *([data_file(chapter, block)] if csv_links else [])])
        link = contents.cell(row=contents.max_row, column=1)
        link.hyperlink = f"#'{name}'!A1"
        link.style = "Hyperlink"
    if vintages:
        contents.append([])
        contents.append(["Data", "Producer", "Dataset", "Vintage", "Licence"])
        for cell in contents[contents.max_row]:
            cell.font = bold
        for v in vintages:
            contents.append([v.get("table", ""), v.get("producer", ""), v.get("dataset", ""),
                             v.get("vintage", ""), v.get("licence", "")])
    for column, width in zip("ABCDE", (12, 70, 50, 32, 16), strict=True):
        contents.column_dimensions[column].width = width
    for block in items:
        assert block.data is not None
        ws = wb.create_sheet(_sheet_title(block))
        ws.append([str(c) for c in block.data["columns"]])
        for cell in ws[1]:
            cell.font = bold
        for r, row in enumerate(block.data.get("rows", []), start=2):
            for c, value in enumerate(row, start=1):
                _put(ws, r, c, value)
        ws.freeze_panes = "A2"
        for i, column in enumerate(block.data["columns"], start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = \
                max(10, min(40, len(str(column)) + 2))
    naive = moment.replace(tzinfo=None)
    wb.properties.creator = "migration-report"
    wb.properties.title = title
    wb.properties.created = naive
    wb.properties.modified = naive
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_zip(buf.getvalue(), moment)
