"""Every model parameter: name, default, unit, allowed range and meaning.

This table is the single source of truth for defaults, for validating scenario files, for
the dashboard's sliders and for the sensitivity designs. `docs/model.md` explains how the
defaults were set against the calibration figures of the specification.
(The module is long because it is a table: one entry per parameter.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any


class ParameterError(ValueError):
    """A parameter value or combination that cannot describe a street.

    Attributes:
        field: The parameter at fault.
        message: What is wrong and what is allowed; `str()` is `"field: message"`.
    """

    def __init__(self, field: str, message: str):
        """Create the error for parameter `field`."""
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Param:
    """One model parameter.

    Attributes:
        name: Key used in scenario files and the model constructor.
        default: Default value; its Python type (bool, int, float) is the parameter's type.
        unit: Unit of measurement, for tables and axis labels.
        low: Smallest allowed value (None for booleans).
        high: Largest allowed value (None for booleans).
        group: Which part of the model the parameter belongs to.
        doc: One-line meaning.
        only_with: The mechanism switch this parameter belongs to exclusively (None if it acts
            in every scenario); with that switch off it must change nothing (tested).
    """

    name: str
    default: bool | int | float
    unit: str
    low: float | None
    high: float | None
    group: str
    doc: str
    only_with: str | None = None

    @property
    def kind(self) -> type:
        """The Python type values must have (bool, int or float)."""
        return type(self.default)

    def describe(self) -> str:
        """What values are allowed, in words (used in every error message)."""
        if self.kind is bool:
            return "true or false"
        kind = "an integer" if self.kind is int else "a number"
        return f"{kind} in [{self.low:g}, {self.high:g}] ({self.unit})"

    def check(self, value: Any) -> bool | int | float:
        """Return `value` as this parameter's type, or raise if its type or range is wrong.

        Raises:
            ParameterError: Wrong type, not finite, or outside [low, high].
        """
        if self.kind is bool:
            # numpy.bool_ is accepted (Mesa's batch_run and sweeps pass array values).
            if not isinstance(value, bool) and not _is_numpy(value, "b"):
                raise ParameterError(self.name, f"must be true or false, got {value!r}")
            return bool(value)
        if isinstance(value, bool) or not (
            isinstance(value, int | float) or _is_numpy(value, "iuf")
        ):
            raise ParameterError(self.name, f"must be {self.describe()}, got {value!r}")
        if self.kind is int:
            if not float(value).is_integer():
                raise ParameterError(self.name, f"must be {self.describe()}, got {value!r}")
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ParameterError(self.name, f"must be {self.describe()}, got {value!r}")
        if not self.low <= value <= self.high:
            raise ParameterError(self.name, f"must be {self.describe()}, got {value!r}")
        return value


def _is_numpy(value: Any, kinds: str) -> bool:
    """True for a NumPy scalar whose dtype kind is one of `kinds` (without importing NumPy)."""
    dtype = getattr(value, "dtype", None)
    return type(value).__module__ == "numpy" and dtype is not None and dtype.kind in kinds


def _p(name, default, unit, low, high, group, doc) -> Param:
    return Param(name, default, unit, low, high, group, doc)


_TABLE: list[Param] = [
    # --- mechanisms -----------------------------------------------------------------------
    _p("identity", False, "switch", None, None, "mechanism", "Identity mechanism on/off"),
    _p("connection", False, "switch", None, None, "mechanism", "Connection mechanism on/off"),
    _p("interaction", False, "switch", None, None, "mechanism", "Interaction mechanism on/off"),
    # --- scale and time -------------------------------------------------------------------
    _p("n_streets", 1, "streets", 1, 20, "scale", "Streets in the model (10 = district preset)"),
    _p("grids_per_street", 12, "grids", 1, 40, "scale", "Grids per street"),
    _p("households_per_grid", 300, "households", 20, 1000, "scale", "Households per grid"),
    _p("workers_per_grid", 1, "workers", 1, 10, "scale", "Full-time grid workers per grid"),
    _p("burn_in_days", 90, "days", 0, 720, "scale", "Days simulated before scoring starts"),
    _p("scored_days", 730, "days", 1, 3650, "scale", "Days scored after burn-in"),
    # --- needs ----------------------------------------------------------------------------
    _p(
        "need_rate",
        1.5,
        "needs/household/year",
        0.1,
        12.0,
        "needs",
        "Rate at which a household's needs arise (Poisson)",
    ),
    _p(
        "share_partner_needs",
        0.30,
        "share",
        0.0,
        0.9,
        "needs",
        "Share of needs that need a partner organisation's resources",
    ),
    _p(
        "share_department_needs",
        0.10,
        "share",
        0.0,
        0.5,
        "needs",
        "Share of needs only a line department can solve",
    ),
    _p(
        "severity_growth",
        0.01,
        "severity/day",
        0.0,
        0.1,
        "needs",
        "Daily growth of an unreported need's severity",
    ),
    _p(
        "abandon_rate",
        0.02,
        "probability/day",
        0.0,
        0.5,
        "needs",
        "Daily chance a hidden need is given up (lived with or fixed privately)",
    ),
    _p(
        "give_up_rate",
        0.02,
        "probability/day",
        0.0,
        0.5,
        "needs",
        "Daily chance a household gives up a reported need it waits for past its expectation",
    ),
    _p("shock_start", 0, "day", 0, 5000, "needs", "First day of a demand shock (0 = no shock)"),
    _p("shock_days", 14, "days", 1, 365, "needs", "Length of the demand shock"),
    _p("shock_multiplier", 3.0, "×", 1.0, 20.0, "needs", "Arrival multiplier during the shock"),
    # --- residents ------------------------------------------------------------------------
    _p("identity_baseline", 0.30, "0-1", 0.0, 1.0, "residents", "Initial/baseline identity I"),
    _p("trust_baseline", 0.50, "0-1", 0.0, 1.0, "residents", "Initial/baseline trust T"),
    _p("efficacy_baseline", 0.40, "0-1", 0.0, 1.0, "residents", "Initial self-efficacy E"),
    _p("share_elderly", 0.25, "share", 0.0, 1.0, "residents", "Share of elderly households"),
    _p(
        "share_party_members",
        0.08,
        "share",
        0.0,
        0.5,
        "residents",
        "Share of households with a party member",
    ),
    _p(
        "neighbour_ties",
        6,
        "ties",
        2,
        20,
        "residents",
        "Neighbour ties per household (small-world ring lattice degree)",
    ),
    _p(
        "rewire_probability",
        0.1,
        "probability",
        0.0,
        1.0,
        "residents",
        "Watts-Strogatz rewiring probability of neighbour ties",
    ),
    # --- reporting: p = logistic(a0 + a1 I + a2 T + a3 E + a4 severity), per day ------------
    _p("report_a0", -6.3, "logit", -10.0, 2.0, "reporting", "Reporting intercept"),
    _p("report_identity", 1.5, "logit/unit", 0.0, 5.0, "reporting", "Effect of identity"),
    _p("report_trust", 1.5, "logit/unit", 0.0, 5.0, "reporting", "Effect of trust"),
    _p("report_efficacy", 1.0, "logit/unit", 0.0, 5.0, "reporting", "Effect of self-efficacy"),
    _p("report_severity", 2.0, "logit/unit", 0.0, 6.0, "reporting", "Effect of severity"),
    # --- grid worker ----------------------------------------------------------------------
    _p("worker_hours", 8.0, "hours/day", 2.0, 12.0, "worker", "Working hours per worker per day"),
    _p(
        "admin_hours",
        3.5,
        "hours/day",
        0.0,
        10.0,
        "worker",
        "Hours per worker per day on administrative tasks from above (forms, inspections)",
    ),
    _p(
        "escalate_after_days",
        15,
        "days",
        1,
        365,
        "worker",
        "Queued needs waiting longer are escalated by the street's time-limit supervision",
    ),
    _p(
        "visits_per_day",
        3,
        "visits/day",
        1,
        5,
        "worker",
        "Household visits per worker per day",
    ),
    _p("visit_hours", 0.5, "hours", 0.1, 2.0, "worker", "Hours per patrol visit"),
    _p(
        "discover_base",
        0.30,
        "probability",
        0.0,
        1.0,
        "worker",
        "Chance a visit finds a hidden need at zero tie",
    ),
    _p(
        "discover_tie",
        0.50,
        "probability",
        0.0,
        1.0,
        "worker",
        "Extra discovery chance at full tie",
    ),
    _p("fix_hours", 1.5, "hours", 0.25, 8.0, "worker", "Worker hours to fix a simple need"),
    _p(
        "dispatch_hours",
        1.5,
        "hours",
        0.1,
        8.0,
        "worker",
        "Worker hours to hand a need to a partner at zero tie",
    ),
    _p(
        "escalate_hours",
        1.0,
        "hours",
        0.1,
        8.0,
        "worker",
        "Worker hours to escalate a need to the line department",
    ),
    _p(
        "handoff_tie_saving",
        0.6,
        "share",
        0.0,
        0.95,
        "worker",
        "Share of dispatch hours saved at full worker-partner tie",
    ),
    _p("competence_min", 0.6, "0-1", 0.1, 1.0, "worker", "Lowest generalist competence"),
    _p("competence_max", 0.9, "0-1", 0.1, 1.0, "worker", "Highest generalist competence"),
    _p("hour_cost", 50.0, "yuan/hour", 0.0, 500.0, "cost", "Cost of one worker hour"),
    # --- partners and alliance ------------------------------------------------------------
    _p(
        "partners_per_type",
        1,
        "partners",
        1,
        10,
        "partners",
        "Partners of each of the five types per street",
    ),
    _p("partner_capacity", 3, "needs/day", 1, 50, "partners", "Needs a partner takes per day"),
    _p("partner_fit", 0.85, "0-1", 0.0, 1.0, "partners", "Fit of a partner in its own categories"),
    _p("partner_delay", 4.0, "days", 1.0, 30.0, "partners", "Partner's delay at zero tie"),
    _p(
        "delay_tie_saving",
        0.6,
        "share",
        0.0,
        0.95,
        "partners",
        "Share of partner delay saved at full tie",
    ),
    _p("accept_b0", -0.5, "logit", -5.0, 5.0, "partners", "Acceptance intercept"),
    _p("accept_tie", 2.5, "logit/unit", 0.0, 6.0, "partners", "Effect of worker-partner tie"),
    _p(
        "accept_coordination",
        1.0,
        "logit/unit",
        0.0,
        5.0,
        "partners",
        "Effect of the branch's coordination strength",
    ),
    _p("accept_alliance", 1.0, "logit", 0.0, 5.0, "partners", "Effect of alliance membership"),
    _p(
        "alliance_share",
        0.8,
        "share",
        0.0,
        1.0,
        "partners",
        "Share of the street's partners the needs/resources mapping brings into the alliance",
    ),
    _p(
        "coordination",
        0.6,
        "0-1",
        0.0,
        1.0,
        "partners",
        "Party branch's coordination strength over alliance members",
    ),
    _p(
        "partner_fit_spread",
        0.1,
        "0-1",
        0.0,
        0.5,
        "partners",
        "Spread of partner fit around partner_fit across partners and categories",
    ),
    _p(
        "handoff_tie_gain",
        0.05,
        "share",
        0.0,
        1.0,
        "partners",
        "Worker-partner tie gain per completed hand-off: tie += g (1 - tie)",
    ),
    _p("partner_cost", 150.0, "yuan/need", 0.0, 2000.0, "cost", "Partner fee per need"),
    _p(
        "alliance_cost",
        150.0,
        "yuan/street/day",
        0.0,
        5000.0,
        "cost",
        "Running cost of ledgers and coordination under connection",
    ),
    # --- line department ------------------------------------------------------------------
    _p("department_delay_min", 7, "days", 1, 60, "department", "Shortest department delay"),
    _p("department_delay_max", 15, "days", 1, 90, "department", "Longest department delay"),
    _p("department_fit", 0.6, "0-1", 0.0, 1.0, "department", "Fit of a department solution"),
    _p("department_cost", 500.0, "yuan/need", 0.0, 5000.0, "cost", "Cost of one escalation"),
    # --- resolution and feedback ----------------------------------------------------------
    _p("worker_fit", 0.8, "0-1", 0.0, 1.0, "feedback", "Fit of a worker fix at full competence"),
    _p("volunteer_fit", 0.7, "0-1", 0.0, 1.0, "feedback", "Fit of a volunteer/neighbour fix"),
    _p("quality_noise", 0.15, "sd", 0.0, 0.5, "feedback", "Noise of quality around fit"),
    _p(
        "reopen_threshold",
        0.4,
        "quality",
        0.0,
        1.0,
        "feedback",
        "Quality below which a fix fails and the need reopens",
    ),
    _p("expected_quality", 0.7, "0-1", 0.0, 1.0, "feedback", "Initial expected quality"),
    _p(
        "expected_delay",
        7.0,
        "days",
        0.5,
        30.0,
        "feedback",
        "Initial expected delay (general deadline)",
    ),
    _p(
        "satisfaction_quality",
        4.0,
        "logit/unit",
        0.0,
        10.0,
        "feedback",
        "Weight of quality disconfirmation in satisfaction",
    ),
    _p(
        "satisfaction_delay",
        1.0,
        "logit/unit",
        0.0,
        10.0,
        "feedback",
        "Weight of relative delay disconfirmation in satisfaction",
    ),
    _p(
        "satisfaction_bias", 0.8, "logit", -5.0, 5.0, "feedback", "Satisfaction at met expectations"
    ),
    _p(
        "expectation_drift",
        0.2,
        "share",
        0.0,
        1.0,
        "feedback",
        "How far expectations move toward experience",
    ),
    _p("trust_up", 0.10, "share", 0.0, 1.0, "feedback", "Trust step toward higher satisfaction"),
    _p("trust_down", 0.25, "share", 0.0, 1.0, "feedback", "Trust step toward lower satisfaction"),
    _p(
        "identity_gain",
        0.05,
        "share",
        0.0,
        1.0,
        "feedback",
        "Identity gain after a satisfying experience",
    ),
    _p(
        "efficacy_gain",
        0.05,
        "share",
        0.0,
        1.0,
        "feedback",
        "Self-efficacy gain when one's own report gets resolved",
    ),
    _p(
        "attitude_decay",
        0.0025,
        "share/day",
        0.0,
        0.05,
        "feedback",
        "Daily decay of trust, identity and efficacy toward baseline",
    ),
    _p(
        "lost_base",
        0.04,
        "probability",
        0.0,
        0.5,
        "feedback",
        "Chance a handed-off case is dropped, at an empty queue and zero tie",
    ),
    _p(
        "lost_load",
        0.5,
        "1/(cases/hour)",
        0.0,
        5.0,
        "feedback",
        "Growth of the drop chance per queued case per casework hour of the worker",
    ),
    _p(
        "lost_tie",
        0.6,
        "share",
        0.0,
        1.0,
        "feedback",
        "Share of the drop chance removed at full worker-partner tie",
    ),
    _p(
        "followup_catch",
        0.8,
        "share",
        0.0,
        1.0,
        "feedback",
        "Share of dropped cases the closed loop's follow-up catches and re-queues",
    ),
    _p(
        "disappointment",
        0.2,
        "0-1",
        0.0,
        1.0,
        "feedback",
        "Satisfaction an overdue wait or a lost case is felt as (trust moves toward it)",
    ),
    _p(
        "followup_hours",
        0.25,
        "hours",
        0.0,
        2.0,
        "feedback",
        "Worker hours per follow-up visit (interaction on)",
    ),
    # --- participation: p = logistic(d0 + d1 I + d2 T + d3 peer share), per day ------------
    _p("volunteer_d0", -6.0, "logit", -10.0, 0.0, "participation", "Volunteering intercept"),
    _p("volunteer_identity", 2.0, "logit/unit", 0.0, 6.0, "participation", "Effect of identity"),
    _p("volunteer_trust", 1.0, "logit/unit", 0.0, 6.0, "participation", "Effect of trust"),
    _p(
        "volunteer_peer",
        0.19,
        "logit/unit",
        0.0,
        2.0,
        "participation",
        "Effect of neighbours' volunteering share (≈ +21% per unit)",
    ),
    _p(
        "volunteer_session_hours",
        2.0,
        "hours",
        0.5,
        8.0,
        "participation",
        "Hours per volunteering day",
    ),
    _p(
        "volunteer_tasks",
        0.3,
        "needs/volunteer-day",
        0.0,
        2.0,
        "participation",
        "Simple needs a volunteering resident can take (identity on)",
    ),
    _p(
        "neighbour_fix",
        0.02,
        "probability/day",
        0.0,
        0.5,
        "participation",
        "Daily chance volunteering neighbours fix a hidden simple need (identity on)",
    ),
    # --- identity events and meetings -----------------------------------------------------
    _p("identity_event_interval", 30, "days", 1, 365, "identity", "Days between identity events"),
    _p("event_attendance", 0.15, "share", 0.0, 1.0, "identity", "Share of households attending"),
    _p("event_gain", 0.10, "share", 0.0, 1.0, "identity", "Identity gain of an attendee"),
    _p("event_cost", 1500.0, "yuan/street/event", 0.0, 50000.0, "cost", "Cost of one event"),
    _p("meeting_interval", 14, "days", 1, 180, "interaction", "Days between joint meetings"),
    _p("meeting_tie_gain", 0.15, "share", 0.0, 1.0, "interaction", "τ: tie += τ (1 - tie)"),
    _p("meeting_hours", 2.0, "hours", 0.0, 8.0, "interaction", "Worker hours a meeting takes"),
    _p(
        "resident_reps",
        10,
        "households/grid",
        0,
        100,
        "interaction",
        "Resident representatives per grid at meetings",
    ),
    _p("tie_decay", 0.005, "share/day", 0.0, 0.1, "interaction", "Daily decay of all ties"),
    _p(
        "visit_tie_gain",
        0.2,
        "share",
        0.0,
        1.0,
        "interaction",
        "Tie gain of a household at a patrol or follow-up visit",
    ),
    _p("tie_initial", 0.2, "0-1", 0.0, 1.0, "interaction", "Initial tie strength"),
]

#: Parameters that act only through one mechanism's rules (`simulation.core.mechanisms`): with that
#: switch off they must change nothing, whatever their value (tests/test_model_properties.py).
_ONLY_WITH = {
    "identity": (
        "identity_event_interval", "event_attendance", "event_gain", "event_cost",
        "volunteer_tasks", "neighbour_fix",
    ),
    "connection": ("alliance_share", "alliance_cost", "accept_alliance", "coordination",
                   "accept_coordination"),
    "interaction": (
        "meeting_interval", "meeting_tie_gain", "meeting_hours", "resident_reps",
        "followup_hours", "followup_catch",
    ),
}  # fmt: skip
_TABLE = [
    replace(p, only_with=next((m for m, names in _ONLY_WITH.items() if p.name in names), None))
    for p in _TABLE
]
PARAMETERS: dict[str, Param] = {p.name: p for p in _TABLE}
assert {n for names in _ONLY_WITH.values() for n in names} <= set(PARAMETERS), "unknown name"
MECHANISMS: tuple[str, ...] = ("identity", "connection", "interaction")


def default_parameters() -> dict[str, Any]:
    """Return a fresh dict of every parameter at its default."""
    return {name: p.default for name, p in PARAMETERS.items()}


def check_value(name: str, value: Any) -> bool | int | float:
    """Check one parameter value; return it as the parameter's type.

    Raises:
        ParameterError: Unknown name, wrong type or out of range.
    """
    spec = PARAMETERS.get(name)
    if spec is None:
        raise ParameterError(name, "unknown parameter (see docs/model.md for the list)")
    return spec.check(value)


def validate(params: Mapping[str, Any]) -> dict[str, Any]:
    """Check a (partial) parameter mapping; return the complete dict with defaults filled in.

    This is the one validator: scenario files, `--set`, experiment designs, the dashboard and
    the model constructor all call it and only translate its error into their own form.

    Raises:
        ParameterError: Unknown name, wrong type, out-of-range value or impossible combination.
    """
    full = default_parameters()
    for name, value in params.items():
        full[name] = check_value(name, value)
    check_combination(full)
    return full


def check_combination(p: Mapping[str, Any]) -> None:
    """Reject complete parameter sets whose values are each valid but cannot go together.

    Raises:
        ParameterError: Naming the first parameter of the offending pair.
    """
    for low, high in (
        ("department_delay_min", "department_delay_max"),
        ("competence_min", "competence_max"),
    ):
        if p[low] > p[high]:
            raise ParameterError(low, f"must not exceed {high}")
    if p["share_partner_needs"] + p["share_department_needs"] > 1:
        raise ParameterError(
            "share_partner_needs", "share_partner_needs + share_department_needs > 1"
        )
    if p["admin_hours"] >= p["worker_hours"]:
        raise ParameterError(
            "admin_hours", "must be below worker_hours (no time left for casework)"
        )
    if p["neighbour_ties"] >= p["households_per_grid"]:
        raise ParameterError("neighbour_ties", "must be below households_per_grid")
    if p["resident_reps"] > p["households_per_grid"]:
        raise ParameterError("resident_reps", "must not exceed households_per_grid")
    households = p["n_streets"] * p["grids_per_street"] * p["households_per_grid"]
    if households > MAX_HOUSEHOLDS:
        # Each household costs ~1 kB with its Mesa agent; refuse before allocating.
        raise ParameterError(
            "households_per_grid",
            f"{households:,} households in all (n_streets × grids_per_street × "
            f"households_per_grid) is above the limit of {MAX_HOUSEHOLDS:,}",
        )


#: Largest street/district the model builds (the district preset is 36,000 households).
MAX_HOUSEHOLDS = 200_000


def markdown_table() -> str:
    """The parameter table in Markdown (docs/model.md embeds it; a test keeps them in step).

    The last column is the kind of source of the default (`simulation.core.sources.PROVENANCE`).
    """
    from simulation.core.sources import PROVENANCE  # a table of references, kept apart

    lines = [
        "| parameter | default | unit | range | group | meaning | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS.values():
        rng = "true/false" if p.kind is bool else f"{p.low:g} – {p.high:g}"
        default = str(p.default).lower() if p.kind is bool else f"{p.default:g}"
        kind = PROVENANCE[p.name].kind
        lines.append(
            f"| `{p.name}` | {default} | {p.unit} | {rng} | {p.group} | {p.doc} | {kind} |"
        )
    return "\n".join(lines)
