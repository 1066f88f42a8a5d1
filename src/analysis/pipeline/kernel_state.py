"""What a warm kernel imports once, and what it puts back between two notebooks.

This module runs *inside* a warm kernel (:mod:`analysis.pipeline.kernels` sends it two
one-line calls). :func:`warm_up` imports the library and the heavy packages once and takes a
snapshot of the process state a notebook can change; :func:`restore` puts that state back
before the next notebook, so that each notebook starts as it would in a new kernel:

- a fresh user namespace and execution counter (IPython's ``reset(new_session=True)``: the
  names a notebook defined, ``In``/``Out`` and ``_`` are gone, ``In [1]`` comes first);
- no open figures, and matplotlib's ``rcParams`` as they were after the imports (a
  ``set_theme`` or ``rc`` call of one notebook does not reach the next);
- the random generators of :mod:`random` and :mod:`numpy.random` seeded anew from the
  operating system, as in a new process;
- pandas' options, numpy's error and print settings, the :mod:`warnings` filters (and the
  "already shown" registries, so a warning shows again), ``os.environ``, the working
  directory and ``sys.path`` as they were;
- IPython's event callbacks and loaded extensions as they were (``%load_ext autoreload``
  loads afresh, without the "already loaded" line).

What is kept is what makes a kernel warm (the objects made by the warm-up are moved out of
the garbage collector's way with :func:`gc.freeze`, so the collection between two notebooks
scans only what the last notebook left): imported modules, and the canonical tables that
:func:`analysis.sources.load_table` keeps in memory, keyed by their checksums (a caller
always gets its own copy). A notebook that assigns to an attribute of an imported module
changes that module for the next notebook too; the chapters do not, and the test of two
notebooks in one kernel checks the state listed above.
"""

from __future__ import annotations

import copy
import gc
import importlib
import os
import random
import sys
import warnings
from typing import Any

__all__ = ["WARM_MODULES", "restore", "snapshot", "warm_up"]

#: Imported by the warm-up: what every chapter notebook imports. A subject package, and what
#: only some chapters use (scipy.stats, statsmodels), is imported by the first notebook that
#: needs it and then kept, so a worker never pays for the subjects it does not run.
WARM_MODULES: tuple[str, ...] = (
    "numpy", "pandas", "matplotlib.pyplot", "seaborn", "analysis.sources",
    "analysis.pipeline.notebook", "analysis.plotting", "analysis.export.display",
    "analysis.export.numbers", "analysis.export.recorder", "analysis.countries",
)

_SNAPSHOT: dict[str, Any] | None = None


def _shell() -> Any:
    from IPython import get_ipython

    return get_ipython()


def _pandas_options() -> dict[str, Any]:
    from pandas._config import config

    deprecated = getattr(config, "_deprecated_options", {})
    values: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key in getattr(config, "_registered_options", {}):
            if key not in deprecated:
                try:
                    values[key] = config.get_option(key)
                except Exception:  # an option that cannot be read is not restored
                    continue
    return values


def snapshot() -> dict[str, Any]:
    """The state :func:`restore` puts back (taken by :func:`warm_up`)."""
    import matplotlib as mpl
    import numpy as np

    shell = _shell()
    state: dict[str, Any] = {
        "rc": copy.deepcopy(dict(mpl.rcParams)),
        "pandas": _pandas_options(),
        "np_err": np.geterr(),
        "np_print": np.get_printoptions(),
        "filters": list(warnings.filters),
        "environ": dict(os.environ),
        "path": list(sys.path),
        "cwd": os.getcwd(),
    }
    if shell is not None:
        state["events"] = {k: list(v) for k, v in shell.events.callbacks.items()}
        state["extensions"] = set(shell.extension_manager.loaded)
    return state


def warm_up(modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Import ``modules`` and take the snapshot :func:`restore` returns to."""
    global _SNAPSHOT
    for name in modules:
        importlib.import_module(name)
    _SNAPSHOT = snapshot()
    gc.collect()
    gc.freeze()  # what the warm-up made lives on: later collections skip it


def _restore_pandas(saved: dict[str, Any]) -> None:
    from pandas._config import config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, value in saved.items():
            try:
                if config.get_option(key) != value:
                    config.set_option(key, value)
            except Exception:  # noqa: S112 - best effort, as the option's own validator says
                continue


def _restore_warnings(saved: list[Any]) -> None:
    warnings.filters[:] = saved
    mutated = getattr(warnings, "_filters_mutated", None) or getattr(
        warnings, "_filters_mutated_lock_held", None)
    if mutated is not None:
        mutated()  # invalidates every module's "already shown" registry
    warnings.onceregistry.clear()


def restore(cwd: str, environ: dict[str, str] | None = None) -> None:
    """Give the next notebook the state of a new kernel (see the module docstring).

    Parameters
    ----------
    cwd : str
        The next notebook's working directory (its folder).
    environ : dict, optional
        Variables to set on top of the snapshot's environment (e.g. ``MIGRATION_DATA_DIR``).

    Raises
    ------
    RuntimeError
        When :func:`warm_up` has not run in this kernel.
    """
    if _SNAPSHOT is None:
        raise RuntimeError("restore() before warm_up(): this kernel was not warmed up")
    import matplotlib as mpl
    import numpy as np

    saved = _SNAPSHOT
    shell = _shell()
    if shell is not None:
        shell.reset(new_session=True)
        for name in list(shell.events.callbacks):
            shell.events.callbacks[name][:] = saved["events"].get(name, [])
        shell.extension_manager.loaded.clear()
        shell.extension_manager.loaded.update(saved["extensions"])
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    dict.update(mpl.rcParams, copy.deepcopy(saved["rc"]))
    _restore_pandas(saved["pandas"])
    np.seterr(**saved["np_err"])
    np.set_printoptions(**saved["np_print"])
    _restore_warnings(saved["filters"])
    wanted = {**saved["environ"], **(environ or {})}
    for key in [k for k in os.environ if k not in wanted]:
        del os.environ[key]
    os.environ.update(wanted)
    sys.path[:] = saved["path"]
    os.chdir(cwd)
    random.seed()
    np.random.seed()
    gc.collect()
