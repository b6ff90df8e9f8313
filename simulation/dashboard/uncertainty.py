"""'Run 10 seeds': the current A/B pair over many seeds, as mean and 95% band, in the background.

One live street is one possible street; whether "interaction adds to connection" holds needs
many. The runs go through the experiment pipeline's own code: each is a task for
`simulation.running.execute.run_one`, handed in chunks by `execute()` to an executor (a shared
process pool on the server, so thirty trainees pressing the button queue on two cores instead of
starting sixty processes). Finished bands are kept in memory by their settings, so the same pair
asked for twice is drawn at once.

The band is the 95% confidence interval of the mean over seeds (Student's t); for B − A the
seeds are paired (the same seed in both streets), which is what makes a small difference visible.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from simulation.dashboard import views
from simulation.running.execute import execute
from simulation.running.pool import LocalPool
from simulation.running.spec import DEFAULT_MODEL

DEFAULT_SEEDS = 10
FIRST_SEED = 1000  # band seeds differ from the live street's, which is one more sample
_CACHE: OrderedDict[str, Bands] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = threading.Lock()
_POOL: tuple[Executor, int] | None = None


@dataclass
class Bands:
    """Mean and 95% band per day of each indicator, per street and for B − A.

    Attributes:
        days: The days (1 .. horizon).
        n: Seeds that finished.
        mean, low, high: ``{side: {indicator: array}}`` with sides "A", "B" and "diff".
        failed: Runs that failed (their error is in `errors`).
    """

    days: np.ndarray
    n: int
    mean: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    low: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    high: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def key(session: Any, n_seeds: int = DEFAULT_SEEDS) -> str:
    """Identity of a band request: both sides' parameters and the seeds.

    The runs cover the whole configured run (burn-in + scored days), not just the days the live
    street has reached, so the band stays drawn while the story plays on to the end.
    """
    sides = {s: session.sides[s].params for s in session.active_sides}
    text = json.dumps([sides, n_seeds, FIRST_SEED], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def tasks(session: Any, n_seeds: int = DEFAULT_SEEDS) -> list[dict[str, Any]]:
    """The runs, as the experiment pipeline's tasks: every side × every seed, whole runs."""
    out = []
    for side in session.active_sides:
        params = dict(session.sides[side].params)
        for i in range(n_seeds):
            out.append({
                "run_id": f"{side}-{i}", "point": 0 if side == "A" else 1, "replication": i,
                "scenario": session.sides[side].scenario, "seed": FIRST_SEED + i,
                "params": params, "model": DEFAULT_MODEL,
            })  # fmt: skip
    return out


def _band(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% confidence band per day, over the seeds that have a value that day."""
    finite = np.isfinite(matrix)
    count = finite.sum(axis=0)
    values = np.where(finite, matrix, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, values.sum(axis=0) / count, np.nan)
        squares = np.where(finite, (matrix - mean) ** 2, 0.0).sum(axis=0)
        sd = np.sqrt(squares / (count - 1))
        half = stats.t.ppf(0.975, np.maximum(count - 1, 1)) * sd / np.sqrt(count)
    half = np.where(count >= 2, half, np.nan)  # one value is no band
    return mean, mean - half, mean + half


def summarise(outcomes: list[dict[str, Any]], sides: tuple[str, ...]) -> Bands:
    """Bands from finished run outcomes (``{"row", "timeseries"}`` as `run_one` returns)."""
    series: dict[str, dict[int, Any]] = {s: {} for s in sides}
    failed, errors = 0, []
    for o in outcomes:
        side, rep = o["row"]["run_id"].split("-")[0], int(o["row"]["replication"])
        if o["row"]["status"] != "ok" or o["timeseries"] is None:
            failed += 1
            errors.append(o["row"]["error"])
            continue
        series[side][rep] = o["timeseries"]
    reps = sorted(set.intersection(*(set(series[s]) for s in sides))) if sides else []
    if not reps:
        return Bands(np.array([]), 0, failed=failed, errors=errors)
    days = series[sides[0]][reps[0]]["day"].to_numpy()
    bands = Bands(days, len(reps), failed=failed, errors=errors)
    for name in views.INDICATORS:
        matrices = {
            s: np.array([_column(series[s][r], name, len(days)) for r in reps]) for s in sides
        }
        if "B" in matrices:
            matrices["diff"] = matrices["B"] - matrices["A"]
        for s, m in matrices.items():
            mean, low, high = _band(m)
            for target, value in ((bands.mean, mean), (bands.low, low), (bands.high, high)):
                target.setdefault(s, {})[name] = value
    return bands


def _column(ts: Any, name: str, n: int) -> np.ndarray:
    values = ts[name].to_numpy(dtype=float) if name in ts else np.full(n, np.nan)
    return values[:n]


def shared_executor() -> tuple[Executor, int]:
    """The server's one process pool for seed runs (created on first use, two workers)."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = (LocalPool(2), 2)
        return _POOL


def cached(request_key: str) -> Bands | None:
    """Bands already computed for this request, if any."""
    with _LOCK:
        return _CACHE.get(request_key)


def run_seeds(
    session: Any,
    n_seeds: int = DEFAULT_SEEDS,
    executor: tuple[Executor, int] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Bands:
    """Run the current A/B pair over `n_seeds` seeds and return the bands (cached by settings).

    Args:
        session: The dashboard session whose settings (not its streets) are run.
        n_seeds: Seeds per street.
        executor: ``(executor, workers)``; default the server's shared pool.
        on_progress: Called with (runs done, runs in all) after each finished chunk.
    """
    request = key(session, n_seeds)
    hit = cached(request)
    if hit is not None:
        return hit
    work = tasks(session, n_seeds)
    sides = tuple(session.active_sides)
    pool, workers = executor or shared_executor()
    outcomes: list[dict[str, Any]] = []

    def collect(chunk: list[dict[str, Any]]) -> None:
        outcomes.extend(chunk)
        if on_progress:
            on_progress(len(outcomes), len(work))

    execute(iter(work), len(work), pool, workers, collect, chunk_size=1)
    bands = summarise(outcomes, sides)
    if bands.n:
        with _LOCK:
            _CACHE[request] = bands
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return bands
