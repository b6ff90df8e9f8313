"""Compiled household passes of one day: neighbours helping, feedback, volunteering, decay.

`simulation.core.attitudes.Attitudes` owns the state and documents the rules; these kernels run
them over the `Households` arrays. The attitudes are rows of one 3 × n array (identity,
trust, efficacy).
"""

from __future__ import annotations

import math

import numpy as np

from simulation.kernels import kernel

IDENTITY, TRUST, EFFICACY = 0, 1, 2


@kernel
def volunteering_neighbours(nb, v, day, recent):
    """Keep `nb.helping` (per household, neighbours who volunteered in the last `recent` days).

    Only households that volunteered yesterday or exactly `recent` days ago can have changed
    status; each change moves its neighbours' counts by one (the adjacency is symmetric with
    unit weights, so the counts are the same integers a full matrix product gives).
    `v.by_day` holds the volunteers of the last `recent` + 1 days, one row per day modulo its
    length (filled by `volunteer`).

    Args:
        nb: The neighbour network and its counts (`simulation.kernels.records.NeighboursHelping`).
        v: The households' volunteering (`simulation.kernels.records.Volunteering`).
        day: Today.
        recent: Days in "volunteered recently".
    """
    rows = len(v.n_by_day)
    for back in (1, recent):
        slot = (day - back) % rows
        for i in range(v.n_by_day[slot]):
            h = v.by_day[slot, i]
            now = day - v.last_volunteered[h] < recent
            if now != nb.active[h]:
                nb.active[h] = now
                step = 1.0 if now else -1.0
                for j in range(nb.indptr[h], nb.indptr[h + 1]):
                    nb.helping[nb.indices[j]] += step


@kernel
def feel_let_downs(trust, down, trust_down, disappointment):
    """Let-downs pull trust toward `disappointment` (a household let down twice moves once)."""
    n = len(down)
    new = np.empty(n)
    for i in range(n):
        t = trust[down[i]]
        new[i] = t + trust_down * min(disappointment - t, 0.0)
    for i in range(n):
        trust[down[i]] = new[i]


@kernel
def feel(a, e, prm):
    """Households feel today's let-downs, then rate today's fixes.

    Returns how many ratings were satisfied (see `feel_ratings`).

    Args:
        a: The households' attitudes (`simulation.kernels.records.AttitudeArrays`).
        e: What they lived through today (`simulation.kernels.records.Experience`).
        prm: The coefficients (`simulation.kernels.records.FeelParams`).
    """
    if len(e.let_down):
        feel_let_downs(a.attitudes[TRUST], e.let_down, prm.trust_down, prm.disappointment)
    if len(e.rows) == 0:
        return 0
    return feel_ratings(a, e, prm)


@kernel
def feel_ratings(a, e, prm):
    """Households rate today's fixes; returns how many were satisfied (above `prm.satisfied`).

    Statement by statement as the NumPy rule read and wrote its arrays (each gathers old
    values, then scatters). Arguments as for `feel`.
    """
    bias, drift, satisfied = prm.satisfaction_bias, prm.expectation_drift, prm.satisfied
    w_quality, w_delay = prm.satisfaction_quality, prm.satisfaction_delay
    up, down = prm.trust_up, prm.trust_down
    att, satisfaction, rated = a.attitudes, a.satisfaction, a.rated
    expected_quality, expected_delay = a.expected_quality, a.expected_delay
    rows, quality, delay = e.rows, e.quality, e.delay
    n = len(rows)
    s = np.empty(n)
    eq = np.empty(n)
    ed = np.empty(n)
    for i in range(n):
        eq[i] = expected_quality[rows[i]]
        ed[i] = expected_delay[rows[i]]
    n_satisfied = 0
    for i in range(n):
        z = bias + w_quality * (quality[i] - eq[i]) - w_delay * (delay[i] - ed[i]) / max(ed[i], 1.0)
        s[i] = 1.0 / (1.0 + math.exp(-z))
        n_satisfied += s[i] > satisfied
    new = np.empty(n)
    for i in range(n):
        prev = satisfaction[rows[i]]
        new[i] = 0.5 * prev + 0.5 * s[i] if rated[rows[i]] else s[i]
    for i in range(n):
        satisfaction[rows[i]] = new[i]
        rated[rows[i]] = True
    for i in range(n):
        expected_quality[rows[i]] = eq[i] + drift * (quality[i] - eq[i])
        expected_delay[rows[i]] = max(ed[i] + drift * (delay[i] - ed[i]), 0.5)
    for i in range(n):
        t = att[TRUST, rows[i]]
        step = up if s[i] > t else down
        new[i] = t + step * (s[i] - t)
    for i in range(n):
        att[TRUST, rows[i]] = new[i]
    _gain_where(att[IDENTITY], rows, s > satisfied, prm.identity_gain, new)
    _gain_where(att[EFFICACY], rows, e.ok & e.self_reported, prm.efficacy_gain, new)
    return n_satisfied


