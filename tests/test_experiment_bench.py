"""The sweep benchmarks run end to end on tiny sweeps and print every figure.

The figures are checked for being measured, positive and printed, never against the
performance targets: the machine is shared and noisy.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from test_experiment_helpers import ROOT

from benchmarks import sweep_bench as bench

pytestmark = pytest.mark.slow  # real sweeps, seconds each: `make test` runs them, not `make check`

SMOKE = str(ROOT / "experiments" / "smoke.toml")


def _worktrees() -> set[str]:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "list", "--porcelain"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("worktree ")}


def _before_commit_available() -> str | None:
    """Why the before commit cannot be checked out here, or None when it can."""
    if shutil.which("git") is None:
        return "git is not installed"
    check = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet",
         f"{bench.BEFORE_COMMIT}^{{commit}}"],
        capture_output=True,
    )  # fmt: skip
    if check.returncode != 0:
        return f"commit {bench.BEFORE_COMMIT} is not in this clone (a shallow clone?)"
    return None


def test_a_command_past_its_timeout_is_killed_with_its_children(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "time.sleep(60)\n"
    )
    m = bench.run_sampled([sys.executable, str(script)], timeout=1.5)
    assert m.returncode != 0 and m.seconds < 20


def test_sweep_bench_prints_speedup_and_memory_ratio(capsys):
    code = bench.main(
        ["--only", "scaling", "--experiment", SMOKE, "--quick", "--replications", "2"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "speed-up 2 vs 1 worker:" in out and "peak memory 16 vs 8 runs:" in out
    assert "2 reps, 1 worker" in out and "1 reps, 2 workers" in out


# A fork server whose two workers each burn 0.4 s of CPU: the sweep's shape (the workers are
# grandchildren of the measured process, reaped by the fork server, not by it).
_FORKSERVER_BURN = """
import multiprocessing as mp, time
def burn(_):
    t = time.process_time()
    while time.process_time() - t < 0.4:
        pass
if __name__ == "__main__":
    with mp.get_context("forkserver").Pool(2) as pool:
        pool.map(burn, range(2))
    time.sleep(0.3)
"""


def test_cpu_time_counts_the_workers_of_a_fork_server(tmp_path):
    script = tmp_path / "burn.py"  # a file: fork server workers import the main module
    script.write_text(_FORKSERVER_BURN)
    m = bench.run_sampled([sys.executable, str(script)], timeout=60)
    assert m.returncode == 0, m.stderr
    # 0.8 s burned in the workers (less a sample interval lost at a worker's exit at most).
    assert m.cpu_seconds >= 0.7
    assert m.peak_rss_mb > 0 and m.seconds > 0


@pytest.mark.skipif(_before_commit_available() is not None, reason=str(_before_commit_available()))
def test_runs_per_core_second_before_and_after_side_by_side(capsys):
    trees = _worktrees()
    code = bench.main(["--only", "core", "--experiment", SMOKE, "--quick",
                       "--replications", "1", "--rounds", "1"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "8 runs, 2 workers, quick" in out
    assert "warm-up before" in out and "warm-up after" in out
    for side in ("before", "after"):
        row = re.search(
            rf"^{side} \S+ \(round 1\)\s+8\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)", out, re.M
        )
        assert row, out
        wall, cpu, per_core = map(float, row.groups())
        # CPU s is printed to 0.1 s and runs/CPU-s to 0.001: agree within those roundings.
        assert wall > 0 and cpu > 0.05
        assert 8 / (cpu + 0.05) - 0.0005 <= per_core <= 8 / (cpu - 0.05) + 0.0005
    assert f"before {bench.BEFORE_COMMIT} (round 1)" in out
    ratio = re.search(r"after / before: ([0-9.]+)x runs per core-second \(target >= 8x\), "
                      r"([0-9.]+)x per wall-second per worker \(load average", out)  # fmt: skip
    assert ratio and float(ratio.group(1)) > 0 and float(ratio.group(2)) > 0
    # The temporary worktree of the before code is gone again.
    assert _worktrees() == trees


def test_without_the_before_commit_the_recorded_figure_is_printed(capsys):
    res = bench.run_core_benchmark(
        SMOKE, quick=True, replications=1, rounds=1, before="0" * 40, warm_up=False
    )
    assert res["before_source"] == "recorded" and "not in this clone" in res["before_note"]
    assert res["measures"]["before"] == [] and len(res["measures"]["after"]) == 1
    assert res["after_core"] > 0 and res["after_wall"] > 0
    # A quick sweep of another experiment is not comparable with the recorded figure.
    assert res["ratio_core"] is None
    bench.print_core_benchmark(res)
    out = capsys.readouterr().out
    assert "before code not measured: commit 0000000000" in out
    assert "recorded before figure (docs/performance.md, commit f9db633" in out
    assert "not comparable" in out


def test_the_recorded_before_figure_is_read_from_the_performance_doc():
    value, commit = bench.recorded_before()
    assert value > 0 and commit == bench.BEFORE_COMMIT
