"""Warm kernels: one Jupyter kernel kept running for notebook after notebook.

A :class:`KernelSession` belongs to one worker process (a pool worker of the ``warm`` runner,
or a Dask worker through :class:`analysis.pipeline.runners.dask.WarmKernelPlugin`). It
launches its kernel when the worker starts (or with the first notebook), imports what every
chapter imports in it once (:func:`analysis.pipeline.kernel_state.warm_up`), and before each
notebook puts the kernel
back to the state of a new one (:func:`analysis.pipeline.kernel_state.restore`). papermill
then executes the notebook in that kernel through its engine registry: the engine
``migration-report`` (:class:`WarmEngine`) is papermill's ``nbclient`` engine given the
session's kernel instead of starting one.

The kernel is started again (a fresh process, warmed up again):

- after a run that failed or timed out (a cell may still be running, or its state be odd);
- after ``max_runs`` runs;
- when its memory (resident set) exceeds ``max_memory_mb`` after a run.

A kernel that cannot start, or whose warm-up fails, fails the run with a message naming the
kernel; the next run tries a fresh kernel.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

__all__ = ["ENGINE", "KernelSession", "KernelStartError", "WarmEngine", "current_session",
           "drop_session", "installed_session", "kernel_environment"]

#: The papermill engine the pipeline runs notebooks with (warm kernel or new).
ENGINE = "migration-report"

#: The kernel-side module, reached without binding a name in the user namespace.
_STATE = '__import__("analysis.pipeline.kernel_state", fromlist=["restore"])'


class KernelStartError(RuntimeError):
    """The warm kernel could not start or warm up; ``str(exc)`` says why, naming it."""


def kernel_environment(data_dir: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every chapter kernel runs with, cold or warm.

    ``PYTHONHASHSEED=0`` (set iteration order does not change between runs), the ``Agg``
    backend, one BLAS thread (chapters already run one per core, and OpenBLAS threads
    spinning on the tiny matrices of the time-series fits made the remittances chapter eight
    times slower), and ``MIGRATION_DATA_DIR`` set to the data the pipeline validated.
    """
    from analysis.pipeline.execute import BLAS_THREAD_VARIABLES

    env = dict(os.environ if base is None else base)
    env.update({"PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", "MIGRATION_DATA_DIR": data_dir})
    for var in BLAS_THREAD_VARIABLES:
        env.setdefault(var, "1")
    return env


