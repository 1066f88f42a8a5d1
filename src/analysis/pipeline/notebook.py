"""Check a chapter's parameters inside its notebook, with the code ``migration-report run`` uses.

The cell right after a notebook's ``parameters`` cell calls :func:`check_parameters`, so a
notebook run by papermill directly (``papermill 01_migration_trends.ipynb out.ipynb -p year
abc``), from JupyterLab or by the pipeline stops on a wrong type, a year without data or an
unknown country code with the command line's message, naming the parameter::

    globals().update(check_parameters("trends", globals()))

The values come back typed, whoever ran the notebook (the pipeline, papermill or JupyterLab):
``codes`` as a list of ISO-3 codes (``None`` for all), a path as an absolute
:class:`~pathlib.Path` (``None`` when not given), ``names`` as a list, ``weights`` as a dict, a
derived year as the year (``base_year`` 0 -> ``year - 1``), ``data_dir`` as the data directory
actually read (see :func:`~analysis.pipeline.params.typed_values`). papermill still injects
plain literals, the canonical text form the parameters cell declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analysis.errors import ParameterError
from analysis.pipeline.chapters import (
    DATA_DIR_PARAMETER,
    Chapter,
    load_chapters,
    unknown_chapter,
)


class NotebookParameterError(ParameterError):
    """Invalid parameters of a notebook; shown by IPython as the message alone.

    IPython calls ``_render_traceback_`` (:class:`~analysis.errors.ReportError`) instead of
    printing the stack, so JupyterLab and papermill show the same few lines as the command
    line, not a traceback into the library.
    """

    shown_as = "ParameterError"


def registered_chapter(chapter_id: str) -> Chapter:
    """The registry entry of ``chapter_id``.

    The registry in ``MIGRATION_CHAPTERS_FILE`` is asked first, then the project's own
    ``notebooks/chapters.toml`` (a build from a registry holding other chapters still runs
    the project's notebooks against their own declarations).

    Raises
    ------
    NotebookParameterError
        When no registry declares the chapter (with the closest chapter id).
    """
    from analysis.config import CHAPTERS_FILE

    known: list[str] = []
    for path in (None, CHAPTERS_FILE):
        chapters = load_chapters(path)
        if chapter_id in chapters:
            return chapters[chapter_id]
        known += [c for c in chapters if c not in known]
    raise NotebookParameterError(unknown_chapter([chapter_id], known))


def check_parameters(chapter_id: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a notebook's parameters against the registry; return them typed.

    Parameters
    ----------
    chapter_id : str
        The chapter's id in ``notebooks/chapters.toml``.
    namespace : mapping
        The notebook's variables (``globals()``): every registry parameter and ``data_dir``.

    Returns
    -------
    dict
        Name -> typed value of every registry parameter
        (:func:`~analysis.pipeline.params.typed_values`), and ``data_dir`` as the absolute
        path (str) of the data directory that is read.

    Raises
    ------
    NotebookParameterError
        Listing every wrong type, value outside its bounds or the data, and unknown country
        code; or a parameter the notebook does not assign.
    """
    from analysis.pipeline.datainfo import open_input_data
    from analysis.pipeline.params import needs_data, resolve_parameters, typed_values

    chapter = registered_chapter(chapter_id)
    missing = [n for n in [*chapter.parameters, DATA_DIR_PARAMETER] if n not in namespace]
    if missing:
        raise NotebookParameterError(
            f"chapter '{chapter.id}': the parameters cell does not assign {', '.join(missing)}")
    given = {name: namespace[name] for name in chapter.parameters}
    raw_dir = namespace[DATA_DIR_PARAMETER]
    inputs = open_input_data(raw_dir if raw_dir not in (None, "") else None)
    try:
        data = inputs.info if needs_data(chapter, given) else None
        values = resolve_parameters(chapter, given, data)
    except ParameterError as exc:
        text = str(exc).removesuffix("nothing was run").rstrip()
        raise NotebookParameterError(f"{text}\nthe notebook stops here; fix the value (the "
                                     "types and help: migration-report chapters)") from None
    finally:
        inputs.info.save()
        inputs.hasher.save()
    return {**typed_values(chapter, values), DATA_DIR_PARAMETER: str(inputs.choice.path)}


#: The Python annotation of each registry type in a parameters cell.
ANNOTATIONS: dict[str, str] = {"int": "int", "year": "int", "float": "float", "str": "str",
                               "codes": "str", "country": "str", "path": "str", "choice": "str",
                               "names": "str", "weights": "str"}

#: The help of ``data_dir`` in every parameters cell.
DATA_DIR_HELP = "Input data directory ('' : MIGRATION_DATA_DIR, data/raw or the snapshot)"

#: The kernel every chapter notebook names (``make env`` installs it).
KERNEL_NAME = "migration-report"
KERNEL_SPEC = {"display_name": "Python (migration-report)", "language": "python",
               "name": KERNEL_NAME}


def _literal(value: Any) -> str:
    import json

    return json.dumps(value) if isinstance(value, str) else repr(value)


def parameters_cell(chapter: Chapter) -> str:
    """The source of a chapter's ``parameters`` cell, from its registry entry.

    One typed assignment per parameter with the registry's help as a comment, which is what
    ``papermill --help-notebook`` reads:

    >>> from pathlib import Path
    >>> from analysis.pipeline.chapters import ParameterSpec
    >>> spec = ParameterSpec("year", "year", 2020, help="Report year", table="detections")
    >>> print(parameters_cell(Chapter("c", Path("c.ipynb"), "C", {"year": spec})))
    year: int = 2020  # Report year
    data_dir: str = ""  # Input data directory ('' : MIGRATION_DATA_DIR, data/raw or the snapshot)
    """
    odd = [name for name, spec in chapter.parameters.items() if "=" in spec.help]
    if odd:  # papermill skips a line with two '=' (it would vanish from --help-notebook)
        raise ValueError(f"chapter '{chapter.id}': the help of {', '.join(odd)} contains '='")
    lines = [f"{name}: {ANNOTATIONS[spec.type]} = {_literal(spec.default)}  # {spec.help}"
             for name, spec in chapter.parameters.items()]
    lines.append(f'{DATA_DIR_PARAMETER}: str = ""  # {DATA_DIR_HELP}')
    return "\n".join(lines)


def check_cell(chapter_id: str) -> str:
    """The source of the cell after the parameters cell: :func:`check_parameters`."""
    return ("# Check the parameters against notebooks/chapters.toml, as `migration-report run`"
            " does:\n# a wrong type, a year without data or an unknown country stops here, "
            "naming it.\nfrom analysis.pipeline.notebook import check_parameters\n\n"
            f'globals().update(check_parameters("{chapter_id}", globals()))')


#: The source of the cell that loads IPython's autoreload (tagged ``remove-cell``).
AUTORELOAD_CELL = ("# Pick up edits to src/analysis without restarting the kernel (limits: "
                   "docs/writing-a-chapter.md).\n%load_ext autoreload\n%autoreload 2")
