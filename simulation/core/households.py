"""Per-household state as NumPy arrays owned by the model (one row per household).

Every day touches every household's attitudes and participation, so this state lives in
arrays; `Resident` agents are the Mesa interface onto one row each.
"""

from __future__ import annotations

import numpy as np

from simulation.core.street import Layout


class Households:
    """Array state of all households.

    Attributes:
        n: Number of households.
        x, y, grid: Cell coordinates and grid index.
        elderly, party_member: Fixed household traits.
        identity, trust, efficacy: Attitudes I, T, E in [0, 1].
        identity_base, trust_base, efficacy_base: Levels attitudes decay toward.
        expected_quality, expected_delay: Expectations used for disconfirmation.
        satisfaction: Latest smoothed satisfaction S in [0, 1] (NaN before any experience).
        worker_tie: Tie strength of the grid worker to the household.
        last_volunteered: Last day the household volunteered (-10**6 if never).
        volunteer_hours: Cumulative volunteering hours.
        open_needs: Needs of the household not yet resolved or abandoned.
        representative: Resident representative at joint meetings.
    """

    def __init__(self, layout: Layout, params: dict, rng: np.random.Generator):
        n = len(layout.household_grid)
        self.n = n
        self.x = layout.household_x
        self.y = layout.household_y
        self.grid = layout.household_grid
        self.elderly = rng.random(n) < params["share_elderly"]
        self.party_member = rng.random(n) < params["share_party_members"]
        # Heterogeneous starting attitudes around the baselines; elderly households report
        # less on their own (lower self-efficacy), which drives the elderly resolution gap.
        spread = 0.1
        eff = params["efficacy_baseline"] - 0.15 * self.elderly + rng.normal(0, spread, n)
        # Attitudes are rows of one 3 × n array so daily decay and means are single calls;
        # `identity`, `trust` and `efficacy` are views onto its rows.
        self.attitude_base = np.clip(
            np.stack(
                [
                    params["identity_baseline"] + rng.normal(0, spread, n),
                    params["trust_baseline"] + rng.normal(0, spread, n),
                    eff,
                ]
            ),
            0,
            1,
        )
        self.attitudes = self.attitude_base.copy()
        self._bind_rows()
        self.expected_quality = np.full(n, params["expected_quality"])
        self.expected_delay = np.full(n, params["expected_delay"])
        self.satisfaction = np.full(n, np.nan)
        self.rated = np.zeros(n, dtype=bool)  # has had at least one experience
        self.worker_tie = np.full(n, params["tie_initial"])
        self.last_volunteered = np.full(n, -(10**6), dtype=np.int64)
        self.volunteer_hours = np.zeros(n)
        self.open_needs = np.zeros(n, dtype=np.int32)
        self.representative = np.zeros(n, dtype=bool)

    def _bind_rows(self) -> None:
        """Name the rows of the attitude arrays (views, so writes reach the arrays)."""
        self.identity, self.trust, self.efficacy = self.attitudes
        self.identity_base, self.trust_base, self.efficacy_base = self.attitude_base

    def __setstate__(self, state: dict) -> None:
        # A copy or an unpickled model: the named rows must be views of its own arrays again.
        self.__dict__.update(state)
        self._bind_rows()
