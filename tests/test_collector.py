"""Mesa's own tools on the model: batch_run and the DataCollector interface."""

import mesa
import pytest

from simulation.core.model import GridGovernanceModel
from simulation.core.outcomes import DAILY

SMALL = dict(grids_per_street=2, households_per_grid=60, burn_in_days=0, scored_days=500)


@pytest.mark.parametrize("period", [-1, 1])
def test_mesa_batch_run_over_the_switches_returns_the_indicators(period):
    rows = mesa.batch_run(
        GridGovernanceModel,
        parameters={"identity": [False, True], **{k: [v] for k, v in SMALL.items()}},
        rng=[1, 2],
        max_steps=50,
        data_collection_period=period,
        number_processes=1,
        display_progress=False,
    )
    per_run = 1 if period == -1 else 50
    assert len(rows) == 2 * 2 * per_run
    last = [r for r in rows if r["Step"] == 50]
    assert len(last) == 4
    for r in rows:
        assert set(DAILY) <= set(r) and r["backlog"] >= 0
    # Identity on brings volunteers and neighbours into casework: the runs differ.
    assert {r["identity"] for r in last} == {False, True}
    by = {(r["identity"], r["iteration"]): r["mean_identity"] for r in last}
    assert all(by[(True, i)] > by[(False, i)] for i in (0, 1))  # same seed, identity on


def test_model_vars_dataframe_is_the_daily_series():
    m = GridGovernanceModel(rng=3, **SMALL)
    for _ in range(12):
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert list(df.index) == list(range(1, 13))
    assert list(df.columns) == list(DAILY)
    assert df["backlog"].iloc[-1] == m.metrics_today()["backlog"]
