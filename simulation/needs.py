"""Needs: the records that flow through the street (a ledger of columns, not agents).

A need arises in a household, may stay hidden, gets reported by the household or discovered
by a patrolling worker, is handled by the worker, a volunteer, a neighbour, a partner or the
line department, and is resolved (or lost, or reopened). The ledger keeps every need ever
raised as NumPy columns so metrics are array operations.
"""

from __future__ import annotations

import numpy as np

CATEGORIES = ("environment", "maintenance", "dispute", "eldercare", "hazard", "paperwork")
CATEGORY_SHARES = np.array([0.25, 0.25, 0.15, 0.15, 0.10, 0.10])
HAZARD = CATEGORIES.index("hazard")

# complexity
SIMPLE, PARTNER_LEVEL, DEPARTMENT_LEVEL = 0, 1, 2

# status
HIDDEN, QUEUED, IN_HAND, RESOLVED, ABANDONED = 0, 1, 2, 3, 4
STATUS_NAMES = ("hidden", "queued", "in_hand", "resolved", "abandoned")

# who resolved it
NOBODY, WORKER, VOLUNTEER, NEIGHBOUR, PARTNER, DEPARTMENT = -1, 0, 1, 2, 3, 4
RESOLVER_NAMES = ("worker", "volunteer", "neighbour", "partner", "department")

_INT_COLUMNS = {
    "household": np.int32,
    "grid": np.int32,
    "category": np.int8,
    "complexity": np.int8,
    "status": np.int8,
    "resolver": np.int8,
    "t_arise": np.int32,
    "t_report": np.int32,
    "t_resolve": np.int32,
    "due": np.int32,
    "partner": np.int32,
    "attempts": np.int16,
    "reopens": np.int16,
}
_FLOAT_COLUMNS = ("severity", "fit", "cost")
_BOOL_COLUMNS = ("self_reported", "lost", "elderly", "escalated")


class NeedLedger:
    """Growable column store of needs; index = need id.

    Columns are attributes (`ledger.status`, `ledger.t_arise`, …) holding views of the live
    rows; they are re-bound whenever the ledger grows, so do not keep references across days.
    """

    def __init__(self, capacity: int = 1024):
        self.n = 0
        self._cap = capacity
        for name, dtype in _INT_COLUMNS.items():
            setattr(self, "_" + name, np.full(capacity, -1, dtype=dtype))
        for name in _FLOAT_COLUMNS:
            setattr(self, "_" + name, np.zeros(capacity))
        for name in _BOOL_COLUMNS:
            setattr(self, "_" + name, np.zeros(capacity, dtype=bool))
        self._bind()

    @staticmethod
    def column_names() -> tuple[str, ...]:
        """All column names."""
        return tuple(_INT_COLUMNS) + _FLOAT_COLUMNS + _BOOL_COLUMNS

    def _bind(self) -> None:
        for name in self.column_names():
            setattr(self, name, getattr(self, "_" + name)[: self.n])

    def _grow(self, needed: int) -> None:
        new_cap = max(needed, 2 * self._cap)
        for name in self.column_names():
            old = getattr(self, "_" + name)
            fill = -1 if name in _INT_COLUMNS else 0
            new = np.full(new_cap, fill, dtype=old.dtype)
            new[: self._cap] = old
            setattr(self, "_" + name, new)
        self._cap = new_cap

    def add(
        self,
        household: np.ndarray,
        grid: np.ndarray,
        category: np.ndarray,
        complexity: np.ndarray,
        severity: np.ndarray,
        elderly: np.ndarray,
        day: int,
    ) -> np.ndarray:
        """Append new hidden needs that arose today; return their ids."""
        k = len(household)
        start = self.n
        if start + k > self._cap:
            self._grow(start + k)
        sl = slice(start, start + k)
        self._household[sl] = household
        self._grid[sl] = grid
        self._category[sl] = category
        self._complexity[sl] = complexity
        self._severity[sl] = severity
        self._elderly[sl] = elderly
        self._status[sl] = HIDDEN
        self._t_arise[sl] = day
        self._attempts[sl] = 0
        self._reopens[sl] = 0
        self.n = start + k
        self._bind()
        return np.arange(start, start + k)

    def to_columns(self) -> dict[str, np.ndarray]:
        """Copies of every column (for export and tests)."""
        return {name: getattr(self, name).copy() for name in self.column_names()}
