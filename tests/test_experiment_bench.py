"""The sweep benchmark command runs end to end and reports both ratios."""

from __future__ import annotations

from test_experiment_helpers import ROOT

from simulation.cli import main


def test_sweep_bench_prints_speedup_and_memory_ratio(capsys):
    code = main(["sweep-bench", "--experiment", str(ROOT / "experiments" / "smoke.toml"),
                 "--quick", "--replications", "2"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "speed-up 2 vs 1 worker:" in out and "peak memory 16 vs 8 runs:" in out
    assert "2 reps, 1 worker" in out and "1 reps, 2 workers" in out
