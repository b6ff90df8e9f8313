"""Hypothesis checks, analysis and reports on real (tiny) sweeps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_experiment_helpers import BASELINE, ROOT, TINY, factorial_toml, write

from simulation import check, load_results, report, run_experiment
from simulation.cli import main
from simulation.config import ConfigError
from simulation.experiment.analyse import compare, factorial_effects, mean_ci


def run_cli(*args, capsys):
    """`gridgov ARGS` in this process; returns (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


HYPS = """
[[hypotheses]]
name = "more needs, more backlog"
metric = "backlog_mean"
a = "busy"
b = "quiet"
direction = "{direction}"
"""


def _list_experiment(tmp_path, direction):
    text = f"""
[experiment]
name = "load"
scenario = "{BASELINE}"
replications = 4
seed = 11
days = 40

[parameters]
{TINY}

[design]
kind = "list"

[[design.points]]
label = "quiet"
need_rate = 0.5

[[design.points]]
label = "busy"
need_rate = 10.0
{HYPS.format(direction=direction)}
"""
    return write(tmp_path, text, f"load_{direction}.toml")


@pytest.fixture(scope="module")
def load_results_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("load")
    path = _list_experiment(tmp, "greater")
    run_experiment(path, out=tmp / "out", executor="serial", progress=False)
    return tmp


def test_check_passes_a_true_hypothesis(load_results_dir, capsys):
    code, out, err = run_cli("check", load_results_dir / "out", capsys=capsys)
    assert code == 0, out + err
    assert "PASS" in out and "1/1 hypotheses hold" in out


def test_check_fails_a_false_hypothesis(load_results_dir, tmp_path, capsys):
    false = _list_experiment(tmp_path, "less")
    code, out, err = run_cli("check", load_results_dir / "out", "--experiment", false,
                             capsys=capsys)  # fmt: skip
    assert code == 1, out + err
    assert "FAIL" in out and "0/1 hypotheses hold" in out
    res = check(load_results_dir / "out", experiment=false)
    row = res.table.iloc[0]
    assert row["estimate"] > 0 and row["ci_low"] > 0 and row["p"] > 0.95


def test_check_bad_input_exits_2(load_results_dir, tmp_path, capsys):
    code, _, err = run_cli("check", tmp_path, capsys=capsys)  # not a results folder
    assert code == 2 and "manifest.json" in err
    bad = write(tmp_path, _list_experiment(tmp_path, "greater").read_text().replace(
        'a = "busy"', 'a = "nonexistent"'), "bad.toml")  # fmt: skip
    code, _, err = run_cli("check", load_results_dir / "out", "--experiment", bad, capsys=capsys)
    assert code == 2 and "nonexistent" in err
    assert len(err.strip().splitlines()) == 1
    bad = write(tmp_path, _list_experiment(tmp_path, "greater").read_text().replace(
        'metric = "backlog_mean"', 'metric = "happiness"'), "bad2.toml")  # fmt: skip
    code, _, err = run_cli("check", load_results_dir / "out", "--experiment", bad, capsys=capsys)
    assert code == 2 and "happiness" in err


def test_factorial_check_and_report(tmp_path):
    hyp = """
[[hypotheses]]
name = "connection lowers escalation"
metric = "escalation_rate"
a = { connection = true }
b = { connection = false }
direction = "less"

[[hypotheses]]
name = "a term that is not there"
metric = "resolution_days_mean"
interaction = ["identity", "interaction"]
sign = "positive"
alpha = 0.001
"""
    path = write(tmp_path, factorial_toml(reps=3, days=40, hypotheses=hyp))
    run_experiment(path, out=tmp_path / "out", executor="serial", progress=False)
    res = check(tmp_path / "out")
    assert list(res.table["passed"]) == [True, False]
    assert res.exit_code == 1
    # A failing hypothesis marked `gate = false` is reported but does not fail the check.
    text = path.read_text().replace("alpha = 0.001", "alpha = 0.001\ngate = false")
    ungated = write(tmp_path, text, "ungated.toml")
    res = check(tmp_path / "out", experiment=ungated)
    assert list(res.table["passed"]) == [True, False] and res.exit_code == 0
    html = report(tmp_path / "out")
    md = (tmp_path / "out" / "report.md").read_text()
    for name in ("scenario_means.png", "timeseries.png", "factorial_effects.png"):
        png = tmp_path / "out" / "figures" / name
        assert png.stat().st_size > 10_000 and name in md and name in html.read_text()
    assert "identity:connection:interaction" in md  # every interaction term is reported
    effects = pd.read_csv(tmp_path / "out" / "factorial_effects.csv")
    assert {"estimate", "ci_low", "ci_high", "p"} <= set(effects.columns)


@pytest.mark.parametrize(
    ("kind", "samples", "index"), [("morris", 3, "mu_star"), ("sobol", 64, "ST")]
)
def test_sensitivity_report_has_indices(tmp_path, kind, samples, index):
    text = f"""
[experiment]
scenario = "{BASELINE}"
seed = 3
days = 20
[parameters]
{TINY}
[design]
kind = "{kind}"
samples = {samples}
[design.factors]
need_rate = [1.0, 6.0]
trust_up = [0.05, 0.15]
"""
    path = write(tmp_path, text)
    run_experiment(path, out=tmp_path / "out", executor="serial", progress=False)
    report(tmp_path / "out")
    idx = pd.read_csv(tmp_path / "out" / "sensitivity_indices.csv")
    backlog = idx[idx["metric"] == "backlog_mean"].set_index("factor")
    # Arrivals drive the backlog; a trust step size barely moves it in 20 days.
    assert backlog.loc["need_rate", index] > backlog.loc["trust_up", index]
    assert {f"{index}_conf"} <= set(idx.columns)
    assert (tmp_path / "out" / "figures" / "sensitivity.png").exists()


def test_report_on_an_empty_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        report(tmp_path)


def test_factorial_regression_recovers_known_effects():
    rng = np.random.default_rng(0)
    rows = []
    for a in (False, True):
        for b in (False, True):
            for _ in range(200):
                y = 10 + 2 * a - 3 * b + 4 * (a and b) + rng.normal(0, 0.5)
                rows.append({"a": a, "b": b, "y": y, "status": "ok"})
    eff = factorial_effects(pd.DataFrame(rows), ["a", "b"], "y").set_index("term")
    # ±½ coding: main effect = average high-low difference, interaction = change of effect.
    assert eff.loc["a", "estimate"] == pytest.approx(2 + 4 / 2, abs=0.1)
    assert eff.loc["b", "estimate"] == pytest.approx(-3 + 4 / 2, abs=0.1)
    assert eff.loc["a:b", "estimate"] == pytest.approx(4, abs=0.15)
    assert eff.loc["a:b", "ci_low"] < 4 < eff.loc["a:b", "ci_high"]


def test_confidence_intervals_cover_at_the_stated_rate():
    rng = np.random.default_rng(1)
    covered = sum(lo < 5 < hi for lo, hi in
                  (mean_ci(rng.normal(5, 2, 10))[1:3] for _ in range(2000)))  # fmt: skip
    assert 0.93 < covered / 2000 < 0.97
    r = compare(rng.normal(0, 1, 50), rng.normal(1, 1, 50), "less")
    assert r["p"] < 0.01 and r["ci_high"] < 0


def test_load_results_refuses_a_non_results_folder(tmp_path):
    with pytest.raises(ConfigError, match="manifest"):
        load_results(tmp_path)


def test_shipped_smoke_experiment_sweeps_reports_and_checks(tmp_path, capsys):
    smoke = ROOT / "experiments" / "smoke.toml"
    assert main(["sweep", str(smoke), "--out", str(tmp_path / "s"), "--no-progress"]) == 0
    assert main(["report", str(tmp_path / "s")]) == 0
    assert main(["check", str(tmp_path / "s")]) == 0
    assert "1/1 hypotheses hold" in capsys.readouterr().out
