"""Sweep: design → execute → store in one call (`gridgov sweep` is a shell over this)."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from simulation.config import config_error
from simulation.folders import safe_slug
from simulation.running.cluster import ExecutorLost
from simulation.running.design import Design, build_design
from simulation.running.execute import EXECUTORS, ExecStats, execute, open_executor
from simulation.running.pool import start_fork_server
from simulation.running.spec import load_experiment
from simulation.running.store import ResultStore, StoreWriteError


@dataclass
class SweepResult:
    """Outcome of `run_experiment`.

    Attributes:
        out: The results folder.
        total: Runs in the design.
        skipped: Runs already finished before this call (resume).
        done: Runs finished ok in this call.
        failed: Runs that raised in this call.
        interrupted: True when stopped by Ctrl-C (finished runs are kept).
    """

    out: Path
    total: int
    skipped: int
    done: int
    failed: int
    interrupted: bool

    @property
    def exit_code(self) -> int:
        """0 all runs ok, 1 some failed, 130 interrupted."""
        if self.interrupted:
            return 130
        return 1 if self.failed else 0


def plan(path: str | Path, *, replications: int | None = None, days: int | None = None) -> Design:
    """Validate an experiment file and build its design (nothing is run or written).

    Args:
        path: Experiment TOML file.
        replications: Override the replications.
        days: Override the scored days.

    Returns:
        The `Design`.
    """
    return build_design(load_experiment(path, replications=replications, days=days))


def run_experiment(
    path: str | Path,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    fresh: bool = False,
    replications: int | None = None,
    days: int | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    allow_code_change: bool = False,
    repair: bool = False,
) -> SweepResult:
    """Run (or resume, grow or repair) an experiment and store its results.

    Everything is checked before anything is written: the file, the options, the results
    folder (ours or refused, see `simulation.folders`) and, for Dask, the scheduler.

    Args:
        path: Experiment TOML file.
        out: Results folder (default ``results/<slug of the experiment name>``).
        workers: Worker processes (default: the machine's cores).
        executor: ``"local"`` (process pool), ``"serial"`` or ``"dask"``.
        scheduler: Dask scheduler address; None with ``executor="dask"`` starts a LocalCluster.
        fresh: Remove earlier results in `out` (only files gridgov wrote) instead of resuming.
        replications: Override the file's replications; more than stored grows the folder
            (only the new runs run).
        days: Override the file's scored days.
        chunk_size: Runs per task sent to a worker (default: balanced automatically).
        progress: Show a tqdm progress bar on stderr.
        allow_code_change: Resume although the model code changed (recorded in the manifest).
        repair: Remove damaged parts and run their runs again.

    Returns:
        A `SweepResult`; its ``exit_code`` is what `gridgov sweep` returns.

    Raises:
        ConfigError: Bad experiment file or options, a refused folder, a changed experiment
            or code, damaged parts, an unreachable scheduler, or a full disk.
    """
    _check_options(executor, scheduler, workers, chunk_size, fresh, repair)
    if executor == "local":
        start_fork_server()  # it loads the model while we plan (it dies with us if we refuse)
    design = plan(path, replications=replications, days=days)
    exp = design.experiment
    # A name from a file never becomes a path of its own: it stays one folder under results/.
    out_dir = Path(out) if out is not None else Path("results") / safe_slug(exp.name)
    store = ResultStore(out_dir)
    opts = dict(fresh=fresh, allow_code_change=allow_code_change, repair=repair)
    store.plan(design, **opts)  # refuse before a cluster starts or anything is written
    with open_executor(executor, workers, scheduler) as (pool, n_workers):
        return _sweep(design, store, pool, n_workers, executor, opts, chunk_size, progress)


def _check_options(
    executor: str,
    scheduler: str | None,
    workers: int | None,
    chunk_size: int | None,
    fresh: bool,
    repair: bool,
) -> None:
    """Refuse options that cannot go together or cannot be used, one line each."""
    if executor not in EXECUTORS:
        raise config_error("--executor", executor, f"must be one of {', '.join(EXECUTORS)}")
    if scheduler and executor != "dask":
        raise config_error("--scheduler", scheduler, "only with --executor dask")
    if workers is not None and workers < 1:
        raise config_error("--workers", str(workers), "must be >= 1")
    if chunk_size is not None and chunk_size < 1:
        raise config_error("--chunk-size", str(chunk_size), "must be >= 1")
    if fresh and repair:
        raise config_error("--repair", "--fresh", "choose one: --fresh discards every run")


def _sweep(design, store, pool, n_workers, executor, opts, chunk_size, progress) -> SweepResult:
    """Open the store, run what is missing, and close the store whatever happens."""
    finished = store.open(design, executor=executor, **opts)
    todo = [int(r) for r in design.runs["run_id"] if int(r) not in finished]
    bar = None
    status, stats = "interrupted", ExecStats()
    try:
        if progress:
            name = design.experiment.name[:40]
            bar = tqdm(total=design.n_runs, initial=len(finished), unit="run", desc=name,
                       file=sys.stderr, dynamic_ncols=True)  # fmt: skip
            bar.set_postfix(failed=0)
        with _sigterm_interrupts():
            if todo:
                execute((design.task(r) for r in todo), len(todo), pool, n_workers,
                        store.write_chunk, chunk_size=chunk_size, progress=bar,
                        stats=stats)  # fmt: skip
        if not stats.interrupted:
            status = "failed" if stats.failed else "complete"
    except KeyboardInterrupt:
        stats.interrupted = True
    except StoreWriteError as exc:
        raise config_error(store.root, "disk", str(exc).removeprefix(f"{store.root}: ")) from None
    except ExecutorLost as exc:
        raise config_error(
            store.root, "executor", f"{exc}; the {len(finished) + stats.done} runs finished "
            "so far are kept: run the same command again to resume",
        ) from None  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
        store.close(status, done=stats.done, failed=stats.failed)
    return SweepResult(store.root, design.n_runs, len(finished), stats.done, stats.failed,
                       stats.interrupted)  # fmt: skip


class Stopped(KeyboardInterrupt):
    """A sweep stopped by a signal; caught wherever Ctrl-C is.

    Not a plain KeyboardInterrupt: under `python -m`, CPython ends the process by SIGINT (not
    with the sweep's exit code 130) once a plain KeyboardInterrupt has passed through code run
    by `exec` of a string (dataclasses, named tuples, Numba's generated code), even when caught.
    """


@contextlib.contextmanager
def _sigterm_interrupts():
    """Treat Ctrl-C, SIGTERM and SIGHUP (a closed terminal) alike while sweeping.

    The sweep stops, keeps its finished runs and marks the manifest interrupted.
    """

    def handler(signum, frame):
        raise Stopped

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [
        signal.SIGINT,
        signal.SIGTERM,
        *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else []),
    ]
    old = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)
