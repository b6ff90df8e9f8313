"""The street's Mesa grid, wired from a cached table, behaves exactly as Mesa's own grid."""

import pickle
import random

import pytest
from mesa import Model
from mesa.discrete_space import Cell, CellAgent, OrthogonalMooreGrid

from simulation.core.model import GridGovernanceModel
from simulation.core.space import MooreGrid

SIZES = [(1, 1), (1, 5), (2, 2), (3, 7), (5, 3), (12, 9), (72, 51)]
CASES = [(size, torus) for size in SIZES for torus in (False, True)]


def both(size, torus, seed=3):
    """Mesa's grid and ours, each with its own generator seeded alike."""
    mesa = OrthogonalMooreGrid(size, torus=torus, random=random.Random(seed))
    ours = MooreGrid(size, torus=torus, random=random.Random(seed))
    return mesa, ours


def coords(cells):
    return [c.coordinate for c in cells]


def wiring(grid):
    """Every cell's connections as (key, target coordinate) pairs, in dict order."""
    return [
        [(key, other.coordinate) for key, other in cell.connections.items()]
        for cell in grid.all_cells
    ]


@pytest.mark.parametrize(("size", "torus"), CASES)
def test_same_cells_and_connections_as_mesa(size, torus):
    mesa, ours = both(size, torus)
    assert list(ours._cells) == list(mesa._cells)
    assert coords(ours._celllist) == coords(mesa._celllist)
    assert coords(ours.all_cells) == coords(mesa.all_cells)
    assert wiring(ours) == wiring(mesa)
    # Connections lead to this grid's own cells, not to copies or another grid's.
    for cell in ours.all_cells:
        assert all(other is ours._cells[other.coordinate] for other in cell.connections.values())


@pytest.mark.slow
@pytest.mark.parametrize(("size", "torus"), CASES)
def test_same_neighbourhoods_as_mesa(size, torus):
    mesa, ours = both(size, torus)
    for radius in (1, 2, 3):
        for center in (False, True):
            for m_cell, o_cell in zip(mesa.all_cells, ours.all_cells, strict=True):
                m_hood = m_cell.get_neighborhood(radius=radius, include_center=center)
                o_hood = o_cell.get_neighborhood(radius=radius, include_center=center)
                assert coords(o_hood) == coords(m_hood)
    for m_cell, o_cell in zip(mesa.all_cells, ours.all_cells, strict=True):
        assert coords(o_cell.neighborhood) == coords(m_cell.neighborhood)


def test_random_picks_agents_and_movement_match_mesa():
    mesa, ours = both((12, 9), False, seed=11)
    walkers = {}
    for grid in (mesa, ours):
        model = Model(rng=5)
        agents = [CellAgent(model) for _ in range(40)]
        for agent in agents:
            agent.cell = grid.select_random_empty_cell()
        walkers[grid] = agents
    for m_agent, o_agent in zip(walkers[mesa], walkers[ours], strict=True):
        assert m_agent.cell.coordinate == o_agent.cell.coordinate
    assert coords(ours.empties) == coords(mesa.empties)
    assert (ours.empty.data == mesa.empty.data).all()
    # Moves: relative steps, random neighbours, random neighbouring agents.
    for step in range(30):
        for m_agent, o_agent in zip(walkers[mesa], walkers[ours], strict=True):
            direction = [(-1, 0), (0, 1), (1, 1), (-1, -1)][step % 4]
            if direction in m_agent.cell.connections:
                m_agent.move_relative(direction)
                o_agent.move_relative(direction)
            else:
                with pytest.raises(ValueError):
                    o_agent.move_relative(direction)
            m_agent.move_to(m_agent.cell.neighborhood.select_random_cell())
            o_agent.move_to(o_agent.cell.neighborhood.select_random_cell())
            assert m_agent.cell.coordinate == o_agent.cell.coordinate
    for m_agent, o_agent in zip(walkers[mesa], walkers[ours], strict=True):
        m_hood, o_hood = m_agent.cell.get_neighborhood(2), o_agent.cell.get_neighborhood(2)
        assert [a.unique_id for a in o_hood.agents] == [a.unique_id for a in m_hood.agents]
    assert coords(ours.empties) == coords(mesa.empties)
    assert (ours.empty.data == mesa.empty.data).all()
    assert [ours.select_random_empty_cell().coordinate for _ in range(20)] == [
        mesa.select_random_empty_cell().coordinate for _ in range(20)
    ]


def test_neighbourhood_caches_end_empty_as_after_mesa():
    """Mesa's wiring empties the class-wide neighbourhood caches (old grids go); so does ours."""
    for grid_class in (OrthogonalMooreGrid, MooreGrid):
        old = grid_class((6, 6), torus=False, random=random.Random(1))
        for cell in old.all_cells:
            cell.get_neighborhood(radius=2)
        assert Cell._neighborhood.cache_info().currsize > 0
        grid_class((6, 6), torus=False, random=random.Random(1))
        assert Cell._neighborhood.cache_info().currsize == 0
        assert Cell.get_neighborhood.cache_info().currsize == 0


def test_pickles_like_mesa():
    _, ours = both((5, 4), False)
    copy = pickle.loads(pickle.dumps(ours))
    assert isinstance(copy, MooreGrid)
    assert wiring(copy) == wiring(ours)


def test_each_model_has_its_own_grid_and_cells():
    a, b = GridGovernanceModel(rng=1), GridGovernanceModel(rng=1)
    assert isinstance(a.grid, OrthogonalMooreGrid)
    assert a.grid is not b.grid and a.grid._celllist[0] is not b.grid._celllist[0]
    assert a.residents[0] in a.residents[0].cell.agents
    assert all(agent.model is a for agent in a.grid.all_cells.agents)
    assert all(agent.model is b for agent in b.grid.all_cells.agents)
    assert wiring(a.grid) == wiring(
        OrthogonalMooreGrid((a.width, a.height), torus=False, random=random.Random(0))
    )
