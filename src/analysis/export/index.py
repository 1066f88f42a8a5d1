"""The report index ``OUT/index.html``: every chapter with its links, parameters and data.

Rendered with Jinja (autoescaping on) from ``templates/index.html.j2`` and the chapter drafts'
stylesheet; self-contained like the drafts. Only :mod:`jinja2` is imported, so writing the
index costs milliseconds even when nothing else had to be done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass
class IndexEntry:
    """One chapter as the index shows it.

    Attributes
    ----------
    id, title : str
        Chapter id and title.
    status : str
        ``"ok"``, ``"failed"`` (the latest attempt failed; the previous draft, if any, is
        linked), ``"missing"`` (no notebook yet) or ``"not built"``.
    links : dict
        Label -> relative file name (``{"HTML draft": "trends.html", ...}``).
    parameters : dict
        Parameter values of the linked draft (or the current ones).
    built_at : str
        When the linked draft was built.
    vintages : list of dict
        ``{"table", "producer", "dataset", "vintage"}`` for the tables the chapter reads.
    message : str
        The failure, for a failed chapter.
    key_message : str
        The chapter's first key message.
    """

    id: str
    title: str
    status: str
    links: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    built_at: str = ""
    vintages: list[dict[str, str]] = field(default_factory=list)
    message: str = ""
    key_message: str = ""


def render_index(entries: Sequence[IndexEntry], *, built_at: str, version: str,
                 data_label: str, data: Mapping[str, str],
                 vintages: Sequence[Mapping[str, str]], report_pdf: str | None = None) -> str:
    """The HTML of the report index.

    Parameters
    ----------
    entries : sequence of IndexEntry
        The chapters, in report order.
    built_at : str
        Build time of the index (from ``SOURCE_DATE_EPOCH`` when set).
    version : str
        Project version.
    data_label : str
        Which data were used (e.g. ``"embedded snapshot (data/snapshot)"``).
    data : mapping
        Data file -> SHA-256.
    vintages : sequence of mapping
        Provenance of every table the chapters read.
    report_pdf : str, optional
        The whole report as one PDF (relative name), linked at the top.
    """
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                      keep_trailing_newline=True)
    from analysis.export.labels import parameter_label, table_label, value_label

    env.filters["parameter_label"] = parameter_label
    env.filters["value_label"] = value_label
    env.filters["table_label"] = table_label
    template = env.get_template("index.html.j2")
    return template.render(entries=entries, built_at=built_at, version=version,
                           data_label=data_label, data=dict(data), vintages=list(vintages),
                           report_pdf=report_pdf)
