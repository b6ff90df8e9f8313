"""Execute: run design points on an executor and hand finished chunks to the store.

Every executor is a `concurrent.futures.Executor`: `SerialExecutor` (in-process), a local
process pool (forkserver workers that import Mesa and the model once and then take many
chunks), or Dask (`distributed.Client(ADDR).get_executor()`, or a `LocalCluster`). Runs travel
in chunks so thousands of small runs do not swamp a scheduler; a raising run is recorded as
failed with its error and the sweep goes on.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulation.core.outcomes import SUMMARY
from simulation.running.cluster import LOST_SCHEDULER_S, ExecutorLost, open_dask
from simulation.running.pool import LocalPool, abort

EXECUTORS = ("serial", "local", "dask")
_MODELS: dict[str, Callable] = {}


def _model(spec: str) -> Callable:
    """Import ``module:function`` once per process."""
    fn = _MODELS.get(spec)
    if fn is None:
        module, name = spec.split(":")
        fn = _MODELS[spec] = getattr(importlib.import_module(module), name)
    return fn


def metric_names() -> list[str]:
    """Names of every per-run outcome column (`simulation.core.outcomes.SUMMARY`, in its order)."""
    return list(SUMMARY)


def shock_metrics(ts, params: dict[str, Any]) -> dict[str, float]:
    """Recovery after a demand shock, from a run's daily series.

    The pre-shock level is the backlog over the 28 days before the shock; the run has recovered
    on the first day after the shock ends when the 7-day mean backlog is back within the range
    it had then (or within 10%, at least one case, of its mean). A run that never recovers
    gets the days it had left (a censored value, so averages are not flattered by dropping it).

    Args:
        ts: The run's daily DataFrame (columns ``day`` and ``backlog``).
        params: The run's parameters (``shock_start``, ``shock_days``).

    Returns:
        ``recovery_days`` and ``shock_peak_backlog``, or NaN for both without a shock.
    """
    nan = {"recovery_days": math.nan, "shock_peak_backlog": math.nan}
    start = int(params.get("shock_start", 0) or 0)
    if start <= 0 or ts is None or "backlog" not in ts or "day" not in ts:
        return nan
    day = ts["day"].to_numpy()
    backlog = ts["backlog"].to_numpy(dtype=float)
    pre = backlog[(day >= start - 28) & (day < start)]
    if len(pre) == 0:
        return nan
    level = pre.mean()
    end = start + int(params.get("shock_days", 14))
    smooth = np.convolve(backlog, np.ones(7) / 7, mode="full")[: len(backlog)]
    # "Back to normal": within the range the smoothed backlog had in the 28 pre-shock days,
    # or within 10% (at least one case) of its mean, whichever is wider. A fixed 10% band
    # alone would mistake day-to-day noise for a slow recovery.
    pre_smooth = smooth[(day >= start - 28) & (day < start)]
    threshold = max(pre_smooth.max(), level + max(0.1 * level, 1.0))
    after = day >= end
    ok = after & (smooth <= threshold)
    if ok.any():
        rec_day = day[np.argmax(ok)]
        recovery = float(rec_day - end)
    else:
        rec_day = day[-1]
        recovery = float(day[-1] - end + 1)
    window = (day >= start) & (day <= rec_day)
    return {"recovery_days": recovery, "shock_peak_backlog": float(backlog[window].max())}


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return " ".join(text.split())[:500]


def run_one(task: dict[str, Any]) -> dict[str, Any]:
    """Execute one run; never raises for a model error.

    Args:
        task: From `Design.task`: run_id, point, replication, scenario, seed, params, model.

    Returns:
        ``{"row": per-run row, "timeseries": DataFrame or None}``. The row holds the run's
        identifiers, every parameter, every metric (NaN when failed), ``status`` ("ok" or
        "failed"), ``error`` ("" when ok) and ``elapsed_s``.
    """
    t0 = time.perf_counter()
    row: dict[str, Any] = {
        "run_id": task["run_id"],
        "point": task["point"],
        "replication": task["replication"],
        "scenario": task["scenario"],
        "seed": task["seed"],
        **task["params"],
    }
    metrics = dict.fromkeys(metric_names(), math.nan)
    ts = None
    try:
        result = _model(task["model"])(dict(task["params"]), task["seed"])
        ts = result.timeseries.copy()
        metrics.update({k: float(v) for k, v in result.summary.items()})
        metrics.update(shock_metrics(ts, task["params"]))
        ts.insert(0, "run_id", task["run_id"])
        status, error = "ok", ""
    except Exception as exc:  # a failing run is data, not a crash of the sweep
        status, error, ts = "failed", _one_line(exc), None
    row.update(metrics)
    row.update(status=status, error=error, elapsed_s=time.perf_counter() - t0)
    return {"row": row, "timeseries": ts}


def run_chunk(tasks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Execute a chunk of runs in order (the unit of work an executor receives)."""
    return [run_one(t) for t in tasks]


