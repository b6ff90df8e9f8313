"""The street model: one day is one step, in the order of the specification.

1. needs arise  2. households report  3. workers patrol (after their administrative hours),
waiting households feel overdue waits and the street escalates old cases  4. triage and
hand-offs  5. resolution and feedback  6. participation  7. joint meetings

The state has three owners, each in its own module: `Casework` (needs, workers, the line
department), `Alliance` (partners, branches, ties, meetings) and `Attitudes` (what households
feel and do, over the `Households` arrays). The Mesa agents (residents, workers, partners,
branches, the department) are the interface a reader and the dashboard reason about. The
three switches only choose which named rules of `simulation.core.mechanisms` are on; nothing
rewards their combination directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mesa import Model
from mesa.discrete_space import OrthogonalMooreGrid

from simulation.core.agents import GridWorker, Partner, Resident
from simulation.core.alliance import Alliance
from simulation.core.attitudes import Attitudes
from simulation.core.casework import Casework
from simulation.core.collector import IndicatorCollector
from simulation.core.households import Households
from simulation.core.mechanisms import Rules
from simulation.core.metrics import DailyRecorder, summarise
from simulation.core.parameters import validate
from simulation.core.space import MooreGrid
from simulation.core.street import make_layout, neighbour_network


class GridGovernanceModel(Model):
    """A street (or district) of grids governed with or without the three mechanisms.

    Args:
        rng: Seed (int) or NumPy generator; every random draw of the model comes from it.
        seed: Mesa's older name for `rng` (the same stream); give one of the two.
        **params: Any parameters of `simulation.core.parameters.PARAMETERS`; the rest default.

    Raises:
        simulation.core.parameters.ParameterError: (a ValueError) an unknown parameter, a value of
            the wrong type or range, or an impossible combination, worded as `gridgov run`
            words it.
    """

    def __init__(self, rng: Any = None, seed: Any = None, **params: Any):
        """Validate the parameters, then build the street and its actors."""
        if seed is not None:
            if rng is not None:
                raise ValueError("give either rng or seed, not both")
            rng = seed
        p = validate(params)
        super().__init__(rng=rng)
        self.p = p
        self.rules = Rules.from_switches(p)
        self.day = 0
        self.total_days = int(p["burn_in_days"] + p["scored_days"])
        self.n_grids = p["n_streets"] * p["grids_per_street"]
        self.recorder = DailyRecorder(self)

        # Space and households.
        self.layout = make_layout(p["n_streets"], p["grids_per_street"], p["households_per_grid"])
        self.width, self.height = self.layout.width, self.layout.height
        self.grid_bounds = self.layout.grid_bounds
        # Mesa's Moore grid, its cells wired from a table cached per size (`simulation.core.space`).
        self.grid: OrthogonalMooreGrid = MooreGrid(
            (self.width, self.height), torus=False, random=self.random
        )
        self.households = hh = Households(self.layout, p, self.rng)
        self.neighbours = neighbour_network(
            self.n_grids,
            p["households_per_grid"],
            p["neighbour_ties"],
            p["rewire_probability"],
            self.rng,
        )
        cells = self.grid._cells  # direct dict access: 3,600+ lookups at build time
        self.residents = [
            Resident(self, i, cells[(int(x), int(y))])
            for i, (x, y) in enumerate(zip(hh.x.tolist(), hh.y.tolist(), strict=True))
        ]
        # Resident representatives: party-member households first, then the most identified.
        for rows in np.arange(hh.n).reshape(self.n_grids, -1):
            order = np.lexsort((-hh.identity[rows], ~hh.party_member[rows]))
            hh.representative[rows[order[: p["resident_reps"]]]] = True

        # The three owners of the day's rules.
        self.casework = Casework(self)
        self.alliance = Alliance(self)
        self.casework.connect(self.alliance)
        self.attitudes = Attitudes(self)
        self.workers = self.agents_by_type[GridWorker]
        self.partners = self.agents_by_type[Partner]
        self.datacollector = IndicatorCollector(self)
        self.running = True

    # ------------------------------------------------------------------------ the day
    def step(self) -> None:
        """Advance the street by one day."""
        self.day += 1
        day, work, alliance, attitudes = self.day, self.casework, self.alliance, self.attitudes
        self.recorder.begin_day()
        work.arrive(day)  # 1
        helping = attitudes.volunteering_neighbours(day)
        # 2 report, 3 patrol and waiting, 4 triage and hand-offs, 5 resolution
        experience = work.work(
            day, alliance.meeting_today(day), helping, attitudes.volunteered_yesterday
        )
        attitudes.feel(experience)
        attitudes.participate(day, helping)  # 6
        alliance.meet(day)  # 7
        attitudes.end_day()
        alliance.end_day()
        work.prune()
        self.recorder.end_day()
        if self.day >= self.total_days:
            self.running = False

    def run(self, days: int | None = None) -> None:
        """Step until the configured burn-in plus scored days (or `days` more days)."""
        end = self.total_days if days is None else self.day + days
        if end > self.day:
            self.run_for(end - self.day)  # Mesa's clock: one step per time unit

    # ------------------------------------------------------------------------ views
    @property
    def ledger(self):
        """Every need raised so far (`simulation.core.needs.NeedLedger`)."""
        return self.casework.ledger

    @property
    def workers_by_grid(self):
        """Grid workers, one list (team) per grid."""
        return self.casework.workers_by_grid

    @property
    def partner_list(self):
        """Partner organisations in index order (columns of the tie matrix)."""
        return self.alliance.partner_list

    @property
    def branches(self):
        """The party branch of each street."""
        return self.alliance.branches

    @property
    def department(self):
        """The line department above the street."""
        return self.casework.department

    def accept_probability(self, grid: int, partner: int) -> float:
        """Probability that `partner` accepts a need handed over by grid `grid`'s worker."""
        return self.alliance.accept_probability(grid, partner)

    def report_probability(self, rows: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """Daily probability that households `rows` report open needs of given severity."""
        return self.casework.report_probability(rows, severity)

    # ------------------------------------------------------------------------ outputs
    def metrics_today(self) -> dict[str, float]:
        """Today's daily indicators (the last row of the time series)."""
        return self.recorder.latest()

    def timeseries(self):
        """Daily indicators so far as a pandas DataFrame (one row per day)."""
        return self.recorder.frame()

    def summary(self) -> dict[str, float]:
        """Scored-period outcomes (`simulation.core.outcomes.MODEL_SUMMARY`)."""
        return summarise(self)
