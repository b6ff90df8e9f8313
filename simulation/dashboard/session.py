"""What the dashboard shows, without the web page: one or two streets, their settings and history.

`DashboardSession` is the trainer's session as plain Python. The Solara page is a thin shell over
it, and a researcher can drive it the same way from a notebook or a test:

>>> s = DashboardSession(seed=42)
>>> s.set_mechanism("A", "identity", True)
>>> s.step(30)
>>> s.street("A").latest["backlog"]

Every input method validates what it is given. Bad input never raises: it leaves the session in
its previous, valid state and puts a one-line explanation in `message`.

(Longer than the house's ~350 lines on purpose: the session is the one API the page, follow
mode, lessons and tests drive, and its input checks sit next to the methods that use them.)
"""

from __future__ import annotations

import math
import os
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.core import parameters
from simulation.core.model import GridGovernanceModel
from simulation.core.outcomes import KEY_DAILY
from simulation.core.parameters import MECHANISMS, default_parameters
from simulation.dashboard.classroom import Limits

# The parameters a trainer is offered as sliders, in the order shown.
SLIDER_PARAMS: tuple[str, ...] = (
    "households_per_grid",
    "workers_per_grid",
    "grids_per_street",
    "need_rate",
    "admin_hours",
    "meeting_interval",
    "identity_event_interval",
    "visits_per_day",
    "partners_per_type",
    "partner_capacity",
)

# The daily outcomes each street records (their labels, units and formats are the metric
# registry's): the indicators the page plots and compares, and the two its cost per resolved
# need is summed from (`views.cost_per_resolved`).
RECORDED: tuple[str, ...] = (*KEY_DAILY, "mean_identity", "cost", "resolved")

SIDES: tuple[str, ...] = ("A", "B")
SEED_MAX = 2**63 - 1
SEED_TEXT_MAX = 64  # longer text in the seed field is a paste, not a seed
# Households one street may have, unless the server was started with another limit: above it
# the street image and the model step stop feeling live and a classroom runs out of memory.
MAX_HOUSEHOLDS = Limits().max_households
DEFAULT_SEED = 42
DEFAULT_SCENARIO_B = "full"


def scenario_dir() -> Path:
    """Folder the scenario picker lists: `$GRIDGOV_SCENARIOS_DIR` or the project's `scenarios/`."""
    env = os.environ.get("GRIDGOV_SCENARIOS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "scenarios"


def list_scenarios(folder: Path | None = None) -> list[str]:
    """Names (file stems) of the `*.toml` scenario files in `folder`, sorted; [] if none."""
    folder = scenario_dir() if folder is None else folder
    try:
        return sorted(p.stem for p in folder.glob("*.toml") if p.is_file())
    except OSError:
        return []


def parse_seed(text: Any) -> int:
    """Turn what was typed in the seed field into a seed.

    Full-width digits from a Chinese input method ("４２") count as digits (Unicode NFKC).

    Args:
        text: The typed text (or an int).

    Returns:
        The seed as an int in [0, 2**63 - 1].

    Raises:
        ValueError: With a message for the trainer, if `text` is not a whole number in range.

    """
    if isinstance(text, bool):
        raise ValueError(f"Seed must be a whole number, got {text!r}")
    if isinstance(text, int):
        value = text
    else:
        raw = str(text if text is not None else "")
        if len(raw) > SEED_TEXT_MAX:  # a paste: never echo it, never hand it to int()
            raise ValueError(
                f"Seed must be a whole number of at most 19 digits (got {len(raw):,} characters)"
            )
        stripped = unicodedata.normalize("NFKC", raw).strip().replace("_", "")
        if not stripped or not stripped.lstrip("+-").isdigit() or not stripped.isascii():
            shown = raw[:40]
            raise ValueError(f"Seed must be a whole number such as 42 (digits only), got '{shown}'")
        if len(stripped.lstrip("+-").lstrip("0")) > len(str(SEED_MAX)):
            raise ValueError(f"Seed must be between 0 and {SEED_MAX}")
        value = int(stripped)
    if not 0 <= value <= SEED_MAX:
        raise ValueError(f"Seed must be between 0 and {SEED_MAX}, got {value}")
    return value


def check_value(name: str, value: Any) -> bool | int | float:
    """Validate one parameter value with the parameter table's own check.

    Args:
        name: Parameter name (a key of `PARAMETERS`).
        value: Proposed value.

    Returns:
        The value converted to the parameter's type.

    Raises:
        ValueError: With a one-line message naming the parameter and what is allowed.

    """
    try:
        return parameters.check_value(name, value)
    except parameters.ParameterError as exc:
        raise ValueError(str(exc)) from None
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name}: not a valid value ({str(value)[:40]!r})") from None


