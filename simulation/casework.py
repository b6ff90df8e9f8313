"""The grids' case system: needs arising, reporting, patrol, triage, escalation, closing.

`Casework` owns the need ledger, the grid workers and the line department. Each method is
one phase of the day and returns what the next phase needs: `patrol` the hours left per
grid, `triage` and `resolve_due` the fixes attempted today, `close` the experiences the
households rate. Hand-offs to partners go through the `Alliance`.

(The module is a little over the house's ~350 lines: the phases share the ledger, the open-need
index and the workers' hours, and splitting them apart would only pass that state around.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from simulation import needs as nd
from simulation.agents import GridWorker, LineDepartment
from simulation.part import ModelPart

if TYPE_CHECKING:
    from simulation.model import GridGovernanceModel

MAX_REFUSALS = 3  # refused hand-offs before a partner-level need is escalated


@dataclass
class Fixes:
    """Fix attempts made today: need ids, who made them and the fit of their work."""

    ids: np.ndarray
    resolver: np.ndarray
    fit: np.ndarray


@dataclass
class Experience:
    """What households lived through today: one entry per fix attempt (see `Casework.close`)."""

    rows: np.ndarray  # household of each attempt
    quality: np.ndarray  # quality of the fix in [0, 1]
    delay: np.ndarray  # days since the need was reported (or arose, if never reported)
    ok: np.ndarray  # the fix held (else the need reopens)
    self_reported: np.ndarray  # the household reported the need itself


class Casework(ModelPart):
    """Needs, grid workers and the line department of a model."""

    def __init__(self, model: GridGovernanceModel):
        """Create the workers of every grid, the department and an empty ledger."""
        self.model = model
        super().__init__(model)
        p, hh = self.p, self.households
        cells = model.grid._cells  # direct dict access: many lookups at build time
        self.workers_by_grid: list[list[GridWorker]] = []
        lo, hi = p["competence_min"], p["competence_max"]
        for g in range(self.n_grids):
            x0, y0, _, _ = model.grid_bounds[g]
            team = []
            for _ in range(p["workers_per_grid"]):
                comp = self.rng.uniform(lo, hi, len(nd.CATEGORIES))
                team.append(GridWorker(model, g, cells[(x0, y0)], comp))
            self.workers_by_grid.append(team)
        self.team_competence = [
            np.mean([w.competence for w in team], axis=0).tolist() for team in self.workers_by_grid
        ]
        self.department = LineDepartment(model, p)
        self.grid_households = np.arange(hh.n).reshape(self.n_grids, p["households_per_grid"])
        self.ledger = nd.NeedLedger(capacity=max(1024, int(hh.n * p["need_rate"] * 2.5)))
        self.open_ids = np.empty(0, dtype=np.int64)
        self.followups_due = np.zeros(self.n_grids)  # worker hours owed to follow-ups tomorrow
        self.arrivals = nd.Arrivals(p, hh.n, self.rng)
        # Coefficients on the attitude rows (identity, trust, efficacy) for one product a day.
        self._report_weights = np.array(
            [p["report_identity"], p["report_trust"], p["report_efficacy"]]
        )

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

    # 2. reporting ---------------------------------------------------------------------------
    def report_probability(self, rows: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """Daily probability that households `rows` report open needs of given severity."""
        p = self.p
        # identity, trust and efficacy are the rows of one array: one product for all three.
        z = self._report_weights @ self.households.attitudes[:, rows]
        return expit(z + (p["report_a0"] + p["report_severity"] * severity))

    def report(self, day: int) -> None:
        """Households report hidden needs; the rest grow worse, and some are given up."""
        led = self.ledger
        ids = self.open_ids[led.status[self.open_ids] == nd.HIDDEN]
        if len(ids) == 0:
            return
        rows = led.household[ids]
        reported = self.rng.random(len(ids)) < self.report_probability(rows, led.severity[ids])
        new = ids[reported]
        led.status[new] = nd.QUEUED
        led.t_first_report[new] = day
        led.self_reported[new] = True
        self.recorder.count("reported", len(new))
        still = ids[~reported]
        led.severity[still] = np.minimum(led.severity[still] + self.p["severity_growth"], 1.0)
        # Given up: lived with, or fixed privately.
        abandon = self.rng.random(len(still)) < self.p["abandon_rate"]
        gone = still[abandon]
        if len(gone):
            led.status[gone] = nd.ABANDONED
            np.subtract.at(self.households.open_needs, led.household[gone], 1)

    # 3. patrol ------------------------------------------------------------------------------
    def patrol(self, day: int, meeting_hours: float) -> np.ndarray:
        """Workers visit households and discover hidden needs; returns hours left per grid.

        Args:
            day: Today.
            meeting_hours: Hours each worker spends in today's joint meeting (0 if none).
        """
        p, hh, led, rec = self.p, self.households, self.ledger, self.recorder
        per_grid = p["workers_per_grid"]
        hours = np.full(self.n_grids, per_grid * p["worker_hours"], dtype=float)
        hours -= self.followups_due  # yesterday's closed-loop follow-up visits
        rec.count("hours_used", float(self.followups_due.sum()))
        self.followups_due[:] = 0.0
        if meeting_hours:
            hours -= per_grid * meeting_hours
            rec.count("hours_used", self.n_grids * per_grid * meeting_hours)
        visits = per_grid * p["visits_per_day"]
        slot = self.rng.integers(0, p["households_per_grid"], size=(self.n_grids, visits))
        visited = self.grid_households[np.arange(self.n_grids)[:, None], slot].ravel()
        hours -= visits * p["visit_hours"]
        rec.count("hours_used", self.n_grids * visits * p["visit_hours"])
        for team, row in zip(self.workers_by_grid, visited[::visits].tolist(), strict=True):
            team[0].walk_to(row)  # show where the patrol went last
        ids = self.open_ids[led.status[self.open_ids] == nd.HIDDEN]
        if len(ids):
            is_visited = np.zeros(hh.n, dtype=bool)
            is_visited[visited] = True
            ids = ids[is_visited[led.household[ids]]]
            tie = hh.worker_tie[led.household[ids]]
            found = self.rng.random(len(ids)) < p["discover_base"] + p["discover_tie"] * tie
            new = ids[found]
            led.status[new] = nd.QUEUED
            led.t_first_report[new] = day
            rec.count("discovered", len(new))
        hh.worker_tie[visited] += p["visit_tie_gain"] * (1.0 - hh.worker_tie[visited])
        return hours

    # 4. triage ------------------------------------------------------------------------------
    def triage(
        self, day: int, hours_left: np.ndarray, helping: np.ndarray, volunteers: np.ndarray
    ) -> list[Fixes]:
        """Neighbours, volunteers and the worker team work down each grid's queue.

        Args:
            day: Today.
            hours_left: Worker hours per grid after patrol.
            helping: Per household, neighbours who volunteered in the last 30 days.
            volunteers: Per grid, households that volunteered yesterday.

        Returns:
            Today's fixes by neighbours, then by volunteers and workers.
        """
        p, led, rec = self.p, self.ledger, self.recorder
        fixed: list[Fixes] = []
        if self.rules.neighbour_fixes:
            fixed.append(self._neighbours_fix(helping))
        for team in self.workers_by_grid:
            for w in team:
                w.hours_used = 0.0
        queued = self.open_ids[led.status[self.open_ids] == nd.QUEUED]
        if len(queued) == 0:
            rec.count("hours_capacity", self._capacity_hours())
            return fixed
        # Most severe first, then oldest, grid by grid.
        order = np.lexsort((led.t_arise[queued], -led.severity[queued], led.grid[queued]))
        queued = queued[order]
        grids = led.grid[queued]
        bounds = np.searchsorted(grids, np.arange(self.n_grids + 1)).tolist()
        if self.rules.volunteer_casework:
            # Residents who volunteered yesterday are today's helping hands.
            capacity = self.rng.poisson(p["volunteer_tasks"] * volunteers)
        else:
            capacity = np.zeros(self.n_grids, int)
        capacity, hours = capacity.tolist(), hours_left.tolist()
        self.model.alliance.open_day()
        # Plain lists for the case-by-case loop (NumPy scalars are slow one at a time).
        cases = (queued.tolist(), led.complexity[queued].tolist(), led.category[queued].tolist())
        done: tuple[list, list, list] = ([], [], [])
        used = handled = n_fixed = 0
        for g in np.unique(grids).tolist():
            lo, hi = bounds[g], bounds[g + 1]
            u, h, f = self._grid_handles(
                g, day, [c[lo:hi] for c in cases], hours[g], capacity[g], done
            )
            used, handled, n_fixed = used + u, handled + h, n_fixed + f
        if done[0]:
            fixed.append(
                Fixes(np.array(done[0], np.int64), np.array(done[1], np.int8), np.array(done[2]))
            )
        rec.count("handled", handled)
        rec.count("hours_used", used)
        rec.count("worker_fixes", n_fixed)
        rec.count("hours_capacity", self._capacity_hours())
        return fixed

    def _capacity_hours(self) -> float:
        return self.n_grids * self.p["workers_per_grid"] * self.p["worker_hours"]

    def _neighbours_fix(self, helping: np.ndarray) -> Fixes:
        """Neighbours who volunteer fix hidden simple needs before anyone reports them."""
        led = self.ledger
        ids = self.open_ids[
            (led.status[self.open_ids] == nd.HIDDEN) & (led.complexity[self.open_ids] == nd.SIMPLE)
        ]
        if len(ids) == 0:
            return Fixes(ids, np.empty(0, np.int8), np.empty(0))
        chance = np.minimum(1.0, self.p["neighbour_fix"] * helping[led.household[ids]])
        fixed = ids[self.rng.random(len(ids)) < chance]
        n = len(fixed)
        return Fixes(fixed, np.full(n, nd.NEIGHBOUR, np.int8), np.full(n, self.p["volunteer_fit"]))

    def _grid_handles(
        self, g: int, day: int, cases: list[list[int]], hours: float, volunteers: int, done: tuple
    ) -> tuple[float, int, int]:
        """Volunteers, then the grid's worker team, work down the grid's queue.

        Volunteers take simple cases up to their capacity; the workers take the rest in order
        until their hours run out. Same-day fixes are appended to `done` (need ids, resolvers,
        fits). Returns hours used, cases handled, worker fixes.
        """
        p = self.p
        competence = self.team_competence[g]
        ids, who, fits = done
        used = 0.0
        n_fixed = handled = 0
        for nid, cx, cat in zip(*cases, strict=True):
            if cx == nd.SIMPLE:
                if volunteers > 0:
                    volunteers -= 1
                    ids.append(nid)
                    who.append(nd.VOLUNTEER)
                    fits.append(p["volunteer_fit"])
                    handled += 1
                    continue
                cost = p["fix_hours"] / competence[cat]
                if used + cost > hours:
                    break
                used += cost
                ids.append(nid)
                who.append(nd.WORKER)
                fits.append(p["worker_fit"] * competence[cat])
                n_fixed += 1
            elif cx == nd.PARTNER_LEVEL and self.rules.alliance_matching:
                spent, outcome = self._hand_off(g, day, nid, cat, hours - used)
                used += spent
                if outcome == "no_time":
                    break
                if outcome == "wait":
                    continue  # the partners for it are full today; it waits in the queue
            else:
                if used + p["escalate_hours"] > hours:
                    break
                used += p["escalate_hours"]
                self.escalate(nid, day)
            handled += 1
        team = self.workers_by_grid[g]
        for w in team:
            w.hours_used = used / len(team)
            w.cases_handled += n_fixed
        return used, handled, n_fixed

    def _hand_off(self, g: int, day: int, nid: int, cat: int, hours: float) -> tuple[float, str]:
        """Hand a partner-level need to the alliance; escalate when it has no taker."""
        p, led = self.p, self.ledger
        spent, outcome, dispatch = self.model.alliance.hand_off(g, cat, hours)
        if outcome == "no_partner":
            if hours < p["escalate_hours"]:
                return 0.0, "no_time"
            self.escalate(nid, day)
            return p["escalate_hours"], "escalated"
        if outcome == "dispatched":
            partner, delay, fit, cost = dispatch
            self._put_in_hand(nid, day, nd.PARTNER, partner, delay, fit, cost)
        elif outcome == "refused":
            led.attempts[nid] += 1
            if led.attempts[nid] >= MAX_REFUSALS and spent + p["escalate_hours"] <= hours:
                self.escalate(nid, day)
                spent += p["escalate_hours"]
        return spent, outcome

    def escalate(self, nid: int, day: int) -> None:
        """Send a need to the line department (slow, costly, lower fit)."""
        dept = self.department
        delay = dept.draw_delay(self.rng)
        self.ledger.escalated[nid] = True
        dept.cases += 1
        self.recorder.count("escalated", 1)
        self._put_in_hand(nid, day, nd.DEPARTMENT, -1, delay, dept.fit, dept.unit_cost)

    def _put_in_hand(
        self, nid: int, day: int, resolver: int, partner: int, delay: int, fit: float, cost: float
    ) -> None:
        led = self.ledger
        led.status[nid] = nd.IN_HAND
        led.resolver[nid] = resolver
        led.partner[nid] = partner
        led.due[nid] = day + delay
        led.fit[nid] = fit
        led.cost[nid] += cost
        self.recorder.count("cost", cost)
        if not self.rules.closed_case_loop:
            # Without the closed loop some handed-off cases fall through the cracks.
            led.lost[nid] = self.rng.random() < self.p["lost_case_share"]

    # 5. resolution ------------------------------------------------------------------------
    def resolve_due(self, day: int) -> Fixes:
        """Cases in hand that are due today: lost ones go back to hidden, the rest are fixed."""
        led = self.ledger
        in_hand = self.open_ids[led.status[self.open_ids] == nd.IN_HAND]
        due = in_hand[led.due[in_hand] <= day]
        lost = due[led.lost[due]]
        if len(lost):
            # The household is left waiting; it has to report the need again.
            led.status[lost] = nd.HIDDEN
            led.lost[lost] = False
            led.resolver[lost] = nd.NOBODY
            self.recorder.count("lost", len(lost))
        done = due[led.status[due] == nd.IN_HAND]
        return Fixes(done, led.resolver[done], led.fit[done])

    def close(self, day: int, fixes: list[Fixes]) -> Experience | None:
        """Draw the quality of today's fixes; resolve those that hold, reopen the others.

        Returns:
            What the households of these needs experienced (None if nothing was fixed).
        """
        fixes = [f for f in fixes if len(f.ids)]
        if not fixes:
            return None
        ids = np.concatenate([f.ids for f in fixes])
        resolver = np.concatenate([f.resolver for f in fixes])
        fit = np.concatenate([f.fit for f in fixes])
        p, led, hh, rec = self.p, self.ledger, self.households, self.recorder
        led.resolver[ids] = resolver
        led.fit[ids] = fit
        quality = fit + self.rng.normal(0, p["quality_noise"], len(ids))
        quality = np.minimum(np.maximum(quality, 0.0), 1.0)
        ok = quality >= p["reopen_threshold"]
        rows = led.household[ids]
        rec.count("attempts", len(ids))
        rec.count("reopened", int((~ok).sum()))
        # Delay is felt from the report (needs never reported: from the day they arose).
        started = np.where(led.t_first_report[ids] >= 0, led.t_first_report[ids], led.t_arise[ids])
        experience = Experience(rows, quality, day - started, ok, led.self_reported[ids])
        # Failed fixes reopen: the closed loop's follow-up catches them at once (back in the
        # queue); otherwise the household must notice and report again.
        failed = ids[~ok]
        led.reopens[failed] += 1
        led.status[failed] = nd.QUEUED if self.rules.closed_case_loop else nd.HIDDEN
        led.resolver[failed] = nd.NOBODY
        good_ids = ids[ok]
        led.status[good_ids] = nd.RESOLVED
        led.t_resolve[good_ids] = day
        np.subtract.at(hh.open_needs, led.household[good_ids], 1)
        rec.resolved(good_ids)
        if self.rules.follow_up_visits:
            np.add.at(self.followups_due, led.grid[ids], p["followup_hours"])
            hh.worker_tie[rows] += p["visit_tie_gain"] * (1.0 - hh.worker_tie[rows])
        return experience

    def prune(self) -> None:
        """Keep only open needs in the working index (end of day)."""
        st = self.ledger.status[self.open_ids]
        self.open_ids = self.open_ids[(st != nd.RESOLVED) & (st != nd.ABANDONED)]
