"""Alliance: partner ties, acceptance, joint meetings, dropped hand-offs and the closed loop."""

import math

import numpy as np
import pytest
from helpers import SMALL, run

from simulation.core import needs as nd
from simulation.core.model import GridGovernanceModel
from simulation.core.parameters import PARAMETERS


@pytest.mark.slow
def test_interaction_off_loses_dropped_cases_and_only_hand_offs_build_ties():
    m = run(connection=True, interaction=False)
    assert m.recorder.flow["lost"].sum() > 0
    assert m.recorder.flow["recovered"].sum() == 0
    ties = m.alliance.partner_tie[m.alliance.same_street]
    # Without meetings, ties grow only where the worker and a partner completed cases.
    worked = m.ledger.partner[m.ledger.status == nd.RESOLVED]
    assert len(worked) and ties.max() > PARAMETERS["tie_initial"].default
    assert ties.min() < PARAMETERS["tie_initial"].default


def test_interaction_on_meets_and_catches_most_dropped_cases():
    m = run(connection=True, interaction=True)
    flow = m.recorder.flow
    assert flow["recovered"].sum() > flow["lost"].sum()
    assert m.branches[0].meetings_held == 200 // PARAMETERS["meeting_interval"].default
    assert m.alliance.partner_tie[m.alliance.same_street].min() > 0.5
    # Closed loop: follow-up visits used worker hours.
    off = run(connection=True, interaction=False)
    assert m.households.worker_tie.mean() > off.households.worker_tie.mean()


def test_partner_acceptance_rises_with_tie():
    m = GridGovernanceModel(rng=1, connection=True, **SMALL)
    c = next(i for i, q in enumerate(m.partner_list) if q.alliance_member)
    low = m.accept_probability(0, c)
    m.alliance.partner_tie[0, c] = 0.9
    assert m.accept_probability(0, c) > low


def test_acceptance_is_logistic_in_tie_and_for_members_in_coordination():
    m = GridGovernanceModel(rng=1, connection=True, **SMALL)
    al, p = m.alliance, m.p
    for q in np.flatnonzero(al.same_street[0]):
        tie, member = al.partner_tie[0, q], al.partner_member[q]
        z = p["accept_b0"] + p["accept_tie"] * tie
        if member:
            z += p["accept_coordination"] * p["coordination"] + p["accept_alliance"]
        assert m.accept_probability(0, int(q)) == pytest.approx(1 / (1 + math.exp(-z)))
    assert al.partner_member[al.same_street[0]].any() and not al.partner_member.all()


def test_meetings_are_held_every_interval_with_the_rule_only():
    every = PARAMETERS["meeting_interval"].default
    m = GridGovernanceModel(rng=1, interaction=True, **SMALL)
    assert [d for d in range(1, 3 * every + 1) if m.alliance.meeting_today(d)] == [
        every,
        2 * every,
        3 * every,
    ]
    off = GridGovernanceModel(rng=1, interaction=False, **SMALL)
    assert not any(off.alliance.meeting_today(d) for d in range(1, 3 * every + 1))


def test_without_connection_no_partner_is_an_alliance_member_and_no_alliance_cost():
    off = run(connection=False, scored_days=30)
    assert not off.alliance.partner_member.any()
    on = run(connection=True, scored_days=30)
    assert on.alliance.partner_member.any()
    assert on.recorder.flow["cost"].sum() > off.recorder.flow["cost"].sum()
