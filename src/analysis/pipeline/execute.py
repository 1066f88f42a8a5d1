"""Run one chapter in a worker process: execute with papermill, export, write atomically.

:func:`run_task` is what the process pool calls. It

1. checks that the notebook's ``parameters`` cell declares every registry parameter and
   ``data_dir``;
2. executes the notebook with papermill, the parameters passed as a dict (papermill writes
   them into an ``injected-parameters`` cell as literals), the kernel's working directory
   being the notebook's folder, ``PYTHONHASHSEED=0`` and the Agg backend
   (:func:`analysis.pipeline.kernels.kernel_environment`), through the papermill engine
   ``migration-report``: in a new kernel, or in a runner's warm kernel reset to the state of
   a new one (:mod:`analysis.pipeline.kernels`); the kernel's chatter goes to
   ``OUT/.build/logs/CHAPTER.log``;
3. exports the executed notebook: key figures, HTML draft, Markdown, PDF, Word, the data of
   every figure and table as CSV and XLSX (all in memory first);
4. writes every file of the chapter all at once (staged, then committed:
   :mod:`analysis.pipeline.commit`), then the build record (last), and clears an earlier
   failure.

A failure at any step leaves the previous good files untouched, keeps the executed notebook
(with its traceback) as ``OUT/failed/CHAPTER.ipynb`` and writes a failure marker.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.io import sha256_file
from analysis.pipeline import cache
from analysis.pipeline.chapters import DATA_DIR_PARAMETER, declared_parameters
from analysis.pipeline.records import BuildRecord, Status

if TYPE_CHECKING:
    from analysis.pipeline.kernels import KernelSession

_EVENTS: Any = None  # a multiprocessing queue set by :func:`set_event_queue`
#: The kernel chapters run in (the environment's own Python, where the project is installed).
DEFAULT_KERNEL = "python3"


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to build one chapter (picklable).

    Attributes
    ----------
    chapter, title : str
        Chapter id and title.
    notebook : str
        Absolute path of the notebook.
    label : str
        The notebook as shown in messages (relative to the registry).
    parameters : dict
        Effective parameters, without ``data_dir`` (injected into the notebook).
    shown : dict
        The same as drafts, key figures and records show them (project files by relative
        path, so the drafts do not depend on where the project lives).
    data_dir : str
        Absolute data directory, injected as ``data_dir``.
    out : str
        Output directory.
    formats : tuple of str
        What to write, of :data:`analysis.pipeline.cache.FORMATS`.
    exec_key, export_key : str
        Content keys recorded with the build (see :mod:`analysis.pipeline.cache`).
    data : dict
        Data file -> SHA-256.
    inputs : dict
        Path parameter -> SHA-256 of the file it names.
    mode : str
        ``"run"`` executes the notebook; ``"export"`` re-exports ``OUT/CHAPTER.ipynb``.
    date : str
        Date printed in the footer (``YYYY-MM-DD``).
    built_at : str
        ISO timestamp recorded as the build time.
    version : str
        Project version.
    cell_timeout : float, optional
        Seconds a cell may run (``None``: no limit).
    kernel : str
        Kernel name.
    tables : tuple of str
        Canonical tables the chapter reads (their provenance is recorded for the index).
    nav : dict
        The previous and next chapters the draft links to (:func:`chapter_nav`).
    """

    chapter: str
    title: str
    notebook: str
    label: str
    parameters: dict[str, Any]
    shown: dict[str, Any]
    data_dir: str
    out: str
    formats: tuple[str, ...]
    exec_key: str
    export_key: str
    data: dict[str, str]
    inputs: dict[str, str]
    mode: str
    date: str
    built_at: str
    version: str
    cell_timeout: float | None = None
    kernel: str = DEFAULT_KERNEL
    tables: tuple[str, ...] = ()
    nav: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    """The outcome of one chapter.

    Attributes
    ----------
    chapter : str
        Chapter id.
    status : str
        :class:`~analysis.pipeline.records.Status`: ``DONE`` (executed), ``EXPORTED``
        (drafts rewritten from the executed notebook), ``CACHED`` (nothing to do),
        ``FAILED`` or ``MISSING``.
    seconds : float
        Wall time in the worker.
    message : str
        For a failure: a few lines naming the cell and the error.
    failed_notebook : str, optional
        Where the failed executed notebook was kept.
    warnings : list of str
        Things an editor should fix (e.g. a figure without caption).
    """

    chapter: str
    status: Status
    seconds: float = 0.0
    message: str = ""
    failed_notebook: str | None = None
    warnings: list[str] = field(default_factory=list)


