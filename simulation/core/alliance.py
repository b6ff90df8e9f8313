"""The party-led alliance: partner organisations, party branches, ties, hand-offs and meetings.

`Alliance` owns everything between the grid worker and the partners of its street: who the
partners are and whether they joined the branch's alliance, the grid–partner tie matrix, the
acceptance rule of a hand-off, and the joint meetings (the hours they take and the ties they
build), plus the slow decay of those ties.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simulation.core import needs as nd
from simulation.core.agents import PARTNER_KINDS, Partner, PartyBranch
from simulation.core.part import ModelPart

if TYPE_CHECKING:
    from simulation.core.model import GridGovernanceModel


class Alliance(ModelPart):
    """Partners, branches and grid–partner ties of a model.

    The hand-off rule (run by the compiled casework, `simulation.kernels.casework`): a grid
    worker with a partner-level need asks the partners of its street that do this kind of
    work. With the resource list (`alliance_matching`) the worker ranks them by fit ×
    acceptance probability and asks them in turn until one accepts or the hours run out;
    without it the worker asks one of them, picked without a list, once a day. Each request
    costs dispatch hours (fewer with a stronger tie). A partner takes at most its capacity a
    day; it fixes the need after its delay (shorter with a stronger tie), and every completed
    fix strengthens the tie: tie += `handoff_tie_gain`·(1 − tie).
    """

    def __init__(self, model: GridGovernanceModel):
        """Create each street's branch and partners (placed at random in the street)."""
        super().__init__(model)
        p = self.p
        layout = model.layout
        cells = model.grid._cells
        self.branches = [PartyBranch(model, s, p["coordination"]) for s in range(p["n_streets"])]
        partners: list[Partner] = []
        spread = p["partner_fit_spread"]
        for s in range(p["n_streets"]):
            street_grids = np.flatnonzero(layout.grid_street == s)
            for kind in PARTNER_KINDS:
                for _ in range(p["partners_per_type"]):
                    g = int(self.rng.choice(street_grids))
                    x0, y0, x1, y1 = layout.grid_bounds[g]
                    xy = (int(self.rng.integers(x0, x1)), int(self.rng.integers(y0, y1)))
                    # Partners differ in how well they serve each of their categories.
                    fit = p["partner_fit"] + self.rng.uniform(-spread, spread, len(nd.CATEGORIES))
                    partners.append(Partner(model, kind, s, cells[xy], p, np.clip(fit, 0.0, 1.0)))
        if self.rules.party_led_alliance:
            self._map_needs_to_resources(partners)
        for i, partner in enumerate(partners):
            partner.index = i
        self.partner_list = partners
        self.partner_street = np.array([q.street for q in partners])
        self.partner_member = np.array([q.alliance_member for q in partners])
        # Grid–partner tie matrix: each grid's worker team to each partner of its street.
        self.same_street = layout.grid_street[:, None] == self.partner_street[None, :]
        self.n_same_street = int(self.same_street.sum())
        self.partner_tie = np.where(self.same_street, p["tie_initial"], 0.0)
        self.grid_street = layout.grid_street.tolist()
        # Per street and need category: the partners that do this kind of work.
        self.serving = [
            [
                [q.index for q in partners if q.street == s and q.fit[c] > 0]
                for c in range(len(nd.CATEGORIES))
            ]
            for s in range(p["n_streets"])
        ]
        # The partners as arrays, for the compiled hand-offs (`simulation.kernels.casework`).
        self.partner_fit = np.array([q.fit for q in partners], dtype=float).reshape(
            len(partners), len(nd.CATEGORIES)
        )
        self.partner_delay = np.array([q.base_delay for q in partners], dtype=float)
        self.partner_cost = np.array([q.unit_cost for q in partners], dtype=float)
        self.capacity = np.array([q.capacity for q in partners], dtype=np.int64)
        self.capacity_left = self.capacity.copy()
        flat = [c for street in self.serving for cat in street for c in cat]
        sizes = [len(cat) for street in self.serving for cat in street]
        self.serving_flat = np.array(flat, dtype=np.int64)
        self.serving_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    def _map_needs_to_resources(self, partners: list[Partner]) -> None:
        """The branch's needs/resources mapping: the partners covering most needs join.

        Coverage is a partner's fit weighted by how often each category of need arises; the
        `alliance_share` of each street's partners with the highest coverage become members
        (a fixed count per street, not a draw per partner).
        """
        for s in range(self.p["n_streets"]):
            mine = [q for q in partners if q.street == s]
            coverage = [float(nd.CATEGORY_SHARES @ q.fit) for q in mine]
            n_members = round(self.p["alliance_share"] * len(mine))
            for i in np.argsort(coverage, kind="stable")[::-1][:n_members]:
                mine[i].alliance_member = True

    # ------------------------------------------------------------------ acceptance
    def accept_probability(self, grid: int, partner: int) -> float:
        """Probability that `partner` accepts a need handed over by grid `grid`'s worker."""
        street = self.partner_street[partner]
        return self._acceptance(
            float(self.partner_tie[grid, partner]),
            self.branches[street].coordination,
            bool(self.partner_member[partner]),
        )

    def _acceptance(self, tie: float, coordination: float, member: bool) -> float:
        """logistic(b0 + b1·tie + member·(b2·coordination + b3)), in plain floats (hot path).

        The branch coordinates its alliance members only; an ad hoc request to a partner
        outside the alliance rests on the tie alone.
        """
        p = self.p
        z = p["accept_b0"] + p["accept_tie"] * tie
        if member:
            z += p["accept_coordination"] * coordination + p["accept_alliance"]
        return 1.0 / (1.0 + math.exp(-z))

    # ------------------------------------------------------------------ meetings and ties
    def meeting_today(self, day: int) -> bool:
        """A joint meeting is held today (every `meeting_interval` days, with the rule on)."""
        return self.rules.joint_meetings and day % self.p["meeting_interval"] == 0

    def meeting_hours(self, day: int) -> float:
        """Hours each grid worker spends in today's joint meeting (0 without one)."""
        return self.p["meeting_hours"] if self.meeting_today(day) else 0.0

    def meet(self, day: int) -> None:
        """Hold today's joint meeting, if any: ties of those present grow by τ·(1 − tie)."""
        if not self.meeting_today(day):
            return
        hh, tau = self.households, self.p["meeting_tie_gain"]
        # In place: the compiled casework holds this array.
        self.partner_tie[...] = np.where(
            self.same_street, self.partner_tie + tau * (1.0 - self.partner_tie), 0.0
        )
        reps = hh.representative
        hh.worker_tie[reps] += tau * (1.0 - hh.worker_tie[reps])
        for branch in self.branches:
            branch.meetings_held += 1

    def end_day(self) -> None:
        """Grid–partner ties decay; the alliance's running cost is paid."""
        self.partner_tie *= 1.0 - self.p["tie_decay"]
        if self.rules.party_led_alliance:
            self.recorder.count("cost", self.p["alliance_cost"] * self.p["n_streets"])
