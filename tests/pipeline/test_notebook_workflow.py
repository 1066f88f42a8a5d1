"""The researcher's notebook workflow: the named kernel, the jupytext twins, typed parameters
cells checked against the registry (also when papermill runs a notebook directly)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.config import CHAPTERS_FILE
from analysis.pipeline.chapters import load_chapters
from analysis.pipeline.notebook import (
    AUTORELOAD_CELL,
    DATA_DIR_HELP,
    KERNEL_NAME,
    NotebookParameterError,
    check_cell,
    check_parameters,
    parameters_cell,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = load_chapters(CHAPTERS_FILE)
BIN = Path(sys.executable).parent
SNAPSHOT = ROOT / "data" / "snapshot"


def _ids(chapters):
    return [c.id for c in chapters]


# --- the named kernel --------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS.values(), ids=_ids(CHAPTERS.values()))
def test_every_notebook_names_the_project_kernel(chapter):
    spec = json.loads(chapter.notebook.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
    assert spec["name"] == KERNEL_NAME and spec["language"] == "python"


def test_the_kernel_is_installed_in_this_environment():
    """`make env` installs it with --sys-prefix: it runs this environment's Python."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().get_all_specs()
    assert KERNEL_NAME in specs, "the migration-report kernel is not installed: run `make env`"
    found = specs[KERNEL_NAME]
    assert Path(found["resource_dir"]).resolve().is_relative_to(Path(sys.prefix).resolve())
    argv0 = Path(found["spec"]["argv"][0])
    assert argv0.parent.resolve() == BIN.resolve(), argv0


# --- jupytext twins ------------------------------------------------------------------------


def _cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_each_notebook_and_its_py_percent_twin_agree(path):
    import jupytext

    twin = path.with_suffix(".py")
    assert twin.is_file(), f"{twin.name} is missing: run `make sync`"
    assert twin.read_text(encoding="utf-8").startswith("# %%"), "not a py:percent twin"
    ipynb = _cells(nbformat.read(path, as_version=4))
    py = _cells(jupytext.read(twin, fmt="py:percent"))
    assert py == ipynb, f"{twin.name} differs from {path.name}: run `make sync`"


def test_every_twin_has_its_notebook():
    orphans = [p.name for p in NOTEBOOKS.glob("*.py") if not p.with_suffix(".ipynb").is_file()]
    assert not orphans


def test_the_pair_check_notices_a_stale_twin(tmp_path):
    import jupytext

    nb = nbformat.read(NOTEBOOKS / "05_country_brief.ipynb", as_version=4)
    twin = tmp_path / "brief.py"
    jupytext.write(nb, twin, fmt="py:percent")
    assert _cells(jupytext.read(twin, fmt="py:percent")) == _cells(nb)
    twin.write_text(twin.read_text(encoding="utf-8").replace('"PAK"', '"AFG"'), encoding="utf-8")
    assert _cells(jupytext.read(twin, fmt="py:percent")) != _cells(nb)


# --- parameters cells and the registry ----------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS.values(), ids=_ids(CHAPTERS.values()))
def test_parameters_cell_and_check_cell_follow_the_registry(chapter):
    nb = nbformat.read(chapter.notebook, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assert nb.cells[index].source.strip() == parameters_cell(chapter)
    check, reload = nb.cells[index + 1], nb.cells[index + 2]
    assert check.source == check_cell(chapter.id)
    assert reload.source == AUTORELOAD_CELL
    assert check.metadata["tags"] == reload.metadata["tags"] == ["remove-cell"]


@pytest.mark.parametrize("chapter", CHAPTERS.values(), ids=_ids(CHAPTERS.values()))
def test_papermill_reads_types_defaults_and_help_from_each_notebook(chapter):
    """What `papermill --help-notebook` shows is what chapters.toml declares."""
    import papermill as pm

    annotation = {"int": "int", "year": "int", "float": "float"}
    found = pm.inspect_notebook(str(chapter.notebook))
    assert list(found) == [*chapter.parameters, "data_dir"]
    for name, spec in chapter.parameters.items():
        p = found[name]
        assert p["inferred_type_name"] == annotation.get(spec.type, "str"), name
        assert eval(p["default"]) == spec.default, name  # noqa: S307 - a literal from our file
        assert p["help"] == spec.help, name
    assert found["data_dir"]["help"] == DATA_DIR_HELP


def test_help_notebook_on_the_command_line_shows_types():
    done = subprocess.run([str(BIN / "papermill"), "--help-notebook",
                           str(NOTEBOOKS / "01_migration_trends.ipynb")],
                          capture_output=True, text=True, check=True)
    assert "year: int (default 2020)" in done.stdout and "Report year" in done.stdout
    assert 'region: str (default "")' in done.stdout
    assert "Unknown type" not in done.stdout


def _namespace(chapter_id, **values):
    ns = {**CHAPTERS[chapter_id].defaults(), "data_dir": str(SNAPSHOT)}
    ns.update(values)
    return ns


def test_check_parameters_converts_like_the_command_line(monkeypatch, tmp_path):
    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path))
    got = check_parameters("country_brief", _namespace("country_brief", country="pak"))
    assert got == {"country": "PAK", "year": 2020, "data_dir": str(SNAPSHOT)}


