"""The local process pool: forkserver workers that import the model once and die with us.

`LocalPool` replaces itself when a worker dies hard, and every process it starts exits when
the sweep does: the fork server and each worker ask Linux for ``PR_SET_PDEATHSIG``, so a
``kill -9`` of the sweep leaves no worker computing for nobody (the resource tracker follows
once their pipes close).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import multiprocessing
import os
import signal
import sys
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing import forkserver


def start_fork_server():
    """Start the fork server now (if not yet running); returns the forkserver context.

    The fork server imports Mesa and the model once and loads the compiled kernels (see
    `_prepare_fork_server`); every worker forks from it. Started early, it does that while the
    sweep is still planning, instead of before the first run.
    """
    ctx = multiprocessing.get_context("forkserver")
    # Read by the fork server when it imports this module (see `_die_with_parent`).
    os.environ[_SWEEP_PID] = str(os.getpid())
    ctx.set_forkserver_preload(
        ["simulation.running.pool", "simulation.running.execute", "simulation.run"]
    )
    forkserver.ensure_running()
    return ctx


class LocalPool(Executor):
    """A process pool that replaces itself when a worker dies hard (segfault, OOM, os._exit).

    A plain `ProcessPoolExecutor` is unusable once any worker dies; here the futures of the
    broken pool fail (and `execute` resubmits their chunks) while new work goes to a fresh pool.
    """

    def __init__(self, workers: int):
        ctx = start_fork_server()
        self._make = lambda: ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker)
        self._pool = self._make()

    @property
    def _processes(self):
        return getattr(self._pool, "_processes", None)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """Submit to the current pool, replacing it first if a worker death broke it."""
        if getattr(self._pool, "_broken", False):
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._make()
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the current pool down."""
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


_SWEEP_PID = "GRIDGOV_SWEEP_PID"


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no orphans after a kill -9).

    The sweep starts the fork server, which forks the workers: each link of that chain dies
    with the one above it, so a SIGKILLed sweep leaves no worker computing for nobody.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request was made
        os._exit(1)


def _prepare_fork_server() -> None:
    """Load in the fork server what every worker needs, so each fork inherits it.

    The model, Mesa, NumPy, pandas and the compiled kernels (a short street loads their
    cached machine code), about a core-second a worker; then the loaded objects are frozen
    out of the garbage collector's passes (`gc.freeze`), so workers neither scan nor copy them.
    """
    with contextlib.suppress(Exception):  # a worker would then load them itself
        importlib.import_module("pandas")
        from simulation.core.model import GridGovernanceModel

        GridGovernanceModel(rng=0, burn_in_days=1, scored_days=2).run()
    gc.collect()
    gc.freeze()


# In the fork server (its parent is the sweep that set the variable): die with the sweep.
if os.environ.get(_SWEEP_PID) == str(os.getppid()):
    _die_with_parent()
    _prepare_fork_server()


def _init_worker() -> None:
    # Ctrl-C is the parent's business: it stops submitting and keeps finished chunks. Workers
    # that died of SIGINT would break the pool before the parent could shut it down cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()  # the worker's parent is the fork server
    with contextlib.suppress(ImportError):
        importlib.import_module("simulation.run")


def abort(executor: Executor) -> None:
    """Stop a local pool's workers now instead of letting their current chunks finish.

    Their runs are not stored, so a resume runs them again; waiting could take a whole chunk.
    """
    processes = getattr(executor, "_processes", None) or {}
    for proc in list(processes.values()):
        with contextlib.suppress(Exception):
            proc.terminate()
