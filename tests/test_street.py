"""The street's layout and neighbour ties: cached per process, equal to what networkx gives."""

import itertools

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

from simulation.core.model import GridGovernanceModel
from simulation.core.street import make_layout, neighbour_network, small_world


def networkx_neighbours(n_grids, households_per_grid, degree, rewire, rng):
    """The neighbour network as it was built with networkx graphs (before the cache)."""
    n = households_per_grid
    k = max(2, min(degree - degree % 2, n - 1 - (n - 1) % 2))
    rows, cols = [], []
    for g in range(n_grids):
        graph = nx.watts_strogatz_graph(n, k, rewire, seed=int(rng.integers(2**31)))
        edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2) + g * n
        rows += [edges[:, 0], edges[:, 1]]
        cols += [edges[:, 1], edges[:, 0]]
    r = np.concatenate(rows) if rows else np.empty(0, np.int64)
    c = np.concatenate(cols) if cols else np.empty(0, np.int64)
    total = n_grids * n
    return sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(total, total))


def assert_same_matrix(a, b):
    assert a.shape == b.shape
    assert (a != b).nnz == 0
    for name in ("indptr", "indices", "data"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name


# (n, k): small grids, odd and even sizes, k at its largest (n - 1, or n - 2 for even n),
# where the rewiring gives up for nodes tied to all others.
SIZES = [(20, 2), (20, 18), (21, 20), (21, 6), (37, 4), (120, 6), (300, 6), (300, 20)]
PROBABILITIES = [0.0, 0.05, 0.1, 0.5, 0.9, 1.0]


@pytest.mark.parametrize(("n", "k"), SIZES)
def test_small_world_ties_equal_networkx(n, k):
    for p, seed in itertools.product(PROBABILITIES, [0, 1, 7, 2**31 - 1, 123456789]):
        degrees, columns = small_world(n, k, p, seed)
        graph = nx.watts_strogatz_graph(n, k, p, seed=seed)
        assert degrees.tolist() == [graph.degree(u) for u in range(n)], (n, k, p, seed)
        rows = np.split(columns, np.cumsum(degrees)[:-1])
        assert [r.tolist() for r in rows] == [sorted(graph[u]) for u in range(n)], (n, k, p, seed)


@pytest.mark.parametrize(
    ("n_grids", "households", "degree", "rewire"),
    [
        (12, 300, 6, 0.1),  # the default street
        (4, 120, 6, 0.1),  # the tests' small street
        (3, 20, 20, 1.0),  # degree capped below the grid size, every tie rewired
        (2, 21, 7, 0.5),  # odd degree made even
        (5, 50, 2, 0.0),  # a bare ring
        (1, 1000, 20, 0.3),
        (30, 40, 4, 0.25),
    ],
)
def test_neighbour_network_equals_the_networkx_build(n_grids, households, degree, rewire):
    for seed in range(8):
        ours_rng, theirs_rng = np.random.default_rng(seed), np.random.default_rng(seed)
        ours = neighbour_network(n_grids, households, degree, rewire, ours_rng)
        theirs = networkx_neighbours(n_grids, households, degree, rewire, theirs_rng)
        assert_same_matrix(ours, theirs)
        # The run's generator is left exactly where the networkx build left it.
        assert ours_rng.bit_generator.state == theirs_rng.bit_generator.state


def test_cached_ties_are_not_shared_with_the_model():
    small_world.cache_clear()
    first = neighbour_network(4, 60, 6, 0.2, np.random.default_rng(3))
    hits = small_world.cache_info().hits
    first.data[:] = 5.0
    first.indices[:] = 0
    again = neighbour_network(4, 60, 6, 0.2, np.random.default_rng(3))
    assert small_world.cache_info().hits == hits + 4
    assert_same_matrix(again, networkx_neighbours(4, 60, 6, 0.2, np.random.default_rng(3)))
    degrees, columns = small_world(60, 6, 0.2, 1)
    with pytest.raises(ValueError):
        columns[0] = 1


def test_small_world_refuses_a_degree_networkx_would_not_rewire():
    for n, k in [(20, 20), (20, 21), (20, 3), (20, 0)]:
        with pytest.raises(ValueError, match="even k"):
            small_world(n, k, 0.1, 1)


def test_layout_is_built_once_per_size_and_read_only():
    layout = make_layout(1, 12, 300)
    assert make_layout(1, 12, 300) is layout
    fresh = make_layout.__wrapped__(1, 12, 300)
    assert layout.grid_bounds == fresh.grid_bounds
    for name in ("household_x", "household_y", "household_grid", "grid_street"):
        array = getattr(layout, name)
        assert np.array_equal(array, getattr(fresh, name)) and array.dtype == np.int32
        with pytest.raises(ValueError):
            array[0] = 1
    # Two live models of one size share the layout; their households and cells stay their own.
    a, b = GridGovernanceModel(rng=1), GridGovernanceModel(rng=2)
    assert a.layout is b.layout
    assert a.households.trust is not b.households.trust
    assert a.residents[0].cell is not b.residents[0].cell
