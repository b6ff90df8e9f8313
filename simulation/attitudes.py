"""Household attitudes and participation: feedback from experience, volunteering, decay.

`Attitudes` owns the rules that change what residents think and do: satisfaction by
expectation disconfirmation, expectations drifting toward experience, trust (faster down
than up, and down after let-downs), identity and self-efficacy after good experiences (in
every scenario), volunteering with a peer effect, identity-building events, and the slow
return of attitudes to their baselines.
The state itself lives in `Households` arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from simulation.part import ModelPart

if TYPE_CHECKING:
    from simulation.casework import Experience
    from simulation.model import GridGovernanceModel

RECENT = 30  # days in "volunteered recently"
SATISFIED = 0.6  # satisfaction above which a rating counts as satisfied


class Attitudes(ModelPart):
    """Feedback, participation and decay of a model's households."""

    def __init__(self, model: GridGovernanceModel):
        """Bind to the model's households, neighbour network and generator."""
        super().__init__(model)
        p, hh = self.p, self.households
        self.n_streets = p["n_streets"]
        self.neighbours = model.neighbours
        neighbour_count = np.maximum(np.diff(self.neighbours.indptr), 1)
        self._volunteer_weights = np.array([p["volunteer_identity"], p["volunteer_trust"], 0.0])
        self._peer_weight = p["volunteer_peer"] / neighbour_count
        #: Per grid, households that volunteered yesterday (today's helping hands).
        self.volunteered_yesterday = np.zeros(self.n_grids, dtype=np.int64)
        self._helping = np.zeros(hh.n)

    def volunteering_neighbours(self, day: int) -> np.ndarray:
        """Per household, how many of its neighbours volunteered in the last 30 days.

        Read before today's volunteering; the day's rules share this one array.
        """
        active = (day - self.households.last_volunteered < RECENT).astype(float)
        self._helping = self.neighbours @ active
        return self._helping

    def feel(self, exp: Experience) -> None:
        """Households rate today's fixes and feel today's let-downs.

        A rating moves expectations, trust, identity (after a satisfying one) and efficacy.
        A let-down (an overdue wait, a lost case, giving up) is felt as a satisfaction of
        `disappointment`: trust moves down toward it at the `trust_down` rate (several
        let-downs of one household on one day move it once; each is counted).
        """
        p, hh, rec = self.p, self.households, self.recorder
        if len(exp.let_down):
            down = exp.let_down
            t = hh.trust[down]
            hh.trust[down] = t + p["trust_down"] * np.minimum(p["disappointment"] - t, 0.0)
            rec.count("disappointed", len(down))
        rows = exp.rows
        if len(rows) == 0:
            return
        eq, ed = hh.expected_quality[rows], hh.expected_delay[rows]
        z = (
            p["satisfaction_bias"]
            + p["satisfaction_quality"] * (exp.quality - eq)
            - p["satisfaction_delay"] * (exp.delay - ed) / np.maximum(ed, 1.0)
        )
        s = expit(z)
        rec.count("rated", len(rows))
        rec.count("satisfied", int((s > SATISFIED).sum()))
        prev = hh.satisfaction[rows]
        hh.satisfaction[rows] = np.where(hh.rated[rows], 0.5 * prev + 0.5 * s, s)
        hh.rated[rows] = True
        drift = p["expectation_drift"]
        hh.expected_quality[rows] = eq + drift * (exp.quality - eq)
        hh.expected_delay[rows] = np.maximum(ed + drift * (exp.delay - ed), 0.5)
        t = hh.trust[rows]
        step = np.where(s > t, p["trust_up"], p["trust_down"])
        hh.trust[rows] = t + step * (s - t)
        good = rows[s > SATISFIED]
        hh.identity[good] += p["identity_gain"] * (1.0 - hh.identity[good])
        own = rows[exp.ok & exp.self_reported]
        hh.efficacy[own] += p["efficacy_gain"] * (1.0 - hh.efficacy[own])

    def participate(self, day: int, helping: np.ndarray) -> None:
        """Residents volunteer (peer effect from `helping`); identity events are held."""
        p, hh = self.p, self.households
        z = self._volunteer_weights @ hh.attitudes
        z += helping * self._peer_weight  # d3 × share of neighbours volunteering
        today = np.flatnonzero(self.rng.random(hh.n) < expit(z + p["volunteer_d0"]))
        hh.last_volunteered[today] = day
        hours = p["volunteer_session_hours"]
        hh.volunteer_hours[today] += hours
        self.recorder.count("volunteer_hours", hours * len(today))
        self.volunteered_yesterday = np.bincount(hh.grid[today], minlength=self.n_grids)
        if self.rules.identity_events and day % p["identity_event_interval"] == 0:
            # Value-building event: attendees (party members more often) identify more.
            attend_p = np.where(hh.party_member, 3.0, 1.0) * p["event_attendance"]
            came = self.rng.random(hh.n) < np.minimum(attend_p, 1.0)
            hh.identity[came] += p["event_gain"] * (1.0 - hh.identity[came])
            self.recorder.count("cost", p["event_cost"] * self.n_streets)

    def end_day(self) -> None:
        """Attitudes drift back toward their baselines; worker–household ties decay."""
        hh = self.households
        hh.attitudes += self.p["attitude_decay"] * (hh.attitude_base - hh.attitudes)
        hh.worker_tie *= 1.0 - self.p["tie_decay"]
