"""The Mesa grid of a street, connected from a neighbour table built once per size.

Mesa's `OrthogonalMooreGrid` wires its cells one `Cell.connect` at a time, and every call
clears the neighbourhood caches: about 29,000 calls for the default street, the larger part of
building a model. The wiring depends only on the grid's dimensions and torus flag, so
`MooreGrid` computes, once per process and size, which offsets of which cell lead where, and
gives each new grid's cells their `connections` from that table. Each model still gets its own
grid and its own cells (agents live in cells, and several models may be alive at once); only
the table of offsets and cell indices is shared.

After construction the grid is indistinguishable from Mesa's own: the same cells in the same
order, the same connection keys leading to the same cells in the same order (so neighbourhoods
of any radius, random neighbour picks, `all_cells`, `empties`, movement and
`select_random_empty_cell` behave identically), and the neighbourhood caches end empty, as
after Mesa's last `connect`.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import compress

import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

# Mesa's order of the eight Moore offsets; a cell's `connections` keep this order.
MOORE_OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


@lru_cache(maxsize=16)
def moore_table(
    dimensions: tuple[int, int], torus: bool
) -> tuple[tuple[tuple[tuple[int, int], ...], tuple[int, ...]], ...]:
    """Per cell, its connection keys and the indices of the cells they lead to.

    Cells are indexed as Mesa lists them (`itertools.product` over the dimensions, so cell
    (i, j) is number i * dimensions[1] + j); offsets that leave a bounded grid are dropped,
    and on a torus they wrap, as in Mesa's `OrthogonalMooreGrid`.

    Args:
        dimensions: The grid's two dimensions (width, height).
        torus: Whether the grid wraps around.

    Returns:
        One (keys, target indices) pair per cell, in cell order; shared, so immutable.
    """
    dim0, dim1 = dimensions
    i, j = np.divmod(np.arange(dim0 * dim1), dim1)
    offsets = np.array(MOORE_OFFSETS)
    ni, nj = i[:, None] + offsets[:, 0], j[:, None] + offsets[:, 1]
    if torus:
        ni, nj = ni % dim0, nj % dim1
    inside = (ni >= 0) & (ni < dim0) & (nj >= 0) & (nj < dim1)
    target = ni * dim1 + nj
    # which offsets stay inside -> their keys (one shared tuple per pattern)
    keys_of: dict[tuple[bool, ...], tuple] = {}
    table = []
    for stays, leads_to in zip(inside.tolist(), target.tolist(), strict=True):
        pattern = tuple(stays)
        keys = keys_of.get(pattern)
        if keys is None:
            keys = keys_of[pattern] = tuple(compress(MOORE_OFFSETS, stays))
        table.append((keys, tuple(compress(leads_to, stays))))
    return tuple(table)


class MooreGrid(OrthogonalMooreGrid):
    """An `OrthogonalMooreGrid` whose 2-D cells are wired from the cached `moore_table`.

    Construct it exactly as Mesa's grid: `MooreGrid((width, height), torus=False,
    random=model.random)`. Grids of other dimensionality are wired by Mesa.
    """

    def _connect_cells_2d(self) -> None:
        cells = self._celllist
        table = moore_table(tuple(self.dimensions), self.torus)
        any_connection = False
        for cell, (keys, targets) in zip(cells, table, strict=True):
            if keys:
                cell.connections = dict(zip(keys, [cells[t] for t in targets], strict=True))
                any_connection = True
        # Mesa's `Cell.connect` clears the (class-wide) neighbourhood caches on every call;
        # clearing once leaves them in the same state, and lets earlier models' cells go.
        if any_connection:
            cells[0]._clear_cache()