def household_count(params: dict[str, Any]) -> int:
    """Households a model built from `params` will hold."""
    return int(params["n_streets"] * params["grids_per_street"] * params["households_per_grid"])


def _model_class():
    # Imported late: the model module is heavy and the dashboard package must import without it.

    return GridGovernanceModel


@dataclass
class Street:
    """One running street: its settings, its model and the metrics recorded each day.

    Attributes:
        params: Complete parameter dict the model was built with.
        seed: Seed of the model's random generators.
        label: Name shown on the page (scenario name plus changed switches).
        model: The `GridGovernanceModel`.
        days: Days recorded in `history` (1, 2, ...).
        history: Metric key -> one value per recorded day (NaN where the model gave none).

    """

    params: dict[str, Any]
    seed: int
    label: str = ""
    model: Any = None
    days: list[int] = field(default_factory=list)
    history: dict[str, list[float]] = field(default_factory=dict)

    def build(self) -> None:
        """(Re)build the model at day 0 from `params` and `seed`; clears the history."""
        self.model = _model_class()(rng=self.seed, **self.params)
        self.days = []
        self.history = {key: [] for key in RECORDED}

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return int(getattr(self.model, "day", len(self.days)))

    def step(self) -> None:
        """Advance one day and record that day's metrics."""
        self.model.step()
        today = self.model.metrics_today()
        self.days.append(self.day)
        for key, values in self.history.items():
            values.append(_as_float(today.get(key)))

    @property
    def latest(self) -> dict[str, float]:
        """The most recent value of every metric (NaN before the first day)."""
        return {k: (v[-1] if v else math.nan) for k, v in self.history.items()}


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


@dataclass
class Side:
    """Settings of one side (A or B): the scenario it started from and its parameters."""

    scenario: str
    params: dict[str, Any]


