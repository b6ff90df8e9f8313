"""Reports on real (tiny) sweeps of every design kind: tables, figures against factors, CSV."""

from __future__ import annotations

import pandas as pd
import pytest
from test_experiment_helpers import BASELINE, TINY, factorial_toml, write

from simulation import check, report, run_experiment
from simulation.config import ConfigError

pytestmark = pytest.mark.slow  # real sweeps, seconds each: `make test` runs them, not `make check`


def test_factorial_report_with_a_three_level_factor(tmp_path):
    text = factorial_toml(reps=3, days=40).replace(
        "factors = { identity = [false, true], connection = [false, true], interaction = "
        "[false, true] }",
        "factors = { connection = [false, true], need_rate = [1.0, 2.0, 4.0] }",
    )
    path = write(tmp_path, text)
    run_experiment(path, out=tmp_path / "out", executor="serial", progress=False)
    html = report(tmp_path / "out").read_text()
    md = (tmp_path / "out" / "report.md").read_text()
    for name in ("scenario_means.png", "timeseries.png", "factorial_effects.png"):
        png = tmp_path / "out" / "figures" / name
        assert png.stat().st_size > 10_000 and name in md and name in html
    effects = pd.read_csv(tmp_path / "out" / "factorial_effects.csv")
    # The three-level factor is in the regression (a slope), with its interaction.
    lin = effects[(effects["metric"] == "backlog_mean") & (effects["scale"] == "linear")]
    assert {"connection", "need_rate", "connection:need_rate"} <= set(lin["term"])
    assert "linear slope per" in md and "HC3" in md
    assert {"linear", "log"} <= set(effects["scale"])  # positive metrics on the log scale too


def _sampled(kind, samples, extra=""):
    return f"""
[experiment]
scenario = "{BASELINE}"
seed = 3
days = 20
[parameters]
{TINY}
[design]
kind = "{kind}"
samples = {samples}
{extra}
[design.factors]
need_rate = [1.0, 6.0]
trust_up = [0.05, 0.15]
"""


@pytest.mark.parametrize(
    ("kind", "samples", "index"), [("morris", 3, "mu_star"), ("sobol", 64, "ST")]
)
def test_sensitivity_report_has_indices(tmp_path, kind, samples, index):
    path = write(tmp_path, _sampled(kind, samples))
    run_experiment(path, out=tmp_path / "out", executor="serial", progress=False)
    report(tmp_path / "out")
    idx = pd.read_csv(tmp_path / "out" / "sensitivity_indices.csv")
    backlog = idx[idx["metric"] == "backlog_mean"].set_index("factor")
    # Arrivals drive the backlog; a trust step size barely moves it in 20 days.
    assert backlog.loc["need_rate", index] > backlog.loc["trust_up", index]
    assert {f"{index}_conf"} <= set(idx.columns)
    if kind == "sobol":
        assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(idx.columns)
    figs = tmp_path / "out" / "figures"
    assert (figs / "sensitivity.png").exists()
    assert (figs / "scatter-backlog_mean.png").stat().st_size > 10_000


def test_lhs_crossed_with_a_switch_is_reported_against_every_factor(tmp_path):
    # The bug: "lhs designs need numeric factors"; and the report was one bar per point.
    switch = "trust_up = [0.05, 0.15]\nconnection = [false, true]"
    text = _sampled("lhs", 12).replace("trust_up = [0.05, 0.15]", switch)
    path = write(tmp_path, text)
    run_experiment(path, out=tmp_path / "out", executor="serial", progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs")
    on, off = (sorted(runs.loc[runs["connection"] == v, "need_rate"]) for v in (True, False))
    assert len(runs) == 24 and on == off  # every sampled point runs with the switch off and on
    report(tmp_path / "out")
    md = (tmp_path / "out" / "report.md").read_text()
    assert "crossed with the sample" in md and "Partial rank correlations" in md
    pr = pd.read_csv(tmp_path / "out" / "prcc.csv")
    assert {"need_rate", "trust_up", "connection"} == set(pr["factor"])
    backlog = pr[pr["metric"] == "backlog_mean"].set_index("factor")
    assert backlog.loc["need_rate", "prcc"] > 0.5
    assert (tmp_path / "out" / "figures" / "scatter-backlog_mean.png").stat().st_size > 10_000
    assert "p00000" not in md.split("## Outcomes against factors")[1][:2000]
    # A comparison on a sampled design pools over the sampled factors (no one-run strata).
    hyp = '[[hypotheses]]\nname = "c"\nmetric = "backlog_mean"\na = { connection = true }\n'
    path = write(
        tmp_path, text + hyp + 'b = { connection = false }\ndirection = "less"\n', "h.toml"
    )
    row = check(tmp_path / "out", experiment=path).table.iloc[0]
    assert "pooled over the sampled factors" in row["method"] and row["n"] == 24
    assert row["estimate"] == row["estimate"]  # a number, not NaN


def test_report_on_an_empty_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        report(tmp_path)
