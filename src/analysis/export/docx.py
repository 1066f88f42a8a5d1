"""Word drafts for editors: the chapter converted by pandoc (``pypandoc-binary``).

Why pandoc: the prose of a chapter is Markdown (notebook cells and
:func:`analysis.export.display.prose`); pandoc turns it into real Word structure (Heading 1-6
styles, lists, emphasis, links) without a Markdown-to-Word converter of our own, and
``pypandoc-binary`` brings its own pandoc from PyPI, so a fresh machine needs nothing else.
python-docx would have meant re-implementing Markdown.

The document is written from the same blocks as the HTML and Markdown drafts
(:func:`analysis.export.markdown.chapter_blocks`):

- the chapter title in Word's Title style (pandoc's ``title`` metadata), headings as headings;
- each figure as a picture with its caption ("Figure N. …", alt text kept) and its source line;
- each table as a Word table with a header row, its caption ("Table N. …") and source line;
- no code and no raw HTML; a closing note with parameters and data checksums.

Pandoc stamps the file with ``SOURCE_DATE_EPOCH`` when set; :func:`to_docx` sets it from the
build time and :func:`~analysis.export.data.normalise_zip` fixes the zip entries, so the same
chapter built at the same time gives the same bytes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from analysis.export.data import data_file, normalise_zip
from analysis.export.markdown import Block, escape_inline, figure_file, neutralise_html

#: A pandoc Lua filter: a figure's picture gets its alt text (``fig-alt``) as its description
#: in Word; without it Word would read the caption out twice.
_ALT_FILTER = """
function Image(img)
  local alt = img.attributes["fig-alt"]
  if alt then
    img.caption = {pandoc.Str(alt)}
    img.attributes["fig-alt"] = nil
  end
  return img
end
"""


def _pipe_table(block: Block) -> list[str]:
    head = "| " + " | ".join(escape_inline(c) or " " for c in block.columns) + " |"
    rule = "|" + "|".join("--:" if n else ":--" for n in block.numeric) + "|"
    body = ["| " + " | ".join(escape_inline(v) or " " for v in row) + " |"
            for row in block.rows]
    return [head, rule, *body]


def docx_markdown(chapter: str, blocks: Sequence[Block], *, csv_links: bool,
                  parameters: Mapping[str, Any], data: Mapping[str, str], version: str,
                  date: str) -> str:
    """Pandoc Markdown of a chapter for Word (no title: it goes in the metadata)."""
    parts: list[str] = []
    for block in blocks:
        link = ""
        if csv_links and block.kind in ("figure", "table") and block.data:
            name = data_file(chapter, block)
            link = f"Data: [{name}]({name})"
        if block.kind == "markdown":
            parts.append(neutralise_html(block.text.strip()))
        elif block.kind == "figure":
            caption = escape_inline(block.caption) if block.caption else "(no caption)"
            alt = " ".join(block.alt.split()).replace('"', "'") or f"Figure {block.number}"
            parts.append(f"![**Figure {block.number}.** {caption}]"
                         f"({figure_file(chapter, block.number, block.mime)})"
                         f"{{fig-alt=\"{alt}\"}}")
        elif block.kind == "table":
            parts.append("\n".join([*_pipe_table(block), "",
                                    f"Table: **Table {block.number}.** "
                                    f"{escape_inline(block.caption)}"]))
        else:
            continue  # code output shown as HTML is not part of an editor's draft
        if block.kind in ("figure", "table"):
            source = escape_inline(block.source) if block.source else "not stated"
            parts.append(f"*Source: {source}*" + (f"  \n{link}" if link else ""))
    shown = ", ".join(f"{k} = {v}" for k, v in parameters.items()) or "none"
    parts.append("\n".join([
        "------------------------------------------------------------------------", "",
        f"*Chapter draft {escape_inline(chapter)}, built {date} with migration-report "
        f"{version}.*", "", f"*Parameters:* {escape_inline(shown)}", "",
        "*Data (SHA-256):*", "", *[f"- {escape_inline(n)} {sha}" for n, sha in data.items()],
    ]))
    return "\n\n".join(parts) + "\n"


def to_docx(chapter: str, title: str, blocks: Sequence[Block], *, moment: datetime,
            csv_links: bool, parameters: Mapping[str, Any], data: Mapping[str, str],
            version: str, date: str) -> bytes:
    """The chapter as a Word document (see the module docstring).

    Parameters
    ----------
    chapter, title : str
        Chapter id and title.
    blocks : sequence of Block
        :func:`analysis.export.markdown.chapter_blocks` of the executed notebook.
    moment : datetime
        Build time (UTC), used for the document's dates.
    csv_links : bool
        Name each figure's and table's CSV under it.
    parameters, data, version, date
        For the closing note, as in the other drafts.
    """
    import base64

    import pypandoc

    text = docx_markdown(chapter, blocks, csv_links=csv_links, parameters=parameters,
                         data=data, version=version, date=date)
    env_before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        with tempfile.TemporaryDirectory(prefix="mr-docx-") as tmp:
            folder = Path(tmp)
            for block in blocks:
                if block.kind == "figure":
                    path = folder / figure_file(chapter, block.number, block.mime)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(base64.b64decode(block.image))
            source = folder / f"{chapter}.md"
            source.write_text(text, encoding="utf-8")
            alt_filter = folder / "alt.lua"
            alt_filter.write_text(_ALT_FILTER, encoding="utf-8")
            target = folder / f"{chapter}.docx"
            pypandoc.convert_file(
                str(source), "docx", format="markdown-raw_html-raw_attribute-tex_math_dollars",
                outputfile=str(target),
                extra_args=[f"--resource-path={folder}", "--shift-heading-level-by=-1",
                            f"--lua-filter={alt_filter}",
                            "--metadata", f"title={title}",
                            "--metadata", "lang=en-GB"],
                cworkdir=str(folder),
            )
            raw = target.read_bytes()
    finally:
        if env_before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = env_before
    return normalise_zip(raw, moment)
