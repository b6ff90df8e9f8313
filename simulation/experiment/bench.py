"""Sweep benchmark: parallel speed-up and memory growth of `gridgov sweep`.

Each sweep runs as its own `gridgov sweep` process (what a user runs), into a temporary
folder, while this process samples the resident memory of that process and all of its
children (pool workers, fork server) every 100 ms. Reported:

- speed-up: throughput (runs/s, wall clock of the whole command) with 2 local workers over 1
  worker, on the whole experiment (target ≥ 1.8×);
- memory ratio: peak memory of the full sweep over that of a sweep with a tenth of the runs
  (240 vs 24 runs for `mechanisms.toml`; target ≤ 1.2×).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_EXPERIMENT = Path(__file__).resolve().parents[2] / "experiments" / "mechanisms.toml"


@dataclass
class SweepMeasure:
    """One measured sweep."""

    label: str
    runs: int
    workers: int
    seconds: float
    peak_rss_mb: float
    run_seconds: float = 0.0

    @property
    def mean_run_s(self) -> float:
        """Mean time one run took inside a worker (rises when cores are shared)."""
        return self.run_seconds / self.runs

    @property
    def busy_workers(self) -> float:
        """Average number of runs executing at once (run time / wall time)."""
        return self.run_seconds / self.seconds

    @property
    def runs_per_s(self) -> float:
        """Throughput over the whole command."""
        return self.runs / self.seconds


def _tree_rss(proc) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure_sweep(
    experiment: str | Path,
    out: Path,
    *,
    workers: int,
    replications: int | None = None,
    days: int | None = None,
    label: str = "",
) -> SweepMeasure:
    """Run one fresh sweep as a subprocess; measure its wall time and peak tree memory.

    Args:
        experiment: Experiment file.
        out: Results folder (overwritten).
        workers: Local workers.
        replications: Override replications.
        days: Override scored days.
        label: Name in the printout.

    Returns:
        A `SweepMeasure`.

    Raises:
        RuntimeError: The sweep failed.
    """
    import psutil

    cmd = [sys.executable, "-m", "simulation.cli", "sweep", str(experiment), "--out", str(out),
           "--fresh", "--workers", str(workers), "--no-progress"]  # fmt: skip
    if replications:
        cmd += ["--replications", str(replications)]
    if days:
        cmd += ["--days", str(days)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(ps))
        time.sleep(0.1)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"sweep failed (exit {proc.returncode}): {err.strip()[-300:]}")
    import json

    import pandas as pd

    n = json.loads((out / "manifest.json").read_text())["n_runs"]
    run_s = float(pd.read_parquet(out / "runs", columns=["elapsed_s"])["elapsed_s"].sum())
    return SweepMeasure(label, n, workers, seconds, peak / 2**20, run_s)


def run_sweep_benchmark(
    experiment: str | Path | None = None,
    *,
    quick: bool = False,
    replications: int | None = None,
) -> dict:
    """Measure the sweep speed-up (1 vs 2 workers) and memory ratio (full vs tenth sweep).

    Three sweeps: the whole experiment with 1 and with 2 workers (speed-up), and a tenth of its
    replications with 2 workers (memory baseline). About 8 minutes for `mechanisms.toml` on 2
    idle cores.

    Args:
        experiment: Experiment file (default ``experiments/mechanisms.toml``).
        quick: Use 60 scored days per run (a smoke test of the benchmark, not the figures).
        replications: Replications of the whole sweep (default: the file's; the memory
            baseline uses a tenth of them, at least 1).

    Returns:
        ``{"measures": [SweepMeasure, ...], "speedup": float, "memory_ratio": float}``.
    """
    from simulation.experiment.spec import load_experiment

    path = Path(experiment) if experiment else DEFAULT_EXPERIMENT
    exp = load_experiment(path, replications=replications)
    big = exp.replications
    small = max(1, big // 10)
    days = 60 if quick else None
    with tempfile.TemporaryDirectory(prefix="gridgov-bench-") as tmp:
        tmp = Path(tmp)

        def sweep(name, workers, reps):
            label = f"{reps} reps, {workers} worker{'s' * (workers > 1)}"
            return measure_sweep(
                path, tmp / name, workers=workers, replications=reps, days=days, label=label
            )

        one = sweep("w1", 1, big)
        full = sweep("w2", 2, big)
        tenth = sweep("tenth", 2, small)
    return {
        "experiment": str(path),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "measures": [one, full, tenth],
        "speedup": full.runs_per_s / one.runs_per_s,
        "memory_ratio": full.peak_rss_mb / tenth.peak_rss_mb,
    }


def print_benchmark(res: dict) -> None:
    """Print a benchmark result as a small table with the two ratios."""
    load = ", ".join(f"{x:.1f}" for x in res["load_average"])
    print(f"sweep benchmark on {res['experiment']} ({res['cpus']} CPUs, load average {load})")
    print(
        f"{'sweep':24} {'runs':>5} {'seconds':>8} {'runs/s':>7} {'peak MB':>8} "
        f"{'s/run':>6} {'busy':>5}"
    )
    for m in res["measures"]:
        print(
            f"{m.label:24} {m.runs:5d} {m.seconds:8.1f} {m.runs_per_s:7.2f} "
            f"{m.peak_rss_mb:8.0f} {m.mean_run_s:6.2f} {m.busy_workers:5.2f}"
        )
    print(f"speed-up 2 vs 1 worker: {res['speedup']:.2f}x (target >= 1.8x)")
    print(
        "  (s/run: mean time of one run inside a worker; it rises when the cores are shared "
        "with other work. busy: runs executing at once on average.)"
    )
    m_big, m_small = res["measures"][1], res["measures"][2]
    print(
        f"peak memory {m_big.runs} vs {m_small.runs} runs: {res['memory_ratio']:.2f}x "
        "(target <= 1.2x)"
    )
