"""Notebooks are committed clean (nbstripout keeps them so, see .pre-commit-config.yaml).

Clean means: no outputs, no execution counts, nothing a run leaves behind (papermill's
``injected-parameters`` or error cell, papermill and execution metadata) and no
``language_info`` beyond the language's name (its version changes with every kernel).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("**/*.ipynb"))
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "pipeline").glob("*.ipynb"))


#: Cell tags a papermill run adds: the cell of injected values, and the cell naming an error.
RUN_TAGS = ("injected-parameters", "papermill-error-cell-tag")
#: Metadata a run adds (papermill's and nbclient's timings).
RUN_CELL_METADATA = ("papermill", "execution", "ExecuteTime")


def _problems(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    found = []
    if "papermill" in nb.metadata:
        found.append("the notebook has papermill metadata")
    extra = sorted(set(nb.metadata.get("language_info", {})) - {"name"})
    if extra:
        found.append(f"language_info has {', '.join(extra)}")
    for number, cell in enumerate(nb.cells, start=1):
        tags = [t for t in cell.metadata.get("tags", []) if t in RUN_TAGS]
        if tags:
            found.append(f"cell {number} is tagged {', '.join(tags)} (left by a papermill run)")
        keys = [k for k in RUN_CELL_METADATA if k in cell.metadata]
        if keys:
            found.append(f"cell {number} has {', '.join(keys)} metadata")
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {number} has {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"cell {number} has execution_count {cell.execution_count}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS + FIXTURES,
                         ids=[p.relative_to(ROOT).as_posix() for p in NOTEBOOKS + FIXTURES])
def test_notebook_is_clean(path):
    if ".ipynb_checkpoints" in path.parts:
        pytest.skip("a Jupyter checkpoint")
    problems = _problems(path)
    assert not problems, (f"{path.relative_to(ROOT)} is not clean (strip it with nbstripout "
                          f"or `pre-commit run nbstripout`): " + "; ".join(problems))


def test_the_check_detects_outputs(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    cell = new_code_cell("1", outputs=[new_output("execute_result", data={"text/plain": "1"},
                                                  execution_count=1)])
    cell.execution_count = 1
    path = tmp_path / "dirty.ipynb"
    nbformat.write(new_notebook(cells=[cell]), path)
    assert _problems(path) == ["cell 1 has 1 output(s)", "cell 1 has execution_count 1"]


def _papermill_run(tmp_path: Path) -> Path:
    """A notebook as `papermill nb.ipynb nb.ipynb -p year 2016` leaves it (without a kernel)."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output
    from papermill.parameterize import parameterize_notebook

    cells = [new_code_cell("year = 2020", metadata={"tags": ["parameters"]}),
             new_code_cell("print(year)", metadata={"tags": []})]
    nb = new_notebook(cells=cells, metadata={"language_info": {"name": "python"},
                                             "papermill": {"duration": 1.0}})
    nb = parameterize_notebook(nb, {"year": 2016}, kernel_name="python3", language="python")
    nb.metadata["language_info"]["version"] = "3.11.9"
    for cell in nb.cells:
        cell.metadata["papermill"] = {"status": "completed"}
        cell.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    nb.cells[-1].outputs = [new_output("stream", name="stdout", text="2016\n")]
    nb.cells[-1].execution_count = 2
    path = tmp_path / "ran.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_check_detects_what_a_papermill_run_leaves(tmp_path):
    problems = _problems(_papermill_run(tmp_path))
    assert "the notebook has papermill metadata" in problems
    assert "language_info has version" in problems
    assert "cell 2 is tagged injected-parameters (left by a papermill run)" in problems
    assert "cell 1 has papermill, execution metadata" in problems
    assert "cell 3 has 1 output(s)" in problems


def test_the_pre_commit_nbstripout_hook_cleans_a_papermill_run(tmp_path):
    """The hook's arguments in .pre-commit-config.yaml remove everything the check rejects,
    drop the injected cell (so the defaults stay) and keep cell ids and tags."""
    import shutil
    import subprocess
    import sys

    import yaml

    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hook = next(h for r in config["repos"] for h in r["hooks"] if h["id"] == "nbstripout")
    path = _papermill_run(tmp_path)
    before = nbformat.read(path, as_version=4)
    exe = shutil.which("nbstripout", path=str(Path(sys.executable).parent))
    assert exe, "nbstripout is not installed: run `make env` (the dev extra)"
    subprocess.run([exe, *hook["args"], str(path)], check=True)
    after = nbformat.read(path, as_version=4)
    assert _problems(path) == []
    assert [c.source for c in after.cells] == ["year = 2020", "print(year)"]
    assert [c.id for c in after.cells] == [before.cells[0].id, before.cells[2].id]
    assert after.cells[0].metadata["tags"] == ["parameters"]
