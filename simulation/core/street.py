"""The street's geometry: grids as contiguous blocks of cells, and neighbour ties within a grid.

A street (or a district of several streets) is laid out on one Mesa `OrthogonalMooreGrid`.
Every grid is a rectangular block; households occupy the block's cells row by row. Streets
are consecutive runs of grids, so a street is a band of blocks in the layout.

A worker process builds many streets, so what does not depend on a run's random stream is
built once: the layout per size (shared, read-only), and each grid's small-world ties per
(size, degree, rewiring probability, seed) in a bounded cache.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np
from scipy import sparse

# Small-world grids kept per process: a district (120 grids) twice over, ~4 MB at the default.
SMALL_WORLD_CACHE = 256


@dataclass(frozen=True)
class Layout:
    """Where every grid and household sits (shared between models: the arrays are read-only).

    Attributes:
        width: Cells across the whole space.
        height: Cells down the whole space.
        block_w: Cells across one grid block.
        block_h: Cells down one grid block.
        grid_bounds: Per grid, the cell rectangle (x0, y0, x1, y1), end-exclusive.
        household_x: Cell x of each household.
        household_y: Cell y of each household.
        household_grid: Grid index of each household.
        grid_street: Street index of each grid.
    """

    width: int
    height: int
    block_w: int
    block_h: int
    grid_bounds: tuple[tuple[int, int, int, int], ...]
    household_x: np.ndarray
    household_y: np.ndarray
    household_grid: np.ndarray
    grid_street: np.ndarray


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@lru_cache(maxsize=32)
def make_layout(n_streets: int, grids_per_street: int, households_per_grid: int) -> Layout:
    """Place grids as blocks in a near-square arrangement and households on their cells.

    The layout depends only on the sizes, so it is built once per process and size and shared
    by every model of that size; its arrays are read-only.

    Args:
        n_streets: Number of streets.
        grids_per_street: Grids in each street.
        households_per_grid: Households in each grid.

    Returns:
        The layout of the whole space.
    """
    n_grids = n_streets * grids_per_street
    block_w = math.ceil(math.sqrt(households_per_grid))
    block_h = math.ceil(households_per_grid / block_w)
    cols = math.ceil(math.sqrt(n_grids))
    rows = math.ceil(n_grids / cols)
    bounds = []
    for g in range(n_grids):
        gx, gy = (g % cols) * block_w, (g // cols) * block_h
        bounds.append((gx, gy, gx + block_w, gy + block_h))
    slot = np.arange(households_per_grid)
    x0 = np.array([b[0] for b in bounds])
    y0 = np.array([b[1] for b in bounds])
    hx = (x0[:, None] + slot[None, :] % block_w).ravel()
    hy = (y0[:, None] + slot[None, :] // block_w).ravel()
    hgrid = np.repeat(np.arange(n_grids), households_per_grid)
    return Layout(
        width=cols * block_w,
        height=rows * block_h,
        block_w=block_w,
        block_h=block_h,
        grid_bounds=tuple(bounds),
        household_x=_read_only(hx.astype(np.int32)),
        household_y=_read_only(hy.astype(np.int32)),
        household_grid=_read_only(hgrid.astype(np.int32)),
        grid_street=_read_only((np.arange(n_grids) // grids_per_street).astype(np.int32)),
    )


@lru_cache(maxsize=SMALL_WORLD_CACHE)
def small_world(n: int, k: int, p: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Watts-Strogatz ties of one grid, equal to `networkx.watts_strogatz_graph(n, k, p, seed)`.

    The ring lattice joins each node to its k/2 successors; then, successor distance by
    distance and node by node, each lattice tie is moved with probability p to a node drawn
    uniformly (redrawn while it is the node itself or already tied; given up if the node is
    tied to all others). The draws are Python's `random.Random(seed)` in the order networkx
    makes them, so the ties are the same ones networkx would give.

    Args:
        n: Nodes (households in the grid).
        k: Lattice degree (even, 2 <= k < n).
        p: Rewiring probability.
        seed: Seed of the grid's `random.Random`.

    Returns:
        Per node its number of ties, and all nodes' tied nodes in ascending order, one node
        after the other (a CSR row pointer's differences and column indices); read-only,
        because they are cached.
    """
    if k % 2 or not 2 <= k < n:
        raise ValueError(f"small_world needs an even k with 2 <= k < n, got n={n}, k={k}")
    draw = random.Random(seed)
    uniform, pick = draw.random, draw.choice
    half = k // 2
    ties: list[set[int]] = [set() for _ in range(n)]
    for u in range(n):
        for j in range(1, half + 1):
            v = (u + j) % n
            ties[u].add(v)
            ties[v].add(u)
    nodes = range(n)
    for j in range(1, half + 1):
        for u in range(n):
            if uniform() < p:
                mine = ties[u]
                w = pick(nodes)
                while w == u or w in mine:
                    w = pick(nodes)
                    if len(mine) >= n - 1:
                        break  # tied to everyone: this tie stays where it is
                else:
                    v = (u + j) % n
                    mine.remove(v)
                    ties[v].remove(u)
                    mine.add(w)
                    ties[w].add(u)
    rows = [sorted(t) for t in ties]
    degrees = np.fromiter(map(len, rows), dtype=np.int32, count=n)
    columns = np.fromiter(chain.from_iterable(rows), dtype=np.int32, count=int(degrees.sum()))
    return _read_only(degrees), _read_only(columns)


def neighbour_network(
    n_grids: int, households_per_grid: int, degree: int, rewire: float, rng: np.random.Generator
) -> sparse.csr_matrix:
    """Small-world (Watts-Strogatz) neighbour ties inside each grid, as a sparse adjacency matrix.

    Args:
        n_grids: Number of grids.
        households_per_grid: Households per grid.
        degree: Ring-lattice degree before rewiring (made even and below the grid size).
        rewire: Rewiring probability.
        rng: Generator the per-grid network seeds come from (one draw per grid, in order).

    Returns:
        Symmetric 0/1 adjacency over all households (block diagonal by grid), with sorted
        column indices.
    """
    n = households_per_grid
    k = max(2, min(degree - degree % 2, n - 1 - (n - 1) % 2))
    # One draw per grid, in grid order, exactly as the run has always drawn them.
    seeds = [int(rng.integers(2**31)) for _ in range(n_grids)]
    grids = [small_world(n, k, float(rewire), s) for s in seeds]
    total = n_grids * n
    indptr = np.zeros(total + 1, dtype=np.int32)
    if grids:
        np.cumsum(np.concatenate([d for d, _ in grids]), out=indptr[1:])
        indices = np.concatenate([c + g * n for g, (_, c) in enumerate(grids)], dtype=np.int32)
    else:
        indices = np.empty(0, dtype=np.int32)
    return sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(total, total))
