"""The index page of a parameter sweep, ``OUT/index.html``: one table row per combination.

Rendered with Jinja (autoescaping on) from ``templates/sweep_index.html.j2`` with the chapter
drafts' stylesheet inlined: no scripts, fonts or links outside the sweep's directory. Every
link is a relative address into a combination's sub-directory, percent-encoded. The page
depends only on its arguments, so with ``SOURCE_DATE_EPOCH`` set the same sweep gives the same
bytes wherever it ran. Only :mod:`jinja2` is imported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass
class SweepRow:
    """One combination as the sweep index shows it.

    Attributes
    ----------
    name : str
        The combination's sub-directory (``"country=PAK__year=2020"``).
    values : dict
        Swept parameter -> value, in the order of the columns.
    status : str
        ``"ok"`` or ``"failed"`` (the latest attempt failed; the last good draft, if any, is
        still linked).
    links : dict
        Label -> path relative to the sub-directory (``{"HTML": "country_brief.html"}``).
    built_at : str
        When the linked draft was built.
    message : str
        The failure, for a failed combination.
    """

    name: str
    values: dict[str, Any]
    status: str
    links: dict[str, str] = field(default_factory=dict)
    built_at: str = ""
    message: str = ""


def href(directory: str, name: str) -> str:
    """The relative address of ``directory/name``, percent-encoded.

    >>> href("country=PAK", "failed/brief.ipynb")
    'country=PAK/failed/brief.ipynb'
    >>> href("label=a b", "x.html")
    'label=a%20b/x.html'
    """
    return "/".join(quote(part, safe="=,+") for part in (directory, *name.split("/")))


def render_sweep_index(rows: Sequence[SweepRow], *, chapter: str, title: str,
                       swept: Sequence[str], fixed: Mapping[str, Any], built_at: str,
                       version: str, data_label: str, data: Mapping[str, str],
                       table_file: str = "key_figures.csv") -> str:
    """The HTML of a sweep's index page.

    Parameters
    ----------
    rows : sequence of SweepRow
        The combinations, in sweep order.
    chapter, title : str
        Chapter id and title.
    swept : sequence of str
        The swept parameters (the value columns).
    fixed : mapping
        The parameters every combination shares.
    built_at : str
        When the page was written (from ``SOURCE_DATE_EPOCH`` when set).
    version : str
        Project version.
    data_label : str
        Which data were used.
    data : mapping
        Data file -> SHA-256.
    table_file : str
        The combined key-figures table, linked from the page.
    """
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                      keep_trailing_newline=True)
    shown = [{"name": r.name, "values": [r.values.get(s, "") for s in swept],
              "status": r.status, "built_at": r.built_at, "message": r.message,
              "links": [(label, href(r.name, target)) for label, target in r.links.items()]}
             for r in rows]
    failed = sum(r.status == "failed" for r in rows)
    return env.get_template("sweep_index.html.j2").render(
        rows=shown, chapter=chapter, title=title, swept=list(swept), fixed=dict(fixed),
        built_at=built_at, version=version, data_label=data_label, data=dict(data),
        table_file=quote(table_file), failed=failed)
