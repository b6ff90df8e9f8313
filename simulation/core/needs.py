"""Needs: the records that flow through the street (a ledger of columns, not agents).

A need arises in a household, may stay hidden, gets reported by the household or discovered
by a patrolling worker, is handled by the worker, a volunteer, a neighbour, a partner or the
line department, and is resolved (or lost, or reopened). The ledger keeps every need ever
raised as NumPy columns so metrics are array operations. The columns and the codes (status,
complexity, resolver) are declared in `simulation.kernels.ledger`, which the compiled kernels
share; they are re-exported here for the model's readers.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.ledger import (  # noqa: F401  (the codes are this module's API too)
    ABANDONED,
    DEPARTMENT,
    DEPARTMENT_LEVEL,
    HIDDEN,
    IN_HAND,
    NEIGHBOUR,
    NOBODY,
    PARTNER,
    PARTNER_LEVEL,
    QUEUED,
    RESOLVED,
    SIMPLE,
    STATUS_NAMES,
    VOLUNTEER,
    WORKER,
    LedgerColumns,
    empty_columns,
    grown,
)

CATEGORIES = ("environment", "maintenance", "dispute", "eldercare", "hazard", "paperwork")
CATEGORY_SHARES = np.array([0.25, 0.25, 0.15, 0.15, 0.10, 0.10])
HAZARD = CATEGORIES.index("hazard")

# Upper bounds of each category's share of needs, for drawing categories from uniforms.
CATEGORY_CUMULATIVE = np.cumsum(CATEGORY_SHARES)[:-1]

ARRIVAL_BLOCK = 64  # days of arrivals drawn at once


class NeedLedger:
    """Growable column store of needs; index = need id.

    `columns` holds the columns at full capacity (rows from `n` on are unused; the kernels
    take them as they are); it is replaced when the ledger grows, so read it again after
    `add`. Each column is also an attribute (`ledger.status`, `ledger.t_arise`, …) giving a
    view of the live rows (made when read); do not keep one across days, as a new need is not
    in an older view.
    """

    def __init__(self, capacity: int = 1024):
        """An empty ledger with room for `capacity` needs (it grows as needed)."""
        self.n = 0
        self.columns: LedgerColumns = empty_columns(capacity)

    def __getattr__(self, name: str) -> np.ndarray:
        """Column `name` of the needs raised so far (a view)."""
        if name in LedgerColumns._fields:
            return getattr(self.columns, name)[: self.n]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def status(self) -> np.ndarray:
        """Status of each need raised so far (codes of `simulation.kernels.ledger`; a view)."""
        return self.columns.status[: self.n]

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
        capacity = len(self.columns.status)
        if start + k > capacity:
            self.columns = grown(self.columns, max(start + k, 2 * capacity))
        c, sl = self.columns, slice(start, start + k)
        c.household[sl] = household
        c.grid[sl] = grid
        c.category[sl] = category
        c.complexity[sl] = complexity
        c.severity[sl] = severity
        c.elderly[sl] = elderly
        c.status[sl] = HIDDEN
        c.t_arise[sl] = day
        c.attempts[sl] = 0
        c.reopens[sl] = 0
        c.reports[sl] = 0
        c.overdue[sl] = 0
        self.n = start + k
        return np.arange(start, start + k)


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
