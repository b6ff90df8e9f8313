"""Compiled casework of one day: reporting, patrol, waiting, triage and hand-offs, resolution.

`casework_day` runs phases 2-5 of the day (after needs arise, before households feel the day)
over the need ledger's columns and the records of `simulation.kernels.records`;
`simulation.core.casework.Casework` owns the state. Each rule is stated on the function that
runs it. The day's counters are added to the recorder's row at the positions of
`FlowColumns`, in the order the rules happen.

One module: the phases share the ledger and the escalation and hand-off helpers, which
waiting, triage and closing all call.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from simulation.kernels import generator_at, kernel
from simulation.kernels.ledger import (
    ABANDONED,
    CODES,
    DEPARTMENT,
    HIDDEN,
    IN_HAND,
    NEIGHBOUR,
    NOBODY,
    PARTNER,
    PARTNER_LEVEL,
    QUEUED,
    RESOLVED,
    SIMPLE,
    VOLUNTEER,
    WORKER,
)
from simulation.kernels.recording import numpy_sum

MAX_REFUSALS = 3  # refused hand-offs before a partner-level need is escalated

# Outcomes of one hand-off request.
WAIT, DISPATCHED, NO_TIME, REFUSED, ESCALATED = 1, 2, 3, 4, 5


class Lived(NamedTuple):
    """What households live through today, filled as the casework goes (scratch)."""

    done: np.ndarray  # needs fixed today, in the order of the fixes
    who: np.ndarray  # who fixed each (a resolver code)
    fits: np.ndarray  # the fixer's fit for each
    let_down: np.ndarray  # households let down today (an overdue wait, a lost case)


@kernel
def frozen_codes():
    """The ledger codes compiled into this module (`simulation.kernels.ledger.CODES`)."""
    return CODES


# ---------------------------------------------------------------------------- helpers
@kernel
def _enter_queue(led, c, d, ids, n, how):
    """Needs enter the queue (counted at `how`); the first entry sets `t_first_report`."""
    first = 0
    for i in range(n):
        nid = ids[i]
        led.status[nid] = QUEUED
        if led.t_first_report[nid] < 0:
            led.t_first_report[nid] = d.day
            first += 1
        led.reports[nid] += 1
    d.flows[how] += first
    d.flows[c.flow.rereported] += n - first


@kernel
def _give_up(led, st, nid, day):
    led.status[nid] = ABANDONED
    led.t_abandon[nid] = day
    st.open_needs[led.household[nid]] -= 1


@kernel
def _with_status(led, open_ids, status):
    """The open needs with `status`, in index order."""
    n = 0
    for nid in open_ids:
        if led.status[nid] == status:
            n += 1
    ids = np.empty(n, np.int64)
    n = 0
    for nid in open_ids:
        if led.status[nid] == status:
            ids[n] = nid
            n += 1
    return ids


@kernel
def _tie_step(ties, rows, n, gain):
    """`ties[rows] += gain·(1 − ties[rows])` as NumPy does it: old values, each row once."""
    new = np.empty(n)
    for i in range(n):
        t = ties[rows[i]]
        new[i] = t + gain * (1.0 - t)
    for i in range(n):
        ties[rows[i]] = new[i]


@kernel
def _put_in_hand(led, st, c, rng, d, nid, partner, delay):
    """Partner `partner` (or the department, for -1) takes the need; it may be dropped.

    A hand-off is dropped with probability `lost_base·(1 + lost_load·load)·(1 − lost_tie·tie)`,
    capped at 0.95 (the department has no tie), in every scenario; `load` is the grid team's
    queued cases per casework hour. The drop shows on the due day (`_resolve_due`).
    """
    if partner >= 0:
        resolver = PARTNER
        fit, cost = st.partner_fit[partner, led.category[nid]], st.partner_cost[partner]
    else:
        resolver = DEPARTMENT
        fit, cost = c.department_fit, c.department_cost
    led.status[nid] = IN_HAND
    led.resolver[nid] = resolver
    led.partner[nid] = partner
    led.due[nid] = d.day + delay
    led.fit[nid] = fit
    led.cost[nid] += cost
    d.flows[c.flow.cost] += cost
    d.flows[c.flow.dispatched] += 1
    g = led.grid[nid]
    tie = st.partner_tie[g, partner] if partner >= 0 else 0.0
    drop = c.lost_base * (1.0 + c.lost_load * st.load[g]) * (1.0 - c.lost_tie * tie)
    led.lost[nid] = rng.random() < min(drop, 0.95)


@kernel
def _escalate(led, st, c, rng, d, nid):
    """Send a need to the line department (slow, costly, lower fit)."""
    delay = rng.integers(c.department_delay_min, c.department_delay_max + 1)
    led.escalated[nid] = True
    st.department_cases[0] += 1
    d.flows[c.flow.escalated] += 1
    _put_in_hand(led, st, c, rng, d, nid, -1, delay)


@kernel
def acceptance(a, tie, coordination, member):
    """Probability that a partner accepts a hand-off: logistic(b0 + b1·tie + member·(b2·c + b3)).

    `a` holds the coefficients (`simulation.kernels.records.Acceptance`), `tie` is the
    grid–partner tie, `coordination` the street branch's (c), `member` whether the partner
    joined the alliance: the branch coordinates its alliance members only, so an ad hoc
    request to a partner outside the alliance rests on the tie alone.
    `simulation.core.alliance.Alliance.accept_probability` asks this function too.
    """
    z = a.accept_b0 + a.accept_tie * tie
    if member:
        z += a.accept_coordination * coordination + a.accept_alliance
    return 1.0 / (1.0 + math.exp(-z))


@kernel
def _hand_off(led, st, c, rng, d, nid, hours):
    """Ask the partners of the need's street to take need `nid`; returns (hours, outcome).

    The hand-off rule: the grid worker with a partner-level need asks the partners of its
    street that do this kind of work. With the resource list (`alliance_matching`) the worker
    ranks them by fit × `acceptance` probability and asks them in turn until one accepts or
    the hours run out; without it the worker asks one of them, picked without a list, once a
    day. Each request costs dispatch hours (fewer with a stronger tie). A partner takes at
    most its capacity a day and fixes the need after its delay (shorter with a stronger tie).
    After `MAX_REFUSALS` refused days, or when nobody in the street does the work, the need
    is escalated to the line department.
    """
    g, cat = led.grid[nid], led.category[nid]
    street = st.grid_street[g]
    k = street * c.n_categories + cat
    lo, hi = st.serving_start[k], st.serving_start[k + 1]
    if hi == lo:
        if hours <= 0:
            return 0.0, NO_TIME
        _escalate(led, st, c, rng, d, nid)
        return c.escalate_hours, ESCALATED
    n_free = 0
    for j in range(lo, hi):
        if st.capacity_left[st.serving[j]] > 0:
            n_free += 1
    if n_free == 0:
        return 0.0, WAIT
    coordination = st.coordination[street]
    asks = np.empty(n_free, np.int64)
    accepts = np.empty(n_free)
    if c.alliance_matching:
        keys = np.empty(n_free)
        m = 0
        for j in range(lo, hi):
            q = st.serving[j]
            if st.capacity_left[q] > 0:
                a = acceptance(c.accept, st.partner_tie[g, q], coordination, st.partner_member[q])
                # insertion by (-fit × acceptance, index), as Python sorts the tuples
                key = -st.partner_fit[q, cat] * a
                pos = m
                while pos > 0 and (
                    keys[pos - 1] > key or (keys[pos - 1] == key and asks[pos - 1] > q)
                ):
                    keys[pos] = keys[pos - 1]
                    asks[pos] = asks[pos - 1]
                    accepts[pos] = accepts[pos - 1]
                    pos -= 1
                keys[pos] = key
                asks[pos] = q
                accepts[pos] = a
                m += 1
        n_asks = m
    else:
        q = st.serving[lo + rng.integers(0, hi - lo)]
        if st.capacity_left[q] <= 0:
            return 0.0, WAIT
        asks[0] = q
        accepts[0] = acceptance(c.accept, st.partner_tie[g, q], coordination, st.partner_member[q])
        n_asks = 1
    spent = 0.0
    for i in range(n_asks):
        q = asks[i]
        if spent >= hours:
            return spent, NO_TIME
        tie = st.partner_tie[g, q]
        spent += c.dispatch_hours * (1.0 - c.handoff_tie_saving * tie)
        if rng.random() < accepts[i]:
            st.capacity_left[q] -= 1
            delay = st.partner_delay[q] * (1.0 - c.delay_tie_saving * tie)
            delay = max(1, int(np.rint(delay * (0.5 + rng.random()))))
            _put_in_hand(led, st, c, rng, d, nid, q, delay)
            return spent, DISPATCHED
    led.attempts[nid] += 1
    if led.attempts[nid] >= MAX_REFUSALS and spent < hours:
        _escalate(led, st, c, rng, d, nid)
        spent += c.escalate_hours
    return spent, REFUSED


# ---------------------------------------------------------------------------- phases
@kernel
def _report(led, st, c, rng, d):
    """Households report hidden needs; the rest grow worse, and some are given up.

    The daily report probability is logistic(weighted + `report_a0` + `report_severity` ×
    severity), where `weighted` is each hidden need's attitude weighting (identity, trust and
    efficacy; a BLAS product made by the caller). A need not reported grows more severe and is
    given up (lived with, or fixed privately) with `abandon_rate` a day. A need entering the
    queue again keeps its first report day and counts as re-reported.
    """
    ids = _with_status(led, d.open_ids, HIDDEN)
    n = len(ids)
    reported = np.empty(n, np.bool_)
    for i in range(n):
        x = d.weighted[i] + (c.report_a0 + c.report_severity * led.severity[ids[i]])
        reported[i] = rng.random() < 1.0 / (1.0 + math.exp(-x))
    new = ids[reported]
    _enter_queue(led, c, d, new, len(new), c.flow.reported)
    for nid in new:
        led.self_reported[nid] = True
    still = ids[~reported]
    for nid in still:
        led.severity[nid] = min(led.severity[nid] + c.severity_growth, 1.0)
    for nid in still:
        if rng.random() < c.abandon_rate:
            _give_up(led, st, nid, d.day)


@kernel
def _patrol(led, st, c, rng, d):
    """Workers visit households and discover hidden needs (their hours are booked before).

    Each worker visits `visits_per_day` households of its grid at random and discovers their
    hidden needs with chance `discover_base` + `discover_tie` × the worker–household tie;
    visits strengthen that tie.
    """
    hpg, visits, n_grids = c.households_per_grid, c.visits, len(st.hours_left)
    visited = np.empty(n_grids * visits, np.int64)
    for g in range(n_grids):
        for v in range(visits):
            visited[g * visits + v] = g * hpg + rng.integers(0, hpg)
        st.first_visit[g] = visited[g * visits]
    is_visited = np.zeros(len(st.worker_tie), np.bool_)
    for h in visited:
        is_visited[h] = True
    found = np.empty(len(d.open_ids), np.int64)
    n_found = 0
    for nid in d.open_ids:
        if led.status[nid] == HIDDEN and is_visited[led.household[nid]]:
            tie = st.worker_tie[led.household[nid]]
            if rng.random() < c.discover_base + c.discover_tie * tie:
                found[n_found] = nid
                n_found += 1
    _enter_queue(led, c, d, found, n_found, c.flow.discovered)
    _tie_step(st.worker_tie, visited, len(visited), c.visit_tie_gain)


@kernel
def _supervise(led, st, c, rng, d, lived, n_let):
    """Overdue waits are let-downs, some are given up, old queued cases are escalated.

    A reported need still open past its household's expected delay is a let-down, again each
    time the wait passes another expected delay; an overdue need is given up with
    `give_up_rate` a day; one still queued after `escalate_after_days` is escalated by the
    street's time-limit supervision, without the worker's hours. Sets each team's load
    (queued cases per casework hour), which makes hand-offs likelier to be dropped.
    Returns how many let-downs `lived` holds.
    """
    day, let_down, load = d.day, lived.let_down, st.load
    n = len(d.open_ids)
    waiting = np.empty(n, np.int64)
    age = np.empty(n, np.int64)
    m = 0
    for nid in d.open_ids:
        s = led.status[nid]
        if s == QUEUED or s == IN_HAND:
            waiting[m] = nid
            age[m] = day - led.t_first_report[nid]
            m += 1
    for i in range(m):
        nid = waiting[i]
        expected = st.expected_delay[led.household[nid]]
        if age[i] > expected * (led.overdue[nid] + 1):
            led.overdue[nid] += 1
            let_down[n_let] = led.household[nid]
            n_let += 1
    n_quit = 0
    for i in range(m):
        nid = waiting[i]
        if led.overdue[nid] > 0 and rng.random() < c.give_up_rate:
            _give_up(led, st, nid, day)
            let_down[n_let] = led.household[nid]
            n_let += 1
            n_quit += 1
    d.flows[c.flow.gave_up] += n_quit
    queued_per_grid = np.zeros(len(load), np.int64)
    for i in range(m):
        nid = waiting[i]
        if led.status[nid] == QUEUED:
            queued_per_grid[led.grid[nid]] += 1
    for g in range(len(load)):
        load[g] = queued_per_grid[g] / max(st.hours_left[g], 0.5)
    n_old = 0
    for i in range(m):
        nid = waiting[i]
        if led.status[nid] == QUEUED and age[i] > c.escalate_after_days:
            _escalate(led, st, c, rng, d, nid)
            n_old += 1
    d.flows[c.flow.escalated_overdue] += n_old
    return n_let


@kernel
def _neighbours_fix(led, c, rng, d, fixed):
    """The `neighbour_fixes` rule: volunteering neighbours fix hidden simple needs.

    The chance is `neighbour_fix` × the neighbours who volunteered in the last 30 days (at
    most 1). Returns how many were fixed (their ids in `fixed`).
    """
    n = 0
    for nid in d.open_ids:
        if led.status[nid] == HIDDEN and led.complexity[nid] == SIMPLE:
            chance = min(1.0, c.neighbour_fix * d.helping[led.household[nid]])
            if rng.random() < chance:
                fixed[n] = nid
                n += 1
    return n


@kernel
def _grid_handles(led, st, c, rng, d, lived, queue, n_done):
    """Yesterday's volunteers, then the grid's worker team, work down the grid's queue.

    Volunteers take simple cases while they last; the team fixes simple cases (hours by its
    competence), hands partner-level cases to partners (`_hand_off`) and escalates
    department-level ones, while it has hours. The last task may run past the day's end; the
    overrun is owed from tomorrow. Returns the hours used, the cases handled, the team's
    fixes and how many fixes `lived` holds.
    """
    done, who, fits = lived.done, lived.who, lived.fits
    g = led.grid[queue[0]]
    hours, volunteers = st.hours_left[g], st.volunteer_capacity[g]
    used = 0.0
    n_fixed = handled = 0
    competence = st.team_competence[g]
    for nid in queue:
        cx, cat = led.complexity[nid], led.category[nid]
        if cx == SIMPLE:
            if volunteers > 0:
                volunteers -= 1
                done[n_done], who[n_done], fits[n_done] = nid, VOLUNTEER, c.volunteer_fit
                n_done += 1
                handled += 1
                continue
            if used >= hours:
                break
            used += c.fix_hours / competence[cat]
            done[n_done], who[n_done] = nid, WORKER
            fits[n_done] = c.worker_fit * competence[cat]
            n_done += 1
            n_fixed += 1
        elif cx == PARTNER_LEVEL:
            spent, outcome = _hand_off(led, st, c, rng, d, nid, hours - used)
            used += spent
            if outcome == NO_TIME:
                break
            if outcome == WAIT:
                continue
        else:
            if used >= hours:
                break
            used += c.escalate_hours
            _escalate(led, st, c, rng, d, nid)
        handled += 1
    st.hours_owed[g] = max(used - hours, 0.0)
    return used, handled, n_fixed, n_done


@kernel
def _queue_order(led, queued, n_grids):
    """Grid by grid, most severe first, then oldest; ties in queue order (as `np.lexsort`).

    A stable counting sort by grid, then a stable sort of each grid's cases: by insertion
    for a short queue, by two stable merge sorts for a long one.
    """
    m = len(queued)
    start = np.zeros(n_grids + 1, np.int64)
    for nid in queued:
        start[led.grid[nid] + 1] += 1
    for g in range(n_grids):
        start[g + 1] += start[g]
    fill = start[:-1].copy()
    out = np.empty(m, np.int64)
    for nid in queued:
        g = led.grid[nid]
        out[fill[g]] = nid
        fill[g] += 1
    for g in range(n_grids):
        lo, hi = start[g], start[g + 1]
        if hi - lo <= 32:
            for i in range(lo + 1, hi):
                nid = out[i]
                sev, t = led.severity[nid], led.t_arise[nid]
                j = i
                while j > lo:
                    prev = out[j - 1]
                    if led.severity[prev] < sev or (
                        led.severity[prev] == sev and led.t_arise[prev] > t
                    ):
                        out[j] = prev
                        j -= 1
                    else:
                        break
                out[j] = nid
        else:
            part = out[lo:hi]
            part = part[np.argsort(led.t_arise[part], kind="mergesort")]
            part = part[np.argsort(-led.severity[part], kind="mergesort")]
            out[lo:hi] = part
    return out


@kernel
def _triage(led, st, c, rng, d, lived):
    """Neighbours, volunteers and worker teams work down the queues; returns fixes made.

    Volunteering neighbours fix hidden simple needs first (`neighbour_fixes`,
    `_neighbours_fix`). Then each grid's queue, most severe first, then oldest, goes to
    yesterday's volunteers, who take simple cases (`volunteer_casework`: Poisson
    `volunteer_tasks` × volunteers tasks a grid), and to the worker team (`_grid_handles`).
    """
    n_done = 0
    if c.neighbour_fixes:
        n_done = _neighbours_fix(led, c, rng, d, lived.done)
        for i in range(n_done):
            lived.who[i] = NEIGHBOUR
            lived.fits[i] = c.volunteer_fit
    n_grids = len(st.hours_left)
    st.worker_hours[:] = 0.0
    queued = _with_status(led, d.open_ids, QUEUED)
    m = len(queued)
    if m == 0:
        return n_done
    st.capacity_left[:] = st.capacity  # a day of hand-offs: partners' capacity is fresh
    queued = _queue_order(led, queued, n_grids)
    for g in range(n_grids):
        if c.volunteer_casework:
            st.volunteer_capacity[g] = rng.poisson(c.volunteer_tasks * d.volunteers[g])
        else:
            st.volunteer_capacity[g] = 0
    used = 0.0
    handled = n_fixed = 0
    lo = 0
    while lo < m:
        g = led.grid[queued[lo]]
        hi = lo
        while hi < m and led.grid[queued[hi]] == g:
            hi += 1
        u, h, f, n_done = _grid_handles(led, st, c, rng, d, lived, queued[lo:hi], n_done)
        st.worker_hours[g] = u
        st.worker_fixes[g] += f
        used, handled, n_fixed = used + u, handled + h, n_fixed + f
        lo = hi
    d.flows[c.flow.handled] += handled
    d.flows[c.flow.hours_used] += used
    d.flows[c.flow.worker_fixes] += n_fixed
    return n_done


@kernel
def _resolve_due(led, st, c, rng, d, lived, n_done, n_let):
    """Cases in hand due today are fixed, unless dropped on the way (`_put_in_hand`).

    With the `closed_case_loop` rule the worker tracks every hand-off: a drop is caught with
    `followup_catch` and re-queued at once (a follow-up's hours, tomorrow). An uncaught drop
    is lost: the need is hidden again and the household let down. Returns how many fixes and
    let-downs `lived` holds.
    """
    n = len(d.open_ids)
    due = np.empty(n, np.int64)
    m = 0
    for nid in d.open_ids:
        if led.status[nid] == IN_HAND and led.due[nid] <= d.day:
            due[m] = nid
            m += 1
    n_dropped = n_caught = 0
    for i in range(m):
        if led.lost[due[i]]:
            n_dropped += 1
    if n_dropped:
        dropped = np.empty(n_dropped, np.int64)
        j = 0
        for i in range(m):
            if led.lost[due[i]]:
                dropped[j] = due[i]
                j += 1
        caught = np.zeros(n_dropped, np.bool_)
        if c.closed_case_loop:
            for j in range(n_dropped):
                caught[j] = rng.random() < c.followup_catch
            for j in range(n_dropped):
                if caught[j]:
                    st.followups_due[led.grid[dropped[j]]] += c.followup_hours
        for j in range(n_dropped):
            nid = dropped[j]
            led.lost[nid] = False
            led.resolver[nid] = NOBODY
            if caught[j]:
                led.status[nid] = QUEUED
                n_caught += 1
            else:
                led.status[nid] = HIDDEN
        for j in range(n_dropped):
            if not caught[j]:
                lived.let_down[n_let] = led.household[dropped[j]]
                n_let += 1
        d.flows[c.flow.recovered] += n_caught
        d.flows[c.flow.lost] += n_dropped - n_caught
    for i in range(m):
        nid = due[i]
        if led.status[nid] == IN_HAND:
            lived.done[n_done], lived.who[n_done] = nid, led.resolver[nid]
            lived.fits[n_done] = led.fit[nid]
            n_done += 1
    return n_done, n_let


@kernel
def _close(led, st, c, rng, d, lived, n):
    """Draw the quality of today's `n` fixes; resolve those that hold, reopen the others.

    A fix's quality is its fit plus noise (`quality_noise`); below `reopen_threshold` the need
    reopens (with the `closed_case_loop` rule it is re-queued at once, otherwise the household
    must report it again). Completed partner fixes strengthen the grid–partner tie by
    `handoff_tie_gain`·(1 − tie). With the `follow_up_visits` rule the worker visits each
    household with a finished case the next day (`followup_hours`), strengthening the
    household tie. Returns each fix's quality, delay, whether it held and whether the
    household had reported the need itself.
    """
    day, ids, who, fits = d.day, lived.done[:n], lived.who[:n], lived.fits[:n]
    quality = np.empty(n)
    delay = np.empty(n)
    ok = np.empty(n, np.bool_)
    self_reported = np.empty(n, np.bool_)
    for i in range(n):
        led.resolver[ids[i]] = who[i]
        led.fit[ids[i]] = fits[i]
    for i in range(n):
        q = fits[i] + rng.normal(0.0, c.quality_noise)
        quality[i] = min(max(q, 0.0), 1.0)
    n_failed = 0
    for i in range(n):
        ok[i] = quality[i] >= c.reopen_threshold
        n_failed += not ok[i]
    d.flows[c.flow.attempts] += n
    d.flows[c.flow.reopened] += n_failed
    for i in range(n):
        nid = ids[i]
        first = led.t_first_report[nid]
        delay[i] = day - first if first >= 0 else st.expected_delay[led.household[nid]]
        self_reported[i] = led.self_reported[nid]
    n_unknown = 0
    for i in range(n):
        if not ok[i]:
            nid = ids[i]
            led.reopens[nid] += 1
            led.resolver[nid] = NOBODY
            if c.closed_case_loop:
                led.status[nid] = QUEUED
                if led.t_first_report[nid] < 0:
                    led.t_first_report[nid] = day
                    led.reports[nid] += 1
                    n_unknown += 1
            else:
                led.status[nid] = HIDDEN
    if c.closed_case_loop:
        d.flows[c.flow.discovered] += n_unknown
    n_good = 0
    resolution_days = report_days = 0
    for i in range(n):
        if ok[i]:
            nid = ids[i]
            led.status[nid] = RESOLVED
            led.t_resolve[nid] = day
            st.open_needs[led.household[nid]] -= 1
            n_good += 1
            resolution_days += day - led.t_arise[nid]
            if led.t_first_report[nid] >= 0:
                report_days += day - led.t_first_report[nid]
    d.flows[c.flow.n_resolved] += n_good
    d.flows[c.flow.resolution_days_sum] += float(resolution_days)
    d.flows[c.flow.report_days_sum] += float(report_days)
    for i in range(n):
        nid = ids[i]
        if ok[i] and led.resolver[nid] == PARTNER:
            g, q = led.grid[nid], led.partner[nid]
            st.partner_tie[g, q] += c.handoff_tie_gain * (1.0 - st.partner_tie[g, q])
    if c.follow_up_visits:
        for i in range(n):
            st.followups_due[led.grid[ids[i]]] += c.followup_hours
        rows = np.empty(n, np.int64)
        for i in range(n):
            rows[i] = led.household[ids[i]]
        _tie_step(st.worker_tie, rows, n, c.visit_tie_gain)
    return quality, delay, ok, self_reported


@kernel
def _hours_before_casework(st, c, d):
    """Book the hours that come before casework; `st.hours_left` gets what is left.

    Administrative tasks from above come first (forms, inspections, campaigns), then
    yesterday's follow-up visits, yesterday's overrun, today's joint meeting (if any) and the
    patrol's visits; the rest of the paid hours is for casework.
    """
    hours, flows = st.hours_left, d.flows
    flows[c.flow.hours_used] += c.admin_total
    flows[c.flow.admin_hours] += c.admin_total
    for g in range(len(hours)):
        hours[g] = c.casework_hours - st.followups_due[g]
        hours[g] -= st.hours_owed[g]  # already counted as used yesterday
    flows[c.flow.hours_used] += numpy_sum(st.followups_due)
    st.followups_due[:] = 0.0
    if d.meeting:
        for g in range(len(hours)):
            hours[g] -= c.meeting_cut
        flows[c.flow.hours_used] += c.meeting_total
    for g in range(len(hours)):
        hours[g] -= c.visit_cut
    flows[c.flow.hours_used] += c.visit_total


@kernel
def casework_day(led, st, c, generator, d):
    """Phases 2-5 of a day: report, patrol, waiting, triage and hand-offs, resolution.

    Starts by booking the hours that come before casework (`st.hours_left` gets the rest).
    Draws from the model's NumPy generator, given by its addresses (`generator_addresses`).

    Args:
        led: The need ledger's columns (`simulation.kernels.ledger.LedgerColumns`).
        st: The street's arrays (`simulation.kernels.records.StreetArrays`).
        c: Parameters, rules and counter positions (`simulation.kernels.records.CaseParams`).
        generator: The addresses of the model's generator.
        d: The day (`simulation.kernels.records.Today`).

    Returns:
        What the households lived through: the household, quality, delay, outcome and
        self-report flag of each fix attempt, and the households let down today.
    """
    rng = generator_at(generator)
    _hours_before_casework(st, c, d)
    n = len(d.open_ids)
    lived = Lived(
        np.empty(n, np.int64), np.empty(n, np.int8), np.empty(n), np.empty(3 * n + 1, np.int64)
    )
    _report(led, st, c, rng, d)
    _patrol(led, st, c, rng, d)
    n_let = _supervise(led, st, c, rng, d, lived, 0)
    n_done = _triage(led, st, c, rng, d, lived)
    n_done, n_let = _resolve_due(led, st, c, rng, d, lived, n_done, n_let)
    quality, delay, ok, self_reported = _close(led, st, c, rng, d, lived, n_done)
    rows = np.empty(n_done, np.int64)
    for i in range(n_done):
        rows[i] = led.household[lived.done[i]]
    return rows, quality, delay, ok, self_reported, lived.let_down[:n_let]
