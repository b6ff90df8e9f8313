"""The party-led alliance: partner organisations, party branches, ties, hand-offs and meetings.

`Alliance` owns everything between the grid worker and the partners of its street: who the
partners are and whether they joined the branch's alliance, the grid–partner tie matrix, the
acceptance rule of a hand-off, and the joint meetings (the hours they take and the ties they
build), plus the slow decay of those ties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.core import needs as nd
from simulation.core.agents import PARTNER_KINDS, Partner, PartyBranch
from simulation.core.mechanisms import Rules
from simulation.core.part import ModelPart
from simulation.kernels import casework as kc
from simulation.kernels import make_record
from simulation.kernels import records as kr

if TYPE_CHECKING:
    from simulation.core.model import GridGovernanceModel


def meeting_day(rules: Rules, params: Mapping[str, Any], day: int) -> bool:
    """A joint meeting is held on `day`: every `meeting_interval` days, with the rule on."""
    return rules.joint_meetings and day % params["meeting_interval"] == 0


class Alliance(ModelPart):
    """Partners, branches and grid–partner ties of a model.

    The hand-offs themselves are compiled with the rest of the casework
    (`simulation.kernels.casework._hand_off`, which states the rule); the alliance keeps the
    partners' arrays they read and write.
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
        #: Coefficients of a partner's acceptance of a hand-off (`accept_probability`).
        self.acceptance = make_record(kr.Acceptance, p)
        flat = [c for street in self.serving for cat in street for c in cat]
        sizes = [len(cat) for street in self.serving for cat in street]
        self.serving_flat = np.array(flat, dtype=np.int64)
        self.serving_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    def _map_needs_to_resources(self, partners: list[Partner]) -> None:
        """The `party_led_alliance` rule: the partners covering most needs join the alliance.

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
        """Probability that `partner` accepts a need handed over by grid `grid`'s worker.

        The rule the hand-offs use (`simulation.kernels.casework.acceptance`).
        """
        street = self.partner_street[partner]
        return kc.acceptance(
            self.acceptance,
            float(self.partner_tie[grid, partner]),
            float(self.branches[street].coordination),
            bool(self.partner_member[partner]),
        )

    # ------------------------------------------------------------------ meetings and ties
    def meeting_today(self, day: int) -> bool:
        """A joint meeting is held today (`meeting_day`)."""
        return meeting_day(self.rules, self.p, day)

    def meet(self, day: int) -> None:
        """The `joint_meetings` rule: hold today's meeting, if any; ties of those present grow.

        The branch, the workers, the partners and `resident_reps` representatives per grid
        meet (the meeting's `meeting_hours` per worker are booked by the casework): each
        grid–partner tie of the street and each representative's worker tie grow by
        `meeting_tie_gain`·(1 − tie).
        """
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