class DashboardSession:
    """A trainer's session: settings of streets A and B, the running streets, and messages.

    In single mode only street A runs. In comparison mode A and B run with the same seed and
    step in lockstep; changing any setting rebuilds both at day 0 so they stay comparable.

    Attributes:
        seed: Seed shared by both streets.
        compare: True in comparison mode.
        sides: Settings per side ("A", "B").
        streets: Running streets per side (B only in comparison mode).
        message: Last problem with an input, as one line ("" when none).
        notice: Last informational note, e.g. which scenario was loaded ("" when none).
        lock: Held while the streets change, so a playing loop and a click never interleave.

    """

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        scenario_folder: Path | None = None,
        scenario_a: str = "baseline",
        scenario_b: str = DEFAULT_SCENARIO_B,
    ):
        self.lock = threading.RLock()
        self.folder = scenario_folder
        self.compare = False
        self.message = ""
        self.notice = ""
        self.max_households = Limits.from_environment().max_households
        self.streets: dict[str, Street] = {}
        self.last_used = time.monotonic()  # when a street was last built or stepped
        self._start = (parse_seed(seed), scenario_a, scenario_b)  # what Reset returns to
        self._restore_start()
        self.rebuild()

    def _restore_start(self) -> None:
        seed, scenario_a, scenario_b = self._start
        self.seed = seed
        self.sides: dict[str, Side] = {
            "A": Side("defaults", default_parameters()),
            "B": Side("defaults", default_parameters()),
        }
        for side, name in (("A", scenario_a), ("B", scenario_b)):
            if name in self.scenarios():
                self._load_scenario_params(side, name)
        # Without scenario files the parameter table's defaults are a valid start.

    # --- reading ------------------------------------------------------------------------------
    def scenarios(self) -> list[str]:
        """Scenario names the picker offers."""
        return list_scenarios(self.folder)

    def street(self, side: str = "A") -> Street:
        """Return the running street of `side`."""
        return self.streets[side]

    @property
    def active_sides(self) -> tuple[str, ...]:
        """("A", "B") in comparison mode, else ("A",)."""
        return SIDES if self.compare else ("A",)

    @property
    def day(self) -> int:
        """Days simulated by street A (B is always in lockstep)."""
        return self.streets["A"].day

    @property
    def finished(self) -> bool:
        """True once a running street has simulated all its configured days (burn-in + scored)."""
        return any(
            not getattr(self.streets[side].model, "running", True)
            for side in self.active_sides
            if side in self.streets
        )

    def clone(self) -> DashboardSession:
        """An independent session with the same settings, at the same day, for branching off.

        The copy is rebuilt from the settings and seed and replayed to the same day (a day of
        the default street costs well under a millisecond), so it is exactly the street the
        original shows and goes on as the original would have. Deep-copying the models instead
        did not reproduce the original's future.
        """
        with self.lock:
            clone = DashboardSession.__new__(DashboardSession)
            clone.lock = threading.RLock()
            clone.folder = self.folder
            clone.compare = self.compare
            clone.message = clone.notice = ""
            clone.max_households = self.max_households
            clone._start = self._start
            clone.seed = self.seed
            clone.sides = {k: Side(v.scenario, dict(v.params)) for k, v in self.sides.items()}
            clone.streets = {}
            clone.last_used = time.monotonic()
            day = self.day if self.streets else 0
        clone.rebuild()
        if day:
            clone.step(day)
        return clone

    def difference(self, key: str) -> list[float]:
        """B - A for metric `key`, one value per recorded day ([] outside comparison mode)."""
        if not self.compare or "B" not in self.streets:
            return []
        a, b = self.streets["A"].history[key], self.streets["B"].history[key]
        return [vb - va for va, vb in zip(a, b, strict=False)]

    def label(self, side: str) -> str:
        """Scenario name plus the mechanism switches, e.g. 'baseline + identity'."""
        params = self.sides[side].params
        on = [m for m in MECHANISMS if params[m]]
        return f"{self.sides[side].scenario}: " + (" + ".join(on) if on else "no mechanisms")

    # --- changing -----------------------------------------------------------------------------
    def _fail(self, text: str) -> bool:
        self.message = text
        return False

    def set_compare(self, on: bool) -> bool:
        """Switch comparison mode on or off; rebuilds the streets at day 0."""
        with self.lock:
            self.compare = bool(on)
            return self.rebuild()

    def set_seed(self, text: Any) -> bool:
        """Set the shared seed from typed text; on bad input keep the old seed and say why."""
        try:
            seed = parse_seed(text)
        except ValueError as exc:
            return self._fail(str(exc))
        with self.lock:
            old = self.seed
            self.seed = seed
            if not self.rebuild():  # the old streets are still running
                self.seed = old
                return False
            return True

    def set_mechanism(self, side: str, name: str, on: Any) -> bool:
        """Switch mechanism `name` of `side` on or off and rebuild at day 0."""
        if name not in MECHANISMS:
            return self._fail(f"Unknown mechanism '{name}' (choose from {', '.join(MECHANISMS)})")
        return self.set_params({name: on}, sides=(side,))

    def set_param(self, name: str, value: Any) -> bool:
        """Set one parameter on both sides (sliders are shared) and rebuild at day 0."""
        return self.set_params({name: value}, sides=SIDES)

    def set_params(self, values: dict[str, Any], sides: tuple[str, ...] = SIDES) -> bool:
        """Set several parameters on `sides` after validating each; all or nothing.

        Args:
            values: Parameter name -> value.
            sides: Which sides the values apply to.

        Returns:
            True if applied; False (with `message` set) if anything was invalid.

        """
        for side in sides:
            if side not in SIDES:
                return self._fail(f"Unknown side '{side}' (choose A or B)")
        try:
            checked = {name: check_value(name, v) for name, v in values.items()}
        except ValueError as exc:
            return self._fail(str(exc))
        with self.lock:
            saved = {s: dict(self.sides[s].params) for s in sides}
            for side in sides:
                self.sides[side].params.update(checked)
            if not self.rebuild():  # the old streets are still running
                for side, params in saved.items():
                    self.sides[side].params = params
                return False
            self.message = ""  # an earlier error no longer applies
            return True

    def load_scenario(self, side: str, name: str) -> bool:
        """Load scenario file `name` into `side` and rebuild; a bad file gives a message."""
        if side not in SIDES:
            return self._fail(f"Unknown side '{side}' (choose A or B)")
        with self.lock:
            saved = Side(self.sides[side].scenario, dict(self.sides[side].params))
            if not self._load_scenario_params(side, name):
                return False
            if not self.rebuild():  # the old streets are still running
                self.sides[side] = saved
                return False
            self.notice = f"Street {side}: loaded scenario '{name}'"
            self.message = ""
            return True

    def _load_scenario_params(self, side: str, name: str) -> bool:
        folder = scenario_dir() if self.folder is None else self.folder
        path = folder / f"{name}.toml"
        if name not in self.scenarios():
            return self._fail(f"No scenario '{name}' in {folder}")
        try:
            from simulation.config import load_scenario

            scenario = load_scenario(path)
            params = default_parameters()
            params.update(scenario.params)
            for key, value in params.items():
                params[key] = check_value(key, value)
        except Exception as exc:  # noqa: BLE001 - any bad file must become a message
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return self._fail(f"Could not load scenario '{name}': {text}")
        self.sides[side] = Side(name, params)
        return True

    def release(self, note: str) -> None:
        """Free the streets (an idle page's memory); the page then offers Reset."""
        with self.lock:
            self.streets = {}
            self.notice = note

    def reset(self) -> bool:
        """Go back to the settings the session started with (scenarios, parameters, seed), day 0.

        Messages are cleared; the comparison mode stays as it is. If the starting scenario
        files no longer build, fall back to the parameter table's defaults so the page always
        has a valid street.
        """
        with self.lock:
            self._restore_start()
            self.message = ""
            self.notice = ""
            if self.rebuild():
                return True
            for side in SIDES:
                self.sides[side] = Side("defaults", default_parameters())
            self.seed = DEFAULT_SEED
            self.message = ""
            return self.rebuild()

    def rebuild(self) -> bool:
        """Build the active streets at day 0 from the current settings.

        Returns:
            True on success; False (message set, old streets kept) if the model refused.

        """
        with self.lock:
            self.notice = ""
            new: dict[str, Street] = {}
            for side in self.active_sides:
                params = dict(self.sides[side].params)
                n = household_count(params)
                if n > self.max_households:
                    return self._fail(
                        f"Street {side} would have {n:,} households; this dashboard allows at "
                        f"most {self.max_households:,} per street (use `gridgov run` for larger "
                        "runs)"
                    )
                street = Street(params=params, seed=self.seed, label=self.label(side))
                try:
                    street.build()
                except Exception as exc:  # noqa: BLE001 - the page must survive any model error
                    return self._fail(f"Could not build street {side}: {exc}")
                new[side] = street
            self.streets = new
            self.last_used = time.monotonic()
            return True

    def step(self, days: int = 1) -> bool:
        """Advance every active street `days` days in lockstep.

        Returns:
            True on success; False with a message if the model raised (the streets then stay
            where they stopped, and Reset gives a fresh valid street).

        """
        try:
            days = int(days)
        except (TypeError, ValueError):
            return self._fail(f"Days to step must be a whole number, got {days!r}")
        if not 1 <= days <= 3650:
            return self._fail(f"Days to step must be between 1 and 3650, got {days}")
        with self.lock:
            self.last_used = time.monotonic()
            try:
                for _ in range(days):
                    if self.finished:  # the configured run is over: stepping on means nothing
                        self.notice = f"Run complete at day {self.day}; Reset to start again"
                        break
                    for side in self.active_sides:
                        self.streets[side].step()
            except Exception as exc:  # noqa: BLE001 - a model error must not kill the page
                return self._fail(f"The model stopped on day {self.day}: {exc}")
            return True
