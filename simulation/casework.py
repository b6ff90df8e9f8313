"""The grids' case system: needs arising, reporting, patrol, triage, escalation, closing.

`Casework` owns the need ledger, the grid workers and the line department. Each method is
one phase of the day and returns what the next phase needs: `patrol` the hours left per
grid, `triage` and `resolve_due` the fixes attempted today, `close` the experiences the
households rate. Hand-offs to partners go through the `Alliance`.

(The module is over the house's ~350 lines: the phases share the ledger, the open-need index,
the workers' hours and the day's load and let-downs; splitting intake from hand-offs would only
pass that state around between two parts that call each other.)
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
    delay: np.ndarray  # days since first reported (never reported: the expected delay)
    ok: np.ndarray  # the fix held (else the need reopens)
    self_reported: np.ndarray  # the household reported the need itself
    let_down: np.ndarray  # households disappointed today: an overdue wait, a lost case


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
        self.hours_owed = np.zeros(self.n_grids)  # yesterday's tasks that ran past the day's end
        self._let_down: list[np.ndarray] = []  # households disappointed today (see `close`)
        self._load = [0.0] * self.n_grids  # today's queued cases per casework hour, per grid
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
        self._enter_queue(new, day, "reported")
        led.self_reported[new] = True
        still = ids[~reported]
        led.severity[still] = np.minimum(led.severity[still] + self.p["severity_growth"], 1.0)
        # Given up: lived with, or fixed privately.
        abandon = self.rng.random(len(still)) < self.p["abandon_rate"]
        self._give_up(still[abandon], day)

    def _enter_queue(self, ids: np.ndarray, day: int, how: str) -> None:
        """Needs enter the worker's queue; the first entry sets `t_first_report` for good.

        A need entering again (a lost case or a failed fix reported anew) keeps its first
        report day and is counted as re-reported, whatever the scenario.
        """
        led = self.ledger
        led.status[ids] = nd.QUEUED
        first = ids[led.t_first_report[ids] < 0]
        led.t_first_report[first] = day
        led.reports[ids] += 1
        self.recorder.count(how, len(first))
        self.recorder.count("rereported", len(ids) - len(first))

    def _give_up(self, ids: np.ndarray, day: int) -> None:
        """Households give needs up (lived with, or fixed privately)."""
        if len(ids):
            led = self.ledger
            led.status[ids] = nd.ABANDONED
            led.t_abandon[ids] = day
            np.subtract.at(self.households.open_needs, led.household[ids], 1)

    # 3. patrol ------------------------------------------------------------------------------
    def patrol(self, day: int, meeting_hours: float) -> np.ndarray:
        """Workers visit households and discover hidden needs; returns hours left per grid.

        Args:
            day: Today.
            meeting_hours: Hours each worker spends in today's joint meeting (0 if none).
        """
        p, hh, led, rec = self.p, self.households, self.ledger, self.recorder
        per_grid = p["workers_per_grid"]
        hours = np.full(self.n_grids, per_grid * (p["worker_hours"] - p["admin_hours"]))
        # Administrative tasks from above come first (forms, inspections, campaigns).
        admin = self.n_grids * per_grid * p["admin_hours"]
        rec.count("hours_used", admin)
        rec.count("admin_hours", admin)
        hours -= self.followups_due  # yesterday's closed-loop follow-up visits
        hours -= self.hours_owed  # already counted as used yesterday
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
            self._enter_queue(ids[found], day, "discovered")
        hh.worker_tie[visited] += p["visit_tie_gain"] * (1.0 - hh.worker_tie[visited])
        return hours

    # 3b. waiting ---------------------------------------------------------------------------
    def supervise(self, day: int, hours_left: np.ndarray) -> None:
        """Households feel overdue waits, some give up, and the street escalates old cases.

        A reported need still open past its household's expected delay is a let-down, and
        again each time the wait passes another expected delay. An overdue need (queued or in
        hand) is given up with `give_up_rate` a day; one still queued after longer than
        `escalate_after_days` is escalated to the line department by the street's time-limit
        supervision, without the worker's hours. Also sets today's load of each worker team
        (queued cases per casework hour), which makes hand-offs likelier to be dropped.
        """
        p, led, rec = self.p, self.ledger, self.recorder
        ids = self.open_ids
        st = led.status[ids]
        waiting = ids[(st == nd.QUEUED) | (st == nd.IN_HAND)]
        age = day - led.t_first_report[waiting]
        expected = self.households.expected_delay[led.household[waiting]]
        passed = age > expected * (led.overdue[waiting] + 1)
        led.overdue[waiting[passed]] += 1
        late = waiting[led.overdue[waiting] > 0]
        quit = late[self.rng.random(len(late)) < p["give_up_rate"]]
        self._give_up(quit, day)
        # Each deadline passed is a let-down; so is giving up on the grid.
        self._let_down += [led.household[waiting[passed]], led.household[quit]]
        rec.count("gave_up", len(quit))
        queued = led.status[waiting] == nd.QUEUED  # after today's give-ups
        old = waiting[queued & (age > p["escalate_after_days"])]
        queued_per_grid = np.bincount(led.grid[waiting[queued]], minlength=self.n_grids)
        self._load = (queued_per_grid / np.maximum(hours_left, 0.5)).tolist()
        for nid in old.tolist():
            self.escalate(nid, day)
        rec.count("escalated_overdue", len(old))

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
        while they have hours left; the last task may run past the day's end, and its overrun
        is owed from tomorrow's hours (so capacity is not lost to tasks that do not fit a
        day). Same-day fixes are appended to `done` (need ids, resolvers, fits). Returns hours
        used, cases handled, worker fixes.
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
                if used >= hours:
                    break
                used += p["fix_hours"] / competence[cat]
                ids.append(nid)
                who.append(nd.WORKER)
                fits.append(p["worker_fit"] * competence[cat])
                n_fixed += 1
            elif cx == nd.PARTNER_LEVEL:
                spent, outcome = self._hand_off(g, day, nid, cat, hours - used)
                used += spent
                if outcome == "no_time":
                    break
                if outcome == "wait":
                    continue  # the partners for it are full today; it waits in the queue
            else:
                if used >= hours:
                    break
                used += p["escalate_hours"]
                self.escalate(nid, day)
            handled += 1
        # A task started before the day's end is finished; its overrun comes off tomorrow.
        # A day that starts in debt (hours < 0) does no casework and carries the rest over.
        self.hours_owed[g] = max(used - hours, 0.0)
        team = self.workers_by_grid[g]
        for w in team:
            w.hours_used = used / len(team)
            w.cases_handled += n_fixed
        return used, handled, n_fixed

    def _hand_off(self, g: int, day: int, nid: int, cat: int, hours: float) -> tuple[float, str]:
        """Hand a partner-level need to a partner; escalate when nobody takes it."""
        p, led = self.p, self.ledger
        spent, outcome, dispatch = self.model.alliance.hand_off(g, cat, hours)
        if outcome == "no_partner":
            if hours <= 0:
                return 0.0, "no_time"
            self.escalate(nid, day)
            return p["escalate_hours"], "escalated"
        if outcome == "dispatched":
            partner, delay, fit, cost = dispatch
            self._put_in_hand(nid, day, nd.PARTNER, partner, delay, fit, cost)
        elif outcome == "refused":
            led.attempts[nid] += 1
            if led.attempts[nid] >= MAX_REFUSALS and spent < hours:
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
        """A partner or the department takes the need; it may be dropped on the way.

        The drop chance grows with the worker team's queue per casework hour and shrinks with
        its tie to the partner (the department: no tie), in every scenario.
        """
        p, led = self.p, self.ledger
        led.status[nid] = nd.IN_HAND
        led.resolver[nid] = resolver
        led.partner[nid] = partner
        led.due[nid] = day + delay
        led.fit[nid] = fit
        led.cost[nid] += cost
        self.recorder.count("cost", cost)
        self.recorder.count("dispatched", 1)
        g = int(led.grid[nid])
        tie = self.model.alliance.tie(g, partner) if partner >= 0 else 0.0
        drop = p["lost_base"] * (1.0 + p["lost_load"] * self._load[g]) * (1.0 - p["lost_tie"] * tie)
        led.lost[nid] = self.rng.random() < min(drop, 0.95)

    # 5. resolution ------------------------------------------------------------------------
    def resolve_due(self, day: int) -> Fixes:
        """Cases in hand that are due today are fixed, unless they were dropped on the way.

        With the closed loop the worker follows due hand-offs up and catches most dropped
        cases, which go straight back into the queue (a follow-up's hours, tomorrow).
        A dropped case nobody catches is lost: the household is let down and has to report
        the need again.
        """
        p, led, rec = self.p, self.ledger, self.recorder
        in_hand = self.open_ids[led.status[self.open_ids] == nd.IN_HAND]
        due = in_hand[led.due[in_hand] <= day]
        dropped = due[led.lost[due]]
        if self.rules.closed_case_loop:
            caught = self.rng.random(len(dropped)) < p["followup_catch"]
            np.add.at(self.followups_due, led.grid[dropped[caught]], p["followup_hours"])
        else:
            caught = np.zeros(len(dropped), dtype=bool)
        if len(dropped):
            led.lost[dropped] = False
            led.resolver[dropped] = nd.NOBODY
            led.status[dropped[caught]] = nd.QUEUED
            lost = dropped[~caught]
            led.status[lost] = nd.HIDDEN
            self._let_down.append(led.household[lost])
            rec.count("recovered", int(caught.sum()))
            rec.count("lost", len(lost))
        done = due[led.status[due] == nd.IN_HAND]
        return Fixes(done, led.resolver[done], led.fit[done])

    def close(self, day: int, fixes: list[Fixes]) -> Experience:
        """Draw the quality of today's fixes; resolve those that hold, reopen the others.

        Returns:
            What the households lived through today: the fixes they rate and the let-downs
            (overdue waits, lost cases) they feel.
        """
        fixes = [f for f in fixes if len(f.ids)] or [Fixes(np.empty(0, np.int64), [], [])]
        let_down = np.concatenate(self._let_down) if self._let_down else np.empty(0, np.int64)
        self._let_down = []
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
        # Delay is felt from the first report. A need nobody reported (a neighbour fixed it)
        # was never waited for: its delay is what the household expects, neither good nor bad.
        first = led.t_first_report[ids]
        delay = np.where(first >= 0, day - first, hh.expected_delay[rows])
        experience = Experience(rows, quality, delay, ok, led.self_reported[ids], let_down)
        # Failed fixes reopen: the closed loop's follow-up catches them at once (back in the
        # queue; a neighbour's failed fix of a need nobody had reported counts as discovered
        # by that follow-up); otherwise the household must notice and report again.
        failed = ids[~ok]
        led.reopens[failed] += 1
        led.resolver[failed] = nd.NOBODY
        if self.rules.closed_case_loop:
            led.status[failed] = nd.QUEUED
            unknown = failed[led.t_first_report[failed] < 0]
            led.t_first_report[unknown] = day
            led.reports[unknown] += 1
            rec.count("discovered", len(unknown))
        else:
            led.status[failed] = nd.HIDDEN
        good_ids = ids[ok]
        led.status[good_ids] = nd.RESOLVED
        led.t_resolve[good_ids] = day
        np.subtract.at(hh.open_needs, led.household[good_ids], 1)
        rec.resolved(good_ids)
        by_partner = good_ids[led.resolver[good_ids] == nd.PARTNER]
        self.model.alliance.worked_together(led.grid[by_partner], led.partner[by_partner])
        if self.rules.follow_up_visits:
            np.add.at(self.followups_due, led.grid[ids], p["followup_hours"])
            hh.worker_tie[rows] += p["visit_tie_gain"] * (1.0 - hh.worker_tie[rows])
        return experience

    def prune(self) -> None:
        """Keep only open needs in the working index (end of day)."""
        st = self.ledger.status[self.open_ids]
        self.open_ids = self.open_ids[(st != nd.RESOLVED) & (st != nd.ABANDONED)]