class KernelSession:
    """One warm kernel of a worker (see the module docstring).

    Parameters
    ----------
    kernel_name : str
        The Jupyter kernel to start (the tasks', ``python3``).
    max_runs : int
        Notebooks a kernel runs before it is started again.
    max_memory_mb : float
        Resident memory (MB) above which the kernel is started again after a run.
    start_timeout : float
        Seconds to wait for the kernel to start and warm up.
    modules : tuple of str, optional
        What the warm-up imports (default:
        :data:`analysis.pipeline.kernel_state.WARM_MODULES`).
    """

    def __init__(self, kernel_name: str, *, max_runs: int = 100,
                 max_memory_mb: float = 1200.0, start_timeout: float = 120.0,
                 modules: tuple[str, ...] | None = None) -> None:
        self.kernel_name = kernel_name
        self.modules = modules
        self.max_runs = max(1, max_runs)
        self.max_memory_mb = max_memory_mb
        self.start_timeout = start_timeout
        self.log: Path | None = None
        self.km: Any = None
        self.kc: Any = None
        self.runs = 0  # since the kernel started
        self.total_runs = 0
        self.starts = 0
        self.peak_memory_mb = 0.0
        self._log_file: IO[bytes] | None = None
        self._thread: int | None = None
        self._warming: str | None = None  # the warm-up's message id, until it replied
        self._warming_since = 0.0

    # -- life cycle -----------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """Whether the kernel process is running."""
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def start(self, data_dir: str) -> None:
        """Start the kernel and warm it up (imports, snapshot); wait until it is warm.

        Raises
        ------
        KernelStartError
            When the kernel does not start or its warm-up fails.
        """
        self.launch(data_dir)
        self.await_warm()

    def launch(self, data_dir: str) -> None:
        """Start the kernel process and send it the warm-up, without waiting for either.

        A pool worker calls this first thing, so that the kernel boots and imports while the
        worker imports its own modules and waits for a task; :meth:`await_warm` (called by
        :meth:`prepare`) then waits for the warm-up's reply, which also tells that the kernel
        is up.

        Raises
        ------
        KernelStartError
            When the kernel process cannot be started.
        """
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.shutdown()
        # The kernel's own output (what a new kernel's would go to the chapter's log): kept
        # open while the kernel runs, closed and removed by shutdown().
        fd, name = tempfile.mkstemp(prefix="migration-report-kernel-", suffix=".log")
        self.log = Path(name)
        self._log_file = os.fdopen(fd, "ab")
        self._thread = threading.get_ident()
        try:
            self.km = AsyncKernelManager(kernel_name=self.kernel_name)
            run_sync(self.km.start_kernel)(
                env=kernel_environment(data_dir), cwd=str(Path.cwd()),
                stdout=self._log_file, stderr=self._log_file,
                # as nbclient starts kernels: no history database shared between kernels
                extra_arguments=["--HistoryManager.hist_file=:memory:"])
            self.kc = self.km.client()
            self.kc.start_channels()
            self.kc.allow_stdin = False
            # Queued until the kernel listens; its reply says the kernel is up and warm.
            self._warming = self.kc.execute(
                f"{_STATE}.warm_up()" if self.modules is None
                else f"{_STATE}.warm_up({tuple(self.modules)!r})",
                silent=True, store_history=False, allow_stdin=False)
            self._warming_since = time.monotonic()
        except Exception as exc:
            self.shutdown()
            raise KernelStartError(f"the kernel '{self.kernel_name}' could not start: "
                                   f"{type(exc).__name__}: {exc}") from None

    def await_warm(self) -> None:
        """Wait for the warm-up sent by :meth:`launch` (nothing to do when warm already).

        Raises
        ------
        KernelStartError
            When the warm-up fails, or the kernel does not answer within ``start_timeout``
            of its launch (it is then stopped).
        """
        if self._warming is None:
            return
        msg_id, self._warming = self._warming, None
        remaining = self.start_timeout - (time.monotonic() - self._warming_since)
        try:
            self._await_reply(msg_id, max(remaining, 1.0))
        except Exception as exc:
            self.shutdown()
            if isinstance(exc, KernelStartError):
                raise
            raise KernelStartError(f"the kernel '{self.kernel_name}' could not start: "
                                   f"{type(exc).__name__}: {exc}") from None
        self.runs = 0
        self.starts += 1

    def shutdown(self) -> None:
        """Stop the kernel (if any) and close its channels and log."""
        from jupyter_core.utils import run_sync

        self._warming = None
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
            with contextlib.suppress(Exception):
                run_sync(self.km.cleanup_resources)()
            self.km = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self.log is not None:
            self.log.unlink(missing_ok=True)
            self.log = None

    def log_position(self) -> int:
        """How much the kernel has written to its log so far (for :meth:`log_since`)."""
        try:
            return self.log.stat().st_size if self.log is not None else 0
        except OSError:
            return 0

    def log_since(self, position: int) -> bytes:
        """What the kernel wrote to its log after ``position`` (one notebook's chatter)."""
        if self.log is None:
            return b""
        try:
            with open(self.log, "rb") as f:
                f.seek(position)
                return f.read()
        except OSError:
            return b""

    def execute(self, code: str, timeout: float | None = None) -> None:
        """Run ``code`` in the kernel silently (no output, not counted in ``In``).

        Raises
        ------
        KernelStartError
            When the code raises in the kernel, or no reply comes within ``timeout``.
        """
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        self._await_reply(msg_id, self.start_timeout if timeout is None else timeout)

    def _await_reply(self, msg_id: str, timeout: float) -> None:
        """Wait for the reply to ``msg_id``; raise :class:`KernelStartError` if it failed."""
        from jupyter_core.utils import run_sync

        deadline = time.monotonic() + timeout

        async def reply() -> dict[str, Any]:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no reply within {timeout:g} s")
                msg = await self.kc.get_shell_msg(timeout=remaining)
                if msg["parent_header"].get("msg_id") == msg_id:
                    return dict(msg["content"])

        content = run_sync(reply)()
        if content.get("status") != "ok":
            raise KernelStartError(f"the kernel '{self.kernel_name}' could not be prepared: "
                                   f"{content.get('ename')}: {content.get('evalue')}")

    # -- one run --------------------------------------------------------------------------
    def prepare(self, notebook: str, data_dir: str, kernel_name: str | None = None) -> None:
        """Make the kernel ready for ``notebook``: started and warm, state of a new kernel.

        Parameters
        ----------
        notebook : str
            The notebook to run next (its folder becomes the working directory).
        data_dir : str
            The data directory (``MIGRATION_DATA_DIR`` in the kernel).
        kernel_name : str, optional
            The kernel the notebook asks for; another than the running one starts it.

        Raises
        ------
        KernelStartError
            When the kernel cannot be started or reset.
        """
        if kernel_name and kernel_name != self.kernel_name:
            self.shutdown()
            self.kernel_name = kernel_name
        if self.km is None or self._thread != threading.get_ident() or not self.alive:
            self.start(data_dir)  # the kernel's channels belong to the thread that opened them
        self.await_warm()
        env = {"MIGRATION_DATA_DIR": data_dir}
        code = f"{_STATE}.restore({str(Path(notebook).parent)!r}, {env!r})"
        try:
            self.execute(code)
        except KernelStartError:
            self.start(data_dir)  # one fresh kernel; a second failure is the run's
            self.execute(code)

    def memory_mb(self) -> float:
        """Resident memory of the kernel process in MB (0 when unknown)."""
        import psutil

        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
        if pid is None:
            return 0.0
        try:
            return psutil.Process(pid).memory_info().rss / 1e6
        except psutil.Error:
            return 0.0

    def finished(self, ok: bool) -> None:
        """Count a run; restart the kernel after a failure, ``max_runs`` or too much memory."""
        self.runs += 1
        self.total_runs += 1
        memory = self.memory_mb()
        self.peak_memory_mb = max(self.peak_memory_mb, memory)
        if not ok or self.runs >= self.max_runs or memory > self.max_memory_mb:
            self.shutdown()  # the next prepare() starts a fresh kernel


