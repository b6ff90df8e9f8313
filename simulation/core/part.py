"""What each owner of the day's rules (casework, alliance, attitudes) reads from its model."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulation.core.model import GridGovernanceModel


class ModelPart:
    """Binds the model's parameters, rules, generator, households and recorder once.

    The phases run every day; plain attributes keep their look-ups cheap.
    """

    def __init__(self, model: GridGovernanceModel):
        """Bind to `model` (built up to its households and recorder)."""
        self.p = model.p
        self.rules = model.rules
        self.rng = model.rng
        self.households = model.households
        self.recorder = model.recorder
        self.n_grids = model.n_grids
