"""What a chapter notebook shows, with the metadata the HTML and Markdown export needs.

Notebooks call these helpers instead of ``plt.show()`` or ``display(df)``:

- :func:`title` sets a chapter title that depends on the data (shown instead of the registry's);
- :func:`prose` shows narrative Markdown built from variables (no number typed by hand);
- :func:`figure` shows a Matplotlib figure as a PNG with a caption, a source line and alt text,
  and the numbers it draws (``data=``, or attached by a plotting function with
  :func:`attach_data`) for the figure's CSV;
- :func:`table` shows a DataFrame with a caption and a source line;
- :func:`record` records a key figure (name, value, unit, source, vintage) and returns the value;
- :func:`key_messages` shows the chapter's key messages (built by the subject packages from
  the key figures); the export moves them to the top of the draft, whichever cell shows them.

Every text shown (prose, captions, alt text, table cells) follows the number rules of
:mod:`analysis.export.numbers` (minus sign, ``%`` spacing, en dash in year ranges), and table
headers come from the vocabulary of :mod:`analysis.export.labels`. ``ref=`` names a figure or
table so that a key message can link to it.

Each output carries a ``migration_report`` entry in its metadata; the export template numbers
figures and tables from it and prints captions and sources as escaped text. Key figures are
emitted as a JSON output of their own MIME type, which the pipeline collects into
``CHAPTER.key_figures.json`` and the HTML export does not show.
"""

from __future__ import annotations

import base64
import html
import io
import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

from analysis.export import numbers as nf
from analysis.export.labels import column_label

__all__ = ["column_label", "figure", "key_messages", "prose", "record", "table", "title"]

KEY_FIGURE_MIME = "application/vnd.migration-report.key-figure+json"
TABLE_MIME = "application/vnd.migration-report.table+json"
#: The numbers behind a figure or table (columns and rows of JSON values), written out by the
#: export as ``CHAPTER_data/figure-N.csv`` and a sheet of ``CHAPTER.xlsx``.
DATA_MIME = "application/vnd.migration-report.data+json"
META_KEY = "migration_report"


