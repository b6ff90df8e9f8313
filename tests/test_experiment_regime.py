"""The regime map on a real tiny sweep: 2 load cells x the 2^3 mechanisms x 2 replications."""

from __future__ import annotations

import pandas as pd
import pytest
from test_experiment_helpers import factorial_toml, write

from simulation import report, run_experiment
from simulation.analysis import regime
from simulation.core import outcomes

SWITCHES = "identity = [false, true], connection = [false, true], interaction = [false, true]"


@pytest.fixture(scope="module")
def load_sweep(tmp_path_factory):
    """A reported sweep over need_rate (two levels) crossed with the three switches."""
    tmp = tmp_path_factory.mktemp("regime")
    text = factorial_toml(name="load", reps=2, days=40).replace(
        f"factors = {{ {SWITCHES} }}", f"factors = {{ need_rate = [1.0, 4.0], {SWITCHES} }}"
    )
    run_experiment(write(tmp, text), out=tmp / "out", executor="serial", progress=False)
    report(tmp / "out")
    return tmp / "out"


@pytest.mark.slow
def test_regime_table_has_every_combination_of_every_cell_with_intervals(load_sweep):
    table = pd.read_csv(load_sweep / "regime.csv")
    metrics = regime.headline_metrics()
    assert len(metrics) == 4 and metrics[0] == "backlog_mean"
    # 2 load cells x 7 combinations (the baseline is what they are compared with) x 4 metrics.
    assert len(table) == 2 * 7 * len(metrics)
    assert set(table["metric"]) == set(metrics)
    assert sorted(table["need_rate"].unique()) == [1.0, 4.0]
    assert regime.BASELINE not in set(table["combination"])
    assert {"estimate", "ci_low", "ci_high", "p", "test", "baseline_utilisation"} <= set(table)
    finite = table.dropna(subset=["ci_low", "ci_high"])
    assert len(finite) > len(table) / 2
    assert (finite["ci_low"] <= finite["estimate"] + 1e-12).all()
    assert (finite["estimate"] <= finite["ci_high"] + 1e-12).all()
    # A Welch row's estimate is the combination's mean minus its own cell's baseline mean.
    welch = table[table["test"] == "Welch t"].dropna(subset=["estimate"])
    assert len(welch) and ((welch["estimate"] - (welch["mean"] - welch["baseline_mean"])).abs()
                           < 1e-9).all()  # fmt: skip
    # More demand, busier workers: each cell is placed on its own baseline's load.
    util = table.groupby("need_rate")["baseline_utilisation"].first()
    assert util[4.0] > util[1.0]


@pytest.mark.slow
def test_winner_is_the_lowest_backlog_and_ties_are_marked(load_sweep):
    runs = pd.read_parquet(load_sweep / "runs")
    winners = pd.read_csv(load_sweep / "regime_winners.csv")
    assert len(winners) == 2
    for row in winners.itertuples():
        cell = runs[runs["need_rate"] == row.need_rate]
        means = cell.groupby(list(regime.MECHANISMS))["backlog_mean"].mean()
        best = dict(zip(regime.MECHANISMS, means.idxmin(), strict=True))
        assert row.winner == regime.combination_label(best)
        # 'distinct' means the winner-minus-runner-up interval lies below zero.
        assert row.distinct == (row.margin_ci_high < 0)
    md = (load_sweep / "report.md").read_text()
    assert "## Regime map" in md and "winner - runner-up" in md
    assert "figures/regime.png" in (load_sweep / "report.html").read_text()


@pytest.mark.slow
def test_regime_figure_is_written_as_png_and_pdf(load_sweep):
    png, pdf = load_sweep / "figures" / "regime.png", load_sweep / "figures" / "regime.pdf"
    assert png.stat().st_size > 30_000
    assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
def test_a_design_without_a_load_factor_gets_no_regime_map(tmp_path):
    path = write(tmp_path, factorial_toml(reps=2, days=20))
    run_experiment(path, out=tmp_path / "out", executor="serial", progress=False)
    report(tmp_path / "out")
    assert "Regime map" not in (tmp_path / "out" / "report.md").read_text()
    assert not (tmp_path / "out" / "regime.csv").exists()
    assert not (tmp_path / "out" / "figures" / "regime.png").exists()


@pytest.mark.parametrize(
    ("kind", "factors", "expected"),
    [
        ("factorial", ["need_rate", "identity", "connection", "interaction"], ["need_rate"]),
        ("factorial", ["identity", "connection", "interaction"], []),  # no load
        ("factorial", ["need_rate", "connection"], []),  # not all three switches
        ("lhs", ["need_rate", "identity", "connection", "interaction"], []),
    ],
)
def test_regime_map_only_for_factorials_crossing_all_switches_with_a_load(kind, factors, expected):
    runs = pd.DataFrame({f: [False, True] if f in regime.MECHANISMS else [1.0, 2.0]
                         for f in factors})  # fmt: skip
    assert regime.load_factors({"design_kind": kind, "factors": factors}, runs) == expected


def test_headline_metrics_follow_the_registry_and_the_results(monkeypatch):
    def fake(name):
        return outcomes.Outcome(name, name, name, "days", "天", outcomes.LOWER, "", "", "summary",
                                "efficiency", "skewed")  # fmt: skip

    names = ["backlog_mean", "satisfaction_rate", "resolution_rate"]
    assert regime.headline_metrics() == [*names, "resolution_days_rmst"]
    # Results that lack a headline metric leave it out instead of failing.
    assert regime.headline_metrics(names) == names
    # So does a registry that lacks one.
    monkeypatch.setattr(outcomes, "SUMMARY", {n: fake(n) for n in names})
    assert regime.headline_metrics() == names
