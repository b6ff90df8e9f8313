"""Household attitudes and participation: feedback from experience, volunteering, decay.

`Attitudes` owns the rules that change what residents think and do: satisfaction by
expectation disconfirmation, expectations drifting toward experience, trust (faster down
than up, and down after let-downs), identity and self-efficacy after good experiences (in
every scenario), volunteering with a peer effect, identity-building events, and the slow
return of attitudes to their baselines.
The state itself lives in `Households` arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.core.mechanisms import Rules
from simulation.core.part import ModelPart
from simulation.kernels import CallSite, make_record
from simulation.kernels import households as kh
from simulation.kernels import records as kr

if TYPE_CHECKING:
    from simulation.core.model import GridGovernanceModel
    from simulation.kernels.records import Experience

RECENT = 30  # days in "volunteered recently"
SATISFIED = 0.6  # satisfaction above which a rating counts as satisfied


def identity_event_day(rules: Rules, params: Mapping[str, Any], day: int) -> bool:
    """An identity event is held on `day`: every `identity_event_interval` days, rule on."""
    return rules.identity_events and day % params["identity_event_interval"] == 0


class Attitudes(ModelPart):
    """Feedback, participation and decay of a model's households."""

    def __init__(self, model: GridGovernanceModel):
        """Bind to the model's households, neighbour network and generator."""
        super().__init__(model)
        p, hh = self.p, self.households
        self.n_streets = p["n_streets"]
        self.neighbours = model.neighbours
        adj = self.neighbours
        if not np.all(adj.data == 1.0):
            raise ValueError("the neighbour network must have unit weights")
        self._volunteer_weights = np.array([p["volunteer_identity"], p["volunteer_trust"], 0.0])
        #: Per grid, households that volunteered yesterday (today's helping hands).
        self.volunteered_yesterday = np.zeros(self.n_grids, dtype=np.int64)
        # The kernels' records, over these arrays and the households' (the kernels write them).
        self._volunteering = kr.Volunteering(
            last_volunteered=hh.last_volunteered,
            volunteer_hours=hh.volunteer_hours,
            grid=hh.grid,
            peer_weight=p["volunteer_peer"] / np.maximum(np.diff(adj.indptr), 1),
            per_grid=self.volunteered_yesterday,
            by_day=np.zeros((RECENT + 1, hh.n), dtype=np.int64),
            n_by_day=np.zeros(RECENT + 1, dtype=np.int64),
        )
        # Neighbours helping, kept up to date from the volunteers of the last RECENT + 1 days.
        self._neighbours_helping = kr.NeighboursHelping(
            indptr=adj.indptr,
            indices=adj.indices,
            helping=np.zeros(hh.n),
            active=np.zeros(hh.n, dtype=bool),
        )
        self._attitude_arrays = kr.AttitudeArrays(
            attitudes=hh.attitudes,
            expected_quality=hh.expected_quality,
            expected_delay=hh.expected_delay,
            satisfaction=hh.satisfaction,
            rated=hh.rated,
        )
        self._feel_params = make_record(kr.FeelParams, {**p, "satisfied": SATISFIED})
        self._volunteer_params = make_record(kr.VolunteerParams, p)
        self._update_helping = CallSite(kh.volunteering_neighbours)
        self._volunteer = CallSite(kh.volunteer)
        self._event = CallSite(kh.identity_event)
        self._decay = CallSite(kh.decay)
        self._feel = CallSite(kh.feel)

    def volunteering_neighbours(self, day: int) -> np.ndarray:
        """Per household, how many of its neighbours volunteered in the last 30 days.

        Read before today's volunteering; the day's rules share this one array.
        """
        helping = self._neighbours_helping
        self._update_helping(helping, self._volunteering, day, RECENT)
        return helping.helping

    def feel(self, exp: Experience) -> None:
        """Households rate today's fixes and feel today's let-downs.

        A rating moves expectations, trust, identity (after a satisfying one) and efficacy.
        A let-down (an overdue wait, a lost case, giving up) is felt as a satisfaction of
        `disappointment`: trust moves down toward it at the `trust_down` rate (several
        let-downs of one household on one day move it once; each is counted).

        The rating is satisfaction by expectation disconfirmation: S = logistic(bias +
        w_q·(quality − expected) − w_d·(delay − expected)/max(expected delay, 1)), smoothed
        with the previous rating; expectations drift toward experience; trust moves toward S,
        faster down than up; a satisfied household identifies more, and one whose own report
        was fixed feels more effective.
        """
        rec = self.recorder
        # The types the compiled call site was made for (an Experience may come from outside).
        lived = kr.Experience(
            rows=np.ascontiguousarray(exp.rows, dtype=np.int64),
            quality=np.ascontiguousarray(exp.quality, dtype=float),
            delay=np.ascontiguousarray(exp.delay, dtype=float),
            ok=np.ascontiguousarray(exp.ok, dtype=bool),
            self_reported=np.ascontiguousarray(exp.self_reported, dtype=bool),
            let_down=np.ascontiguousarray(exp.let_down, dtype=np.int64),
        )
        satisfied = self._feel(self._attitude_arrays, lived, self._feel_params)
        if len(lived.let_down):
            rec.count("disappointed", len(lived.let_down))
        if len(exp.rows):
            rec.count("rated", len(exp.rows))
            rec.count("satisfied", satisfied)

    def participate(self, day: int, helping: np.ndarray) -> None:
        """Residents volunteer (peer effect from `helping`); identity events are held."""
        p, hh = self.p, self.households
        z = self._volunteer_weights @ hh.attitudes  # a BLAS product: made here, not compiled
        u = self.rng.random(hh.n)
        n = self._volunteer(self._volunteering, self._volunteer_params, u, z, helping, day)
        self.recorder.count("volunteer_hours", p["volunteer_session_hours"] * n)
        if identity_event_day(self.rules, p, day):
            self._event(
                self.rng.random(hh.n), hh.identity, hh.party_member, float(p["event_attendance"]),
                float(p["event_gain"]),
            )  # fmt: skip
            self.recorder.count("cost", p["event_cost"] * self.n_streets)

    def end_day(self) -> None:
        """Attitudes drift back toward their baselines; worker–household ties decay."""
        hh = self.households
        self._decay(
            hh.attitudes, hh.attitude_base, hh.worker_tie, float(self.p["attitude_decay"]),
            1.0 - self.p["tie_decay"],
        )  # fmt: skip
