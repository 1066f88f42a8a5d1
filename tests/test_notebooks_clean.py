"""Notebooks are committed clean: no outputs, no execution counts (nbstripout keeps them so)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("**/*.ipynb"))
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "pipeline").glob("*.ipynb"))


def _problems(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    found = []
    for number, cell in enumerate(nb.cells, start=1):
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
