"""The chapter as a sequence of blocks, and its Markdown export for editors.

:func:`chapter_blocks` reads an executed notebook the way the report sees it, and is shared
by the HTML export (:mod:`analysis.export.html`) so both number figures and tables alike:

- the ``parameters`` and papermill's ``injected-parameters`` cells are left out, and so is
  every cell tagged ``remove-cell``;
- markdown cells are kept; the leading ``# Title`` of the first markdown cell is dropped
  (the registry title replaces it) and headings are shifted so that the chapter's top level
  is level 2 (the registry title is the only level-1 heading);
- outputs carrying ``migration_report`` metadata (:mod:`analysis.export.display`) become
  prose, numbered figures and numbered tables; key figures, streams (``print``, warnings),
  errors and plain-text results (``Text(0.5, 1, ...)``) are not part of the report;
- the key messages (:func:`analysis.export.display.key_messages`) become the first block,
  a section headed "Key messages" whose items link to the figures and tables they cite;
- level-2 headings are numbered 1, 2, … in order (a number typed in the notebook is
  replaced), except "Key messages" and "Data and methods";
- exploratory output (an image, HTML such as a bare DataFrame, or plain text shown without
  the display helpers) is left out; :func:`exploratory_outputs` lists it so that the build
  warns, naming the notebook cell.

:func:`to_markdown` writes headings, prose, pipe tables with captions and figures as numbered
captions with a side-car PNG (``CHAPTER_files/figure-N.png``). Text from data is escaped, and
raw HTML in prose is neutralised, so a pasted draft never carries markup it did not mean to.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from analysis.export.display import DATA_MIME, KEY_FIGURE_MIME, META_KEY, TABLE_MIME

SKIP_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^(\s{0,3})(#{1,6})(?=\s|$)")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_NUMERIC = re.compile(r"^[<>]?\s?[-+−–]?(US\$|[$€£])?\s?[\d.,]+\s?(%|[kKmMbB]n?|pp|million)?$"
                      r"|^[–-]$")


@dataclass
class Block:
    """One piece of a chapter.

    Attributes
    ----------
    kind : str
        ``"markdown"`` (a markdown cell or prose), ``"figure"``, ``"table"`` or ``"html"``.
    cell : int
        Index of the notebook cell it comes from.
    text : str
        Markdown source (``markdown``), or HTML (``html``), or plain text alternative.
    number : int
        Figure or table number (from 1, in order).
    caption, source, alt : str
        From the output's ``migration_report`` metadata.
    image : str
        Base64 image data of a figure.
    mime : str
        MIME type of ``image``.
    columns, rows : list
        Header and (already formatted) cells of a table.
    numeric : list of bool
        Per table column: whether every cell looks like a number (right-aligned).
    labelled : bool
        ``False`` for an image shown without :func:`analysis.export.display.figure`.
    data : dict, optional
        The numbers behind a figure or table (``columns``, ``rows``), if the notebook gave them.
    ref : str
        The name key messages use for a figure or table (``ref=`` of the display helpers).
    messages : list of dict
        The key messages of a ``key_messages`` block.
    """

    kind: str
    cell: int
    text: str = ""
    number: int = 0
    caption: str = ""
    source: str = ""
    alt: str = ""
    image: str = ""
    mime: str = "image/png"
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    labelled: bool = True
    data: dict[str, Any] | None = None
    ref: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The block as a plain dict (for templates)."""
        return asdict(self)


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _drop_title(text: str) -> str:
    """Remove a level-1 heading on the first non-blank line (the notebook's own title)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            if re.match(r"^\s{0,3}#(\s|$)", line):
                del lines[i]
                while i < len(lines) and not lines[i].strip():
                    del lines[i]
            break
    return "\n".join(lines)


def _map_headings(text: str, func: Any) -> str:
    """Apply ``func(level) -> level`` to every ATX heading outside code fences."""
    out, fence = [], None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)[0]
            fence = None if fence == marker else (fence or marker)
        elif fence is None:
            line = _ATX.sub(lambda h: h.group(1) + func(len(h.group(2))) * "#", line)
        out.append(line)
    return "\n".join(out)


def heading_levels(text: str) -> list[int]:
    """Levels of the ATX headings of ``text`` outside code fences."""
    found: list[int] = []
    _map_headings(text, lambda level: found.append(level) or level)
    return found


def shift_headings(text: str, shift: int = 1, *, drop_title: bool = False) -> str:
    """Move ATX headings by ``shift`` levels (kept within 2..6) outside code fences.

    Parameters
    ----------
    text : str
        Markdown.
    shift : int, default 1
        Levels to add (``#`` -> ``##`` for 1).
    drop_title : bool
        First remove a level-1 heading on the first non-blank line.

    Examples
    --------
    >>> shift_headings("# T\\nintro\\n## A", drop_title=True)
    'intro\\n### A'
    """
    if drop_title:
        text = _drop_title(text)
    return _map_headings(text, lambda level: min(max(level + shift, 2), 6))


def neutralise_html(text: str) -> str:
    """Turn raw HTML tags in Markdown into text (``<b>`` -> ``&lt;b>``), outside code.

    Markdown formatting still works; code spans and fenced blocks are left alone (Markdown
    shows them literally anyway).

    Examples
    --------
    >>> neutralise_html("a <script>x</script> `<b>`")
    'a &lt;script>x&lt;/script> `<b>`'
    """
    out, fence = [], None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)[0]
            fence = None if fence == marker else (fence or marker)
            out.append(line)
            continue
        if fence is not None:
            out.append(line)
            continue
        parts = re.split(r"(`+[^`]*?`+)", line)
        out.append("".join(p if p.startswith("`") else _TAG_START.sub("&lt;", p)
                           for p in parts))
    return "\n".join(out)


def _numeric_columns(columns: list[str], rows: list[list[str]]) -> list[bool]:
    flags = []
    for j in range(len(columns)):
        cells = [r[j].strip() for r in rows if j < len(r) and r[j].strip()]
        flags.append(bool(cells) and all(_NUMERIC.match(c) for c in cells)
                     and not all(c in "–-" for c in cells))
    return flags


def _output_block(index: int, output: Mapping[str, Any]) -> Block | None:
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None
    data = output.get("data", {})
    meta = output.get("metadata", {}).get(META_KEY, {}) or {}
    kind = meta.get("kind")
    if KEY_FIGURE_MIME in data or kind in ("key_figure", "title", "caption"):
        return None
    if kind == "key_messages":
        return Block("key_messages", index, messages=list(meta.get("messages", [])))
    if kind == "table" or TABLE_MIME in data:
        payload = data.get(TABLE_MIME)
        if payload is not None:
            columns = [str(c) for c in payload.get("columns", [])]
            rows = [[str(v) for v in row] for row in payload.get("rows", [])]
            return Block("table", index, caption=str(meta.get("caption", "")),
                         source=str(meta.get("source", "")), columns=columns, rows=rows,
                         numeric=_numeric_columns(columns, rows),
                         text=_text(data.get("text/plain", "")), ref=str(meta.get("ref", "")),
                         data=data.get(DATA_MIME))
    if kind == "figure":
        for mime in ("image/png", "image/jpeg"):
            if mime in data:
                return Block("figure", index, caption=str(meta.get("caption", "")),
                             source=str(meta.get("source", "")), alt=str(meta.get("alt", "")),
                             image="".join(_text(data[mime]).split()), mime=mime,
                             ref=str(meta.get("ref", "")), data=data.get(DATA_MIME))
    if kind == "prose" and "text/markdown" in data:
        return Block("markdown", index, text=_text(data["text/markdown"]))
    return None


def _exploratory(output: Mapping[str, Any]) -> str | None:
    """What an output shown without the display helpers is (``None`` for a report output)."""
    kind = output.get("output_type")
    if kind == "stream":
        return "printed text"
    if kind not in ("display_data", "execute_result"):
        return None
    data = output.get("data", {})
    meta = output.get("metadata", {}).get(META_KEY, {}) or {}
    if meta.get("kind") or KEY_FIGURE_MIME in data or TABLE_MIME in data:
        return None
    if "image/png" in data or "image/jpeg" in data:
        return "a figure"
    if "text/html" in data:
        return "an HTML output (a bare DataFrame?)"
    if "text/markdown" in data:
        return "a Markdown output"
    if kind == "execute_result":
        text = _text(data.get("text/plain", ""))
        # matplotlib's return values (Text(...), [<matplotlib...>]) are not meant for readers
        if text.startswith(("Text(", "[<matplotlib", "<matplotlib", "<Axes")):
            return None
        return "a bare value"
    return None


def exploratory_outputs(nb: Mapping[str, Any]) -> list[str]:
    """Outputs a draft leaves out because they were not shown with the display helpers.

    One message per output, naming the cell (its number, from 1, and first line); warnings
    and errors written to stderr are not listed.
    """
    found = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & SKIP_TAGS:
            continue
        first = next((ln.strip() for ln in _source(cell).splitlines() if ln.strip()), "")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            what = _exploratory(output)
            if what:
                found.append(f"cell {index + 1} ({first[:60]}): {what} shown without "
                             "analysis.export.display was left out of the draft")
    return found


def notebook_title(nb: Mapping[str, Any]) -> str | None:
    """The title a notebook set with :func:`analysis.export.display.title` (the last one), if any.
    """
    found = None
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            meta = output.get("metadata", {}).get(META_KEY, {}) or {}
            if meta.get("kind") == "title" and str(meta.get("title", "")).strip():
                found = str(meta["title"]).strip()
    return found


def chapter_blocks(nb: Mapping[str, Any]) -> list[Block]:
    """The blocks of a chapter, in order, with figures and tables numbered (see module)."""
    blocks: list[Block] = []
    first_markdown = True
    for index, cell in enumerate(nb.get("cells", [])):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & SKIP_TAGS:
            continue
        if cell.get("cell_type") == "markdown":
            text = _drop_title(_source(cell)) if first_markdown else _source(cell)
            first_markdown = False
            if text.strip():
                blocks.append(Block("markdown", index, text=text))
        elif cell.get("cell_type") == "code":
            for output in cell.get("outputs", []):
                block = _output_block(index, output)
                if block is not None:
                    blocks.append(block)
    # The chapter's top heading level becomes level 2 (the title is the only level 1).
    levels = [lv for b in blocks if b.kind == "markdown" for lv in heading_levels(b.text)]
    shift = 2 - min(levels, default=2)
    for block in blocks:
        if block.kind == "markdown":
            block.text = shift_headings(block.text, shift)
    _number_sections(blocks)
    counters = {"figure": 0, "table": 0}
    for block in blocks:
        if block.kind in counters:
            counters[block.kind] += 1
            block.number = counters[block.kind]
    return _key_messages_first(blocks)


#: Level-2 headings that are not numbered.
UNNUMBERED = frozenset({"Key messages", "Data and methods"})
_H2 = re.compile(r"^(\s{0,3}##\s+)(?:\d+\.\s+)?(.*)$")


def _number_sections(blocks: list[Block]) -> None:
    """Number the level-2 headings 1, 2, … (outside code fences)."""
    n = 0
    for block in blocks:
        if block.kind != "markdown":
            continue
        out, fence = [], None
        for line in block.text.split("\n"):
            m = _FENCE.match(line)
            if m:
                marker = m.group(1)[0]
                fence = None if fence == marker else (fence or marker)
            elif fence is None and (h := _H2.match(line)) and not line.lstrip().startswith("###"):
                title = h.group(2).strip()
                if title not in UNNUMBERED:
                    n += 1
                    line = f"{h.group(1)}{n}. {title}"
                else:
                    line = f"{h.group(1)}{title}"
            out.append(line)
        block.text = "\n".join(out)


def _key_messages_first(blocks: list[Block]) -> list[Block]:
    """The last key-messages block, as Markdown with links, moved to the front."""
    found = [b for b in blocks if b.kind == "key_messages"]
    rest = [b for b in blocks if b.kind != "key_messages"]
    if not found:
        return rest
    refs = {b.ref: (b.kind, b.number) for b in rest if b.ref}
    lines = ["## Key messages", ""]
    for m in found[-1].messages:
        kind, number = refs.get(str(m.get("ref") or ""), (None, 0))
        link = (f" ([{kind.capitalize()} {number}](#{kind}-{number}))" if kind else "")
        lines.append(f"- {escape_inline(str(m.get('text', '')))}{link}")
    first = rest[0].cell if rest else found[-1].cell
    return [Block("markdown", first, text="\n".join(lines)), *rest]


def escape_inline(text: str) -> str:
    """Escape data-derived text for one line of Markdown (a caption, a table cell).

    Examples
    --------
    >>> print(escape_inline("<b>a|b</b> *x*"))
    \\<b\\>a\\|b\\</b\\> \\*x\\*
    """
    text = re.sub(r"[ \t\r\n]+", " ", str(text)).strip()  # keeps no-break spaces
    text = re.sub(r"([\\`*\[\]<>|#])", r"\\\1", text)
    return re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)


def _table(block: Block) -> str:
    head = "| " + " | ".join(escape_inline(c) or " " for c in block.columns) + " |"
    rule = "| " + " | ".join("---:" if n else "---" for n in block.numeric) + " |"
    body = ["| " + " | ".join(escape_inline(v) for v in row) + " |" for row in block.rows]
    return "\n".join([head, rule, *body])


def figure_file(chapter: str, number: int, mime: str) -> str:
    """Relative path of a figure's side-car image: ``CHAPTER_files/figure-N.png``."""
    ext = "jpg" if mime == "image/jpeg" else "png"
    return f"{chapter}_files/figure-{number}.{ext}"


@dataclass
class MarkdownExport:
    """A chapter's Markdown text and its side-car files (relative path -> bytes)."""

    text: str
    files: dict[str, bytes]


def to_markdown(nb: Mapping[str, Any], *, chapter: str, title: str,
                parameters: Mapping[str, Any], data: Mapping[str, str], version: str,
                date: str) -> MarkdownExport:
    """The chapter as Markdown for editors (deterministic for equal inputs).

    Parameters
    ----------
    nb : mapping
        The executed notebook.
    chapter, title : str
        Chapter id (names the side-car folder) and title.
    parameters : mapping
        Parameter values shown in the closing note (without ``data_dir``).
    data : mapping
        Data file -> SHA-256.
    version, date : str
        Project version and build date shown in the closing note.

    Returns
    -------
    MarkdownExport
    """
    title = notebook_title(nb) or title
    parts = [f"# {escape_inline(title)}"]
    files: dict[str, bytes] = {}
    for block in chapter_blocks(nb):
        if block.kind == "markdown":
            parts.append(neutralise_html(block.text.strip()))
        elif block.kind == "figure":
            name = figure_file(chapter, block.number, block.mime)
            files[name] = base64.b64decode(block.image)
            caption = escape_inline(block.caption) if block.caption else "(no caption)"
            alt = escape_inline(block.alt or f"Figure {block.number}")
            lines = [f"**Figure {block.number}.** {caption}", "", f"![{alt}]({name})"]
            if block.source:
                lines += ["", f"*Source: {escape_inline(block.source)}*"]
            parts.append("\n".join(lines))
        elif block.kind == "table":
            lines = [f"**Table {block.number}.** {escape_inline(block.caption)}", "",
                     _table(block)]
            if block.source:
                lines += ["", f"*Source: {escape_inline(block.source)}*"]
            parts.append("\n".join(lines))
        elif block.kind == "html" and block.alt.strip():
            parts.append("```text\n" + block.alt.strip().replace("```", "'''") + "\n```")
    from analysis.export.labels import parameter_label

    shown = "; ".join(f"{parameter_label(k)}: {v}" for k, v in parameters.items()
                      if k != "data_dir") or "none"
    note = [
        "---",
        "",
        f"*Chapter draft, built {date} with migration-report {version}.*",
        "",
        f"*Parameters:* {escape_inline(shown)}",
        "",
        "*Data (SHA-256):*",
        "",
        *[f"- {escape_inline(name)}: {sha}" for name, sha in data.items()],
    ]
    parts.append("\n".join(note))
    return MarkdownExport("\n\n".join(parts) + "\n", files)
