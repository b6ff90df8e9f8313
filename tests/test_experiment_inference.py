"""Two-group tests: agreement with SciPy, intervals that match their p-values, Holm, power."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulation.analysis.inference import holm, logrank, power_replications, rank_shift, welch


def test_welch_is_scipys_welch_test_with_the_matching_interval():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 30), rng.normal(0.5, 2, 25)
    r = welch([(a, b)])
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert r["p"] == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high))


def test_rank_shift_is_mann_whitney_with_the_hodges_lehmann_estimate():
    rng = np.random.default_rng(1)
    a, b = rng.exponential(2, 40), rng.exponential(3, 35)
    r = rank_shift([(a, b)])
    ref = stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=False)
    assert r["p"] == pytest.approx(ref.pvalue)
    assert r["estimate"] == pytest.approx(np.median(np.subtract.outer(a, b)), abs=1e-6)
    assert r["ci_low"] < r["estimate"] < r["ci_high"]


@pytest.mark.slow
@pytest.mark.parametrize("test", [welch, rank_shift])
def test_interval_excludes_zero_exactly_when_p_is_below_alpha(test):
    # The bug this guards against: a one-sided p beside a two-sided interval, so that
    # "+0.011 [-0.000, 0.022], p = 0.027" passed. Here the two always agree.
    rng = np.random.default_rng(2)
    agree = 0
    for _ in range(150):
        a = rng.normal(0, 1, 12)
        b = rng.normal(rng.uniform(0, 1.2), 1, 10)
        r = test([(a, b)], level=0.95)
        excludes = r["ci_low"] > 0 or r["ci_high"] < 0
        if abs(r["p"] - 0.05) > 2e-3:  # away from the boundary, where bisection decides
            agree += excludes == (r["p"] < 0.05)
            assert excludes == (r["p"] < 0.05), r
    assert agree > 120


@pytest.mark.slow
def test_intervals_cover_at_the_stated_rate():
    rng = np.random.default_rng(3)
    hits = {"welch": 0, "rank": 0}
    for i in range(1000):
        a, b = rng.normal(1, 1, 15), rng.normal(0, 1, 15)
        w = welch([(a, b)])
        hits["welch"] += w["ci_low"] < 1 < w["ci_high"]
        if i < 300:  # the rank interval is found by bisection: fewer, slower repetitions
            r = rank_shift([(a, b)])
            hits["rank"] += r["ci_low"] < 1 < r["ci_high"]
    assert 0.935 < hits["welch"] / 1000 < 0.965
    assert 0.91 < hits["rank"] / 300 < 0.98


def test_stratified_welch_averages_within_stratum_differences():
    # Strata with very different levels: pooled, the stratum effect swamps the difference.
    rng = np.random.default_rng(4)
    strata = [(rng.normal(m - 1, 0.5, 20), rng.normal(m, 0.5, 20)) for m in (0, 50, 100)]
    pooled = welch([(np.concatenate([s[0] for s in strata]),
                     np.concatenate([s[1] for s in strata]))])  # fmt: skip
    strat = welch(strata)
    assert strat["estimate"] == pytest.approx(np.mean([a.mean() - b.mean() for a, b in strata]))
    assert strat["p"] < 1e-6 < pooled["p"]
    assert "3 strata" in strat["test"]
    assert rank_shift(strata)["p"] < 1e-6 < rank_shift([pooled_pair(strata)])["p"]


def pooled_pair(strata):
    return np.concatenate([s[0] for s in strata]), np.concatenate([s[1] for s in strata])


def test_logrank_detects_a_faster_group_and_handles_censoring():
    rng = np.random.default_rng(5)
    fast, slow = rng.exponential(5, 60), rng.exponential(15, 60)
    cap = 20.0  # runs that have not recovered by day 20 are censored there
    ev_f, ev_s = fast < cap, slow < cap
    r = logrank([(np.minimum(fast, cap), ev_f, np.minimum(slow, cap), ev_s)])
    assert r["estimate"] > 0 and r["ci_low"] > 0 and r["p"] < 0.001
    # Peto's hazard ratio (true ratio of rates: 3; 60 runs a group, many censored).
    assert 1.5 < math.exp(r["estimate"]) < 10
    same = logrank([(np.minimum(fast, cap), ev_f, np.minimum(fast, cap), ev_f)])
    assert same["estimate"] == pytest.approx(0, abs=1e-12) and same["p"] == pytest.approx(1)


def test_holm_matches_the_textbook_example():
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    out = holm([0.2, math.nan])
    assert out[0] == 0.2 and math.isnan(out[1])


def test_power_replications_follow_the_normal_approximation():
    # 2 * (1.96 + 0.84)^2 = 15.7 per group for a one-sd effect.
    assert power_replications("level", 1.0, 1.0, 0.05, 0.8) == 17
    assert power_replications("level", 1.0, 0.5, 0.05, 0.8) > 60
    assert power_replications("skewed", 1.0, 1.0, 0.05, 0.8) > 17
