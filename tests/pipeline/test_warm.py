"""Warm kernels: one kernel runs notebook after notebook as if each had a new one.

The whole report and a sweep give the recorded bytes with the warm runner as with a new
kernel per notebook (``test_golden.py`` builds both). Here: a notebook that changes every
piece of state it can does not reach the next one (compared with a new kernel's view), a
failure, a timeout and a dead kernel cost only that run, and kernels are started again after
``max_runs`` runs or above the memory bound.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from analysis.pipeline.kernels import ENGINE, KernelSession, kernel_environment

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = str(ROOT / "data" / "snapshot")
KERNEL = "python3"

DIRTY = '''
import os, random, sys, warnings
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
leak = "defined by the first notebook"
def leaked_function():
    return 1
mpl.rcParams["lines.linewidth"] = 9.0
sns.set_theme(style="dark")
plt.figure(); plt.plot([1, 2])
pd.set_option("display.max_rows", 3)
np.seterr(all="raise")
np.set_printoptions(precision=2)
warnings.simplefilter("error")
os.environ["LEAKED_VARIABLE"] = "1"
sys.path.insert(0, "/leaked/path")
os.chdir("/")
np.random.seed(1)
random.seed(1)
'''

PROBE = '''
import importlib, json, os, random, sys, warnings
from analysis.pipeline.kernel_state import WARM_MODULES
for name in WARM_MODULES:  # what a chapter imports (their import-time settings included)
    importlib.import_module(name)
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
np.random.seed(1); first = int(np.random.randint(0, 2**31 - 1))
random.seed(1); first_py = random.random()
np.random.seed(None); random.seed(None)
hidden = {"In", "Out", "get_ipython", "exit", "quit", "open"}
state = {
    "names": sorted(n for n in globals() if not n.startswith("_") and n not in hidden),
    "rc": {k: repr(v) for k, v in mpl.rcParams.items()},
    "figures": plt.get_fignums(),
    "max_rows": pd.get_option("display.max_rows"),
    "np_err": np.geterr(),
    "np_print": np.get_printoptions()["precision"],
    "filters": [repr(f[:3]) for f in warnings.filters],
    "leaked_env": "LEAKED_VARIABLE" in os.environ,
    "path": [p for p in sys.path if "leaked" in p],
    "cwd": os.getcwd(),
    "count": get_ipython().execution_count,
}
print(json.dumps(state, sort_keys=True))
'''


def _notebook(path: Path, *sources: str) -> Path:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources],
                      metadata={"kernelspec": {"name": KERNEL, "display_name": "Python 3",
                                               "language": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    nbformat.write(nb, path)
    return path


def _warm(session: KernelSession, notebook: Path, out: Path,
          timeout: float | None = None) -> bool:
    """Run ``notebook`` in ``session`` as the pipeline does; True when it ran to the end."""
    session.prepare(str(notebook), SNAPSHOT, KERNEL)
    ok = False
    try:
        pm.execute_notebook(str(notebook), str(out), kernel_name=KERNEL, engine_name=ENGINE,
                            session=session, execution_timeout=timeout, progress_bar=False,
                            cwd=str(notebook.parent))
        ok = True
    except Exception:
        pass
    session.finished(ok)
    return ok


def _printed(executed: Path, cell: int) -> str:
    nb = nbformat.read(executed, as_version=4)
    return "".join(o.get("text", "") for o in nb.cells[cell].outputs if o.output_type == "stream")


@pytest.fixture()
def session():
    s = KernelSession(KERNEL, modules=("json",))
    yield s
    s.shutdown()


def test_a_notebook_changes_nothing_the_next_one_sees(tmp_path, monkeypatch):
    for name, value in kernel_environment(SNAPSHOT).items():  # as the pipeline's new kernels
        monkeypatch.setenv(name, value)
    dirty = _notebook(tmp_path / "dirty.ipynb", DIRTY, "%load_ext autoreload\n%autoreload 2")
    probe = _notebook(tmp_path / "probe.ipynb", "%load_ext autoreload", PROBE)
    pm.execute_notebook(str(probe), str(tmp_path / "cold.ipynb"), kernel_name=KERNEL,
                        progress_bar=False, cwd=str(tmp_path))
    cold = json.loads(_printed(tmp_path / "cold.ipynb", 1))

    session = KernelSession(KERNEL)  # the real warm-up: seaborn and the library imported
    try:
        assert _warm(session, dirty, tmp_path / "dirty-out.ipynb")
        assert _warm(session, probe, tmp_path / "warm.ipynb")
        assert session.starts == 1  # the same kernel ran both
    finally:
        session.shutdown()
    warm = json.loads(_printed(tmp_path / "warm.ipynb", 1))
    assert _printed(tmp_path / "warm.ipynb", 0) == ""  # no "already loaded"
    assert "leak" not in warm["names"] and "leaked_function" not in warm["names"]
    assert warm["figures"] == [] and warm["max_rows"] == 60 and not warm["leaked_env"]
    assert warm["path"] == [] and warm["cwd"] == str(tmp_path)
    counts = [c.execution_count for c in nbformat.read(tmp_path / "warm.ipynb", 4).cells]
    assert counts == [1, 2]  # In [1] first, as in a new kernel
    for key in cold:
        assert warm[key] == cold[key], key


def test_random_generators_are_seeded_anew(tmp_path, session):
    draw = _notebook(tmp_path / "draw.ipynb",
                     "import numpy as np, random\n"
                     "print(np.random.randint(0, 2**31 - 1), random.random())")
    _notebook(tmp_path / "seed.ipynb", "import numpy as np, random\n"
              "np.random.seed(7); random.seed(7)")
    assert _warm(session, tmp_path / "seed.ipynb", tmp_path / "s.ipynb")
    assert _warm(session, draw, tmp_path / "a.ipynb")
    assert _warm(session, draw, tmp_path / "b.ipynb")
    import random

    import numpy as np

    np.random.seed(7)
    random.seed(7)
    seeded = f"{np.random.randint(0, 2**31 - 1)} {random.random()}\n"
    a, b = _printed(tmp_path / "a.ipynb", 0), _printed(tmp_path / "b.ipynb", 0)
    assert a != seeded and b != seeded and a != b


def test_a_failure_a_dead_kernel_and_a_timeout_cost_only_their_run(tmp_path, session):
    ok = _notebook(tmp_path / "ok.ipynb", "print('fine')")
    assert _warm(session, ok, tmp_path / "1.ipynb") and session.starts == 1
    pid = session.km.provisioner.pid

    fails = _notebook(tmp_path / "fails.ipynb", "raise RuntimeError('deliberate')")
    assert not _warm(session, fails, tmp_path / "2.ipynb")
    assert session.km is None and not psutil.pid_exists(pid)  # that kernel is gone
    assert _warm(session, ok, tmp_path / "3.ipynb") and session.starts == 2

    dies = _notebook(tmp_path / "dies.ipynb", "import os\nos._exit(3)")
    assert not _warm(session, dies, tmp_path / "4.ipynb")
    assert _warm(session, ok, tmp_path / "5.ipynb") and session.starts == 3

    hangs = _notebook(tmp_path / "hangs.ipynb", "import time\ntime.sleep(60)")
    assert not _warm(session, hangs, tmp_path / "6.ipynb", timeout=3)
    assert _warm(session, ok, tmp_path / "7.ipynb") and session.starts == 4
    assert _printed(tmp_path / "7.ipynb", 0) == "fine\n"


def test_kernels_start_again_after_max_runs_and_above_the_memory_bound(tmp_path):
    ok = _notebook(tmp_path / "ok.ipynb", "x = list(range(1000))")
    counted = KernelSession(KERNEL, max_runs=2, modules=("json",))
    try:
        for i in range(3):
            assert _warm(counted, ok, tmp_path / f"c{i}.ipynb")
        assert counted.starts == 2 and counted.runs == 1
    finally:
        counted.shutdown()
    small = KernelSession(KERNEL, max_memory_mb=1.0, modules=("json",))
    try:
        for i in range(2):
            assert _warm(small, ok, tmp_path / f"m{i}.ipynb")
        assert small.starts == 2 and small.peak_memory_mb > 1.0
    finally:
        small.shutdown()


def test_a_shut_down_session_leaves_no_kernel_and_no_log(tmp_path, session):
    assert _warm(session, _notebook(tmp_path / "ok.ipynb", "import sys\n"
                                    "print('to the log', file=sys.__stderr__)"),
                 tmp_path / "out.ipynb")
    pid, log = session.km.provisioner.pid, session.log
    assert b"to the log" in session.log_since(0)
    session.shutdown()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not log.exists()