class ChapterError(Exception):
    """A chapter failed; ``str(exc)`` is the short message shown in the terminal."""


def prepare_process() -> None:
    """Make this process a lean notebook runner (a pool worker, or a Dask worker).

    It keeps :mod:`jsonschema` from importing ``rfc3987_syntax``: that optional package only
    checks the ``iri`` string format, which no notebook schema uses, and building its grammar
    at import costs about 2 s per process (nbformat imports jsonschema). jsonschema skips the
    check when the import fails.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def set_event_queue(events: Any) -> None:
    """Send this process's "running"/"done"/"failed" events to ``events`` (a queue).

    A runner whose workers are other processes calls this in each worker (the local
    runner's pool initializer does); the queue carries ``(chapter, out, state)`` tuples.
    """
    global _EVENTS
    _EVENTS = events


def _notify(task: Task, state: Status) -> None:
    if _EVENTS is not None:
        with contextlib.suppress(Exception):
            _EVENTS.put((task.chapter, task.out, str(state)))


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Send this process's (and its children's) file descriptor 2 to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = os.dup(2)
    try:
        with open(path, "ab") as log:
            os.dup2(log.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _source_cell_number(task: Task, cell_index: int) -> int:
    """1-based number of the failing cell in the *source* notebook (without injected cell)."""
    import json

    from analysis.pipeline.chapters import parameters_cells

    nb = json.loads(Path(task.notebook).read_text(encoding="utf-8"))
    cells = parameters_cells(nb)
    injected = cells[0] + 1 if cells else -1
    return cell_index + (0 if injected < 0 or cell_index < injected else -1) + 1


#: Environment variables that cap the threads of numerical libraries inside a kernel
#: (one each: :func:`analysis.pipeline.kernels.kernel_environment`).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _execute(task: Task, tmp: Path, session: KernelSession | None = None) -> Any:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from analysis.pipeline.kernels import ENGINE, kernel_environment

    params = {**task.parameters, DATA_DIR_PARAMETER: task.data_dir}
    try:
        if session is None:  # a new kernel inherits this process's environment
            os.environ.update(kernel_environment(task.data_dir))
        else:  # the warm kernel, reset to the state of a new one
            session.prepare(task.notebook, task.data_dir, task.kernel)
        return pm.execute_notebook(
            task.notebook, str(tmp), parameters=params, kernel_name=task.kernel,
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            cwd=str(Path(task.notebook).parent), execution_timeout=task.cell_timeout,
            shutdown_kernel="immediate", engine_name=ENGINE, session=session,
            keep_on_failure=str(tmp),
        )
    except PapermillExecutionError as exc:
        number = _source_cell_number(task, exc.cell_index)
        raise ChapterError(
            f"cell {number} (In [{exc.exec_count}]) of {task.label}:\n"
            f"  {exc.ename}: {one_line(exc.evalue)}"
        ) from None
    except Exception as exc:  # kernel died, timeout, bad notebook JSON …
        raise ChapterError(f"{task.label} could not be executed:\n"
                           f"  {type(exc).__name__}: {one_line(str(exc))}") from None


def one_line(text: object, limit: int = 300) -> str:
    """``text`` on one line, whitespace collapsed, cut to ``limit`` characters with "…".

    >>> one_line("a  b", 3)
    'a b'
    >>> one_line("abcdef", 4)
    'abc…'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(nb: Any, default: str) -> str:
    """The title the notebook set for itself (e.g. "… (synthetic data)"), else the registry's."""
    from analysis.export.markdown import notebook_title

    return notebook_title(nb) or default


def chapter_nav(chapter: str, notebook: str | None = None,
                built: Callable[[str], bool] | None = None) -> dict[str, dict[str, str]]:
    """The previous and next report chapters of ``chapter`` (``{"previous": {"href",
    "title"}, "next": ...}``), from the registry the notebook belongs to.

    A chapter outside the report (the country brief) comes after the last report chapter.
    ``built(id)`` says whether a neighbour's draft is (or will be) in the same folder; a
    neighbour that is not is not linked.
    """
    from analysis.pipeline.chapters import load_chapters

    try:
        registry = load_chapters(Path(notebook).parent / "chapters.toml"
                                 if notebook and (Path(notebook).parent / "chapters.toml")
                                 .is_file() else None)
    except Exception:  # a draft without navigation is still a draft
        return {}
    order = [c for c in registry.values() if c.report and c.exists
             and (built is None or c.id == chapter or built(c.id))]
    if chapter not in registry:
        return {}
    if not registry[chapter].report:
        order = [*order, registry[chapter]]
    ids = [c.id for c in order]
    i = ids.index(chapter)
    nav = {}
    if i > 0:
        nav["previous"] = {"href": f"{ids[i - 1]}.html", "title": order[i - 1].title}
    if i + 1 < len(ids):
        nav["next"] = {"href": f"{ids[i + 1]}.html", "title": order[i + 1].title}
    return nav


def _export(task: Task, nb: Any) -> tuple[dict[str, bytes], list[str]]:
    """Render every output of the chapter in memory: relative name -> bytes."""
    from analysis.export import key_figures as kf

    files: dict[str, bytes] = {}
    warnings: list[str] = []
    try:
        figures = kf.extract_key_figures(nb)
        doc = kf.key_figures_document(chapter=task.chapter, title=task.title,
                                      parameters=task.shown, data=task.data,
                                      key_figures=figures)
        messages = kf.extract_key_messages(nb)
        if messages:
            doc["key_messages"] = messages
        files[f"{task.chapter}.key_figures.json"] = kf.dumps(doc).encode("utf-8")
        common = {"chapter": task.chapter, "title": task.title, "parameters": task.shown,
                  "data": task.data, "version": task.version, "date": task.date}
        if {"html", "pdf"} & set(task.formats):
            from analysis.export.html import to_html

            html, warnings = to_html(nb, **common, data_links="csv" in task.formats,
                                     nav=task.nav)
            if "html" in task.formats:
                files[f"{task.chapter}.html"] = html.encode("utf-8")
            if "pdf" in task.formats:
                files[f"{task.chapter}.pdf"] = _pdf(task, nb, html)
        if "markdown" in task.formats:
            from analysis.export.markdown import to_markdown

            md = to_markdown(nb, **common)
            files[f"{task.chapter}.md"] = md.text.encode("utf-8")
            files.update(md.files)
        files.update(_reuse_formats(task, nb))
    except Exception as exc:
        raise ChapterError(f"{task.label} ran, but its export failed:\n"
                           f"  {type(exc).__name__}: {one_line(str(exc))}") from exc
    return files, warnings


def _moment(task: Task) -> datetime:
    """The build time as a UTC datetime (metadata dates of PDF, DOCX and XLSX)."""
    return datetime.strptime(task.built_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _pdf(task: Task, nb: Any, html: str) -> bytes:
    from analysis.export.pdf import html_to_pdf

    return html_to_pdf(html, title=_title(nb, task.title), moment=_moment(task))


def _reuse_formats(task: Task, nb: Any) -> dict[str, bytes]:
    """The Word draft, the workbook and the CSV files of the chapter: relative name -> bytes."""
    wanted = {"docx", "xlsx", "csv"} & set(task.formats)
    if not wanted:
        return {}
    from analysis.export import data as data_export
    from analysis.export.markdown import chapter_blocks

    blocks = chapter_blocks(nb)
    title = _title(nb, task.title)
    files: dict[str, bytes] = {}
    if "csv" in wanted:
        files.update(data_export.csv_files(task.chapter, title, blocks))
    if "xlsx" in wanted:
        files[f"{task.chapter}.xlsx"] = data_export.to_xlsx(
            task.chapter, title, blocks, moment=_moment(task), vintages=_vintages(task),
            csv_links="csv" in wanted)
    if "docx" in wanted:
        from analysis.export.docx import to_docx

        shown = {k: v for k, v in task.shown.items() if k != "data_dir"}
        files[f"{task.chapter}.docx"] = to_docx(
            task.chapter, title, blocks, moment=_moment(task), csv_links="csv" in wanted,
            parameters=shown, data=task.data, version=task.version, date=task.date)
    return files


def _first_message(nb: Any) -> str:
    """The chapter's first key message, for the index ("" when it has none)."""
    from analysis.export.key_figures import extract_key_messages

    messages = extract_key_messages(nb)
    return str(messages[0]["text"]) if messages else ""


def _vintages(task: Task) -> list[dict[str, str]]:
    """Provenance of the tables the chapter reads, in the data it was built from."""
    if not task.tables:
        return []
    from analysis.sources import provenance

    out = []
    for table in task.tables:
        p = provenance(table, task.data_dir)
        out.append({"table": table, "producer": p.producer, "dataset": p.dataset,
                    "vintage": p.vintage, "licence": p.licence, "url": p.url})
    return out


def _write_outputs(task: Task, files: dict[str, bytes]) -> dict[str, str]:
    """Replace the chapter's files all at once (:func:`analysis.pipeline.commit.commit_chapter`).

    ``files`` maps relative paths (subfolders allowed) to bytes. Files of an earlier version
    of the chapter that this one does not write are removed in the same commit: figures left
    in the chapter's own folders (``CHAPTER_files/``, ``CHAPTER_data/`` and any other folder
    named ``CHAPTER_*`` that ``files`` uses), and a draft in a format not rebuilt now (it
    would be stale).
    """
    import hashlib

    from analysis.pipeline.commit import commit_chapter

    out = Path(task.out)
    folders = {f"{task.chapter}{folder}" for folder in cache.SIDE_FOLDERS.values()}
    folders |= {name.split("/", 1)[0] for name in files
                if "/" in name and name.startswith(f"{task.chapter}_")}
    stale = [path.relative_to(out).as_posix() for folder in sorted(folders)
             if (out / folder).is_dir() for path in sorted((out / folder).rglob("*"))
             if path.is_file() and path.relative_to(out).as_posix() not in files]
    for fmt, suffix in cache.SUFFIX.items():
        if fmt not in task.formats and (out / f"{task.chapter}{suffix}").exists():
            stale.append(f"{task.chapter}{suffix}")  # a draft not rebuilt now would be stale
    commit_chapter(out, task.chapter, files, remove=stale)
    side = tuple(f"{task.chapter}{folder}/" for folder in cache.SIDE_FOLDERS.values())
    wanted_side = sorted(name for name in files if name.startswith(side))
    names = [*cache.output_files(task.chapter, task.formats), *wanted_side]
    return {name: hashlib.sha256(files[name]).hexdigest() if name in files
            else sha256_file(out / name) for name in names}


def _fail(task: Task, start: float, message: str, tmp: Path) -> Result:
    out = Path(task.out)
    kept = None
    if tmp.is_file():
        target = cache.failed_notebook_path(out, task.chapter)
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
            kept = str(target)
    with contextlib.suppress(OSError):  # a full disk must not hide the chapter's own message
        cache.write_json(cache.failed_marker_path(out, task.chapter), {
            "chapter": task.chapter, "exec_key": task.exec_key, "message": message,
            "failed_notebook": kept, "failed_at": task.built_at,
        })
    _notify(task, Status.FAILED)
    return Result(task.chapter, Status.FAILED, time.monotonic() - start, message, kept)


def run_task(task: Task, session: KernelSession | None = None) -> Result:
    """Build one chapter (see the module docstring); never raises for a chapter's failure.

    With ``session`` (a warm kernel, :mod:`analysis.pipeline.kernels`) the notebook runs in
    that kernel, reset to the state of a new one; the session restarts its kernel after a
    failure. Without, papermill starts a kernel for this notebook alone.
    """
    start = time.monotonic()
    out = Path(task.out)
    _notify(task, Status.RUNNING)
    tmp = out / cache.BUILD_DIR / "tmp" / f"{task.chapter}.{os.getpid()}.ipynb"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        import nbformat

        if task.mode == "export":
            nb = nbformat.read(out / f"{task.chapter}.ipynb", as_version=4)
        else:
            declared = set(declared_parameters(Path(task.notebook)))
            missing = [p for p in [*task.parameters, DATA_DIR_PARAMETER] if p not in declared]
            if missing:
                raise ChapterError(f"the parameters cell of {task.label} does not assign "
                                   f"{', '.join(missing)} (every registry parameter and "
                                   f"{DATA_DIR_PARAMETER} must be assigned there)")
            log = out / cache.BUILD_DIR / "logs" / f"{task.chapter}.log"
            log.unlink(missing_ok=True)
            if session is None:
                with _stderr_to(log):
                    nb = _execute(task, tmp)
            else:
                position, ok = session.log_position(), False
                try:
                    nb = _execute(task, tmp, session)
                    ok = True
                finally:  # this notebook's share of the kernel's chatter, as a new kernel's
                    with contextlib.suppress(OSError):
                        log.parent.mkdir(parents=True, exist_ok=True)
                        log.write_bytes(session.log_since(position))
                    session.finished(ok=ok)
        files, warnings = _export(task, nb)
        try:
            vintages = _vintages(task)
        except Exception as exc:
            raise ChapterError(f"{task.label}: the provenance of its tables "
                               f"({', '.join(task.tables)}) could not be read: "
                               f"{one_line(str(exc))}") from exc
        if task.mode == "run":
            files[f"{task.chapter}.ipynb"] = nbformat.writes(nb).encode("utf-8") + b"\n"
        outputs = _write_outputs(task, files)
    except ChapterError as exc:
        return _fail(task, start, str(exc), tmp)
    except OSError as exc:  # disk full, permission denied: nothing of the chapter was replaced
        where = f" ({exc.filename})" if exc.filename else ""
        return _fail(task, start, f"{task.label}: its outputs could not be written: "
                                  f"{exc.strerror or exc}{where}", tmp)
    except Exception as exc:  # a bug of the pipeline itself: still keep the others going
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return _fail(task, start, f"{task.label}: internal error: {one_line(detail)}", tmp)
    seconds = time.monotonic() - start
    record = BuildRecord(
        chapter=task.chapter, title=_title(nb, task.title), notebook=task.label,
        exec_key=task.exec_key, export_key=task.export_key,
        parameters=task.shown, data=task.data, inputs=task.inputs,
        formats=sorted(task.formats), outputs=outputs, version=task.version,
        built_on=task.date, built_at=task.built_at, seconds=round(seconds, 2),
        warnings=warnings, vintages=vintages, key_message=_first_message(nb),
    )
    previous = cache.read_record(out, task.chapter)
    if task.mode == "export" and previous is not None:
        record.built_at = previous.get("built_at", task.built_at)
        record.seconds = previous.get("seconds", record.seconds)
    cache.write_json(cache.record_path(out, task.chapter), record.to_json())
    cache.failed_marker_path(out, task.chapter).unlink(missing_ok=True)
    cache.failed_notebook_path(out, task.chapter).unlink(missing_ok=True)
    tmp.unlink(missing_ok=True)
    _notify(task, Status.DONE)
    return Result(task.chapter, Status.DONE if task.mode == "run" else Status.EXPORTED, seconds,
                  warnings=warnings)


def lost_result(task: Task, message: str) -> Result:
    """The failure of a task whose worker could not report back (it died, or was lost).

    Writes the failure marker, so the index lists the chapter as failed, and returns the
    ``failed`` result.
    """
    cache.write_json(cache.failed_marker_path(Path(task.out), task.chapter),
                     {"chapter": task.chapter, "message": message, "exec_key": task.exec_key,
                      "failed_notebook": None, "failed_at": task.built_at})
    return Result(task.chapter, Status.FAILED, 0.0, message)


def now_iso() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: Names of :func:`analysis.io.atomic_write_with` temporary files (``.NAME.XXXXXXXX.tmp``).
_PARTIAL = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def clean_tmp(out: Path) -> None:
    """Remove what interrupted builds left: temporary notebooks and half-written files.

    A build killed while writing leaves its temporary files (never the files they were to
    replace), and perhaps a chapter's staging folder: a committed one is moved in, an
    uncommitted one removed (:func:`analysis.pipeline.commit.recover`). This runs under the
    output directory's lock, when no other build is writing.
    """
    from analysis.pipeline.commit import recover

    recover(out)
    shutil.rmtree(out / cache.BUILD_DIR / "tmp", ignore_errors=True)
    folders = [out, out / cache.BUILD_DIR, out / cache.FAILED_DIR, *out.glob("*_files"),
               *out.glob("*_data")]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if _PARTIAL.match(path.name) and path.is_file():
                path.unlink(missing_ok=True)
