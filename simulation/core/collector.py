"""The model's daily indicators through Mesa's DataCollector interface.

Mesa's own tools (`mesa.batch_run`, SolaraViz plots, notebooks written for Mesa) read
`model.datacollector`. The model already records every daily indicator into arrays as the
day runs (`metrics.DailyRecorder`), so this collector stores nothing itself: it presents those
arrays the way `mesa.DataCollector` does (`model_vars`, `get_model_vars_dataframe()`, one
collection per step) at no cost to the model's own runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from simulation.core.outcomes import DAILY

if TYPE_CHECKING:
    from simulation.core.model import GridGovernanceModel


class IndicatorCollector:
    """A read-only, DataCollector-compatible view of the model's daily indicators.

    One collection per simulated day: step k of Mesa (`model.steps`) is day k, whose values
    are row k of `model.timeseries()`. Model reporters are the daily outcomes of
    `simulation.core.outcomes.DAILY`; there are no agent reporters (per-household state is in
    `model.households`).
    """

    agent_reporters: dict = {}  # noqa: RUF012 - Mesa reads these class-level names
    agenttype_reporters: dict = {}  # noqa: RUF012
    tables: dict = {}  # noqa: RUF012

    def __init__(self, model: GridGovernanceModel):
        """Present `model`'s recorder."""
        self.model = model
        self.model_reporters = {name: outcome.definition for name, outcome in DAILY.items()}
        self._agent_records: dict = {}
        self._agenttype_records: dict = {}
        self._cache: tuple[int, dict[str, list[float]]] = (-1, {})

    @property
    def _collection_steps(self) -> list[int]:
        """Steps collected so far (one per day; Mesa's batch_run reads this)."""
        return list(range(1, self.model.day + 1))

    @property
    def model_vars(self) -> dict[str, list[float]]:
        """Each daily indicator's values, one per collected step (as `mesa.DataCollector`)."""
        day, values = self._cache
        if day != self.model.day:
            frame = self.model.recorder.frame()
            values = {name: frame[name].tolist() for name in DAILY}
            self._cache = (self.model.day, values)
        return values

    def collect(self, model: GridGovernanceModel) -> None:
        """Nothing to do: the model records its indicators as each day runs."""

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """The daily indicators, indexed by step (= day)."""
        return self.model.recorder.frame().set_index("day").drop(columns="scored")

    def get_agent_vars_dataframe(self) -> pd.DataFrame:
        """Empty: no agent reporters (household state is in `model.households`)."""
        return pd.DataFrame()
