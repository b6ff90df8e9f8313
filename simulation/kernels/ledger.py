"""The need ledger's codes and columns, declared once for the kernels and the model.

`simulation.core.needs.NeedLedger` keeps every need ever raised in these columns; the
compiled casework and recording read and write them. The codes are compiled into the
kernels as constants (`frozen_codes` in each kernel module tells which ones a cached build
holds; `simulation.kernels.check_constants` recompiles a stale build).
"""

from __future__ import annotations

from typing import Annotated, NamedTuple, get_type_hints

import numpy as np

# complexity
SIMPLE, PARTNER_LEVEL, DEPARTMENT_LEVEL = 0, 1, 2

# status
HIDDEN, QUEUED, IN_HAND, RESOLVED, ABANDONED = 0, 1, 2, 3, 4
STATUS_NAMES = ("hidden", "queued", "in_hand", "resolved", "abandoned")

# who resolved it
NOBODY, WORKER, VOLUNTEER, NEIGHBOUR, PARTNER, DEPARTMENT = -1, 0, 1, 2, 3, 4

#: Every code, in one tuple: what a kernel module compiled in (see `frozen_codes`).
CODES = (
    SIMPLE, PARTNER_LEVEL, DEPARTMENT_LEVEL, HIDDEN, QUEUED, IN_HAND, RESOLVED, ABANDONED,
    NOBODY, WORKER, VOLUNTEER, NEIGHBOUR, PARTNER, DEPARTMENT,
)  # fmt: skip


class LedgerColumns(NamedTuple):
    """The need ledger's columns, each with its dtype; row = need id.

    Integer columns start at -1 (not set), the others at 0 / False.
    """

    household: Annotated[np.ndarray, np.int32]
    grid: Annotated[np.ndarray, np.int32]
    category: Annotated[np.ndarray, np.int8]
    complexity: Annotated[np.ndarray, np.int8]
    status: Annotated[np.ndarray, np.int8]
    resolver: Annotated[np.ndarray, np.int8]
    t_arise: Annotated[np.ndarray, np.int32]
    t_first_report: Annotated[np.ndarray, np.int32]  # first report or discovery; kept after
    t_resolve: Annotated[np.ndarray, np.int32]
    t_abandon: Annotated[np.ndarray, np.int32]  # the household gave the need up
    due: Annotated[np.ndarray, np.int32]
    partner: Annotated[np.ndarray, np.int32]
    attempts: Annotated[np.ndarray, np.int16]
    reopens: Annotated[np.ndarray, np.int16]
    reports: Annotated[np.ndarray, np.int16]  # times the need entered the queue
    overdue: Annotated[np.ndarray, np.int16]  # expected delays waited past (a let-down each)
    severity: Annotated[np.ndarray, np.float64]
    fit: Annotated[np.ndarray, np.float64]
    cost: Annotated[np.ndarray, np.float64]
    self_reported: Annotated[np.ndarray, np.bool_]
    lost: Annotated[np.ndarray, np.bool_]
    elderly: Annotated[np.ndarray, np.bool_]
    escalated: Annotated[np.ndarray, np.bool_]


#: Each column's dtype, read from `LedgerColumns`.
DTYPES: dict[str, type] = {
    name: hint.__metadata__[0]
    for name, hint in get_type_hints(LedgerColumns, include_extras=True).items()
}


def _fill(dtype: type) -> int:
    return -1 if np.issubdtype(dtype, np.signedinteger) else 0


def empty_columns(capacity: int) -> LedgerColumns:
    """Columns for `capacity` needs, none raised yet."""
    return LedgerColumns(
        *(np.full(capacity, _fill(dtype), dtype=dtype) for dtype in DTYPES.values())
    )


def grown(columns: LedgerColumns, capacity: int) -> LedgerColumns:
    """The columns copied into new arrays of `capacity` rows (the rest not set)."""
    new = empty_columns(capacity)
    for old, column in zip(columns, new, strict=True):
        column[: len(old)] = old
    return new
