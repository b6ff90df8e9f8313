"""The street model: one day is one step, in the order of the specification.

1. needs arise  2. households report  3. workers patrol  4. triage and hand-offs
5. resolution and feedback  6. participation  7. meetings (interaction only)

Per-household state lives in `Households` arrays and needs in a `NeedLedger`; the Mesa agents
(residents, workers, partners, branches, the department) are the interface a reader and the
dashboard reason about. The three mechanisms only switch rules on and off; nothing rewards
their combination directly.
"""

from __future__ import annotations

import math

import numpy as np
from mesa import Model
from mesa.discrete_space import OrthogonalMooreGrid
from scipy.special import expit

from simulation import needs as nd
from simulation.agents import (
    PARTNER_KINDS,
    GridWorker,
    LineDepartment,
    Partner,
    PartyBranch,
    Resident,
)
from simulation.households import Households
from simulation.metrics import DailyRecorder
from simulation.parameters import PARAMETERS, default_parameters
from simulation.street import make_layout, neighbour_network

RECENT = 30
ARRIVAL_BLOCK = 64  # days of arrivals drawn at once
CATEGORY_CUMULATIVE = np.cumsum(nd.CATEGORY_SHARES)[
    :-1
]  # days in "volunteered recently" and in the rolling daily indicators


_logistic = expit