@pytest.mark.parametrize(("values", "message"), [
    ({"year": "abc"}, "year='abc' is not a year such as 2020"),
    ({"year": 1990}, "year=1990 is outside the data: detections cover"),
    ({"region": "silk_route"}, "SILK_ROUTE (did you mean silk_routes?)"),
    ({"top_n": 2.5}, "top_n=2.5 is not an integer"),
])
def test_check_parameters_stops_with_the_command_line_message(monkeypatch, tmp_path, values,
                                                               message):
    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path))
    with pytest.raises(NotebookParameterError) as err:
        check_parameters("trends", _namespace("trends", **values))
    text = str(err.value)
    assert text.startswith("chapter 'trends': invalid parameters") and message in text
    assert "nothing was run" not in text and "the notebook stops here" in text
    # IPython shows the message alone, not a traceback into the library
    assert err.value._render_traceback_()[0] == "ParameterError: chapter 'trends': invalid " \
                                                "parameters"


def test_check_parameters_names_a_missing_assignment_and_an_unknown_chapter():
    ns = _namespace("trends")
    del ns["top_n"]
    with pytest.raises(NotebookParameterError, match="does not assign top_n"):
        check_parameters("trends", ns)
    with pytest.raises(NotebookParameterError, match="did you mean 'trends'"):
        check_parameters("trend", ns)


@pytest.mark.notebooks
def test_papermill_run_directly_with_a_wrong_type_stops_naming_the_parameter(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("MIGRATION_DATA_DIR", "MIGRATION_CHAPTERS_FILE")}
    env["MIGRATION_CACHE_DIR"] = str(tmp_path / "cache")
    done = subprocess.run([str(BIN / "papermill"), "01_migration_trends.ipynb",
                           str(tmp_path / "out.ipynb"), "-p", "year", "abc"],
                          cwd=NOTEBOOKS, capture_output=True, text=True, env=env)
    assert done.returncode != 0
    assert "ParameterError: chapter 'trends': invalid parameters" in done.stderr
    assert "year='abc' is not a year such as 2020" in done.stderr
    assert "TypeError" not in done.stderr


@pytest.mark.notebooks
def test_papermill_run_directly_with_an_unknown_country_suggests_one(tmp_path, monkeypatch):
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    monkeypatch.setenv("MIGRATION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MIGRATION_CHAPTERS_FILE", raising=False)
    with pytest.raises(PapermillExecutionError) as err:
        pm.execute_notebook(str(NOTEBOOKS / "05_country_brief.ipynb"), str(tmp_path / "o.ipynb"),
                            parameters={"country": "PAKK", "data_dir": str(SNAPSHOT)},
                            cwd=str(NOTEBOOKS), progress_bar=False)
    assert err.value.ename == "NotebookParameterError"
    assert "country='PAKK' is not one ISO-3 country code (e.g. PAK); did you mean 'PAK'?" \
        in err.value.evalue