def failed_outcome(task: dict[str, Any], error: str) -> dict[str, Any]:
    """The outcome of a run whose worker was lost (recorded as failed, retried on resume)."""
    row = {k: task[k] for k in ("run_id", "point", "replication", "scenario", "seed")}
    row.update(task["params"])
    row.update(dict.fromkeys(metric_names(), math.nan))
    row.update(status="failed", error=error, elapsed_s=math.nan)
    return {"row": row, "timeseries": None}


class SerialExecutor(Executor):
    """Runs each submitted call at once, in this process (for debugging and 1-core machines)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """Run ``fn(*args, **kwargs)`` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@contextlib.contextmanager
def open_executor(
    kind: str = "local", workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[Executor, int]]:
    """Open an executor and yield it with its number of workers.

    Args:
        kind: ``"serial"``, ``"local"`` (process pool) or ``"dask"``.
        workers: Worker processes (local; Dask LocalCluster). Default: the machine's cores.
        scheduler: Dask scheduler address (``tcp://host:8786``); None starts a LocalCluster.

    Yields:
        ``(executor, n_workers)``.
    """
    n = workers or os.cpu_count() or 1
    if kind == "serial":
        yield SerialExecutor(), 1
    elif kind == "local":
        pool = LocalPool(n)
        try:
            yield pool, n
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif kind == "dask":
        with open_dask(scheduler, n) as opened:
            yield opened
    else:
        raise ValueError(f"unknown executor {kind!r}")


@dataclass
class ExecStats:
    """What happened during `execute`."""

    done: int = 0
    failed: int = 0
    interrupted: bool = False


def default_chunk_size(n_runs: int, n_workers: int) -> int:
    """Chunk size giving each worker ~32 chunks (load balance, little lost on a kill), ≤ 8 runs."""
    return max(1, min(8, math.ceil(n_runs / (n_workers * 32))))


def execute(
    tasks: Iterator[dict[str, Any]],
    n_runs: int,
    executor: Executor,
    n_workers: int,
    on_chunk: Callable[[list[dict[str, Any]]], None],
    *,
    chunk_size: int | None = None,
    progress: Any = None,
    retries: int = 2,
    stats: ExecStats | None = None,
) -> ExecStats:
    """Run tasks in chunks on an executor, handing each finished chunk to `on_chunk`.

    At most two chunks per worker are in flight, so results never pile up in memory: each
    chunk is stored as soon as it returns. Ctrl-C cancels what has not started and returns with
    ``interrupted=True``; everything already handed to `on_chunk` is kept.

    Args:
        tasks: Run tasks (lazily produced), see `Design.task`.
        n_runs: How many tasks there are (for chunking and progress).
        executor: Any `concurrent.futures.Executor`.
        n_workers: Parallelism of the executor.
        on_chunk: Called in this process with each finished chunk's outcomes.
        chunk_size: Runs per chunk (default: `default_chunk_size`).
        progress: A tqdm bar (or None).
        retries: Resubmissions of a chunk whose worker was lost before it is recorded failed.
        stats: Counts to update (the caller's, so they survive an exception); default new.

    Returns:
        `ExecStats`.
    """
    size = chunk_size or default_chunk_size(n_runs, n_workers)
    stats = stats if stats is not None else ExecStats()
    flight = _InFlight(executor, on_chunk, stats, progress, retries)
    source = _chunked(tasks, size)
    exhausted = False
    try:
        while True:
            if flight.last_tries:
                if not flight.pending:
                    flight.submit([flight.last_tries.popleft()], retries)
            elif not exhausted:
                exhausted = flight.top_up(source, 2 * n_workers)
            if not flight.pending:
                if exhausted and not flight.last_tries:
                    break
                continue
            flight.collect_finished()
    except KeyboardInterrupt:
        stats.interrupted = True
        flight.cancel()
    except BaseException:  # a lost cluster or a full disk: stop the work in flight too
        flight.cancel()
        raise
    return stats


