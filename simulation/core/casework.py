"""The grids' case system: needs arising, reporting, patrol, triage, escalation, closing.

`Casework` owns the need ledger, the grid workers and the line department. `arrive` adds the
day's new needs and `work` runs the rest of the casework day (the hours before casework, then
reporting to closing, compiled in `simulation.kernels.casework`) and returns the experiences
the households rate. Hand-offs reach the partners of the `Alliance` it is `connect`ed to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from simulation.core import needs as nd
from simulation.core.agents import GridWorker, LineDepartment
from simulation.core.part import ModelPart
from simulation.kernels import CallSite, check_constants, generator_addresses, make_record
from simulation.kernels import casework as kc
from simulation.kernels import records as kr
from simulation.kernels.records import Experience

if TYPE_CHECKING:
    from simulation.core.alliance import Alliance
    from simulation.core.model import GridGovernanceModel

MAX_REFUSALS = kc.MAX_REFUSALS  # refused hand-offs before a partner-level need is escalated


class Casework(ModelPart):
    """Needs, grid workers and the line department of a model."""

    def __init__(self, model: GridGovernanceModel):
        """Create the workers of every grid, the department and an empty ledger.

        The hand-offs need the street's partners: `connect` the alliance before the first day.
        """
        super().__init__(model)
        p, hh = self.p, self.households
        cells = model.grid._cells  # direct dict access: many lookups at build time
        self.workers_by_grid: list[list[GridWorker]] = []
        lo, hi = p["competence_min"], p["competence_max"]
        for g in range(self.n_grids):
            x0, y0, _, _ = model.grid_bounds[g]
            team = []
            for i in range(p["workers_per_grid"]):
                comp = self.rng.uniform(lo, hi, len(nd.CATEGORIES))
                team.append(GridWorker(model, g, cells[(x0, y0)], comp, leads_patrol=i == 0))
            self.workers_by_grid.append(team)
        self.team_competence = [
            np.mean([w.competence for w in team], axis=0).tolist() for team in self.workers_by_grid
        ]
        self.department = LineDepartment(model, p)
        self.ledger = nd.NeedLedger(capacity=max(1024, int(hh.n * p["need_rate"] * 2.5)))
        self.open_ids = np.empty(0, dtype=np.int64)
        self.followups_due = np.zeros(self.n_grids)  # worker hours owed to follow-ups tomorrow
        self.hours_owed = np.zeros(self.n_grids)  # yesterday's tasks that ran past the day's end
        self._load = np.zeros(self.n_grids)  # today's queued cases per casework hour, per grid
        self._hours_left = np.zeros(self.n_grids)  # today's casework hours, per grid
        self._volunteer_capacity = np.zeros(self.n_grids, np.int64)  # cases volunteers can take
        #: Household each grid's patrol visited first on `patrol_day` (where its lead worker is).
        self.first_visits = np.zeros(self.n_grids, np.int64)
        self.patrol_day = 0
        #: Needs escalated to the line department so far (one counter the kernels add to).
        self.department_cases = np.zeros(1, np.int64)
        self._worker_hours = np.zeros(self.n_grids)  # casework hours of each team today
        self._worker_fixes = np.zeros(self.n_grids, np.int64)  # fixes of each team so far
        self._kernel_params = self._params_for_kernels()
        self._casework_day = CallSite(kc.casework_day)
        self._generator = generator_addresses(self.rng)  # the kernel draws from self.rng
        check_constants()
        self.arrivals = nd.Arrivals(p, hh.n, self.rng)
        # Coefficients on the attitude rows (identity, trust, efficacy) for one product a day.
        self._report_weights = np.array(
            [p["report_identity"], p["report_trust"], p["report_efficacy"]]
        )

    def _params_for_kernels(self) -> kr.CaseParams:
        p, rules, column = self.p, self.rules, self.recorder.column
        values = {f: p[f] for f in kr.CaseParams._fields if f in p}
        values.update({f: getattr(rules, f) for f in kr.CaseParams._fields if hasattr(rules, f)})
        per_grid, visits = p["workers_per_grid"], p["workers_per_grid"] * p["visits_per_day"]
        values.update(
            visits=visits,
            n_categories=len(nd.CATEGORIES),
            casework_hours=per_grid * (p["worker_hours"] - p["admin_hours"]),
            admin_total=self.n_grids * per_grid * p["admin_hours"],
            meeting_cut=per_grid * p["meeting_hours"],
            meeting_total=self.n_grids * per_grid * p["meeting_hours"],
            visit_cut=visits * p["visit_hours"],
            visit_total=self.n_grids * visits * p["visit_hours"],
            accept=make_record(kr.Acceptance, p),
            flow=make_record(kr.FlowColumns, column),
        )
        return make_record(kr.CaseParams, values)

    # 1. needs arise --------------------------------------------------------------------------
    def arrive(self, day: int) -> None:
        """Add the needs that arise today to the ledger, hidden until reported or found."""
        hh = self.households
        new = self.arrivals.today(day)
        if new is None:
            return
        rows, category, complexity, severity = new
        ids = self.ledger.add(
            rows, hh.grid[rows], category, complexity, severity, hh.elderly[rows], day
        )
        np.add.at(hh.open_needs, rows, 1)
        self.open_ids = np.concatenate([self.open_ids, ids])
        self.recorder.count("arrivals", len(rows))

    # 2.-5. the day's casework -------------------------------------------------------------
    def report_probability(self, rows: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """Daily probability that households `rows` report open needs of given severity."""
        p = self.p
        # identity, trust and efficacy are the rows of one array: one product for all three.
        z = self._report_weights @ self.households.attitudes[:, rows]
        return expit(z + (p["report_a0"] + p["report_severity"] * severity))

    def work(
        self, day: int, meeting: bool, helping: np.ndarray, volunteers: np.ndarray
    ) -> Experience:
        """Phases 2-5: report, patrol, waiting, triage and hand-offs, resolution and closing.

        Each rule is stated on the compiled function that runs it, in the day's order
        (`simulation.kernels.casework`): the hours before casework (`_hours_before_casework`),
        reporting (`_report`), patrol (`_patrol`), waiting (`_supervise`), triage
        (`_triage`, `_neighbours_fix`, `_grid_handles`), hand-offs (`_hand_off`, the
        partner's `acceptance`, dropped hand-offs in `_put_in_hand`), resolution
        (`_resolve_due`) and closing (`_close`).

        Args:
            day: Today.
            meeting: A joint meeting is held today (it takes `meeting_hours` per worker).
            helping: Per household, neighbours who volunteered in the last 30 days.
            volunteers: Per grid, households that volunteered yesterday.

        Returns:
            What the households lived through: the fixes they rate and the let-downs they feel.
        """
        rec, led, hh = self.recorder, self.ledger, self.households
        rows = led.household[self.open_ids[led.status[self.open_ids] == nd.HIDDEN]]
        weighted = self._report_weights @ hh.attitudes[:, rows]  # BLAS: not compiled
        today = kr.Today(
            day, rec.today, self.open_ids, weighted, bool(meeting),
            np.ascontiguousarray(helping, dtype=float),
            np.ascontiguousarray(volunteers, dtype=np.int64),
        )  # fmt: skip
        rows, quality, delay, ok, self_reported, let_down = self._casework_day(
            self.ledger.columns, self._street, self._kernel_params, self._draws(), today
        )
        rec.count("hours_capacity", self._capacity_hours())
        self.patrol_day = day
        return Experience(rows, quality, delay, ok, self_reported, let_down)

    def worker_day(self, grid: int) -> tuple[float, int]:
        """Hours each worker of `grid` used on casework today, and the team's fixes so far."""
        return self._worker_hours[grid] / self.p["workers_per_grid"], int(self._worker_fixes[grid])

    def _capacity_hours(self) -> float:
        return self.n_grids * self.p["workers_per_grid"] * self.p["worker_hours"]

    def _draws(self) -> np.ndarray:
        """Addresses of this model's generator for the kernel, checked against it each day.

        A copied or unpickled model has its own generator while the addresses it carried
        still point at the original's: they are looked up again, so a copy never draws from
        (or after) another model's generator.
        """
        if self._generator[0] != self.rng.bit_generator.ctypes.state_address:
            self._generator = generator_addresses(self.rng)
        return self._generator

    def connect(self, alliance: Alliance) -> None:
        """Hand partner-level needs to `alliance`'s partners (the kernels get its arrays)."""
        hh, al = self.households, alliance
        self._street = kr.StreetArrays(
            expected_delay=hh.expected_delay,
            worker_tie=hh.worker_tie,
            open_needs=hh.open_needs,
            team_competence=np.array(self.team_competence, dtype=float),
            grid_street=np.asarray(al.grid_street, dtype=np.int64),
            coordination=np.array([b.coordination for b in al.branches], dtype=float),
            partner_tie=al.partner_tie,
            partner_fit=al.partner_fit,
            partner_member=al.partner_member,
            partner_delay=al.partner_delay,
            partner_cost=al.partner_cost,
            capacity=al.capacity,
            capacity_left=al.capacity_left,
            serving_start=al.serving_start,
            serving=al.serving_flat,
            followups_due=self.followups_due,
            department_cases=self.department_cases,
            hours_owed=self.hours_owed,
            hours_left=self._hours_left,
            load=self._load,
            volunteer_capacity=self._volunteer_capacity,
            first_visit=self.first_visits,
            worker_hours=self._worker_hours,
            worker_fixes=self._worker_fixes,
        )

    def prune(self) -> None:
        """Keep only open needs in the working index (end of day)."""
        st = self.ledger.status[self.open_ids]
        self.open_ids = self.open_ids[(st != nd.RESOLVED) & (st != nd.ABANDONED)]
