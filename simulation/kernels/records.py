"""The records the kernels take: the street's arrays, the day, the parameters.

The casework's (`StreetArrays`, `Today`, `CaseParams`) are built by
`simulation.core.casework.Casework` and read by `simulation.kernels.casework.casework_day`;
the households' (`AttitudeArrays`, `Experience`, `FeelParams`, `Volunteering`,
`NeighboursHelping`, `VolunteerParams`) by `simulation.core.attitudes.Attitudes` for
`simulation.kernels.households`; `StockSources` by `simulation.core.metrics.DailyRecorder` for
`simulation.kernels.recording.snapshot_stocks`. Records of arrays are built once over their
owners' arrays (the kernels write into them); `simulation.kernels.make_record` converts each
field of a parameter record to its declared type. A record's fields are part of the compiled
signature: changing one recompiles the kernels.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# ------------------------------------------------------------------------ the casework


class StreetArrays(NamedTuple):
    """The street as the casework reads and writes it: households, grid teams, partners.

    Built once by `simulation.core.casework.Casework` over its own, the households' and the
    alliance's arrays (the kernels write into them).
    """

    expected_delay: np.ndarray  # per household
    worker_tie: np.ndarray  # per household
    open_needs: np.ndarray  # per household
    team_competence: np.ndarray  # grid × category
    grid_street: np.ndarray  # per grid
    coordination: np.ndarray  # per street (its branch)
    partner_tie: np.ndarray  # grid × partner
    partner_fit: np.ndarray  # partner × category
    partner_member: np.ndarray  # per partner
    partner_delay: np.ndarray  # per partner, days at zero tie
    partner_cost: np.ndarray  # per partner, fee per need
    capacity: np.ndarray  # per partner, needs it can take a day
    capacity_left: np.ndarray  # per partner, needs it can still take today
    serving_start: np.ndarray  # per street × category + 1: offsets into serving
    serving: np.ndarray  # partners doing each kind of work, by street and category
    followups_due: np.ndarray  # per grid, follow-up hours owed tomorrow
    hours_owed: np.ndarray  # per grid, overrun owed from tomorrow
    department_cases: np.ndarray  # one counter: needs escalated so far
    hours_left: np.ndarray  # per grid, the team's casework hours today
    load: np.ndarray  # per grid, queued cases per casework hour today
    volunteer_capacity: np.ndarray  # per grid, simple cases volunteers can take today
    first_visit: np.ndarray  # per grid, the household the patrol visited first today
    worker_hours: np.ndarray  # per grid, the team's casework hours used today
    worker_fixes: np.ndarray  # per grid, the team's fixes so far


class Today(NamedTuple):
    """The day's inputs, and the recorder's row the day's counters are added to."""

    day: int
    flows: np.ndarray  # today's row of the recorder's flows (positions in `FlowColumns`)
    open_ids: np.ndarray  # the needs not yet resolved or given up, in index order
    weighted: np.ndarray  # per hidden open need, its household's attitude weighting
    meeting: bool  # a joint meeting is held today
    helping: np.ndarray  # per household, neighbours who volunteered in the last 30 days
    volunteers: np.ndarray  # per grid, households that volunteered yesterday


class Acceptance(NamedTuple):
    """Coefficients of a partner's acceptance of a hand-off (parameters of the same names)."""

    accept_b0: float
    accept_tie: float
    accept_coordination: float
    accept_alliance: float


class FlowColumns(NamedTuple):
    """Positions of the day's counters in the recorder's row (its flow names)."""

    reported: int
    discovered: int
    rereported: int
    gave_up: int
    escalated: int
    escalated_overdue: int
    cost: int
    dispatched: int
    handled: int
    hours_used: int
    admin_hours: int
    worker_fixes: int
    recovered: int
    lost: int
    attempts: int
    reopened: int
    n_resolved: int
    resolution_days_sum: int
    report_days_sum: int


