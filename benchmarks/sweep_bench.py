"""Sweep benchmarks: runs per core-second before and after the kernels, scaling and memory.

`python -m benchmarks.sweep_bench --help` (or `make bench-sweep`). Each sweep runs as its own
``python -m simulation.cli sweep`` process (what a user runs), into a temporary folder, while
this process samples that process tree (the sweep, its fork server and pool workers) every 100
ms for resident memory and CPU time. Reported:

- runs per core-second (target ≥ 8× the before code): the runs of a fifth of the
  experiment (6 of `mechanisms.toml`'s 30 replications × 8 points = 48 runs) over the CPU
  seconds (user + sys) of the whole sweep process tree, start-up and imports included; also
  runs / (wall seconds × workers). The same sweep runs on this code and on the before code
  (commit `BEFORE_COMMIT`, checked out into a temporary git worktree that is removed
  afterwards), alternating, so machine load hits both alike. Without git or that commit, the
  before figure recorded in docs/performance.md is printed instead, and said so;
- speed-up: throughput (runs/s, wall clock of the whole command) with 2 local workers over 1
  worker, on the whole experiment (target ≥ 1.8×);
- memory ratio: peak memory of the full sweep over that of a sweep with a tenth of the runs
  (240 vs 24 runs for `mechanisms.toml`; target ≤ 1.2×).

One-off costs of a first use (byte code compiled, into a temporary PYTHONPYCACHEPREFIX folder
so that both checkouts read compiled byte code even where PYTHONDONTWRITEBYTECODE is set; Numba
kernels compiled into their on-disk cache) are paid by a short warm-up sweep per code, not
counted, before any sweep is timed; each timed sweep still pays its own start-up (imports,
workers), as a user's does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulation.cli.bench import bounded_int
from simulation.running.spec import load_experiment

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EXPERIMENT = PROJECT_ROOT / "experiments" / "mechanisms.toml"
PERFORMANCE_DOC = PROJECT_ROOT / "docs" / "performance.md"
# The default comparison point ("the before code"): model v2 on plain NumPy, no compiled kernels.
BEFORE_COMMIT = "f9db633"
QUICK_DAYS = 60  # scored days per run with --quick (a smoke test of the benchmark)
WARM_UP_DAYS = 10  # scored days per run of a warm-up sweep (one replication)
# The line of docs/performance.md that records the before figure, read when git cannot give it.
_RECORDED = re.compile(r"runs_per_core_second\s*=\s*([0-9.]+)\s*\(commit\s+([0-9a-f]{7,40})\)")

Echo = Callable[[str], None] | None


@dataclass
class SweepMeasure:
    """One measured sweep."""

    label: str
    runs: int
    workers: int
    seconds: float
    peak_rss_mb: float
    run_seconds: float = 0.0
    cpu_seconds: float = math.nan
    load1: float = math.nan

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

    @property
    def runs_per_core_s(self) -> float:
        """Runs per CPU second (user + sys) of the whole sweep process tree."""
        return self.runs / self.cpu_seconds

    @property
    def runs_per_wall_worker_s(self) -> float:
        """Runs per wall second per worker: runs / (wall × workers)."""
        return self.runs / (self.seconds * self.workers)


class _TreeSampler:
    """Peak resident memory and CPU time of a process and its descendants, sampled.

    CPU time of a process that has ended is seen either in its parent's reaped-children times
    (when the parent waited for it) or in its own times at the last sample; each process's
    subtree counts the larger of the two, so nothing is counted twice (a pool worker is reaped
    by the fork server, not by the sweep process, and is only seen by sampling).
    """

    def __init__(self, pid: int):
        # psutil is an optional extra (experiments, dev): imported where a measurement needs it.
        import psutil

        self.root = psutil.Process(pid)
        self.peak = 0
        self.own: dict[int, float] = {}  # pid -> user + sys at the last sample
        self.reaped: dict[int, float] = {}  # pid -> its reaped children's user + sys
        self.parent: dict[int, int] = {}

    def sample(self) -> None:
        import psutil

        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss = 0
        for p in procs:
            try:
                with p.oneshot():
                    rss += p.memory_info().rss
                    t = p.cpu_times()
                    if p.pid not in self.parent:
                        self.parent[p.pid] = p.ppid()
            except psutil.Error:
                continue
            self.own[p.pid] = t.user + t.system
            self.reaped[p.pid] = t.children_user + t.children_system
        self.peak = max(self.peak, rss)

    def kill(self) -> None:
        """Kill the process and every descendant."""
        import psutil

        with contextlib.suppress(psutil.Error):
            procs = [*self.root.children(recursive=True), self.root]
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    p.kill()

    def cpu_seconds(self, root_total: float = 0.0) -> float:
        """CPU seconds of the tree; `root_total` is what waiting for the root reported."""
        children: dict[int, list[int]] = {}
        for pid, ppid in self.parent.items():
            if pid != self.root.pid:
                children.setdefault(ppid, []).append(pid)
        seen: set[int] = set()

        def subtree(pid: int) -> float:
            seen.add(pid)
            below = sum(subtree(c) for c in children.get(pid, []) if c not in seen)
            return self.own.get(pid, 0.0) + max(self.reaped.get(pid, 0.0), below)

        return max(root_total, subtree(self.root.pid))


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # not on POSIX: sampling alone
        return 0.0
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


@dataclass
class Sampled:
    """What `run_sampled` saw of one command."""

    returncode: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    stderr: str


def run_sampled(
    cmd: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    timeout: float | None = None,
) -> Sampled:
    """Run a command; sample its process tree every 100 ms for memory and CPU time.

    Args:
        cmd: The command.
        env: Its environment (default: this process's).
        cwd: Its working folder (default: this process's).
        timeout: Seconds after which the command's process tree is killed (exit code -9).

    Returns:
        Exit code, wall seconds, CPU seconds (user + sys of the whole tree, see
        `_TreeSampler`), peak resident memory of the tree in MiB, and its stderr.
    """
    # stderr goes to a file: a chatty command must not block on a full pipe while we sample.
    with tempfile.TemporaryFile("w+") as err_file:
        before_cpu = _children_cpu()
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=err_file, text=True, env=env, cwd=cwd
        )
        sampler = _TreeSampler(proc.pid)
        while proc.poll() is None:
            sampler.sample()
            if timeout is not None and time.perf_counter() - t0 > timeout:
                sampler.kill()
                proc.wait()
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - t0
        cpu = sampler.cpu_seconds(_children_cpu() - before_cpu)
        err_file.seek(0)
        err = err_file.read()
    return Sampled(proc.returncode, seconds, cpu, sampler.peak / 2**20, err)


def measure_sweep(
    experiment: str | Path,
    out: Path,
    *,
    workers: int,
    replications: int | None = None,
    days: int | None = None,
    label: str = "",
    code_root: Path | None = None,
    pycache: Path | None = None,
) -> SweepMeasure:
    """Run one fresh sweep as a subprocess; measure its wall time, CPU time and peak memory.

    Args:
        experiment: Experiment file.
        out: Results folder (overwritten).
        workers: Local workers.
        replications: Override replications.
        days: Override scored days.
        label: Name in the printout.
        code_root: Folder holding the `simulation` package to run (put first on the
            subprocess's PYTHONPATH and made its working folder); default: whatever
            ``python -m simulation.cli`` finds from here.
        pycache: Folder for the subprocess's byte code (PYTHONPYCACHEPREFIX, written even
            when PYTHONDONTWRITEBYTECODE is set): every sweep given the same folder after a
            warm-up reads compiled byte code, as a user's does, whichever checkout it runs
            and without writing into it.

    Returns:
        A `SweepMeasure`.

    Raises:
        RuntimeError: The sweep failed.
    """
    cmd = [sys.executable, "-m", "simulation.cli", "sweep", str(experiment), "--out", str(out),
           "--fresh", "--workers", str(workers), "--no-progress"]  # fmt: skip
    if replications:
        cmd += ["--replications", str(replications)]
    if days:
        cmd += ["--days", str(days)]
    env, cwd = _sweep_env(code_root, pycache)
    m = run_sampled(cmd, env=env, cwd=cwd)
    if m.returncode != 0:
        raise RuntimeError(f"sweep failed (exit {m.returncode}): {m.stderr.strip()[-300:]}")
    n = json.loads((out / "manifest.json").read_text())["n_runs"]
    try:
        run_s = float(pd.read_parquet(out / "runs", columns=["elapsed_s"])["elapsed_s"].sum())
    except (OSError, KeyError, ValueError):  # an older store layout: no per-run times
        run_s = math.nan
    return SweepMeasure(
        label, n, workers, m.seconds, m.peak_rss_mb, run_s, m.cpu_seconds, os.getloadavg()[0]
    )


def _sweep_env(code_root: Path | None, pycache: Path | None) -> tuple[dict[str, str], str | None]:
    """The environment and working folder of a sweep subprocess (see `measure_sweep`)."""
    env, cwd = dict(os.environ), None
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    if code_root is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(code_root), env.get("PYTHONPATH", "")) if p
        )
        cwd = str(code_root)
    return env, cwd


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=120
    )


def code_label(root: Path = PROJECT_ROOT) -> str:
    """The git commit of `root` (``-dirty`` when changed), or "this code" outside git."""
    try:
        r = _git(root, "describe", "--always", "--dirty", "--abbrev=7")
    except (OSError, subprocess.SubprocessError):
        return "this code"
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else "this code"


@contextlib.contextmanager
def before_checkout(
    commit: str = BEFORE_COMMIT, root: Path = PROJECT_ROOT
) -> Iterator[tuple[Path | None, str]]:
    """Check `commit` out into a temporary git worktree; remove it on exit.

    Args:
        commit: The commit to check out.
        root: The project folder (inside a git checkout).

    Yields:
        ``(code_root, "")`` with the project folder inside the worktree, or ``(None, reason)``
        when git, the checkout or the commit is not available.
    """
    if shutil.which("git") is None:
        yield None, "git is not installed"
        return
    top = _git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        yield None, f"{root} is not a git checkout"
        return
    top_dir = Path(top.stdout.strip()).resolve()
    if _git(root, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}").returncode != 0:
        yield None, f"commit {commit} is not in this clone"
        return
    tmp = Path(tempfile.mkdtemp(prefix="gridgov-before-"))
    tree = tmp / "src"
    added = _git(top_dir, "worktree", "add", "--detach", "--quiet", str(tree), commit)
    if added.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        yield None, f"git worktree add failed: {added.stderr.strip()[-200:]}"
        return
    try:
        yield tree / root.resolve().relative_to(top_dir), ""
    finally:
        removed = _git(top_dir, "worktree", "remove", "--force", str(tree))
        if removed.returncode != 0:
            print(
                f"sweep_bench: warning: could not remove the worktree {tree}: "
                f"{removed.stderr.strip()[-200:]}",
                file=sys.stderr,
            )
        shutil.rmtree(tmp, ignore_errors=True)


def recorded_before(doc: Path = PERFORMANCE_DOC) -> tuple[float, str] | None:
    """The before figure recorded in docs/performance.md: (runs per core-second, commit)."""
    try:
        m = _RECORDED.search(doc.read_text(encoding="utf-8"))
    except OSError:
        return None
    return (float(m.group(1)), m.group(2)) if m else None


def run_core_benchmark(
    experiment: str | Path | None = None,
    *,
    quick: bool = False,
    replications: int | None = None,
    fraction: int = 5,
    rounds: int = 2,
    workers: int = 2,
    before: str | None = BEFORE_COMMIT,
    warm_up: bool = True,
    echo: Echo = None,
) -> dict:
    """Runs per core-second of a fraction of an experiment, this code and the before code.

    One warm-up sweep per code (one replication, `WARM_UP_DAYS` scored days; not counted),
    then `rounds` rounds of the same sweep on each code, the order alternating (before, after;
    after, before; ...). About 2-3 minutes for a fifth of `mechanisms.toml` on 2 cores
    with the before code of model v2.

    Args:
        experiment: Experiment file (default ``experiments/mechanisms.toml``). For the before
            code, the file at the same path inside its checkout is used when it exists (it
            matches that code's scenarios and parameters).
        quick: Use `QUICK_DAYS` scored days per run (a smoke test of the benchmark).
        replications: The experiment's replications (default: the file's); a `fraction`
            of them, at least 1, is run.
        fraction: Run one replication in this many (5: 6 of 30).
        rounds: Sweeps per code.
        workers: Local workers of each sweep.
        before: Commit of the before code; None to use the recorded figure only.
        warm_up: Run the warm-up sweeps.
        echo: Called with one line per finished sweep (progress); None for silence.

    Returns:
        A dict with the settings, ``"warm_up"`` and ``"measures"`` (``{"before": [...],
        "after": [...]}`` of `SweepMeasure`), the medians, the ratios after/before (None when
        there is no comparable before figure) and where the before figure came from.
    """
    say = echo or (lambda _line: None)
    path = Path(experiment).resolve() if experiment else DEFAULT_EXPERIMENT
    exp = load_experiment(path, replications=replications)
    reps = max(1, exp.replications // fraction)
    days = QUICK_DAYS if quick else None
    res: dict = {
        "experiment": str(path),
        "replications": reps,
        "of_replications": exp.replications,
        "workers": workers,
        "quick": quick,
        "cpus": os.cpu_count(),
        "before_commit": before,
        "after_code": code_label(),
        "warm_up": {},
        "measures": {"before": [], "after": []},
        "before_recorded": None,
        "before_note": "",
    }
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gridgov-bench-")))
        if before:
            before_root, why = stack.enter_context(before_checkout(before))
        else:
            before_root, why = None, "no before commit asked for"
        codes = _codes(path, before_root)
        if before_root is None:
            res["before_note"] = why
        res["warm_up"], res["measures"] = _time_sweeps(
            codes, tmp, workers=workers, replications=reps, days=days, rounds=rounds,
            warm_up=warm_up, say=say,
        )  # fmt: skip
    res["load_average"] = os.getloadavg()
    comparable = not quick and replications is None and path == DEFAULT_EXPERIMENT
    return _core_figures(res, comparable)


def _codes(path: Path, before_root: Path | None) -> list[tuple[str, Path, Path]]:
    """``(name, checkout, experiment file)`` of each code to time, the before code first.

    The before code runs the experiment file at the same path inside its checkout when it has
    one (it matches that code's scenarios and parameters).
    """
    codes = [("after", PROJECT_ROOT, path)]
    if before_root is not None:
        before_exp = path
        with contextlib.suppress(ValueError):
            inside = before_root / path.relative_to(PROJECT_ROOT)
            before_exp = inside if inside.is_file() else path
        codes.insert(0, ("before", before_root, before_exp))
    return codes


def _time_sweeps(
    codes: list[tuple[str, Path, Path]],
    tmp: Path,
    *,
    workers: int,
    replications: int,
    days: int | None,
    rounds: int,
    warm_up: bool,
    say: Callable[[str], None],
) -> tuple[dict[str, SweepMeasure], dict[str, list[SweepMeasure]]]:
    """Warm-up sweeps (not counted), then `rounds` timed sweeps per code, the order alternating.

    Returns:
        ``(warm-up measure by code, timed measures by code)``.
    """
    pyc = tmp / "pycache"
    warm: dict[str, SweepMeasure] = {}
    measures: dict[str, list[SweepMeasure]] = {"before": [], "after": []}
    if warm_up:
        for name, root, exp_path in codes:
            warm[name] = m = measure_sweep(
                exp_path, tmp / f"warm-{name}", workers=workers, replications=1,
                days=WARM_UP_DAYS, label=f"warm-up {name}", code_root=root, pycache=pyc,
            )  # fmt: skip
            say(f"  warm-up {name}: {m.runs} short runs, {m.seconds:.1f} s (not counted)")
    for r in range(rounds):
        for name, root, exp_path in codes if r % 2 == 0 else codes[::-1]:
            m = measure_sweep(
                exp_path, tmp / f"{name}-{r}", workers=workers, replications=replications,
                days=days, label=f"{name} (round {r + 1})", code_root=root, pycache=pyc,
            )  # fmt: skip
            measures[name].append(m)
            say(
                f"  {m.label}: {m.runs} runs, {m.seconds:.1f} s wall, {m.cpu_seconds:.1f} "
                f"CPU s, {m.runs_per_core_s:.3f} runs per core-second (load {m.load1:.2f})"
            )
    return warm, measures


def _core_figures(res: dict, comparable: bool) -> dict:
    """Add the medians and the ratios after/before to a core benchmark's `res`.

    Without measured before sweeps, the figure recorded in docs/performance.md is used, when
    the sweep is `comparable` with it (the whole default experiment, full length).
    """
    after, before_ms = res["measures"]["after"], res["measures"]["before"]
    res["runs"] = after[0].runs if after else 0
    res["after_core"] = statistics.median(m.runs_per_core_s for m in after)
    res["after_wall"] = statistics.median(m.runs_per_wall_worker_s for m in after)
    res["before_core"] = res["before_wall"] = res["ratio_core"] = res["ratio_wall"] = None
    if before_ms:
        res["before_source"] = "worktree"
        res["before_core"] = statistics.median(m.runs_per_core_s for m in before_ms)
        res["before_wall"] = statistics.median(m.runs_per_wall_worker_s for m in before_ms)
        res["ratio_core"] = res["after_core"] / res["before_core"]
        res["ratio_wall"] = res["after_wall"] / res["before_wall"]
        return res
    res["before_source"] = "recorded"
    res["before_recorded"] = recorded_before()
    if res["before_recorded"] and comparable:
        res["before_core"] = res["before_recorded"][0]
        res["ratio_core"] = res["after_core"] / res["before_core"]
    return res


def print_core_benchmark(res: dict) -> None:
    """Print a `run_core_benchmark` result: one row per sweep, the medians and the ratios."""
    load = ", ".join(f"{x:.2f}" for x in res["load_average"])
    reps, points = res["replications"], res["runs"] // res["replications"]
    quick = f", quick ({QUICK_DAYS} scored days a run)" if res["quick"] else ""
    print(
        f"runs per core-second on {Path(res['experiment']).name}: {reps} of "
        f"{res['of_replications']} replications x {points} points = {res['runs']} runs, "
        f"{res['workers']} workers{quick}"
    )
    print(
        f"({res['cpus']} CPUs, load average {load}; CPU s = user + sys of the whole sweep "
        "process tree: sweep, fork server, workers, start-up and imports included)"
    )
    if res["warm_up"]:
        warm = ", ".join(f"{k} {m.seconds:.1f} s" for k, m in res["warm_up"].items())
        print(f"warm-up sweeps first, not counted (byte code and Numba compile, caches): {warm}")
    print(
        f"{'sweep':34} {'runs':>4} {'wall s':>7} {'CPU s':>7} {'runs/CPU-s':>10} "
        f"{'runs/(wall*w)':>13} {'in runs s':>9} {'load':>5}"
    )
    names = {"before": f"before {res['before_commit']}", "after": f"after {res['after_code']}"}
    for name in ("before", "after"):
        for m in res["measures"][name]:
            print(
                f"{names[name] + m.label[len(name) :]:34} {m.runs:4d} {m.seconds:7.1f} "
                f"{m.cpu_seconds:7.1f} {m.runs_per_core_s:10.3f} "
                f"{m.runs_per_wall_worker_s:13.3f} {m.run_seconds:9.1f} {m.load1:5.2f}"
            )
    print(
        "  (in runs s: wall time inside runs summed over workers, above CPU s when the cores "
        "are shared; CPU s beyond it: start-up, imports, fork server, storing.)"
    )
    print(
        f"median after  ({res['after_code']}): {res['after_core']:.3f} runs per core-second, "
        f"{res['after_wall']:.3f} runs per wall-second per worker"
    )
    _print_before(res, load)


def _print_before(res: dict, load: str) -> None:
    """The before figure (measured, recorded or missing) and the ratio after / before."""
    if res["before_source"] == "worktree":
        print(
            f"median before ({res['before_commit']}): {res['before_core']:.3f} runs per "
            f"core-second, {res['before_wall']:.3f} runs per wall-second per worker"
        )
        print(
            f"after / before: {res['ratio_core']:.2f}x runs per core-second (target "
            f">= 8x), {res['ratio_wall']:.2f}x per wall-second per worker "
            f"(load average {load})"
        )
        return
    print(f"before code not measured: {res['before_note']}")
    rec = res["before_recorded"]
    if rec is None:
        print("no recorded before figure found in docs/performance.md")
        return
    print(
        f"recorded before figure (docs/performance.md, commit {rec[1]}, measured on another "
        f"occasion): {rec[0]:.3f} runs per core-second"
    )
    if res["ratio_core"] is None:
        print("  (not comparable with this sweep: the recorded one is a fifth of the full file)")
    else:
        print(
            f"after / recorded before: {res['ratio_core']:.2f}x runs per core-second "
            f"(target >= 8x; load average {load})"
        )


def run_sweep_benchmark(
    experiment: str | Path | None = None,
    *,
    quick: bool = False,
    replications: int | None = None,
    warm_up: bool = True,
    echo: Echo = None,
) -> dict:
    """Measure the sweep speed-up (1 vs 2 workers) and memory ratio (full vs tenth sweep).

    Three sweeps on this code: the whole experiment with 1 and with 2 workers (speed-up), and
    a tenth of its replications with 2 workers (memory baseline). About 4-5 minutes for
    `mechanisms.toml` on 2 idle cores with the before code of model v2.

    Args:
        experiment: Experiment file (default ``experiments/mechanisms.toml``).
        quick: Use `QUICK_DAYS` scored days per run (a smoke test of the benchmark).
        replications: Replications of the whole sweep (default: the file's; the memory
            baseline uses a tenth of them, at least 1).
        warm_up: First run a short sweep, not counted (one-off compile and cache costs).
        echo: Called with one line per finished sweep (progress); None for silence.

    Returns:
        ``{"measures": [SweepMeasure, ...], "speedup": float, "memory_ratio": float}``.
    """
    say = echo or (lambda _line: None)
    path = Path(experiment) if experiment else DEFAULT_EXPERIMENT
    exp = load_experiment(path, replications=replications)
    big = exp.replications
    small = max(1, big // 10)
    days = QUICK_DAYS if quick else None
    with tempfile.TemporaryDirectory(prefix="gridgov-bench-") as tmp:
        tmp = Path(tmp)

        def sweep(name, workers, reps):
            label = f"{reps} reps, {workers} worker{'s' * (workers > 1)}"
            m = measure_sweep(
                path,
                tmp / name,
                workers=workers,
                replications=reps,
                days=days,
                label=label,
                pycache=tmp / "pycache",
            )
            say(f"  {label}: {m.runs} runs, {m.seconds:.1f} s (load {m.load1:.2f})")
            return m

        if warm_up:
            m = measure_sweep(
                path, tmp / "warm", workers=2, replications=1, days=WARM_UP_DAYS,
                pycache=tmp / "pycache",
            )  # fmt: skip
            say(f"  warm-up: {m.runs} short runs, {m.seconds:.1f} s (not counted)")
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
    load = ", ".join(f"{x:.2f}" for x in res["load_average"])
    print(f"sweep benchmark on {res['experiment']} ({res['cpus']} CPUs, load average {load})")
    print(
        f"{'sweep':24} {'runs':>5} {'seconds':>8} {'runs/s':>7} {'peak MB':>8} "
        f"{'s/run':>6} {'busy':>5} {'load':>5}"
    )
    for m in res["measures"]:
        print(
            f"{m.label:24} {m.runs:5d} {m.seconds:8.1f} {m.runs_per_s:7.2f} "
            f"{m.peak_rss_mb:8.0f} {m.mean_run_s:6.2f} {m.busy_workers:5.2f} {m.load1:5.2f}"
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


def main(argv: list[str] | None = None) -> int:
    """Run the sweep benchmarks from the command line."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.sweep_bench",
        description="About 6-8 minutes on 2 cores (--only core about 2-3, --only scaling about "
        "4-5): runs per core-second on a fifth of experiments/mechanisms.toml, this code "
        f"against the before code (commit {BEFORE_COMMIT}, checked out into a temporary git "
        "worktree; target >= 8x), then the speed-up of 2 workers over 1 (target >= 1.8x) and "
        "the peak memory of 240 runs over 24 (target <= 1.2x).",
    )
    p.add_argument(
        "--only", choices=("core", "scaling"), default=None,
        help="core: runs per core-second before/after only; scaling: workers and memory only",
    )  # fmt: skip
    p.add_argument("--experiment", metavar="FILE", default=None, help="default: mechanisms.toml")
    p.add_argument(
        "--quick", action="store_true",
        help=f"{QUICK_DAYS} scored days a run: a smoke test of the benchmark, not its figures",
    )  # fmt: skip
    p.add_argument(
        "--replications", type=bounded_int(1, 10_000, "replications"), default=None,
        help="the experiment's replications (core runs a fifth of them)",
    )  # fmt: skip
    p.add_argument(
        "--rounds", type=bounded_int(1, 20, "rounds"), default=None,
        help="before/after sweeps per code, alternating (default 2)",
    )  # fmt: skip
    p.add_argument(
        "--before", metavar="COMMIT", default=None,
        help=f"the before code's commit (default {BEFORE_COMMIT})",
    )  # fmt: skip
    args = p.parse_args(argv)

    def echo(line: str) -> None:
        print(line, flush=True)  # progress of a command that takes minutes

    if args.only in (None, "core"):
        res = run_core_benchmark(
            args.experiment, quick=args.quick, replications=args.replications,
            rounds=args.rounds or 2, before=args.before or BEFORE_COMMIT, echo=echo,
        )  # fmt: skip
        print()
        print_core_benchmark(res)
    if args.only in (None, "scaling"):
        if args.only is None:
            print()
        res = run_sweep_benchmark(
            args.experiment, quick=args.quick, replications=args.replications, echo=echo
        )
        print()
        print_benchmark(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
