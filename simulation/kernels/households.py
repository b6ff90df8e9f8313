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
def volunteering_neighbours(indptr, indices, last_volunteered, day, recent, helping, active,
                            volunteers_by_day, n_by_day):  # fmt: skip
    """Keep `helping` (per household, neighbours who volunteered in the last `recent` days).

    Only households that volunteered yesterday or exactly `recent` days ago can have changed
    status; each change moves its neighbours' counts by one (the adjacency is symmetric with
    unit weights, so the counts are the same integers a full matrix product gives).
    `volunteers_by_day` holds the volunteers of the last `recent` + 1 days, one row per day
    modulo its length (filled by `volunteer`).
    """
    rows = len(n_by_day)
    for back in (1, recent):
        slot = (day - back) % rows
        for i in range(n_by_day[slot]):
            h = volunteers_by_day[slot, i]
            now = day - last_volunteered[h] < recent
            if now != active[h]:
                active[h] = now
                step = 1.0 if now else -1.0
                for j in range(indptr[h], indptr[h + 1]):
                    helping[indices[j]] += step


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
def feel(att, expected_quality, expected_delay, satisfaction, rated, down, rows, quality,
         delay, ok, self_reported, prm):  # fmt: skip
    """Households feel today's let-downs (`down`), then rate today's fixes.

    Returns how many ratings were satisfied (see `feel_ratings`).
    """
    if len(down):
        feel_let_downs(att[TRUST], down, prm[5], prm[9])
    if len(rows) == 0:
        return 0
    return feel_ratings(att, expected_quality, expected_delay, satisfaction, rated, rows,
                        quality, delay, ok, self_reported, prm)  # fmt: skip


@kernel
def feel_ratings(att, expected_quality, expected_delay, satisfaction, rated, rows, quality,
                 delay, ok, self_reported, prm):  # fmt: skip
    """Households rate today's fixes; returns how many were satisfied (above `satisfied`).

    `prm`: satisfaction bias, quality and delay weights, expectation drift, trust up and down
    rates, identity and efficacy gains, the satisfied threshold, the disappointment level.
    Statement by statement as the NumPy rule read and wrote its arrays (each gathers old
    values, then scatters).
    """
    bias, w_quality, w_delay, drift, up, down, g_identity, g_efficacy, satisfied, _ = prm
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
    _gain_where(att[IDENTITY], rows, s > satisfied, g_identity, new)
    _gain_where(att[EFFICACY], rows, ok & self_reported, g_efficacy, new)
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
def volunteer(u, z, helping, peer_weight, d0, last_volunteered, volunteer_hours, hours,
              grid, day, volunteered, today):  # fmt: skip
    """Residents volunteer with probability logistic(z + helping·peer + d0); returns how many.

    `u` holds one uniform draw per household, `z` the attitude weighting (a BLAS product;
    both made by the caller in NumPy); `volunteered` gets the count per grid, `today` the
    households that volunteered (the first ones).
    """
    n = len(z)
    volunteered[:] = 0
    x = np.empty(n)
    top = -np.inf
    for h in range(n):
        x[h] = z[h] + helping[h] * peer_weight[h] + d0
        top = max(top, x[h])
    # The logistic is increasing: a draw above the largest probability (with a margin far
    # beyond rounding) decides "no" without computing that household's exponential.
    ceiling = (1.0 / (1.0 + math.exp(-top))) * (1.0 + 1e-9)
    count = 0
    for h in range(n):
        if u[h] <= ceiling and u[h] < 1.0 / (1.0 + math.exp(-x[h])):
            last_volunteered[h] = day
            volunteer_hours[h] += hours
            volunteered[grid[h]] += 1
            today[count] = h
            count += 1
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