# The kernel's own declaration of what it reads: the kernels sit below the model core and
# cannot import its parameter table (a test checks these types against it).
class CaseParams(NamedTuple):
    """Parameters, rules and counter positions of the casework kernels."""

    households_per_grid: int
    visits: int  # patrol visits per grid and day
    casework_hours: float  # a team's paid hours less administrative tasks
    admin_total: float  # administrative hours of all workers, a day
    meeting_cut: float  # a team's hours in a joint meeting
    meeting_total: float  # all workers' hours in a joint meeting
    visit_cut: float  # a team's patrol hours, a day
    visit_total: float  # all workers' patrol hours, a day
    report_a0: float
    report_severity: float
    n_categories: int
    severity_growth: float
    abandon_rate: float
    discover_base: float
    discover_tie: float
    visit_tie_gain: float
    give_up_rate: float
    escalate_after_days: int
    volunteer_tasks: float
    neighbour_fix: float
    volunteer_fit: float
    fix_hours: float
    worker_fit: float
    escalate_hours: float
    dispatch_hours: float
    handoff_tie_gain: float
    handoff_tie_saving: float
    delay_tie_saving: float
    accept: Acceptance
    lost_base: float
    lost_load: float
    lost_tie: float
    followup_catch: float
    followup_hours: float
    quality_noise: float
    reopen_threshold: float
    department_delay_min: int
    department_delay_max: int
    department_fit: float
    department_cost: float
    neighbour_fixes: bool
    volunteer_casework: bool
    alliance_matching: bool
    closed_case_loop: bool
    follow_up_visits: bool
    flow: FlowColumns


# ------------------------------------------------------------------------ the households


class AttitudeArrays(NamedTuple):
    """The households' attitudes and what they expect of and felt about a fix."""

    attitudes: np.ndarray  # 3 × household: identity, trust, efficacy
    expected_quality: np.ndarray  # per household
    expected_delay: np.ndarray  # per household, days
    satisfaction: np.ndarray  # per household, its last rating (smoothed; NaN before the first)
    rated: np.ndarray  # per household, it has rated a fix


class Experience(NamedTuple):
    """What households lived through today: what `Casework.work` returns for `Attitudes.feel`.

    One entry per fix attempt, then the households let down.
    """

    rows: np.ndarray  # household of each attempt
    quality: np.ndarray  # quality of the fix in [0, 1]
    delay: np.ndarray  # days since first reported (never reported: the expected delay)
    ok: np.ndarray  # the fix held
    self_reported: np.ndarray  # the household reported the need itself
    let_down: np.ndarray  # households disappointed today (one entry per let-down)


class FeelParams(NamedTuple):
    """Coefficients of the households' ratings and let-downs (parameters of the same names)."""

    satisfaction_bias: float
    satisfaction_quality: float
    satisfaction_delay: float
    expectation_drift: float
    trust_up: float
    trust_down: float
    identity_gain: float
    efficacy_gain: float
    satisfied: float  # satisfaction above which a rating counts as satisfied
    disappointment: float


class Volunteering(NamedTuple):
    """The households' volunteering and the record of who volunteered on the last days."""

    last_volunteered: np.ndarray  # per household, the last day it volunteered
    volunteer_hours: np.ndarray  # per household, hours volunteered so far
    grid: np.ndarray  # per household, its grid
    peer_weight: np.ndarray  # per household, `volunteer_peer` over its number of neighbours
    per_grid: np.ndarray  # per grid, households that volunteered on the last volunteering day
    by_day: np.ndarray  # day × household: each day's volunteers, one row per day modulo rows
    n_by_day: np.ndarray  # per row of `by_day`, how many volunteers it holds


class NeighboursHelping(NamedTuple):
    """The neighbour network and, per household, its neighbours who volunteered recently."""

    indptr: np.ndarray  # per household + 1: offsets into `indices` (CSR, unit weights)
    indices: np.ndarray  # the neighbours of each household
    helping: np.ndarray  # per household, neighbours who volunteered in the last `recent` days
    active: np.ndarray  # per household, it counts in its neighbours' `helping`


class VolunteerParams(NamedTuple):
    """Parameters of volunteering (of the same names)."""

    volunteer_d0: float
    volunteer_session_hours: float


# ------------------------------------------------------------------------ the day's end


class StockSources(NamedTuple):
    """What the day-end stocks are read from, besides the need ledger."""

    attitudes: np.ndarray  # 3 × household: identity, trust, efficacy
    satisfaction: np.ndarray  # per household
    rated: np.ndarray  # per household
    last_volunteered: np.ndarray  # per household
    window: int  # days in "volunteered recently"
    worker_tie: np.ndarray  # per household
    partner_tie: np.ndarray  # grid × partner
    same_street: np.ndarray  # grid × partner: both are on the same street
    n_same_street: int  # grid–partner pairs on the same street
