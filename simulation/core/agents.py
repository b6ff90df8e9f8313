"""Mesa agents: residents, grid workers, partner organisations, the party branch, the department.

Residents are the Mesa face of one row of `Households`; their attributes read and write the
model's arrays. Workers, partners and the branch are few and carry their own state.
"""

from __future__ import annotations

import numpy as np
from mesa import Agent
from mesa.discrete_space import CellAgent, FixedAgent
from mesa.discrete_space.cell_agent import HasCell

from simulation.core.needs import CATEGORIES

PARTNER_KINDS = {
    # kind: the need categories it serves (its fit is `partner_fit` there, 0 elsewhere)
    "property_management": ("environment", "maintenance", "hazard"),
    "social_organisation": ("dispute", "eldercare"),
    "enterprise": ("maintenance", "hazard"),
    "volunteer_team": ("environment", "eldercare", "dispute"),
    "health_station": ("eldercare",),
}


def _row_attribute(name: str, doc: str) -> property:
    def fget(self):
        return getattr(self.model.households, name)[self.row]

    def fset(self, value):
        getattr(self.model.households, name)[self.row] = value

    return property(fget, fset, doc=doc)


class Resident(CellAgent):
    """A household, fixed at its home cell; a view onto its row of the model's arrays."""

    identity = _row_attribute("identity", "Identity I in [0, 1].")
    trust = _row_attribute("trust", "Trust in the grid T in [0, 1].")
    efficacy = _row_attribute("efficacy", "Self-efficacy E in [0, 1].")
    satisfaction = _row_attribute("satisfaction", "Latest satisfaction S (NaN before any).")
    expected_quality = _row_attribute("expected_quality", "Expected quality of a fix.")
    expected_delay = _row_attribute("expected_delay", "Expected delay in days.")
    worker_tie = _row_attribute("worker_tie", "Tie strength of the grid worker to the household.")
    open_needs = _row_attribute("open_needs", "Needs not yet resolved.")
    elderly = _row_attribute("elderly", "Elderly household.")
    party_member = _row_attribute("party_member", "Household with a party member.")
    volunteer_hours = _row_attribute("volunteer_hours", "Cumulative volunteering hours.")

    def __init__(self, model, row: int, cell):
        """Create the resident of household `row` at `cell`."""
        super().__init__(model)
        self.row = row
        self.cell = cell

    @property
    def grid_index(self) -> int:
        """Index of the household's grid."""
        return int(self.model.households.grid[self.row])

    def neighbours(self) -> list[int]:
        """Rows of the households this one has neighbour ties with."""
        adj = self.model.neighbours
        return adj.indices[adj.indptr[self.row] : adj.indptr[self.row + 1]].tolist()

    def report_probability(self, severity: float) -> float:
        """Daily probability that this household reports an open need of `severity`."""
        return float(self.model.report_probability(np.array([self.row]), np.array([severity]))[0])


class GridWorker(CellAgent):
    """A full-time generalist grid worker who patrols one grid and triages its cases.

    Attributes:
        grid_index: The grid the worker serves.
        competence: Generalist competence per need category, in [0, 1].
        leads_patrol: The team's first worker, who is seen at each day's first patrol visit.
    """

    def __init__(
        self, model, grid_index: int, cell, competence: np.ndarray, leads_patrol: bool = False
    ):
        """Create a worker for grid `grid_index` standing on `cell`."""
        super().__init__(model)
        self.grid_index = grid_index
        self.leads_patrol = leads_patrol
        self._patrolled_on = 0  # the patrol day the worker was last moved for
        self.cell = cell
        self.competence = competence

    @property
    def hours_used(self) -> float:
        """Hours used today on casework (after patrol, meetings and follow-ups)."""
        return self.model.casework.worker_day(self.grid_index)[0]

    @property
    def cell(self):
        """The worker's cell (its last patrol visit: the lead worker of a team walks first).

        Moving a Mesa agent between cells is costly and the patrol moves a worker of every
        grid every day, so the lead worker walks to the day's first visit when `cell` is read.
        """
        work = getattr(self.model, "casework", None)
        if self.leads_patrol and work is not None and self._patrolled_on != work.patrol_day:
            self._patrolled_on = work.patrol_day
            row = int(work.first_visits[self.grid_index])
            hh = self.model.households
            HasCell.cell.fset(self, self.model.grid[(int(hh.x[row]), int(hh.y[row]))])
        return HasCell.cell.fget(self)

    @cell.setter
    def cell(self, value) -> None:
        HasCell.cell.fset(self, value)


class Partner(FixedAgent):
    """A partner organisation of a street (property management, social organisation, …).

    Attributes:
        kind: One of `PARTNER_KINDS`.
        street: Street index.
        fit: Fit per need category (0 where the partner has nothing to offer).
        capacity: Needs it can take per day.
        capacity_left: Capacity left today.
        unit_cost: Fee per need.
        base_delay: Delay in days at zero tie.
        alliance_member: Member of the branch-led alliance (connection only).
    """

    def __init__(self, model, kind: str, street: int, cell, params: dict, fit: np.ndarray):
        """Create a partner of `kind` in `street` at `cell`; `fit` is its fit per category.

        The fit is kept only in the categories its kind serves (zero elsewhere).
        """
        super().__init__(model)
        self.kind = kind
        self.street = street
        self.cell = cell
        served = PARTNER_KINDS[kind]
        self.fit = np.where([c in served for c in CATEGORIES], fit, 0.0)
        self.capacity = params["partner_capacity"]
        self.unit_cost = params["partner_cost"]
        self.base_delay = params["partner_delay"]
        self.alliance_member = False  # set by the branch's needs/resources mapping
        self.index = -1  # column in the model's grid-partner tie matrix

    @property
    def capacity_left(self) -> int:
        """Needs it can still take today."""
        return int(self.model.alliance.capacity_left[self.index])


class PartyBranch(Agent):
    """The street's party branch: the core of the alliance and convener of joint meetings."""

    def __init__(self, model, street: int, coordination: float):
        """Create the branch of `street`."""
        super().__init__(model)
        self.street = street
        self.coordination = coordination
        self.meetings_held = 0


class LineDepartment(Agent):
    """The escalation target above the street: slow, costly, lower fit, unlimited capacity."""

    def __init__(self, model, params: dict):
        """Create the department from the model's parameters."""
        super().__init__(model)
        self.delay_min = params["department_delay_min"]
        self.delay_max = params["department_delay_max"]  # validated: not below delay_min
        self.fit = params["department_fit"]
        self.unit_cost = params["department_cost"]

    @property
    def cases(self) -> int:
        """Needs escalated to the department so far."""
        return int(self.model.casework.department_cases[0])
