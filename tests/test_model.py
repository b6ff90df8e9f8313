"""The model as Mesa sees it: construction, validation, agents, reproducibility, scenarios."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import SMALL, run

from simulation.config import load_scenario
from simulation.core.agents import Resident
from simulation.core.model import GridGovernanceModel
from simulation.core.parameters import ParameterError

ROOT = Path(__file__).resolve().parents[1]


def test_street_layout_and_agents():
    m = GridGovernanceModel(rng=1, **SMALL)
    assert len(m.agents_by_type[Resident]) == 4 * 120
    assert len(m.workers) == 4
    assert len(m.partners) == 5
    # Each grid is a contiguous block: its households' cells lie inside its bounds.
    hh = m.households
    for g, (x0, y0, x1, y1) in enumerate(m.grid_bounds):
        rows = hh.grid == g
        assert (hh.x[rows] >= x0).all() and (hh.x[rows] < x1).all()
        assert (hh.y[rows] >= y0).all() and (hh.y[rows] < y1).all()
    # Neighbour ties stay inside the grid.
    coo = m.neighbours.tocoo()
    assert (hh.grid[coo.row] == hh.grid[coo.col]).all()


def test_resident_is_a_view_on_the_arrays():
    m = GridGovernanceModel(rng=1, **SMALL)
    r = m.residents[7]
    r.trust = 0.9
    assert m.households.trust[7] == 0.9
    assert r.cell.coordinate == (int(m.households.x[7]), int(m.households.y[7]))
    assert all(m.households.grid[j] == r.grid_index for j in r.neighbours())


def test_same_seed_same_run_other_seed_other_run():
    a, b, c = run(seed=5), run(seed=5), run(seed=6)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    assert a.summary() == b.summary() or all(
        (x == y) or (np.isnan(x) and np.isnan(y))
        for x, y in zip(a.summary().values(), b.summary().values(), strict=True)
    )
    assert not a.timeseries()["backlog"].equals(c.timeseries()["backlog"])


def test_model_keeps_running_past_its_horizon():
    m = GridGovernanceModel(rng=2, **{**SMALL, "scored_days": 5})
    for _ in range(20):
        m.step()
    assert m.day == 20 and len(m.timeseries()) == 20
    assert not m.running


def test_workers_patrol_inside_their_grid():
    m = GridGovernanceModel(rng=3, **SMALL)
    seen = set()
    for _ in range(10):
        m.step()
        for w in m.workers:
            x0, y0, x1, y1 = m.grid_bounds[w.grid_index]
            x, y = w.cell.coordinate
            assert x0 <= x < x1 and y0 <= y < y1
            assert w in w.cell.agents
            seen.add((w.unique_id, w.cell.coordinate))
    assert len(seen) > len(m.workers)  # they actually move


def test_constructor_refuses_what_gridgov_run_refuses_with_the_same_words():
    with pytest.raises(ParameterError, match=r"^need_rate: must be a number in \[0.1, 12\]"):
        GridGovernanceModel(rng=1, need_rate=40)
    with pytest.raises(ParameterError, match="worker_hours"):
        GridGovernanceModel(rng=1, worker_hours=-1)
    with pytest.raises(ParameterError, match="connection: must be true or false"):
        GridGovernanceModel(rng=1, connection="yes")
    with pytest.raises(ParameterError, match="not_a_param: unknown parameter"):
        GridGovernanceModel(rng=1, not_a_param=3)
    with pytest.raises(ParameterError, match="share_partner_needs"):
        GridGovernanceModel(rng=1, share_partner_needs=0.9, share_department_needs=0.5)
    # Refused before anything is allocated.
    with pytest.raises(ParameterError, match="households in all"):
        GridGovernanceModel(rng=1, n_streets=20, grids_per_street=40, households_per_grid=1000)


def test_constructor_accepts_mesas_seed_keyword_as_the_same_stream():
    a = GridGovernanceModel(seed=9, **SMALL)
    b = GridGovernanceModel(rng=9, **SMALL)
    for _ in range(30):
        a.step()
        b.step()
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    with pytest.raises(ValueError, match="either rng or seed"):
        GridGovernanceModel(rng=1, seed=2)


def test_constructor_accepts_numpy_values_as_batch_run_passes_them():
    m = GridGovernanceModel(rng=1, identity=np.True_, need_rate=np.float64(2.0), **SMALL)
    assert m.p["identity"] is True and m.p["need_rate"] == 2.0


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_builds_and_steps(path):
    params = {**load_scenario(path).params, "grids_per_street": 3, "households_per_grid": 60}
    m = GridGovernanceModel(rng=4, **params)
    for _ in range(20):
        m.step()
    assert m.steps == 20 and m.day == 20
    row = m.metrics_today()
    assert row["arrivals"] >= 0 and 0 <= row["mean_trust"] <= 1