def _chunked(tasks: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """The tasks in lists of `size` (the last one shorter), drawn lazily."""
    buf = []
    for t in tasks:
        buf.append(t)
        if len(buf) == size:
            yield buf
            buf = []
    if buf:
        yield buf


class _InFlight:
    """The chunks submitted to an executor and not yet recorded, with their retries."""

    def __init__(
        self,
        executor: Executor,
        on_chunk: Callable[[list[dict[str, Any]]], None],
        stats: ExecStats,
        progress: Any,
        retries: int,
    ) -> None:
        self.executor = executor
        self.on_chunk = on_chunk
        self.stats = stats
        self.progress = progress
        self.retries = retries
        # An executor that can be lost (Dask) has a health check, polled while waiting.
        self.health: Callable[[], str | None] | None = getattr(executor, "health", None)
        self.pending: dict[Future, tuple[list, int]] = {}
        # Runs whose worker died twice get a last try alone, so a run that kills its worker
        # cannot take innocent runs with it: a broken pool fails every future in flight.
        self.last_tries: deque[dict[str, Any]] = deque()

    def record(self, outcomes: list[dict[str, Any]]) -> None:
        """Hand a chunk's outcomes on and count them."""
        self.on_chunk(outcomes)
        n_failed = sum(o["row"]["status"] != "ok" for o in outcomes)
        self.stats.done += len(outcomes) - n_failed
        self.stats.failed += n_failed
        if self.progress is not None:
            self.progress.update(len(outcomes))
            if n_failed:
                self.progress.set_postfix(failed=self.stats.failed, refresh=False)

    def submit(self, chunk: list, attempt: int) -> None:
        """Submit one chunk; an executor that refuses it fails its runs."""
        try:
            self.pending[self.executor.submit(run_chunk, chunk)] = (chunk, attempt)
        except Exception as exc:  # a broken pool or a lost scheduler: record, resume retries
            self.record([failed_outcome(t, f"executor failed: {_one_line(exc)}") for t in chunk])

    def top_up(self, source: Iterator[list], limit: int) -> bool:
        """Submit fresh chunks until `limit` are in flight; True once `source` is exhausted."""
        while len(self.pending) < limit:
            chunk = next(source, None)
            if chunk is None:
                return True
            self.submit(chunk, 0)
        return False

    def collect_finished(self) -> None:
        """Wait for at least one chunk to finish (or a health poll) and collect what finished."""
        poll = 1.0 if self.health is not None else None
        done, _ = wait(list(self.pending), timeout=poll, return_when=FIRST_COMPLETED)
        if self.health is not None:
            # Before the futures a lost scheduler cancelled are taken for failed runs.
            _check_health(self.health, settle=any(f.cancelled() for f in done))
        for fut in done:
            self.collect(fut)

    def collect(self, fut: Future) -> None:
        """Record a finished chunk, or resubmit its runs when the worker (not a run) failed."""
        chunk, attempt = self.pending.pop(fut)
        try:
            outcomes = fut.result()
        except Exception as exc:  # the worker, not the run, failed
            if attempt + 1 < self.retries:
                # Retry run by run, so one run that kills its worker takes no others.
                for task in chunk:
                    self.submit([task], attempt + 1)
                return
            if attempt + 1 == self.retries:
                self.last_tries.extend(chunk)
                return
            outcomes = [failed_outcome(t, f"worker lost: {_one_line(exc)}") for t in chunk]
        self.record(outcomes)

    def cancel(self) -> None:
        """Cancel every chunk in flight and stop the executor's work."""
        for fut in self.pending:
            fut.cancel()
        abort(self.executor)


def _check_health(health: Callable[[], str | None], settle: bool) -> None:
    """Raise `ExecutorLost` when the executor reports a problem.

    With `settle` (futures were cancelled under us), wait up to a few seconds for the
    verdict rather than retrying runs on a cluster that is going away.
    """
    deadline = time.monotonic() + (LOST_SCHEDULER_S + 1.0 if settle else 0.0)
    while True:
        problem = health()
        if problem:
            raise ExecutorLost(problem)
        if time.monotonic() >= deadline:
            return
        time.sleep(0.2)
