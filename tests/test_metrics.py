"""Metrics: the daily indicators and the scored summary the model computes."""

import pytest
from helpers import SMALL, run

from simulation.model import GridGovernanceModel
from simulation.outcomes import DAILY, MODEL_SUMMARY


def test_latest_metrics_match_the_timeseries():
    m = GridGovernanceModel(rng=2, **SMALL)
    for _ in range(45):
        m.step()
    last = m.timeseries().iloc[-1]
    for name, value in m.metrics_today().items():
        assert value == pytest.approx(last[name], nan_ok=True), name


def test_daily_series_has_exactly_the_registry_columns_in_order():
    m = GridGovernanceModel(rng=2, **SMALL)
    m.run(10)
    assert list(m.timeseries().columns) == ["day", "scored", *DAILY]
    assert list(m.metrics_today()) == list(DAILY)


def test_summary_has_exactly_the_model_outcomes_and_sane_values():
    s = run(seed=3).summary()
    assert list(s) == list(MODEL_SUMMARY)
    for name in ("resolution_rate", "satisfaction_rate", "escalation_rate", "hidden_share"):
        assert 0 <= s[name] <= 1, name
    assert s["resolution_days_median"] <= s["resolution_days_mean"] * 3
    assert s["cost_per_resolved"] > 0
