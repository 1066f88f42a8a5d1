"""The survey chapter executes on a Stata file mapped through a codebook, and discloses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis.export import display as show
from analysis.survey import synthetic as syn

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "03_mrc_survey.ipynb"
MIN_CELL = 250  # high, so that the run has to suppress cells


def test_committed_notebook_is_clean_and_parameterised():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    params = nb.cells[1]
    assert "parameters" in params.metadata.get("tags", [])
    for name in ('survey_path: str = ""', 'codebook_path: str = ""',
                 'outcome: str = "aware_legal"', 'by: str = "country,gender,area"',
                 "min_cell: int = 10", "level: float = 0.95", "seed: int = 20240601",
                 'data_dir: str = ""'):
        assert name in params.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "print(" not in cell.source and "plt.show" not in cell.source


@pytest.mark.notebooks
def test_chapter_runs_on_a_stata_file(tmp_path):
    import papermill as pm

    data, codebook = syn.write(tmp_path, fmt="dta", stem="mrc")
    raw = syn.generate()
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False,
                        cwd=str(tmp_path),
                        parameters={"survey_path": str(data), "codebook_path": str(codebook),
                                    "min_cell": MIN_CELL})
    nb = json.loads(out.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] in ("error", "stream")]
    data_out = [o.get("data", {}) for o in outputs]
    metas = [o.get("metadata", {}).get("migration_report", {}) for o in outputs]

    # Says "synthetic" plainly: title, every caption and source, every key figure's source.
    prose = [d["text/markdown"] for d in data_out if "text/markdown" in d]
    assert "(synthetic data)" in "".join(prose[0])
    captioned = [m for m in metas if m.get("kind") in ("table", "figure")]
    assert len(captioned) >= 10
    assert all("synthetic" in m["caption"] and "synthetic" in m["source"] for m in captioned)
    figures = {d[show.KEY_FIGURE_MIME]["name"]: d[show.KEY_FIGURE_MIME]
               for d in data_out if show.KEY_FIGURE_MIME in d}
    assert all("synthetic" in f["source"] for f in figures.values())
    assert figures["respondents"]["value"] == len(raw)
    assert figures["psus"]["value"] == raw["cluster_id"].nunique()
    pak = figures["unaware_legal_share_PAK"]
    assert pak["ci_low"] < pak["value"] < pak["ci_high"]
    assert figures["cells_suppressed"]["value"] > 0

    # No count below min_cell in any published table; suppressed cells are marked.
    tables = [d[show.TABLE_MIME] for d in data_out if show.TABLE_MIME in d]
    markers = 0
    for table in tables:
        for col in ("Respondents", "n"):
            if col not in table["columns"]:
                continue
            k = table["columns"].index(col)
            for row in table["rows"]:
                if row[k] != "–":
                    assert int(row[k].replace(",", "")) >= MIN_CELL, (table["columns"], row)
        markers += sum("suppressed" in row for row in table["rows"])
    assert markers == figures["cells_suppressed"]["value"] > 0

    # No PII anywhere in the executed notebook.
    text = out.read_text()
    assert "resp_name" not in text and "resp_phone" not in text
    pii = pd.concat([raw["resp_name"], raw["resp_phone"]])
    assert not [v for v in pii.unique() if v in text]
