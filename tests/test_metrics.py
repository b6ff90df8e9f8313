"""Metrics: the daily indicators and the scored summary the model computes."""

import math

import numpy as np
import pytest
from helpers import SMALL, run

from simulation.core import metrics, outcomes
from simulation.core import needs as nd
from simulation.core.metrics import backlog_overload, km_summary
from simulation.core.model import GridGovernanceModel
from simulation.core.outcomes import DAILY, MODEL_SUMMARY, SUMMARY

# Administrative hours must stay below the working hours (2 in the overloaded runs below).
ADMIN = {"admin_hours": 1.0}


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
    shares = [name for name in MODEL_SUMMARY if SUMMARY[name].kind == "share"]
    assert {"rereport_share", "lost_share", "gave_up_share", "saturated"} <= set(shares)
    for name in shares:
        assert 0 <= s[name] <= 1, name
    assert s["resolution_days_median_resolved"] <= s["resolution_days_mean_resolved"] * 3
    assert s["cost_per_resolved"] > 0
    # The restricted mean counts open needs too, so it is never below the resolved needs' mean
    # by more than the tail cut at tau (nothing here waits anywhere near the 200 days).
    assert s["resolution_days_rmst"] >= s["resolution_days_mean_resolved"]
    assert s["report_to_resolution_days_rmst"] <= s["resolution_days_rmst"]


def test_the_daily_cost_and_the_cost_per_resolved_need_agree():
    m = run(seed=3)
    scored = m.timeseries()[lambda ts: ts["scored"]]
    per_resolved = scored["cost"].sum() / scored["resolved"].sum()
    assert m.summary()["cost_per_resolved"] == pytest.approx(per_resolved, rel=1e-12)
    # Wages are in both: the hours paid times the hour cost.
    wages = m.recorder.flow["hours_capacity"][1 : m.day + 1] * m.p["hour_cost"]
    assert (scored["cost"].to_numpy() >= wages[scored.index]).all() and wages.sum() > 0


def test_the_formulas_read_exactly_the_names_documented():
    m = run(seed=3)
    assert set(m.recorder.names(slice(1, 5))) == set(metrics.DAILY_NAMES)
    assert set(metrics.scored_names(m)) == set(metrics.SUMMARY_NAMES)


def test_a_formula_reading_an_unknown_name_is_refused():
    entry = dict(
        label="x", label_zh="新", unit="cases", unit_zh="件", direction="lower", group="flow",
        kind="skewed", fmt="{:.0f}", definition="d", definition_zh="定义",
    )  # fmt: skip
    text = "[daily.arrivals]\n" + "".join(f'{k} = "{v}"\n' for k, v in entry.items())
    good = outcomes.parse(text + 'compute = "rolling(flow.arrivals)"\n')["daily"]
    metrics.check_inputs(good.values(), [])
    bad = outcomes.parse(text + 'compute = "rolling(flow.arrivals) + arrivals"\n')["daily"]
    with pytest.raises(ValueError, match=r"\[daily.arrivals\] compute reads unknown arrivals"):
        metrics.check_inputs(bad.values(), [])


# --- Kaplan-Meier --------------------------------------------------------------------------
def test_km_summary_matches_a_hand_computed_curve():
    # Times 1, 2, 2+, 3, 5+ (+: censored). At risk 5, 4, 2: S = 0.8 from day 1, 0.6 from 2
    # (the need censored on day 2 is still at risk then), 0.3 from 3; day 5 is censored.
    durations, observed = [1, 2, 2, 3, 5], [True, True, False, True, False]
    median, rmst = km_summary(durations, observed, tau=6)
    assert median == 3
    assert rmst == pytest.approx(1 * 1 + 0.8 * 1 + 0.6 * 1 + 0.3 * 3)  # S held at 0.3 to 6
    assert km_summary(durations, observed, tau=2.5)[1] == pytest.approx(1 + 0.8 + 0.6 * 0.5)


def test_km_summary_when_the_curve_stays_high_or_there_is_nothing():
    # One of three resolved: S never reaches 0.5, so no median; the restricted mean still is.
    median, rmst = km_summary([1, 2, 3], [True, False, False], tau=4)
    assert math.isnan(median) and rmst == pytest.approx(1 + 2 / 3 * 3)
    median, rmst = km_summary([4, 9], [False, False], tau=10)
    assert math.isnan(median) and rmst == 10
    assert all(math.isnan(v) for v in km_summary([], [], tau=10))
    # Same-day resolutions (duration 0) count from day 0.
    assert km_summary([0, 0, 2], [True, True, True], tau=5) == pytest.approx((0, 2 / 3))


