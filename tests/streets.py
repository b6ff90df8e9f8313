"""A small street shared by the model's tests (4 grids of 120 households, 200 days)."""

from simulation.model import GridGovernanceModel

SMALL = dict(grids_per_street=4, households_per_grid=120, burn_in_days=0, scored_days=200)


def run(seed=1, **params):
    """Build and run a small street with `params` on top of SMALL."""
    m = GridGovernanceModel(rng=seed, **{**SMALL, **params})
    m.run()
    return m
