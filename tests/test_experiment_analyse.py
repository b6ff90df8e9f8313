"""Analysis on synthetic run tables with known truth: regression, strata, scales, PRCC."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.analyse import ab_test, events, factorial_effects, mean_ci


def _cells(rng, levels_a, levels_b, f, sd, n):
    rows = []
    for a in levels_a:
        for b in levels_b:
            for _ in range(n):
                rows.append({"a": a, "b": b, "y": f(a, b) + rng.normal(0, sd(a, b)),
                             "status": "ok", "scenario": f"{a}-{b}"})  # fmt: skip
    return pd.DataFrame(rows)


def test_factorial_regression_recovers_known_effects():
    rng = np.random.default_rng(0)

    def truth(a, b):
        return 10 + 2 * a - 3 * b + 4 * (a and b)

    runs = _cells(rng, (False, True), (False, True), truth, lambda a, b: 0.5, 200)
    eff = factorial_effects(runs, ["a", "b"], "y").set_index("term")
    # ±½ coding: main effect = average high-low difference, interaction = change of effect.
    assert eff.loc["a", "estimate"] == pytest.approx(2 + 4 / 2, abs=0.1)
    assert eff.loc["b", "estimate"] == pytest.approx(-3 + 4 / 2, abs=0.1)
    assert eff.loc["a:b", "estimate"] == pytest.approx(4, abs=0.15)
    assert eff.loc["a:b", "ci_low"] < 4 < eff.loc["a:b", "ci_high"]


def test_a_three_level_factor_enters_the_regression_as_a_slope():
    # The bug: a factor with three levels was silently dropped and its variance went to the
    # error term.
    rng = np.random.default_rng(1)
    runs = _cells(rng, (False, True), (1.0, 2.0, 4.0), lambda a, b: 5 + 1.5 * b - 0.5 * a * b,
                  lambda a, b: 0.3, 20)  # fmt: skip
    eff = factorial_effects(runs, ["a", "b"], "y").set_index("term")
    assert {"a", "b", "a:b"} <= set(eff.index)
    assert eff.loc["b", "estimate"] == pytest.approx(1.5 - 0.25, abs=0.05)  # per unit of b
    assert eff.loc["a:b", "estimate"] == pytest.approx(-0.5, abs=0.05)
    assert eff.loc["b", "p"] < 1e-10


@pytest.mark.slow
def test_hc3_intervals_keep_their_coverage_when_cells_differ_in_variance():
    # One noisy, small cell: classical OLS intervals pool the variance and undercover there.
    rng = np.random.default_rng(2)
    sizes = {(False, False): 30, (False, True): 30, (True, False): 30, (True, True): 6}
    covered = 0
    for _ in range(300):
        rows = []
        for (a, b), n in sizes.items():
            sd = 5.0 if (a and b) else 0.5
            rows += [{"a": a, "b": b, "y": rng.normal(0, sd), "status": "ok"} for _ in range(n)]
        eff = factorial_effects(pd.DataFrame(rows), ["a", "b"], "y").set_index("term")
        covered += eff.loc["a:b", "ci_low"] < 0 < eff.loc["a:b", "ci_high"]
    assert covered / 300 > 0.92


def test_log_scale_turns_a_multiplicative_model_additive():
    rng = np.random.default_rng(3)
    runs = _cells(rng, (False, True), (False, True),
                  lambda a, b: 0.0, lambda a, b: 0.05, 40)  # fmt: skip
    runs["y"] = np.exp(runs["y"]) * 10 * np.where(runs["a"], 0.8, 1) * np.where(runs["b"], 0.7, 1)
    lin = factorial_effects(runs, ["a", "b"], "y").set_index("term")
    log = factorial_effects(runs, ["a", "b"], "y", scale="log").set_index("term")
    assert lin.loc["a:b", "p"] < 0.01  # additive scale: a spurious interaction
    assert log.loc["a:b", "p"] > 0.01  # log scale: none
    assert math.exp(log.loc["a", "estimate"]) == pytest.approx(0.8, abs=0.02)
    with pytest.raises(ValueError, match="positive"):
        factorial_effects(runs.assign(y=runs["y"] - 100), ["a", "b"], "y", scale="log")


def _design_runs(rng, metric, n=30):
    """A 2x2 design over connection and identity where identity moves the metric a lot."""
    rows = []
    for c in (False, True):
        for i in (False, True):
            for _ in range(n):
                v = 5 + 20 * i - 0.5 * c + rng.normal(0, 0.5)
                rows.append({"connection": c, "identity": i, metric: v, "status": "ok",
                             "scenario": f"{c}{i}"})  # fmt: skip
    return pd.DataFrame(rows)


def test_a_b_comparison_over_other_factors_is_made_within_strata_and_says_so():
    # The bug: "connection shortens resolution" pooled over identity failed by Welch while the
    # regression gave the same effect at p = 0.007.
    rng = np.random.default_rng(4)
    runs = _design_runs(rng, "escalation_rate")
    r = ab_test(runs, {"connection": True}, {"connection": False}, "escalation_rate",
                ["connection", "identity"])  # fmt: skip
    assert "within strata of identity" in r["method"] and "Welch" in r["method"]
    assert r["estimate"] == pytest.approx(-0.5, abs=0.15) and r["ci_high"] < 0 and r["p"] < 1e-4
    eff = factorial_effects(runs, ["connection", "identity"], "escalation_rate")
    main = eff.set_index("term").loc["connection", "estimate"]
    assert r["estimate"] == pytest.approx(main)  # the same contrast as the main effect
    # A skewed metric gets the rank test, stratified the same way.
    runs = _design_runs(rng, "backlog_mean")
    r = ab_test(runs, {"connection": True}, {"connection": False}, "backlog_mean",
                ["connection", "identity"])  # fmt: skip
    assert "van Elteren" in r["method"] and r["ci_high"] < 0
    # A fully specified comparison needs no strata.
    r = ab_test(runs, {"connection": True, "identity": False},
                {"connection": False, "identity": False}, "backlog_mean",
                ["connection", "identity"])  # fmt: skip
    assert r["method"].startswith("Mann-Whitney U, two-sided") and "strata" not in r["method"]


def test_censored_recovery_uses_the_log_rank_test():
    rows = []
    for label, days in (("full", [3, 4, 5, 6, 7, 8] * 3), ("baseline", [10, 12, 14, 300] * 4)):
        for d in days:
            rows.append({"scenario": label, "recovery_days": float(d), "status": "ok",
                         "burn_in_days": 90, "scored_days": 730, "shock_start": 400,
                         "shock_days": 14})  # fmt: skip
    runs = pd.DataFrame(rows)
    ev = events(runs, "recovery_days")
    # 90 + 730 - (400 + 14) + 1 = 407 days left: 300 is observed here; make some censored.
    assert ev.all()
    runs.loc[runs["recovery_days"] == 300, "recovery_days"] = 407.0
    assert (~events(runs, "recovery_days")).sum() == 4
    r = ab_test(runs, "full", "baseline", "recovery_days", [])
    assert r["method"].startswith("log-rank") and r["estimate"] > 0 and r["p"] < 0.01


def test_mean_ci_covers_at_the_stated_rate():
    rng = np.random.default_rng(1)
    covered = sum(lo < 5 < hi for lo, hi in
                  (mean_ci(rng.normal(5, 2, 10))[1:3] for _ in range(2000)))  # fmt: skip
    assert 0.93 < covered / 2000 < 0.97