def test_censoring_makes_overload_look_worse_not_better():
    few = run(seed=5, worker_hours=2, **ADMIN).summary()
    enough = run(seed=5, worker_hours=8, **ADMIN).summary()
    assert few["resolution_days_rmst"] > enough["resolution_days_rmst"] + 5
    # Open needs push the restricted mean above the mean of resolved needs, the more so the
    # more needs are left waiting.
    gap_few = few["resolution_days_rmst"] - few["resolution_days_mean_resolved"]
    gap_enough = enough["resolution_days_rmst"] - enough["resolution_days_mean_resolved"]
    assert gap_few > gap_enough > 0


def test_km_uses_the_ledger_as_documented():
    """The summary's Kaplan-Meier figures equal km_summary on durations built by hand."""
    m = run(seed=6, need_rate=4, worker_hours=3, **ADMIN)
    s, led, end = m.summary(), m.casework.ledger, m.day
    tau = end - m.p["burn_in_days"]
    arisen = led.t_arise > m.p["burn_in_days"]
    durations, observed = [], []
    for i in np.flatnonzero(arisen):
        if led.status[i] == nd.RESOLVED:
            stop = led.t_resolve[i]
        elif led.status[i] == nd.ABANDONED:
            stop = led.t_abandon[i]
        else:
            stop = end
        durations.append(stop - led.t_arise[i])
        observed.append(led.status[i] == nd.RESOLVED)
    median, rmst = km_summary(durations, observed, tau)
    assert s["resolution_days_rmst"] == pytest.approx(rmst)
    assert s["resolution_days_km_median"] == pytest.approx(median, nan_ok=True)


# --- overload -------------------------------------------------------------------------------
def test_backlog_overload_on_made_up_series():
    flat = np.full(200, 40.0)
    assert backlog_overload(flat) == (0.0, 0.0)
    growing = np.arange(200, dtype=float)  # one case a day
    trend, saturated = backlog_overload(growing)
    assert trend == pytest.approx(100.0) and saturated == 1.0
    # Grows 8 cases over the second half: under the floor of 10 cases, not saturated.
    slow = np.r_[np.zeros(100), np.linspace(0, 8, 100)]
    trend, saturated = backlog_overload(slow)
    assert 0 < trend < 10 and saturated == 0.0
    # Grows 30 on a first-half mean of 100: less than half of it, not saturated.
    assert backlog_overload(np.r_[np.full(100, 100.0), np.linspace(100, 130, 100)])[1] == 0.0
    assert all(math.isnan(v) for v in backlog_overload(np.ones(3)))


def test_saturated_flags_a_clearly_overloaded_street_and_not_the_default():
    # Households giving up cap the backlog of an overloaded street (it then plateaus, and
    # gave_up_share tells the story); without giving up it keeps growing.
    over = run(
        seed=7, need_rate=8, worker_hours=2, give_up_rate=0.0, abandon_rate=0.0, **ADMIN
    ).summary()
    assert over["saturated"] == 1.0 and over["backlog_trend"] > 50
    assert over["backlog_final"] > over["backlog_mean"]
    default = run(seed=7).summary()
    assert default["saturated"] == 0.0
    assert abs(default["backlog_trend"]) < 20


# --- first reports and re-reports ----------------------------------------------------------
def test_first_reports_and_re_reports_agree_between_ledger_and_daily_flows():
    m = run(seed=8)
    s, led, flow = m.summary(), m.casework.ledger, m.recorder.flow
    first = np.count_nonzero(led.t_first_report > 0)  # burn_in_days = 0 in SMALL
    days = slice(1, m.day + 1)
    assert flow["reported"][days].sum() + flow["discovered"][days].sum() == first
    assert s["reported_per_grid_day"] == pytest.approx(first / (m.n_grids * m.day))
    entered = led.t_first_report > 0
    assert s["rereport_share"] == pytest.approx(np.mean(led.reports[entered] > 1))
    # Every entry into the queue is a first report (or discovery) or a re-report.
    assert (led.reports[entered] >= 1).all() and not led.reports[~entered].any()
    assert led.reports.sum() == first + flow["rereported"][days].sum()
    assert s["rereport_share"] > 0


def test_kaplan_meier_equals_scipys_to_the_bit():
    from scipy import stats

    from simulation.core.metrics import kaplan_meier

    rng = np.random.default_rng(5)
    for _ in range(100):
        n = int(rng.integers(1, 400))
        d = rng.integers(0, 60, n).astype(float)  # many tied days, as in the model
        obs = rng.random(n) < rng.uniform(0.05, 1.0)
        obs[0] = True
        sf = stats.ecdf(stats.CensoredData(uncensored=d[obs], right=d[~obs])).sf
        times, surv = kaplan_meier(d[obs], d[~obs])
        assert times.tobytes() == sf.quantiles.tobytes()
        assert surv.tobytes() == sf.probabilities.tobytes()
