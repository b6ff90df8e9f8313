"""The street's geometry: grids as contiguous blocks of cells, and neighbour ties within a grid.

A street (or a district of several streets) is laid out on one Mesa `OrthogonalMooreGrid`.
Every grid is a rectangular block; households occupy the block's cells row by row. Streets
are consecutive runs of grids, so a street is a band of blocks in the layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class Layout:
    """Where every grid and household sits.

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
    grid_bounds: list[tuple[int, int, int, int]]
    household_x: np.ndarray
    household_y: np.ndarray
    household_grid: np.ndarray
    grid_street: np.ndarray


def make_layout(n_streets: int, grids_per_street: int, households_per_grid: int) -> Layout:
    """Place grids as blocks in a near-square arrangement and households on their cells.

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
        grid_bounds=bounds,
        household_x=hx.astype(np.int32),
        household_y=hy.astype(np.int32),
        household_grid=hgrid.astype(np.int32),
        grid_street=(np.arange(n_grids) // grids_per_street).astype(np.int32),
    )


def neighbour_network(
    n_grids: int, households_per_grid: int, degree: int, rewire: float, rng: np.random.Generator
) -> sparse.csr_matrix:
    """Small-world (Watts-Strogatz) neighbour ties inside each grid, as a sparse adjacency matrix.

    Args:
        n_grids: Number of grids.
        households_per_grid: Households per grid.
        degree: Ring-lattice degree before rewiring (made even and below the grid size).
        rewire: Rewiring probability.
        rng: Generator the per-grid network seeds come from.

    Returns:
        Symmetric 0/1 adjacency over all households (block diagonal by grid).
    """
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
