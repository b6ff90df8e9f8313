"""Attitudes: satisfaction by disconfirmation, trust faster down than up, participation."""

import numpy as np
from helpers import SMALL

from simulation.casework import Experience
from simulation.model import GridGovernanceModel


def _feel(m, quality, delay):
    rows = np.arange(20)
    n = len(rows)
    exp = Experience(
        rows, np.full(n, quality), np.full(n, delay), np.ones(n, bool), np.ones(n, bool)
    )
    before = m.households.trust[rows].copy()
    m.attitudes.feel(exp)
    return m.households.trust[rows] - before


def test_good_experience_raises_trust_and_a_bad_one_lowers_it_faster():
    m = GridGovernanceModel(rng=1, **SMALL)
    m.recorder.begin_day()
    up = _feel(m, quality=1.0, delay=0)
    down = _feel(GridGovernanceModel(rng=1, **SMALL), quality=0.0, delay=60)
    assert (up > 0).all() and (down < 0).all()
    assert abs(down.mean()) > up.mean()


def test_identity_gains_from_experience_only_with_the_identity_rule():
    for identity in (False, True):
        m = GridGovernanceModel(rng=1, identity=identity, **SMALL)
        m.recorder.begin_day()
        before = m.households.identity[:20].copy()
        _feel(m, quality=1.0, delay=0)
        moved = (m.households.identity[:20] > before).all()
        assert moved == identity


def test_volunteers_of_yesterday_are_counted_per_grid():
    m = GridGovernanceModel(rng=1, **SMALL)
    m.run(5)
    v = m.attitudes.volunteered_yesterday
    assert v.shape == (m.n_grids,) and v.sum() >= 0
    recent = (m.day - m.households.last_volunteered) < 30
    assert m.metrics_today()["volunteers_30d"] == recent.sum()