@kernel
def _gain_where(values, rows, mask, gain, scratch):
    """`values[rows[mask]] += gain·(1 − values[rows[mask]])`, old values read first."""
    for i in range(len(rows)):
        if mask[i]:
            v = values[rows[i]]
            scratch[i] = v + gain * (1.0 - v)
    for i in range(len(rows)):
        if mask[i]:
            values[rows[i]] = scratch[i]


@kernel
def volunteer(v, prm, u, z, helping, day):
    """Residents volunteer with probability logistic(z + helping·peer + d0); returns how many.

    `v.per_grid` gets the count per grid, today's row of `v.by_day` the households that
    volunteered (the first ones) and `v.n_by_day` their number.

    Args:
        v: The households' volunteering (`simulation.kernels.records.Volunteering`).
        prm: The parameters (`simulation.kernels.records.VolunteerParams`).
        u: One uniform draw per household (NumPy's, made by the caller).
        z: The attitude weighting per household (a BLAS product, made by the caller).
        helping: Per household, neighbours who volunteered in the last 30 days.
        day: Today.
    """
    n = len(z)
    v.per_grid[:] = 0
    x = np.empty(n)
    top = -np.inf
    for h in range(n):
        x[h] = z[h] + helping[h] * v.peer_weight[h] + prm.volunteer_d0
        top = max(top, x[h])
    # The logistic is increasing: a draw above the largest probability (with a margin far
    # beyond rounding) decides "no" without computing that household's exponential.
    ceiling = (1.0 / (1.0 + math.exp(-top))) * (1.0 + 1e-9)
    slot = day % len(v.n_by_day)
    today = v.by_day[slot]
    count = 0
    for h in range(n):
        if u[h] <= ceiling and u[h] < 1.0 / (1.0 + math.exp(-x[h])):
            v.last_volunteered[h] = day
            v.volunteer_hours[h] += prm.volunteer_session_hours
            v.per_grid[v.grid[h]] += 1
            today[count] = h
            count += 1
    v.n_by_day[slot] = count
    return count


@kernel
def identity_event(u, identity, party_member, attendance, gain):
    """The `identity_events` rule: attendees of a value-building event identify more.

    Each household attends with chance `attendance` (a party-member household 3× as often,
    at most 1); an attendee's identity grows by `gain`·(1 − identity). `u` holds one uniform
    draw per household. The event's days: `simulation.core.attitudes.identity_event_day`.
    """
    for h in range(len(identity)):
        p = (3.0 if party_member[h] else 1.0) * attendance
        if u[h] < min(p, 1.0):
            identity[h] += gain * (1.0 - identity[h])


@kernel
def decay(att, base, worker_tie, attitude_decay, tie_keep):
    """Attitudes drift back toward their baselines; worker–household ties decay."""
    for r in range(att.shape[0]):
        for h in range(att.shape[1]):
            att[r, h] += attitude_decay * (base[r, h] - att[r, h])
    for h in range(len(worker_tie)):
        worker_tie[h] *= tie_keep
