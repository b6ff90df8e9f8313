"""`gridgov sweep --dry-run`: runs, time from a calibration, replications for each min_effect."""

from __future__ import annotations

import pytest
from test_experiment_helpers import factorial_toml, write

from simulation.analysis.plan import dry_run, format_plan
from simulation.cli import main
from simulation.running.sweep import plan

pytestmark = pytest.mark.slow  # real sweeps, seconds each: `make test` runs them, not `make check`

HYP = """
[[hypotheses]]
name = "F4 connection lowers escalation"
metric = "escalation_rate"
a = {{ connection = true }}
b = {{ connection = false }}
direction = "less"
min_effect = {effect}

[[hypotheses]]
name = "F1 full vs baseline: lower cost"
metric = "cost_per_resolved"
a = "identity+connection+interaction"
b = "baseline"
direction = "less"
scale = "log"
min_effect = 0.2

[[hypotheses]]
name = "F2 a term without a stated effect"
metric = "backlog_mean"
interaction = ["identity", "connection"]
sign = "negative"
"""


def test_dry_run_prints_runs_time_and_power_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, factorial_toml(reps=3, days=20, hypotheses=HYP.format(effect=0.01)))
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--dry-run", "--out", str(out), "--workers", "2"])
    text = capsys.readouterr().out
    assert code == 0 and not out.exists()
    assert "8 points x 3 replications = 24 runs" in text
    assert "estimated time: ~" in text and "on 2 workers" in text
    assert "F4 connection lowers escalation: min_effect 0.01" in text and "WARNING" in text
    assert "no min_effect (no power estimate): F2 a term without a stated effect" in text


def test_required_replications_fall_with_the_effect_and_warnings_follow_replications(tmp_path):
    def experiment(effect, name):
        return write(tmp_path, factorial_toml(reps=3, days=20, hypotheses=HYP.format(
            effect=effect)), name)  # fmt: skip

    small = plan(experiment(0.01, "s.toml"))
    p_small = dry_run(small, workers=1)
    big = plan(experiment(0.2, "b.toml"))
    p_big = dry_run(big, workers=1)
    req = {r["hypothesis"]: r for r in p_small.power}
    req_big = {r["hypothesis"]: r for r in p_big.power}
    name = "F4 connection lowers escalation"
    assert req[name]["required"] > req_big[name]["required"] >= 1
    assert req[name]["sd"] > 0 and not req[name]["enough"]
    # The sweep's replications decide the warning: raise them to what is needed, it goes.
    enough = plan(small.experiment.path, replications=req[name]["required"])
    p_enough = dry_run(enough, workers=1)
    row = {r["hypothesis"]: r for r in p_enough.power}[name]
    # Calibration seeds derive from the root seed: the same file gives the same estimate.
    assert row["required"] == req[name]["required"] and row["enough"]
    assert p_small.seconds_per_run > 0 and p_small.estimated_seconds > 0
    assert "24 runs" in format_plan(p_small)
