"""Attitudes: satisfaction by disconfirmation, trust faster down than up, participation."""

from typing import get_type_hints

import numpy as np
from helpers import SMALL

from simulation.core.model import GridGovernanceModel
from simulation.core.parameters import PARAMETERS
from simulation.kernels import records as kr
from simulation.kernels.records import Experience


def _feel(m, quality, delay):
    rows = np.arange(20)
    n = len(rows)
    exp = Experience(
        rows,
        np.full(n, quality),
        np.full(n, delay),
        np.ones(n, bool),
        np.ones(n, bool),
        np.empty(0, np.int64),
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


def test_identity_gains_from_good_experience_in_every_scenario():
    for identity in (False, True):
        m = GridGovernanceModel(rng=1, identity=identity, **SMALL)
        m.recorder.begin_day()
        before = m.households.identity[:20].copy()
        _feel(m, quality=1.0, delay=0)
        assert (m.households.identity[:20] > before).all()


def test_a_let_down_lowers_trust_toward_the_disappointment_level():
    m = GridGovernanceModel(rng=1, **SMALL)
    m.recorder.begin_day()
    hh, rows = m.households, np.arange(5)
    before = hh.trust[rows].copy()
    empty = np.empty(0)
    m.attitudes.feel(Experience(empty, empty, empty, empty, empty, np.r_[rows, rows[:2]]))
    assert (hh.trust[rows] < before).all()
    assert (hh.trust[rows] >= m.p["disappointment"]).all()
    assert m.recorder.flow["disappointed"][m.day] == 7


def test_volunteers_of_yesterday_are_counted_per_grid():
    m = GridGovernanceModel(rng=1, **SMALL)
    m.run(5)
    v = m.attitudes.volunteered_yesterday
    assert v.shape == (m.n_grids,) and v.sum() >= 0
    recent = (m.day - m.households.last_volunteered) < 30
    assert m.metrics_today()["volunteers_30d"] == recent.sum()


def test_the_household_kernels_read_each_parameter_in_its_kind():
    """The households' parameter records name parameters; each field has the parameter's kind."""
    for record in (kr.FeelParams, kr.VolunteerParams):
        fields = get_type_hints(record)
        assert set(fields) - {"satisfied"} <= set(PARAMETERS), record
        for name, kind in fields.items():
            if name in PARAMETERS:
                assert kind is PARAMETERS[name].kind, name
