"""'Run 10 seeds': tasks for the experiment pipeline, bands over seeds, a real process pool."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation.dashboard import uncertainty, views
from simulation.dashboard.session import DashboardSession
from simulation.running.execute import SerialExecutor, open_executor

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"households_per_grid": 40, "grids_per_street": 2, "burn_in_days": 10, "scored_days": 50}


@pytest.fixture
def pair():
    s = DashboardSession(seed=3, scenario_folder=ROOT / "scenarios")
    s.set_params(SMALL)
    s.set_compare(True)
    s.step(40)
    return s


def test_tasks_are_pipeline_tasks_for_every_side_and_seed(pair):
    work = uncertainty.tasks(pair, 4)
    assert len(work) == 8
    assert {t["run_id"] for t in work} == {f"{s}-{i}" for s in "AB" for i in range(4)}
    # whole runs (burn-in 10 + 50 scored days), so the band outlasts the live street's day
    assert all(t["params"] == pair.sides[t["run_id"][0]].params for t in work)
    assert {t["seed"] for t in work} == {uncertainty.FIRST_SEED + i for i in range(4)}
    assert all(t["model"] == "simulation.run:simulate" for t in work)


def test_bands_contain_the_mean_and_shrink_with_more_seeds(pair):
    few = uncertainty.run_seeds(pair, 3, (SerialExecutor(), 1))
    many = uncertainty.run_seeds(pair, 8, (SerialExecutor(), 1))
    assert few.n == 3 and many.n == 8 and few.failed == 0
    assert len(many.days) == 60 and many.days[-1] == 60
    for name in views.INDICATORS:
        for side in ("A", "B", "diff"):
            mean, low, high = (b[side][name] for b in (many.mean, many.low, many.high))
            ok = np.isfinite(low) & np.isfinite(high)
            assert ok[-10:].all()  # late days have a value in every run
            assert np.all(low[ok] <= mean[ok] + 1e-12) and np.all(mean[ok] <= high[ok] + 1e-12)
    # B − A is paired by seed: its mean is the difference of the means
    backlog = many.mean["B"]["backlog"] - many.mean["A"]["backlog"]
    assert np.allclose(many.mean["diff"]["backlog"], backlog)
    width_few = np.nanmean(few.high["A"]["backlog"] - few.low["A"]["backlog"])
    width_many = np.nanmean(many.high["A"]["backlog"] - many.low["A"]["backlog"])
    assert width_many < width_few


def test_the_same_request_is_answered_from_the_cache(pair):
    first = uncertainty.run_seeds(pair, 2, (SerialExecutor(), 1))
    calls = []
    again = uncertainty.run_seeds(pair, 2, (SerialExecutor(), 1), lambda d, t: calls.append(d))
    assert again is first and calls == []
    pair.step(1)  # playing on keeps the band
    assert uncertainty.cached(uncertainty.key(pair, 2)) is first
    pair.set_mechanism("A", "identity", True)  # other settings are another request
    assert uncertainty.cached(uncertainty.key(pair, 2)) is None


def test_bands_are_drawn_on_the_plots(pair):
    bands = uncertainty.run_seeds(pair, 2, (SerialExecutor(), 1))
    assert 'class="gg-band"' in views.plots_html(pair, "en", bands=bands)
    assert 'class="gg-band"' in views.difference_html(pair, "en", bands=bands)
    assert 'class="gg-band"' not in views.plots_html(pair, "en")


@pytest.mark.slow
def test_runs_on_a_real_process_pool_give_the_serial_result(pair):
    serial = uncertainty.summarise(
        [o for t in uncertainty.tasks(pair, 2) for o in _run([t])], ("A", "B")
    )
    uncertainty._CACHE.clear()
    with open_executor("local", workers=2) as pool:
        pooled = uncertainty.run_seeds(pair, 2, pool)
    assert pooled.n == 2
    assert np.allclose(pooled.mean["diff"]["backlog"], serial.mean["diff"]["backlog"])


def _run(chunk):
    from simulation.running.execute import run_chunk

    return run_chunk(chunk)