def _publish(data: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
    from IPython.display import publish_display_data

    publish_display_data(data=data, metadata=metadata or {})


def title(text: str) -> None:
    """Set the chapter's title from the notebook, replacing the registry's title in the draft.

    For a title that depends on the data, e.g. "… (synthetic data)" when the survey chapter
    runs on the synthetic survey. The output itself is not shown in the draft.

    Parameters
    ----------
    text : str
        The title, as plain text (escaped by the export).
    """
    if not text.strip():
        raise ValueError("a chapter title cannot be empty")
    _publish({"text/plain": text}, {META_KEY: {"kind": "title", "title": text}})


def prose(text: str) -> None:
    """Show a paragraph of Markdown narrative.

    Parameters
    ----------
    text : str
        Markdown. Interpolate values from variables (``f"{total:,}"``); data-derived text is
        sanitised by the HTML export, so markup in it is shown as text, not run.
    """
    text = nf.readable(text)
    _publish({"text/markdown": text, "text/plain": text}, {META_KEY: {"kind": "prose"}})


def data_payload(df: pd.DataFrame, *, index: bool = False,
                 labels: dict[str, str] | None = None) -> dict[str, Any]:
    """The numbers of ``df`` as the JSON the export writes to CSV and XLSX.

    Values are kept as computed (full precision, ``None`` for missing); headers are the
    reader's labels (:func:`column_label`, units in brackets) unless ``labels`` names them.

    Examples
    --------
    >>> data_payload(pd.DataFrame({"change_pct": [1.5, float("nan")]}))
    {'columns': ['% change'], 'rows': [[1.5], [None]]}
    """
    shown = df.reset_index() if index else df
    labels = labels or {}
    columns = [labels.get(str(c), column_label(str(c))) for c in shown.columns]
    rows = [[_data_value(v) for v in rec] for rec in shown.itertuples(index=False, name=None)]
    return {"columns": columns, "rows": rows}


def _data_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    value = _jsonable(value)
    if isinstance(value, str):  # text as the reader sees it (minus sign, % spacing)
        return nf.readable(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


#: Attribute of a Matplotlib figure holding the numbers it draws (see :func:`attach_data`).
DATA_ATTRIBUTE = "migration_report_data"


def attach_data(fig: Any, data: pd.DataFrame, labels: dict[str, str] | None = None) -> Any:
    """Attach to ``fig`` the numbers it draws; :func:`figure` offers them as the figure's data.

    For plotting functions of the library: the function that draws knows what it drew, so
    the notebook does not have to pass it again.

    Returns
    -------
    The figure, for ``return attach_data(fig, df)``.
    """
    setattr(fig, DATA_ATTRIBUTE, (data, labels))
    return fig


def figure(fig: Any, *, caption: str, source: str, alt: str, dpi: int = 110,
           data: pd.DataFrame | None = None, data_labels: dict[str, str] | None = None,
           ref: str | None = None) -> None:
    """Show a Matplotlib figure as a numbered figure with caption, source line and alt text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is closed after rendering.
    caption : str
        One sentence saying what the figure shows.
    source : str
        Dataset and vintage, e.g. ``"Frontex, monthly detections (data as of 3 Jun 2025)"``.
    alt : str
        Alternative text describing the figure for screen readers.
    dpi : int, default 110
        Resolution of the PNG.
    data : DataFrame, optional
        The numbers drawn, offered under the figure as a CSV and in the chapter's workbook
        (default: what a library plotting function attached with :func:`attach_data`).
    data_labels : dict, optional
        Column headers for ``data`` (default: :func:`column_label` of each name).
    ref : str, optional
        A name for the figure that key messages link to (:func:`key_messages`).
    """
    import matplotlib.pyplot as plt

    if not alt.strip():
        raise ValueError("a figure needs non-empty alt text")
    if data is None and getattr(fig, DATA_ATTRIBUTE, None) is not None:
        data, attached_labels = getattr(fig, DATA_ATTRIBUTE)
        data_labels = data_labels or attached_labels
    buf = io.BytesIO()
    # No "Software"/date metadata, so the bytes depend only on the figure.
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    caption, alt = nf.readable(caption), nf.readable(alt)
    meta = {"kind": "figure", "caption": caption, "source": source, "alt": alt}
    if ref:
        meta["ref"] = ref
    bundle: dict[str, Any] = {"image/png": png, "text/plain": f"Figure: {caption}"}
    if data is not None:
        bundle[DATA_MIME] = data_payload(data, labels=data_labels)
    _publish(bundle, {META_KEY: meta})
    _caption(caption, source)


def _caption(caption: str, source: str) -> None:
    """Show a figure's caption and source under it in JupyterLab (the exports skip this)."""
    _publish({"text/html": f"<p><small><b>Figure.</b> {html.escape(caption)}<br>"
                           f"Source: {html.escape(source)}</small></p>",
              "text/plain": f"Figure. {caption}\nSource: {source}"},
             {META_KEY: {"kind": "caption"}})


def _format_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return nf.number(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        if abs(v) >= 1000:
            return nf.number(v, 0)
        return nf.number(v, 2) if abs(v) >= 1 else nf.number(v, 3)
    return str(value)


#: Formats by kind, usable as values of ``formats=`` in :func:`table`.
KINDS: dict[str, Any] = {
    "money": nf.money, "count": nf.count, "pct": nf.pct, "pct_change": nf.pct_change,
    "share": nf.share, "pvalue": nf.pvalue, "pp": nf.pp, "number": nf.number,
}


def _apply_format(fmt: Any, value: Any) -> str:
    if callable(fmt):
        return str(fmt(value))
    if fmt in KINDS:
        return str(KINDS[fmt](value))
    return str(fmt).format(value)


def _is_code_column(values: pd.Series) -> bool:
    from analysis.countries import country_name

    texts = [v for v in values if isinstance(v, str) and v]
    return bool(texts) and all(len(v) == 3 and v.isupper() and country_name(v) != v
                               for v in texts)


def readable_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Country codes written as names, and a column that repeats another left out.

    A table shows a country's name or its code, not both: a column of ISO-3 codes becomes
    names, and a column equal to one before it (e.g. the code beside the name) is dropped.
    """
    from analysis.countries import country_name

    out = df.copy()
    converted = []
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and _is_code_column(out[col]):
            out[col] = out[col].map(lambda v: country_name(v) if isinstance(v, str) else v)
            converted.append(col)
    drop = {other for col in converted for other in out.columns
            if other != col and other not in converted
            and out[other].astype(str).equals(out[col].astype(str))}
    return out[[c for c in out.columns if c not in drop]]


def table(
    df: pd.DataFrame,
    *,
    caption: str,
    source: str,
    index: bool = False,
    formats: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
    ref: str | None = None,
) -> None:
    """Show a DataFrame as a numbered table with caption and source line.

    Values are formatted to strings here (thousands separators, sensible decimals, ``–`` for
    missing, the minus sign) so that the HTML and Markdown exports agree; every cell is
    escaped by the export. Country codes are written as names (:func:`readable_frame`).
    The unformatted values go with them (:func:`data_payload`) for the table's CSV and sheet.

    Parameters
    ----------
    df : DataFrame
        The table to show.
    caption : str
        What the table shows.
    source : str
        Dataset and vintage.
    index : bool, default False
        Whether to show the index as the first column(s).
    formats : dict, optional
        Per column: a format string (``"{:.1f}"``), a kind of :data:`KINDS` (``"money"``,
        ``"share"``, ``"pct_change"``, ``"pvalue"`` …) or a function, overriding the default.
    labels : dict, optional
        Column headers for readers; columns not named get :func:`column_label` of their name.
    ref : str, optional
        A name for the table that key messages link to (:func:`key_messages`).
    """
    shown = readable_frame(df.reset_index() if index else df)
    formats = formats or {}
    columns = [str(c) for c in shown.columns]
    labels = labels or {}
    rows = []
    for rec in shown.itertuples(index=False, name=None):
        cells = []
        for col, val in zip(columns, rec, strict=True):
            if col in formats and not (isinstance(val, float) and math.isnan(val)):
                cells.append(nf.readable(_apply_format(formats[col], val)))
            else:
                cells.append(nf.readable(_format_cell(val)))
        rows.append(cells)
    columns = [labels.get(c, column_label(c)) for c in columns]
    payload = {"columns": columns, "rows": rows}
    caption = nf.readable(caption)
    meta = {"kind": "table", "caption": caption, "source": source}
    if ref:
        meta["ref"] = ref
    text = pd.DataFrame(rows, columns=columns).to_string(index=False)
    # For JupyterLab: an escaped HTML rendering. The export uses the JSON payload instead.
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>" for r in rows
    )
    rendered = (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table><p><small>Source: {html.escape(source)}</small></p>"
    )
    _publish(
        {TABLE_MIME: payload, DATA_MIME: data_payload(shown, labels=labels),
         "text/html": rendered, "text/plain": text},
        {META_KEY: meta},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def record(
    name: str,
    value: Any,
    *,
    unit: str,
    source: str,
    vintage: str,
    **extra: Any,
) -> Any:
    """Record a headline number of the chapter and return it unchanged.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"detections_total"``; unique within a chapter.
    value : int, float, str or bool
        The number (or code, e.g. an ISO-3 country) as computed.
    unit : str
        ``"persons"``, ``"US$"``, ``"percent"``, ``"ISO-3"`` …
    source : str
        Dataset the number comes from.
    vintage : str
        The dataset's vintage or release.
    **extra
        Further fields, e.g. ``ci_low`` and ``ci_high`` for an interval.

    Returns
    -------
    The ``value`` given, so prose can use what was recorded: ``total = record("x", total, …)``.
    """
    if not name.isidentifier():
        raise ValueError(f"key figure name {name!r} must be an identifier")
    entry = {"name": name, "value": _jsonable(value), "unit": unit, "source": source,
             "vintage": vintage}
    entry.update({k: _jsonable(v) for k, v in sorted(extra.items())})
    text, rendered = _key_figure_views(entry)
    _publish({KEY_FIGURE_MIME: entry, "text/html": rendered, "text/plain": text},
             {META_KEY: {"kind": "key_figure"}})
    return value


def _key_figure_views(entry: dict[str, Any]) -> tuple[str, str]:
    """How a key figure reads in JupyterLab: one line of text and a small HTML table.

    >>> text, _ = _key_figure_views({"name": "total", "value": 476615, "unit": "persons",
    ...                              "source": "Eurostat", "vintage": "2024", "year": 2020})
    >>> print(text)
    Key figure total: 476,615 persons (year 2020; Eurostat, 2024)
    """
    extra = {k: v for k, v in entry.items()
             if k not in ("name", "value", "unit", "source", "vintage")}
    value = f"{_format_cell(entry['value'])} {entry['unit']}".strip()
    shown = {k: str(v) if k.endswith("year") else _format_cell(v) for k, v in extra.items()}
    details = "; ".join(f"{k} {v}" for k, v in shown.items())
    text = (f"Key figure {entry['name']}: {value} ("
            f"{details + '; ' if details else ''}{entry['source']}, {entry['vintage']})")
    rows = [("Key figure", entry["name"]), ("Value", value),
            *shown.items(),
            ("Source", f"{entry['source']} ({entry['vintage']})")]
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                   f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
                   for k, v in rows)
    return text, f"<table>{body}</table>"


def key_messages(messages: Any) -> None:
    """Show the chapter's key messages; the export puts them first, under "Key messages".

    Parameters
    ----------
    messages : sequence of analysis.export.messages.KeyMessage
        Three to five messages, each with its numbers and the figure or table showing it
        (built by a subject package from the chapter's key figures, never typed by hand).
    """
    items = [m.to_dict() for m in messages]
    if not 1 <= len(items) <= 5:
        raise ValueError(f"a chapter has one to five key messages, not {len(items)}")
    text = "\n".join(f"- {m['text']}" for m in items)
    _publish({"text/markdown": text, "text/plain": text},
             {META_KEY: {"kind": "key_messages", "messages": items}})