def test_help_with_an_equals_sign_is_refused_and_weights_take_a_colon():
    """papermill drops a parameter line holding two '=': the registry help must not hold one,
    so the talent weights are written NAME:NUMBER in it (NAME=NUMBER still works)."""
    from dataclasses import replace

    from analysis.pipeline.params import coerce, typed_values

    chapter = CHAPTERS["talent"]
    spec = replace(chapter.parameters["weights"], help="e.g. a=1")
    with pytest.raises(ValueError, match="the help of weights contains '='"):
        parameters_cell(replace(chapter, parameters={**chapter.parameters, "weights": spec}))
    weights = chapter.parameters["weights"]

    def typed(text):
        return typed_values(chapter, {"weights": coerce(weights, text)})["weights"]

    assert typed("gdp_per_capita_ppp:2,unemployment_pct:0.5") == \
        typed("gdp_per_capita_ppp=2,unemployment_pct=0.5") == \
        {"gdp_per_capita_ppp": 2.0, "unemployment_pct": 0.5}


# --- what a researcher sees in JupyterLab ---------------------------------------------------


def _shown(monkeypatch, show):
    """Run ``show()`` and return the display outputs it published."""
    from analysis.export import display

    outputs = []
    monkeypatch.setattr(display, "_publish", lambda data, metadata=None: outputs.append(
        nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})))
    show(display)
    return outputs


def test_key_figures_read_as_text_and_a_small_table_not_reprs(monkeypatch):
    import numpy as np

    from analysis.export.display import KEY_FIGURE_MIME

    (out,) = _shown(monkeypatch, lambda d: d.record(
        "asylum_applications_eu27", np.int64(476615), unit="persons", source="Eurostat",
        vintage="2024-05", year=np.int64(2020), ci_low=np.float64(0.123456)))
    text, html = out.data["text/plain"], out.data["text/html"]
    assert text == ("Key figure asylum_applications_eu27: 476,615 persons (ci_low 0.123; "
                    "year 2020; Eurostat, 2024-05)")
    assert "np.int64" not in text + html
    assert "<td style='text-align:left'>476,615 persons</td>" in html
    assert out.data[KEY_FIGURE_MIME]["value"] == 476615  # what the pipeline collects


def test_figure_caption_and_source_show_under_the_figure_but_not_in_the_drafts(monkeypatch):
    import matplotlib.pyplot as plt

    from analysis.export.html import to_html
    from analysis.export.markdown import chapter_blocks

    fig, ax = plt.subplots()
    ax.plot([1, 2])
    outputs = _shown(monkeypatch, lambda d: d.figure(
        fig, caption="Detections <by> route", source="Frontex & co", alt="A line"))
    assert [o.metadata["migration_report"]["kind"] for o in outputs] == ["figure", "caption"]
    assert "Detections &lt;by&gt; route" in outputs[1].data["text/html"]
    assert "Source: Frontex &amp; co" in outputs[1].data["text/html"]
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show.figure(...)")
    cell.outputs = outputs
    nb.cells = [cell]
    assert [b.kind for b in chapter_blocks(nb)] == ["figure"]
    html, warnings = to_html(nb, chapter="demo", title="Demo", parameters={}, data={},
                             version="0", date="2024-01-01")
    assert html.count("Detections &lt;by&gt; route") == 1 and not warnings


# --- make -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("conda_env", "prefix"), [("mr", "/opt/conda/envs/mr"), ("base", None)])
def test_make_env_installs_into_an_active_conda_environment(tmp_path, conda_env, prefix):
    """`make env` plans its installs in the active conda env (not `base`), else in .venv;
    either way it installs the dev extra and the named kernel with --sys-prefix."""
    import os

    env = {**os.environ, "CONDA_PREFIX": prefix or "/opt/conda",
           "CONDA_DEFAULT_ENV": conda_env}
    env.pop("VENV", None)
    done = subprocess.run(["make", "-n", "-B", "env"], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)
    target = prefix or ".venv"
    assert f'{target}/bin/python -m pip install --quiet -e ".[test,dev]"' in done.stdout
    assert f"{target}/bin/python -m ipykernel install --sys-prefix --name {KERNEL_NAME}" \
        in done.stdout
