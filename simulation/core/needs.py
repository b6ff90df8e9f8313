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

# Upper bounds of each category's share of needs, for drawing categories from uniforms.
CATEGORY_CUMULATIVE = np.cumsum(CATEGORY_SHARES)[:-1]
ARRIVAL_BLOCK = 64  # days of arrivals drawn at once

# complexity
SIMPLE, PARTNER_LEVEL, DEPARTMENT_LEVEL = 0, 1, 2

# status
HIDDEN, QUEUED, IN_HAND, RESOLVED, ABANDONED = 0, 1, 2, 3, 4
STATUS_NAMES = ("hidden", "queued", "in_hand", "resolved", "abandoned")

# who resolved it
NOBODY, WORKER, VOLUNTEER, NEIGHBOUR, PARTNER, DEPARTMENT = -1, 0, 1, 2, 3, 4

_INT_COLUMNS = {
    "household": np.int32,
    "grid": np.int32,
    "category": np.int8,
    "complexity": np.int8,
    "status": np.int8,
    "resolver": np.int8,
    "t_arise": np.int32,
    "t_first_report": np.int32,  # first report or discovery; never moved by a re-report
    "t_resolve": np.int32,
    "t_abandon": np.int32,  # day the household gave the need up (lived with it, fixed it)
    "due": np.int32,
    "partner": np.int32,
    "attempts": np.int16,
    "reopens": np.int16,
    "reports": np.int16,  # times the need entered the queue (by report or discovery)
    "overdue": np.int16,  # expected delays the household has waited past (one let-down each)
}
_FLOAT_COLUMNS = ("severity", "fit", "cost")
_BOOL_COLUMNS = ("self_reported", "lost", "elderly", "escalated")


class NeedLedger:
    """Growable column store of needs; index = need id.

    Columns are attributes (`ledger.status`, `ledger.t_arise`, …) giving views of the live
    rows (made when read, so adding needs costs nothing per column); do not keep them across
    days, as a new need is not in an older view.
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

    @staticmethod
    def column_names() -> tuple[str, ...]:
        """All column names."""
        return tuple(_INT_COLUMNS) + _FLOAT_COLUMNS + _BOOL_COLUMNS

    def full_columns(self) -> dict[str, np.ndarray]:
        """Every column at full capacity (rows from `n` on are unused), for the kernels.

        The arrays are replaced when the ledger grows; read them again after `add`.
        """
        return {name: getattr(self, "_" + name) for name in self.column_names()}

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
        self._reports[sl] = 0
        self._overdue[sl] = 0
        self.n = start + k
        return np.arange(start, start + k)


def _live_rows(name: str) -> property:
    def fget(self):
        return getattr(self, "_" + name)[: self.n]

    return property(fget, doc=f"Column `{name}` of the needs raised so far (a view).")


for _name in NeedLedger.column_names():
    setattr(NeedLedger, _name, _live_rows(_name))
del _name


class Arrivals:
    """When, where and what needs arise: Poisson arrival events drawn ahead in blocks.

    Each household's needs are a Poisson process with rate `need_rate` per year, times
    `shock_multiplier` during a demand shock; their superposition is drawn as a daily count
    and a uniformly chosen household per need. Parameters are fixed for a run, so drawing
    `ARRIVAL_BLOCK` days at a time changes nothing but speed.
    """

    def __init__(self, params: dict, n_households: int, rng: np.random.Generator):
        """Arrivals for `n_households` households, drawn from `rng`."""
        self.p, self.n, self.rng = params, n_households, rng
        self._block_start = self._block_end = 0

    def today(self, day: int) -> tuple[np.ndarray, ...] | None:
        """Households, categories, complexities and severities of today's new needs (or None)."""
        if day >= self._block_end:
            self._draw(day, ARRIVAL_BLOCK)
        lo, hi = self._block_bounds[day - self._block_start : day - self._block_start + 2]
        if hi == lo:
            return None
        a = self._block
        return a["rows"][lo:hi], a["category"][lo:hi], a["complexity"][lo:hi], a["severity"][lo:hi]

    def _draw(self, first_day: int, n_days: int) -> None:
        """Draw the needs of the next `n_days` days in one go."""
        p, n = self.p, self.n
        days = np.arange(first_day, first_day + n_days)
        rate = np.full(n_days, n * p["need_rate"] / 365.0)
        if p["shock_start"] > 0:
            in_shock = (days >= p["shock_start"]) & (days < p["shock_start"] + p["shock_days"])
            rate[in_shock] *= p["shock_multiplier"]
        counts = self.rng.poisson(rate)
        k = int(counts.sum())
        u = self.rng.random((3, k))
        category = np.searchsorted(CATEGORY_CUMULATIVE, u[0], side="right")
        share_dep = p["share_department_needs"]
        share_partner = p["share_partner_needs"]  # validated: share_dep + share_partner <= 1
        complexity = np.where(
            u[1] < share_dep,
            DEPARTMENT_LEVEL,
            np.where(u[1] < share_dep + share_partner, PARTNER_LEVEL, SIMPLE),
        )
        # Paperwork nobody outside government can do is department-level when complex.
        paperwork = category == CATEGORIES.index("paperwork")
        complexity[paperwork & (complexity == PARTNER_LEVEL)] = DEPARTMENT_LEVEL
        severity = 0.1 + 0.7 * u[2] + 0.2 * (category == HAZARD)
        self._block = {
            "rows": self.rng.integers(0, n, size=k),
            "category": category,
            "complexity": complexity,
            "severity": np.minimum(severity, 1.0),
        }
        self._block_bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        self._block_start, self._block_end = first_day, first_day + n_days
