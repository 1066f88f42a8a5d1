"""What a sweep writes beside its combinations: ``key_figures.csv`` and ``index.html``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from analysis.config import source_date
from analysis.pipeline import cache
from analysis.pipeline.chapters import Chapter
from analysis.pipeline.combinations import Combination, value_text
from analysis.pipeline.execute import now_iso
from analysis.pipeline.params import shown_values
from analysis.pipeline.records import Status

if TYPE_CHECKING:
    from analysis.export.sweep_index import SweepRow
    from analysis.pipeline.sweep import SweepReport

__all__ = ["INDEX_HTML", "KEY_FIGURES_CSV", "key_figures_csv", "write_outputs"]

KEY_FIGURES_CSV = "key_figures.csv"
INDEX_HTML = "index.html"


def key_figures_csv(rows: Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]],
                    swept: Sequence[str]) -> str:
    """The combined key-figures table of a sweep, as CSV text.

    Parameters
    ----------
    rows : sequence of (values, key_figures)
        Per combination, in sweep order: swept parameter -> value, and the ``key_figures``
        of its ``CHAPTER.key_figures.json`` (``None`` for a failed combination: empty cells).
    swept : sequence of str
        The swept parameters: the first columns, in this order.

    Returns
    -------
    str
        A header, then one line per combination: the swept values, then the value of every key
        figure (columns sorted by name; ``NAME (key figure)`` if a name is also a swept
        parameter). Floats are written as Python's shortest round-trip text, so the same
        sweep gives the same bytes wherever it ran.
    """
    figures = sorted({name for _, kf in rows if kf for name in kf})
    header = [*swept, *(f"{n} (key figure)" if n in swept else n for n in figures)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for values, kf in rows:
        kf = kf or {}
        writer.writerow([value_text(values.get(s)) for s in swept]
                        + [value_text((kf.get(n) or {}).get("value")) for n in figures])
    return buffer.getvalue()


_LINKS = (("HTML", ".html"), ("Markdown", ".md"), ("Key figures", ".key_figures.json"),
          ("Notebook", ".ipynb"))


def _index_row(report: SweepReport, combination: Combination) -> SweepRow:
    from analysis.export.sweep_index import SweepRow

    out = report.out / combination.name
    result = report.results[combination.name]
    record = cache.read_record(out, report.chapter) or {}
    links = {label: f"{report.chapter}{suffix}" for label, suffix in _LINKS
             if f"{report.chapter}{suffix}" in record.get("outputs", {})
             and (out / f"{report.chapter}{suffix}").is_file()}
    failed_nb = cache.failed_notebook_path(out, report.chapter)
    if result.status is Status.FAILED and failed_nb.is_file():
        links["Failed notebook"] = failed_nb.relative_to(out).as_posix()
    return SweepRow(name=combination.name, values=combination.values,
                    status="failed" if result.status is Status.FAILED else "ok", links=links,
                    built_at=str(record.get("built_at", "")),
                    message=result.message if result.status is Status.FAILED else "")


def write_outputs(report: SweepReport, chapter: Chapter, *, data: dict[str, str],
                  data_label: str) -> None:
    """Write ``OUT/key_figures.csv`` and ``OUT/index.html`` for a finished sweep."""
    from analysis import __version__
    from analysis.export.sweep_index import render_sweep_index
    from analysis.io import atomic_write_text

    rows = []
    for c in report.combinations:
        kf = None
        if report.results[c.name].status is not Status.FAILED:
            path = report.out / c.name / f"{chapter.id}.key_figures.json"
            kf = json.loads(path.read_text(encoding="utf-8")).get("key_figures", {})
        rows.append((c.values, kf))
    atomic_write_text(report.out / KEY_FIGURES_CSV, key_figures_csv(rows, report.swept))
    first = report.combinations[0]
    shown = shown_values(chapter, first.parameters)
    fixed = {k: v for k, v in shown.items() if k not in report.swept}
    _, sde_time = source_date()
    html = render_sweep_index([_index_row(report, c) for c in report.combinations],
                              chapter=chapter.id, title=chapter.title, swept=report.swept,
                              fixed=fixed, built_at=sde_time or now_iso(), version=__version__,
                              data_label=data_label, data=data, table_file=KEY_FIGURES_CSV)
    atomic_write_text(report.out / INDEX_HTML, html)