class GridGovernanceModel(Model):
    """A street (or district) of grids governed with or without the three mechanisms.

    Args:
        rng: Seed (int) or NumPy generator; every random draw of the model comes from it.
        **params: Any parameters of `simulation.parameters.PARAMETERS`; the rest default.

    Raises:
        TypeError: For a keyword that is not a model parameter.
    """

    def __init__(self, rng=None, **params):
        """Build the street: layout, households, workers, partners, branches, department."""
        unknown = sorted(set(params) - set(PARAMETERS))
        if unknown:
            raise TypeError(f"unknown model parameter(s): {', '.join(unknown)}")
        super().__init__(rng=rng)
        p = default_parameters()
        p.update(params)
        self.p = p
        self.day = 0
        self.total_days = int(p["burn_in_days"] + p["scored_days"])
        n_grids = p["n_streets"] * p["grids_per_street"]
        self.n_grids = n_grids

        # --- space and households ---------------------------------------------------------
        self.layout = make_layout(p["n_streets"], p["grids_per_street"], p["households_per_grid"])
        self.width, self.height = self.layout.width, self.layout.height
        self.grid_bounds = self.layout.grid_bounds
        self.grid = OrthogonalMooreGrid((self.width, self.height), torus=False, random=self.random)
        self.households = Households(self.layout, p, self.rng)
        hh = self.households
        self.neighbours = neighbour_network(
            n_grids,
            p["households_per_grid"],
            p["neighbour_ties"],
            p["rewire_probability"],
            self.rng,
        )
        self.neighbour_count = np.maximum(np.diff(self.neighbours.indptr), 1)
        cells = self.grid._cells  # direct dict access: 3,600+ lookups at build time
        self.residents = [
            Resident(self, i, cells[(int(x), int(y))])
            for i, (x, y) in enumerate(zip(hh.x.tolist(), hh.y.tolist(), strict=True))
        ]
        self.grid_households = np.arange(hh.n).reshape(n_grids, p["households_per_grid"])
        self.grid_elderly = hh.elderly.reshape(n_grids, -1)
        # Resident representatives: party-member households first, then the most identified.
        for g in range(n_grids):
            rows = self.grid_households[g]
            order = np.lexsort((-hh.identity[rows], ~hh.party_member[rows]))
            hh.representative[rows[order[: p["resident_reps"]]]] = True

        # --- grid workers -------------------------------------------------------------------
        self.workers_by_grid: list[list[GridWorker]] = []
        for g in range(n_grids):
            x0, y0, _, _ = self.grid_bounds[g]
            team = []
            for _ in range(p["workers_per_grid"]):
                lo, hi = sorted((p["competence_min"], p["competence_max"]))
                comp = self.rng.uniform(lo, hi, len(nd.CATEGORIES))
                team.append(GridWorker(self, g, cells[(x0, y0)], comp, p["worker_hours"]))
            self.workers_by_grid.append(team)
        self.workers = self.agents_by_type[GridWorker]
        self.team_competence = [
            np.mean([w.competence for w in team], axis=0).tolist() for team in self.workers_by_grid
        ]

        # --- partners, branches, department ----------------------------------------------
        self.branches = [
            PartyBranch(self, s, p["coordination"], p["meeting_interval"])
            for s in range(p["n_streets"])
        ]
        partner_list: list[Partner] = []
        for s in range(p["n_streets"]):
            street_grids = np.flatnonzero(self.layout.grid_street == s)
            for kind in PARTNER_KINDS:
                for _ in range(p["partners_per_type"]):
                    g = int(self.rng.choice(street_grids))
                    x0, y0, x1, y1 = self.grid_bounds[g]
                    xy = (int(self.rng.integers(x0, x1)), int(self.rng.integers(y0, y1)))
                    member = p["connection"] and self.rng.random() < p["alliance_share"]
                    partner_list.append(Partner(self, kind, s, cells[xy], p, bool(member)))
        for i, partner in enumerate(partner_list):
            partner.index = i
        self.partner_list = partner_list
        self.partners = self.agents_by_type[Partner]
        self.partner_street = np.array([q.street for q in partner_list])
        self.partner_fit = np.array([q.fit for q in partner_list])  # partners × categories
        self.partner_member = np.array([q.alliance_member for q in partner_list])
        # Grid-partner tie matrix (the worker team's tie to each partner of its street).
        same_street = self.layout.grid_street[:, None] == self.partner_street[None, :]
        self.partner_tie = np.where(same_street, p["tie_initial"], 0.0)
        self.same_street = same_street
        self.n_same_street = int(same_street.sum())
        self.department = LineDepartment(self, p)
        self.grid_street = self.layout.grid_street.tolist()
        # Per street and need category: alliance partners that can handle it.
        self.alliance_for = [
            [
                [
                    q.index
                    for q in partner_list
                    if q.street == s and q.alliance_member and q.fit[c] > 0
                ]
                for c in range(len(nd.CATEGORIES))
            ]
            for s in range(p["n_streets"])
        ]
        self._ties_today: list[list[float]] = []

        # --- needs and bookkeeping --------------------------------------------------------
        self.ledger = nd.NeedLedger(capacity=max(1024, int(hh.n * p["need_rate"] * 2.5)))
        self.open_ids = np.empty(0, dtype=np.int64)
        self.followups_due = np.zeros(n_grids)  # worker hours owed to follow-ups tomorrow
        self._to_finish: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._neighbours_day = -1
        self._block_start = self._block_end = 0
        self.volunteered_yesterday = np.zeros(n_grids, dtype=np.int64)
        # Coefficients on the attitude rows (identity, trust, efficacy) for one product a day.
        self._report_weights = np.array(
            [p["report_identity"], p["report_trust"], p["report_efficacy"]]
        )
        self._volunteer_weights = np.array([p["volunteer_identity"], p["volunteer_trust"], 0.0])
        self._peer_weight = p["volunteer_peer"] / self.neighbour_count
        self._neighbours_active = np.zeros(hh.n)
        self.volunteer_hours_today = 0.0
        self.recorder = DailyRecorder(self)
        self.running = True

    # ------------------------------------------------------------------ rules as functions
    def report_probability(self, rows: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """Daily probability that households `rows` report open needs of given severity."""
        p = self.p
        # identity, trust and efficacy are the rows of one array: one product for all three.
        z = self._report_weights @ self.households.attitudes[:, rows]
        return _logistic(z + (p["report_a0"] + p["report_severity"] * severity))

    def accept_probability(self, grid: int, partner: int) -> float:
        """Probability that `partner` accepts a need handed over by grid `grid`'s worker."""
        street = self.partner_street[partner]
        return self._acceptance(
            float(self.partner_tie[grid, partner]),
            self.branches[street].coordination,
            bool(self.partner_member[partner]),
        )

    def _acceptance(self, tie: float, coordination: float, member: bool) -> float:
        """logistic(b0 + b1·tie + b2·coordination + b3·member), in plain floats (hot path)."""
        p = self.p
        z = (
            p["accept_b0"]
            + p["accept_tie"] * tie
            + p["accept_coordination"] * coordination
            + p["accept_alliance"] * member
        )
        return 1.0 / (1.0 + math.exp(-z))

    def volunteering_neighbours(self) -> np.ndarray:
        """Per household, how many of its neighbours volunteered in the last 30 days.

        Computed once per day, before today's volunteering, and reused by the day's rules.
        """
        if self._neighbours_day != self.day:
            active = (self.day - self.households.last_volunteered < RECENT).astype(float)
            self._neighbours_active = self.neighbours @ active
            self._neighbours_day = self.day
        return self._neighbours_active

    # ------------------------------------------------------------------------ the day
    def step(self) -> None:
        """Advance the street by one day."""
        self.day += 1
        self.recorder.begin_day()
        self._needs_arise()
        self._report()
        hours_left = self._patrol()
        self._triage(hours_left)
        self._resolve_due()
        self._feedback()
        self._participate()
        if self.p["interaction"] and self.day % self.p["meeting_interval"] == 0:
            self._meet()
        self._decay()
        self.recorder.end_day()
        if self.day >= self.total_days:
            self.running = False

    # 1. needs arise --------------------------------------------------------------------------
    def _needs_arise(self) -> None:
        hh = self.households
        if self.day >= self._block_end:
            self._draw_arrivals(self.day, ARRIVAL_BLOCK)
        lo, hi = self._block_bounds[self.day - self._block_start : self.day - self._block_start + 2]
        if hi == lo:
            return
        a = self._block
        rows = a["rows"][lo:hi]
        ids = self.ledger.add(
            rows,
            hh.grid[rows],
            a["category"][lo:hi],
            a["complexity"][lo:hi],
            a["severity"][lo:hi],
            hh.elderly[rows],
            self.day,
        )
        np.add.at(hh.open_needs, rows, 1)
        self.open_ids = np.concatenate([self.open_ids, ids])
        self.recorder.count("arrivals", hi - lo)

    def _draw_arrivals(self, first_day: int, n_days: int) -> None:
        """Draw the needs of the next `n_days` days in one go (arrival events).

        Each household's needs are a Poisson process with rate `need_rate` per year, times
        `shock_multiplier` during a demand shock; their superposition is drawn as a daily count
        and a uniformly chosen household per need. Parameters are fixed for a run, so drawing
        ahead changes nothing but speed.
        """
        p, n = self.p, self.households.n
        days = np.arange(first_day, first_day + n_days)
        rate = np.full(n_days, n * p["need_rate"] / 365.0)
        if p["shock_start"] > 0:
            in_shock = (days >= p["shock_start"]) & (days < p["shock_start"] + p["shock_days"])
            rate[in_shock] *= p["shock_multiplier"]
        counts = self.rng.poisson(rate)
        k = int(counts.sum())
        u = self.rng.random((3, k))
        category = np.searchsorted(CATEGORY_CUMULATIVE, u[0], side="right")
        share_dep = p["share_department_needs"]
        share_partner = min(p["share_partner_needs"], 1.0 - share_dep)
        complexity = np.where(
            u[1] < share_dep,
            nd.DEPARTMENT_LEVEL,
            np.where(u[1] < share_dep + share_partner, nd.PARTNER_LEVEL, nd.SIMPLE),
        )
        # Paperwork nobody outside government can do is department-level when complex.
        paperwork = category == nd.CATEGORIES.index("paperwork")
        complexity[paperwork & (complexity == nd.PARTNER_LEVEL)] = nd.DEPARTMENT_LEVEL
        severity = 0.1 + 0.7 * u[2] + 0.2 * (category == nd.HAZARD)
        self._block = {
            "rows": self.rng.integers(0, n, size=k),
            "category": category,
            "complexity": complexity,
            "severity": np.minimum(severity, 1.0),
        }
        self._block_bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        self._block_start, self._block_end = first_day, first_day + n_days

    # 2. reporting ---------------------------------------------------------------------------
    def _report(self) -> None:
        led = self.ledger
        ids = self.open_ids[led.status[self.open_ids] == nd.HIDDEN]
        if len(ids) == 0:
            return
        rows = led.household[ids]
        reported = self.rng.random(len(ids)) < self.report_probability(rows, led.severity[ids])
        new = ids[reported]
        led.status[new] = nd.QUEUED
        led.t_report[new] = self.day
        led.self_reported[new] = True
        self.recorder.count("reported", len(new))
        still = ids[~reported]
        # Hidden needs grow worse; some are given up (lived with, or fixed privately).
        led.severity[still] = np.minimum(led.severity[still] + self.p["severity_growth"], 1.0)
        abandon = self.rng.random(len(still)) < self.p["abandon_rate"]
        gone = still[abandon]
        if len(gone):
            led.status[gone] = nd.ABANDONED
            np.subtract.at(self.households.open_needs, led.household[gone], 1)

    # 3. patrol ------------------------------------------------------------------------------
    def _patrol(self) -> np.ndarray:
        """Workers visit households, discover hidden needs; returns hours left per grid."""
        p, hh, led = self.p, self.households, self.ledger
        per_grid = p["workers_per_grid"]
        hours = np.full(self.n_grids, per_grid * p["worker_hours"], dtype=float)
        hours -= self.followups_due  # yesterday's closed-loop follow-up visits
        self.recorder.count("hours_used", float(self.followups_due.sum()))
        self.followups_due[:] = 0.0
        if p["interaction"] and self.day % p["meeting_interval"] == 0:
            hours -= per_grid * p["meeting_hours"]
            self.recorder.count("hours_used", self.n_grids * per_grid * p["meeting_hours"])
        visits = per_grid * p["visits_per_day"]
        slot = self.rng.integers(0, p["households_per_grid"], size=(self.n_grids, visits))
        visited = self.grid_households[np.arange(self.n_grids)[:, None], slot].ravel()
        hours -= visits * p["visit_hours"]
        self.recorder.count("hours_used", self.n_grids * visits * p["visit_hours"])
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
            led.t_report[new] = self.day
            self.recorder.count("discovered", len(new))
        hh.worker_tie[visited] += p["visit_tie_gain"] * (1.0 - hh.worker_tie[visited])
        return hours

    # 4. triage ------------------------------------------------------------------------------
    def _triage(self, hours_left: np.ndarray) -> None:
        p, led = self.p, self.ledger
        if p["identity"]:
            self._neighbours_fix()
        queued = self.open_ids[led.status[self.open_ids] == nd.QUEUED]
        if len(queued) == 0:
            self.recorder.count("hours_capacity", self._capacity_hours())
            return
        # Most severe first, then oldest, grid by grid.
        order = np.lexsort((led.t_arise[queued], -led.severity[queued], led.grid[queued]))
        queued = queued[order]
        grids = led.grid[queued]
        bounds = np.searchsorted(grids, np.arange(self.n_grids + 1)).tolist()
        volunteers = self._volunteer_capacity() if p["identity"] else np.zeros(self.n_grids, int)
        volunteers, hours_left = volunteers.tolist(), hours_left.tolist()
        for partner in self.partner_list:
            partner.capacity_left = partner.capacity
        if p["connection"]:
            self._ties_today = self.partner_tie.tolist()
        # Plain lists for the case-by-case loop (NumPy scalars are slow one at a time).
        cases = (queued.tolist(), led.complexity[queued].tolist(), led.category[queued].tolist())
        fixes: tuple[list, list, list] = ([], [], [])
        used = handled = n_fixed = 0
        for g in np.unique(grids).tolist():
            lo, hi = bounds[g], bounds[g + 1]
            u, h, f = self._grid_handles(
                g, [c[lo:hi] for c in cases], hours_left[g], volunteers[g], fixes
            )
            used, handled, n_fixed = used + u, handled + h, n_fixed + f
        # Same-day fixes by workers and volunteers are finished with the rest of the day's.
        if fixes[0]:
            self._to_finish.append(
                (
                    np.array(fixes[0], dtype=np.int64),
                    np.array(fixes[1], dtype=np.int8),
                    np.array(fixes[2]),
                )
            )
        rec = self.recorder
        rec.count("handled", handled)
        rec.count("hours_used", used)
        rec.count("worker_fixes", n_fixed)
        rec.count("hours_capacity", self._capacity_hours())

    def _capacity_hours(self) -> float:
        return self.n_grids * self.p["workers_per_grid"] * self.p["worker_hours"]

    def _neighbours_fix(self) -> None:
        """Identity: neighbours who volunteer fix hidden simple needs before anyone reports."""
        led = self.ledger
        ids = self.open_ids[
            (led.status[self.open_ids] == nd.HIDDEN) & (led.complexity[self.open_ids] == nd.SIMPLE)
        ]
        if len(ids) == 0:
            return
        helpers = self.volunteering_neighbours()[led.household[ids]]
        chance = np.minimum(1.0, self.p["neighbour_fix"] * helpers)
        fixed = ids[self.rng.random(len(ids)) < chance]
        n = len(fixed)
        self._to_finish.append(
            (fixed, np.full(n, nd.NEIGHBOUR, np.int8), np.full(n, self.p["volunteer_fit"]))
        )

    def _volunteer_capacity(self) -> np.ndarray:
        """Identity: simple cases the grid's volunteers can take today."""
        # Residents who volunteered yesterday are today's helping hands.
        return self.rng.poisson(self.p["volunteer_tasks"] * self.volunteered_yesterday)

    def _grid_handles(
        self, g: int, cases: list[list[int]], hours: float, volunteers: int, fixes: tuple
    ) -> tuple[float, int, int]:
        """Volunteers, then the grid's worker team, work down the grid's queue.

        Volunteers (identity only) take simple cases up to their capacity; the workers take
        the rest in order until their hours run out. Same-day fixes are appended to `fixes`
        (need ids, resolvers, fits). Returns hours used, cases handled, worker fixes.
        """
        p = self.p
        competence = self.team_competence[g]
        done, who, fits = fixes
        used = 0.0
        n_fixed = handled = 0
        for nid, cx, cat in zip(*cases, strict=True):
            if cx == nd.SIMPLE:
                if volunteers > 0:
                    volunteers -= 1
                    done.append(nid)
                    who.append(nd.VOLUNTEER)
                    fits.append(p["volunteer_fit"])
                    handled += 1
                    continue
                cost = p["fix_hours"] / competence[cat]
                if used + cost > hours:
                    break
                used += cost
                done.append(nid)
                who.append(nd.WORKER)
                fits.append(p["worker_fit"] * competence[cat])
                n_fixed += 1
            elif cx == nd.PARTNER_LEVEL and p["connection"]:
                spent, outcome = self._hand_to_partner(g, nid, cat, hours - used)
                used += spent
                if outcome == "no_time":
                    break
                if outcome == "wait":
                    continue  # the partners for it are full today; it waits in the queue
            else:
                if used + p["escalate_hours"] > hours:
                    break
                used += p["escalate_hours"]
                self._escalate(nid)
            handled += 1
        team = self.workers_by_grid[g]
        for w in team:
            w.hours_used = used / len(team)
            w.cases_handled += n_fixed
        return used, handled, n_fixed

    def _hand_to_partner(self, g: int, nid: int, cat: int, hours: float) -> tuple[float, str]:
        """Connection: match a partner-level need to the best available alliance partner.

        Candidates are ranked by fit × acceptance probability; each approach costs dispatch
        hours (fewer with a stronger tie) until one accepts, hours run out, or all refuse.
        """
        p, led = self.p, self.ledger
        street = self.grid_street[g]
        members = self.alliance_for[street][cat]
        if not members:
            if hours < p["escalate_hours"]:
                return 0.0, "no_time"
            self._escalate(nid)
            return p["escalate_hours"], "escalated"
        candidates = [c for c in members if self.partner_list[c].capacity_left > 0]
        if not candidates:
            return 0.0, "wait"  # the street's partners for this need are full today
        ties = self._ties_today[g]
        coordination = self.branches[street].coordination
        ranked = []
        for c in candidates:
            accept = self._acceptance(ties[c], coordination, True)  # candidates are members
            ranked.append((-self.partner_list[c].fit[cat] * accept, c, accept))
        ranked.sort()
        spent = 0.0
        for _, c, accept in ranked:
            cost = p["dispatch_hours"] * (1.0 - p["handoff_tie_saving"] * ties[c])
            if spent + cost > hours:
                return spent, "no_time"
            spent += cost
            if self.rng.random() < accept:
                partner = self.partner_list[c]
                partner.capacity_left -= 1
                delay = partner.base_delay * (1.0 - p["delay_tie_saving"] * ties[c])
                delay = max(1, round(delay * (0.5 + self.rng.random())))
                self._put_in_hand(nid, nd.PARTNER, c, delay, partner.fit[cat], partner.unit_cost)
                return spent, "dispatched"
        led.attempts[nid] += 1
        if led.attempts[nid] >= 3 and spent + p["escalate_hours"] <= hours:
            self._escalate(nid)
            spent += p["escalate_hours"]
        return spent, "refused"

    def _escalate(self, nid: int) -> None:
        dept = self.department
        delay = dept.draw_delay(self.rng)
        self.ledger.escalated[nid] = True
        dept.cases += 1
        self.recorder.count("escalated", 1)
        self._put_in_hand(nid, nd.DEPARTMENT, -1, delay, dept.fit, dept.unit_cost)

    def _put_in_hand(
        self, nid: int, resolver: int, partner: int, delay: int, fit: float, cost: float
    ) -> None:
        led = self.ledger
        led.status[nid] = nd.IN_HAND
        led.resolver[nid] = resolver
        led.partner[nid] = partner
        led.due[nid] = self.day + delay
        led.fit[nid] = fit
        led.cost[nid] += cost
        self.recorder.count("cost", cost)
        # Without interaction's closed loop some handed-off cases fall through the cracks.
        if not self.p["interaction"]:
            led.lost[nid] = self.rng.random() < self.p["lost_case_share"]

    # 5. resolution and feedback -------------------------------------------------------------
    def _resolve_due(self) -> None:
        led = self.ledger
        in_hand = self.open_ids[led.status[self.open_ids] == nd.IN_HAND]
        due = in_hand[led.due[in_hand] <= self.day]
        if len(due) == 0:
            return
        lost = due[led.lost[due]]
        if len(lost):
            # The household is left waiting; it has to report the need again.
            led.status[lost] = nd.HIDDEN
            led.lost[lost] = False
            led.resolver[lost] = nd.NOBODY
            self.recorder.count("lost", len(lost))
        done = due[led.status[due] == nd.IN_HAND]
        self._to_finish.append((done, led.resolver[done], led.fit[done]))

    def _feedback(self) -> None:
        """Every fix attempted today: draw quality, reopen failures, rate, update attitudes."""
        batch, self._to_finish = self._to_finish, []
        batch = [b for b in batch if len(b[0])]
        if not batch:
            return
        ids = np.concatenate([b[0] for b in batch])
        resolver = np.concatenate([b[1] for b in batch])
        fit = np.concatenate([b[2] for b in batch])
        p, led, hh, rec = self.p, self.ledger, self.households, self.recorder
        led.resolver[ids] = resolver
        led.fit[ids] = fit
        quality = fit + self.rng.normal(0, p["quality_noise"], len(ids))
        quality = np.minimum(np.maximum(quality, 0.0), 1.0)
        ok = quality >= p["reopen_threshold"]
        rows = led.household[ids]
        rec.count("attempts", len(ids))
        rec.count("reopened", int((~ok).sum()))

        # Satisfaction by expectation disconfirmation (quality and delay since reporting;
        # needs never reported are rated from the day they arose).
        started = np.where(led.t_report[ids] >= 0, led.t_report[ids], led.t_arise[ids])
        delay = self.day - started
        eq, ed = hh.expected_quality[rows], hh.expected_delay[rows]
        z = (
            p["satisfaction_bias"]
            + p["satisfaction_quality"] * (quality - eq)
            - p["satisfaction_delay"] * (delay - ed) / np.maximum(ed, 1.0)
        )
        s = _logistic(z)
        rec.count("rated", len(ids))
        rec.count("satisfied", int((s > 0.6).sum()))
        prev = hh.satisfaction[rows]
        hh.satisfaction[rows] = np.where(hh.rated[rows], 0.5 * prev + 0.5 * s, s)
        hh.rated[rows] = True
        drift = p["expectation_drift"]
        hh.expected_quality[rows] = eq + drift * (quality - eq)
        hh.expected_delay[rows] = np.maximum(ed + drift * (delay - ed), 0.5)
        t = hh.trust[rows]
        step = np.where(s > t, p["trust_up"], p["trust_down"])
        hh.trust[rows] = t + step * (s - t)
        if p["identity"]:
            good = rows[s > 0.6]
            hh.identity[good] += p["identity_gain"] * (1.0 - hh.identity[good])
        own = rows[ok & led.self_reported[ids]]
        hh.efficacy[own] += p["efficacy_gain"] * (1.0 - hh.efficacy[own])

        # Failed fixes reopen: the closed loop's follow-up catches them at once (back in the
        # queue); otherwise the household must notice and report again.
        failed = ids[~ok]
        led.reopens[failed] += 1
        led.status[failed] = nd.QUEUED if p["interaction"] else nd.HIDDEN
        led.resolver[failed] = nd.NOBODY
        good_ids = ids[ok]
        led.status[good_ids] = nd.RESOLVED
        led.t_resolve[good_ids] = self.day
        np.subtract.at(hh.open_needs, led.household[good_ids], 1)
        rec.resolved(good_ids)
        if p["interaction"]:
            # Closed loop: a follow-up visit to every household with a finished case.
            np.add.at(self.followups_due, led.grid[ids], p["followup_hours"])
            hh.worker_tie[rows] += p["visit_tie_gain"] * (1.0 - hh.worker_tie[rows])

    # 6. participation -----------------------------------------------------------------------
    def _participate(self) -> None:
        p, hh = self.p, self.households
        peer = self.volunteering_neighbours() * self._peer_weight  # d3 × neighbours' share
        z = self._volunteer_weights @ hh.attitudes
        z += peer
        today = np.flatnonzero(self.rng.random(hh.n) < _logistic(z + p["volunteer_d0"]))
        hh.last_volunteered[today] = self.day
        hours = p["volunteer_session_hours"]
        hh.volunteer_hours[today] += hours
        self.volunteer_hours_today = hours * len(today)
        self.volunteered_yesterday = np.bincount(hh.grid[today], minlength=self.n_grids)
        if p["identity"] and self.day % p["identity_event_interval"] == 0:
            # Value-building event: attendees (party members more often) identify more.
            attend_p = np.where(hh.party_member, 3.0, 1.0) * p["event_attendance"]
            came = self.rng.random(hh.n) < np.minimum(attend_p, 1.0)
            hh.identity[came] += p["event_gain"] * (1.0 - hh.identity[came])
            self.recorder.count("cost", p["event_cost"] * p["n_streets"])

    # 7. meetings ----------------------------------------------------------------------------
    def _meet(self) -> None:
        p, hh = self.p, self.households
        tau = p["meeting_tie_gain"]
        self.partner_tie = np.where(
            self.same_street, self.partner_tie + tau * (1.0 - self.partner_tie), 0.0
        )
        reps = hh.representative
        hh.worker_tie[reps] += tau * (1.0 - hh.worker_tie[reps])
        for branch in self.branches:
            branch.meetings_held += 1

    def _decay(self) -> None:
        p, hh = self.p, self.households
        d = p["attitude_decay"]
        # Identity never leaves its baseline without the identity mechanism, so decaying all
        # three attitudes at once changes nothing there.
        hh.attitudes += d * (hh.attitude_base - hh.attitudes)
        keep = 1.0 - p["tie_decay"]
        hh.worker_tie *= keep
        self.partner_tie *= keep
        if p["connection"]:
            self.recorder.count("cost", p["alliance_cost"] * p["n_streets"])
        # Keep only open needs in the working index.
        st = self.ledger.status[self.open_ids]
        self.open_ids = self.open_ids[(st != nd.RESOLVED) & (st != nd.ABANDONED)]

    # ------------------------------------------------------------------------ outputs
    def run(self, days: int | None = None) -> None:
        """Step until the configured burn-in plus scored days (or `days` more days)."""
        end = self.total_days if days is None else self.day + days
        while self.day < end:
            self.step()

    def metrics_today(self) -> dict[str, float]:
        """Today's daily indicators (the last row of the time series)."""
        return self.recorder.latest()

    def timeseries(self):
        """Daily indicators so far as a pandas DataFrame (one row per day)."""
        return self.recorder.frame()

    def summary(self) -> dict[str, float]:
        """Scored-period metrics (see `simulation.metrics.SUMMARY_METRICS`)."""
        from simulation.metrics import summarise

        return summarise(self)