class WarmEngine(NBClientEngine):
    """papermill's ``nbclient`` engine, in a warm kernel when given one.

    Called by ``papermill.execute_notebook(..., engine_name="migration-report",
    session=S, keep_on_failure=PATH)``: with a :class:`KernelSession` the notebook runs in
    its kernel (nothing is started or shut down); with ``session=None`` nbclient starts a
    kernel for this notebook alone, as papermill's own engine does. When execution stops on
    something else than a cell's error (the kernel died, a cell timed out), the notebook as
    far as it ran is written to ``keep_on_failure`` (papermill itself writes it for a cell's
    error), without saving it after every cell.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None,
                                 start_timeout: float = 60, execution_timeout: float | None = None,
                                 **kwargs: Any) -> Any:
        """Execute ``nb_man``'s notebook (see the class docstring)."""
        session: KernelSession | None = kwargs.pop("session", None)
        keep: str | None = kwargs.pop("keep_on_failure", None)
        for unused in ("input_path", "timeout", "startup_timeout"):
            kwargs.pop(unused, None)
        client = PapermillNotebookClient(
            nb_man, km=session.km if session else None, timeout=execution_timeout,
            startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
            log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
        if session is not None:
            client.kc = session.kc  # the session's channels
        try:
            return client.execute()
        except Exception:
            if keep:
                with contextlib.suppress(Exception):
                    import nbformat

                    nbformat.write(nb_man.nb, keep)
            raise


papermill_engines.register(ENGINE, WarmEngine)

#: The session of this process (a pool worker's, or a Dask worker's via the plugin).
_SESSION: KernelSession | None = None


def current_session(kernel_name: str | None = None, **settings: Any) -> KernelSession:
    """This process's warm kernel session, made on first call with ``settings``."""
    global _SESSION
    if _SESSION is None:
        from analysis.pipeline.execute import DEFAULT_KERNEL

        _SESSION = KernelSession(kernel_name or DEFAULT_KERNEL, **settings)
        import multiprocessing.util

        multiprocessing.util.Finalize(None, _SESSION.shutdown, exitpriority=10)
    return _SESSION


def installed_session() -> KernelSession | None:
    """This process's session if one was made (a Dask worker with the plugin), else ``None``."""
    return _SESSION


def drop_session() -> None:
    """Stop this process's warm kernel and forget the session (a Dask plugin's teardown)."""
    global _SESSION
    if _SESSION is not None:
        _SESSION.shutdown()
        _SESSION = None
