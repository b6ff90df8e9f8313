"""Where every parameter's default comes from: a published figure, the literature, or an assumption.

`PROVENANCE` has one `Source` per model parameter (a test keeps it in step with
`simulation.core.parameters.PARAMETERS`). The labels are meant to be honest:

- **public figure**: the default is set from a published number (a statistic, a deadline in
  a regulation, an estimate in a survey study); the detail names the number and its publisher.
- **literature**: the default (or its admissible range) is taken from a published model or
  study; the detail names the reference and what it says.
- **assumption**: nothing published fixes the value. This includes values the project's own
  specification suggested without a source. The detail says why the value is plausible and
  what range a sensitivity sweep should cover.

Nothing here changes a run; it is documentation kept next to the code so it cannot drift.
(The module is long because it is a table: one entry per parameter.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

#: The three kinds of source, strongest first.
KINDS: tuple[str, ...] = ("public figure", "literature", "assumption")


@dataclass(frozen=True)
class Source:
    """Where one parameter's default comes from.

    Attributes:
        kind: One of `KINDS`.
        detail: One sentence: the figure and its publisher, the reference and what it says, or
            why the assumed value is plausible and what range to sweep.
    """

    kind: str
    detail: str

    def __post_init__(self) -> None:
        """Reject an unknown kind or an empty detail at import time."""
        if self.kind not in KINDS:
            raise ValueError(f"unknown source kind {self.kind!r}; use one of {KINDS}")
        if not self.detail.strip():
            raise ValueError("a source needs a detail")


def _fig(detail: str) -> Source:
    return Source("public figure", detail)


def _lit(detail: str) -> Source:
    return Source("literature", detail)


def _ass(detail: str) -> Source:
    return Source("assumption", detail)


# Published sources cited more than once (full references in docs/model.md).
_WANG_YOU = "Wang & You (2024, Journal of Tianjin Administration Institute no. 5)"
_DEADLINES = (
    "Chinese citizen hotlines (12345) give ordinary requests 7 (working) days and complex ones "
    "up to 15, urgent ones 24 hours (city rules differ in detail)"
)
_SPEC = "the project specification's suggestion, not a published figure"

PROVENANCE: dict[str, Source] = {
    # --- mechanisms -------------------------------------------------------------------------
    "identity": _lit(
        f"{_WANG_YOU} name the identity mechanism (value recognition, belonging, cooperative "
        "order); off is the baseline street, experiments switch it on."
    ),
    "connection": _lit(
        f"{_WANG_YOU} name the connection mechanism (needs and resources mapped, a party-led "
        "alliance of many participants); off is the baseline street."
    ),
    "interaction": _lit(
        f"{_WANG_YOU} name the interaction mechanism (co-presence, long-term interaction, a "
        "closed case loop); off is the baseline street."
    ),
    # --- scale and time ---------------------------------------------------------------------
    "n_streets": _ass(
        "Run size rather than behaviour: X Street is one street, 10 streets is the district "
        "preset for scale tests, and per-household results should not depend on it."
    ),
    "grids_per_street": _ass(
        f"Twelve grids (~3,600 households) is {_SPEC}; that is smaller than most urban street "
        "offices, so sweep 6-24 grids to see effects of sharing partners across more grids."
    ),
    "households_per_grid": _fig(
        "Urban grids are drawn at about 200-500 households (grid-management reports quoted in "
        "the specification; one published community plan gives 160-255 per grid leader), and "
        "300 is mid-range."
    ),
    "workers_per_grid": _ass(
        "One full-time worker per grid is the specification's default; Zhejiang's ~330,000 grid "
        "staff on ~61,000 grids (2020 press figures) is ~5 per grid but counts part-timers, so "
        "sweep 1-3 full-time equivalents."
    ),
    "burn_in_days": _ass(
        "Run control: 90 days lets queues and attitudes settle, but ties decay with a half-life "
        "of ~140 days, so check a 180-365 day burn-in before trusting tie-driven effects."
    ),
    "scored_days": _ass(
        "Run control: two years span ~50 meeting cycles and ~2.6 rated experiences per "
        "household; sweep 365 days for regime maps up to 1,095+ for slow trust effects."
    ),
    # --- needs ------------------------------------------------------------------------------
    "need_rate": _fig(
        "Zhejiang reported ~140 items per grid per year (~0.4 a day, 2022 provincial figures "
        "quoted in the specification) and the specification allows 0.4-2 a day; 1.5 needs per "
        "household per year gave ~1.4 cases entering per grid per day in model v1, inside the "
        "band but ~3x Zhejiang, so sweep 0.5-3."
    ),
    "share_partner_needs": _ass(
        f"The 60/30/10 simple/partner/department split is {_SPEC}; no published case mix by "
        "resolver was found, so sweep 0.15-0.5."
    ),
    "share_department_needs": _ass(f"The 10% department-only share is {_SPEC}; sweep 0.05-0.25."),
    "severity_growth": _ass(
        "An unreported need worsens by 0.1 on the 0-1 severity scale in ten days, slow next to "
        "a reporting delay of days; no data, sweep 0-0.03."
    ),
    "abandon_rate": _ass(
        "A hidden need is lived with or fixed privately after ~50 days on average (1/0.02); no "
        "data, sweep 0.005-0.05."
    ),
    "give_up_rate": _ass(
        "A household waiting past its expectation gives up after ~50 more days on average; no "
        "data on abandoned requests was found, sweep 0.005-0.1."
    ),
    "shock_start": _ass(
        "Scenario control: 0 means no shock; the shock experiment places one after burn-in."
    ),
    "shock_days": _ass(
        "The specification's 14-day shock stands for a flood, an epidemic wave or a campaign; "
        "sweep 7-30 days."
    ),
    "shock_multiplier": _ass(
        "Arrivals x3 is the specification's shock; Beijing 12345's volume rose 55% over the "
        "whole of 2020 (annual report, Jan 2021), so short spikes are plausible, sweep x2-x5."
    ),
    # --- residents --------------------------------------------------------------------------
    "identity_baseline": _ass(
        "Identity is a latent 0-1 score with no measured scale; 0.3 says most households start "
        "with weak attachment to the grid, sweep 0.1-0.5."
    ),
    "trust_baseline": _ass(
        "Neutral trust on a 0-1 scale; surveys find Chinese citizens trust local government "
        "less than the centre (Li 2016, The China Quarterly) but give no mapping to this "
        "scale, so sweep 0.3-0.7."
    ),
    "efficacy_baseline": _ass(
        "Self-efficacy is a latent 0-1 score; 0.4 says households doubt a report will be acted "
        "on, sweep 0.2-0.6."
    ),
    "share_elderly": _ass(
        "18.7% of China's people were 60 or older in the 2020 census (NBS) and households "
        "average 2.62 people, so a quarter of households with an elderly member is plausible "
        "but not derived; sweep 0.15-0.4."
    ),
    "share_party_members": _ass(
        "Party members are ~7% of the population (99.2 million at end-2023, CPC Organization "
        "Department); a household share would be higher, so 0.08 is low-side, sweep 0.05-0.2."
    ),
    "neighbour_ties": _ass(
        "Six neighbours a household talks to is an assumption (a ring lattice needs an even "
        "degree); sweep 4-12."
    ),
    "rewire_probability": _lit(
        "Watts & Strogatz (1998, Nature 393:440-442) show that rewiring 1-10% of lattice ties "
        "keeps clustering high while path lengths become short (a small world); 0.1 is at the "
        "top of that range, sweep 0.01-0.2."
    ),
    # --- reporting --------------------------------------------------------------------------
    "report_a0": _fig(
        "Fitted on model v2 so that patrol discoveries are ~12% of the cases entering the "
        "system at the defaults (12.3% measured), the share of cases found and solved on the "
        "spot by patrol in Dongcheng, Beijing, 2022 (district government report, as quoted in "
        "the specification); model v1's -3.2 gave 0.9%; sweep -7 to -5."
    ),
    "report_identity": _ass(
        "Full identity multiplies the daily odds of reporting by e^1.5 = 4.5; no estimate "
        "exists, sweep 0.75-2.25."
    ),
    "report_trust": _ass(
        "Full trust multiplies the daily odds of reporting by e^1.5 = 4.5; studies link "
        "perceived responsiveness to trust and institutional participation (Huang et al. 2020, "
        "Public Relations Review) but give no size for reporting, sweep 0.75-2.25."
    ),
    "report_efficacy": _ass(
        "Full self-efficacy multiplies the daily odds of reporting by e^1 = 2.7; no estimate "
        "exists, sweep 0.5-1.5."
    ),
    "report_severity": _ass(
        "A severe need is e^2 = 7.4 times as likely to be reported per day as a trivial one; "
        "no estimate exists, sweep 1-3."
    ),
    # --- grid worker ------------------------------------------------------------------------
    "worker_hours": _fig(
        "The 8-hour standard working day of China's Labour Law (art. 36); community workers "
        "often work longer (22 of 45 Ningbo community workers surveyed in 2010 worked exactly 8 "
        "hours, 20 more than 8), so sweep 6-10."
    ),
    "admin_hours": _ass(
        "No verifiable published share of a grid worker's day spent on tasks from above was "
        "found (surveys report overload, e.g. 82.7% of 162 Changzhou community workers called "
        "their workload heavy, NBS Changzhou survey team 2023, but give no hours), so the "
        "value is set so the baseline worker's utilisation lands in the 0.75-0.95 band "
        "(docs/model.md 3.5): 3.5 of 8 hours gives 0.82 at the defaults; sweep 0-5."
    ),
    "escalate_after_days": _fig(
        f"{_DEADLINES}; the street's time-limit supervision escalates what is still queued at "
        "the 15-day complex-case deadline."
    ),
    "visits_per_day": _ass(
        f"Three visits a day is the middle of {_SPEC} of 1-5; with 300 households each is "
        "visited about every 100 days, sweep 1-5."
    ),
    "visit_hours": _ass(
        "Half an hour per household visit including walking between doors; sweep 0.25-1."
    ),
    "discover_base": _ass(
        "A stranger's visit finds an existing hidden need three times in ten (households "
        "hold back from someone they do not know); sweep 0.1-0.5."
    ),
    "discover_tie": _ass(
        "A well-known worker finds a hidden need up to 0.5 more often than a stranger; no "
        "estimate exists, sweep 0.25-0.75."
    ),
    "fix_hours": _ass(
        "A simple fix (arranging a small repair, talking a dispute through, filling a form) "
        "takes 1.5 worker hours at full competence; sweep 0.75-3."
    ),
    "dispatch_hours": _ass(
        "Finding, phoning and briefing an unfamiliar partner takes 1.5 hours; sweep 0.5-3."
    ),
    "escalate_hours": _ass(
        "Writing a case up for the line department on the grid platform takes an hour; sweep 0.5-2."
    ),
    "handoff_tie_saving": _ass(
        "A partner who knows the worker needs 60% less briefing and chasing; sweep 0.3-0.8."
    ),
    "competence_min": _ass(
        "A generalist is assumed to do at worst 60% as well as a specialist in a category; "
        "sweep 0.4-0.8 with competence_max."
    ),
    "competence_max": _ass(
        "A generalist is assumed to do at best 90% as well as a specialist; sweep 0.8-1."
    ),
    "hour_cost": _ass(
        "The employer's full cost of a grid worker hour; a field report puts Wuhan grid "
        "workers' pay at ~4,000 yuan a month in 2023 (~25 yuan an hour before social "
        "insurance and overhead), so sweep 30-80."
    ),
    # --- partners and alliance --------------------------------------------------------------
    "partners_per_type": _ass(
        "One partner of each of five kinds per street is a sparse alliance; sweep 1-3."
    ),
    "partner_capacity": _ass(
        "Three needs a day per partner keeps partners a real constraint at the default demand; "
        "sweep 1-10."
    ),
    "partner_fit": _ass(
        "A specialist partner solves needs in its own categories well (0.85 on a 0-1 fit "
        "scale), better than the worker (0.8 x competence); sweep 0.7-0.95."
    ),
    "partner_delay": _ass(
        "Four days at zero tie, below the 7-day general deadline because a partner that "
        "accepts acts directly; sweep 2-7."
    ),
    "delay_tie_saving": _ass(
        "A partner who knows the worker acts up to 60% sooner; sweep 0.3-0.8."
    ),
    "accept_b0": _ass(
        "An unknown, uncoordinated non-member partner accepts 38% of requests "
        "(logistic(-0.5)); sweep -1.5 to 0.5."
    ),
    "accept_tie": _ass(
        "A full tie multiplies a partner's odds of accepting by e^2.5 = 12; no estimate exists, "
        "sweep 1-4."
    ),
    "accept_coordination": _ass(
        "Full coordination by the party branch multiplies acceptance odds by e = 2.7; sweep 0.5-2."
    ),
    "accept_alliance": _ass(
        "Alliance membership multiplies acceptance odds by e = 2.7; sweep 0.5-2."
    ),
    "alliance_share": _ass(
        "Four partners in five join when the needs and resources are mapped; sweep 0.5-1."
    ),
    "coordination": _ass(
        "The branch's pull over members on a 0-1 scale; no measure exists, sweep 0.3-0.9."
    ),
    "partner_fit_spread": _ass("Partners of one kind differ in fit by about +-0.1; sweep 0-0.2."),
    "handoff_tie_gain": _ass(
        "Each completed hand-off closes 5% of the gap to a full tie, so ~14 joint cases take a "
        "tie halfway; sweep 0.02-0.15."
    ),
    "partner_cost": _ass(
        "A partner's fee of 150 yuan per need (a small repair or a few hours of a social "
        "worker) is assumed; sweep 50-400."
    ),
    "alliance_cost": _ass(
        "150 yuan a street a day for ledgers and coordination (a part-time coordinator) is "
        "assumed; sweep 0-500."
    ),
    # --- line department --------------------------------------------------------------------
    "department_delay_min": _fig(
        f"{_DEADLINES}; a department takes between the 7-day and the 15-day deadline."
    ),
    "department_delay_max": _fig(
        f"{_DEADLINES}; the 15-day complex-case deadline caps a department's delay."
    ),
    "department_fit": _ass(
        "A distant department's standard answer fits a household's need less well (0.6) than "
        "a partner's; sweep 0.4-0.8."
    ),
    "department_cost": _ass(
        "An escalation costs 500 yuan of department time and travel; sweep 200-1,500."
    ),
    # --- resolution and feedback ------------------------------------------------------------
    "worker_fit": _ass("A competent generalist's own fix fits at 0.8; sweep 0.6-0.9."),
    "volunteer_fit": _ass(
        "A volunteer's or neighbour's fix fits at 0.7, below the worker's; sweep 0.5-0.85."
    ),
    "quality_noise": _ass(
        "Quality scatters around fit with sd 0.15, so a few fixes fall below the reopen "
        "threshold; sweep 0.05-0.25."
    ),
    "reopen_threshold": _ass(
        "A fix of quality below 0.4 fails and the need reopens; sweep 0.3-0.5."
    ),
    "expected_quality": _ass(
        "Households start expecting a fix of 0.7 quality, about what the worker delivers; "
        "sweep 0.5-0.85."
    ),
    "expected_delay": _fig(
        f"{_DEADLINES}; households start out expecting the 7-day general deadline."
    ),
    "satisfaction_quality": _ass(
        "Expectation disconfirmation (Oliver 1980; Van Ryzin 2004, J. Policy Analysis and "
        "Management) gives the form but no weight for this scale; 4 logit units per unit of "
        "quality gap is assumed, sweep 2-6."
    ),
    "satisfaction_delay": _ass(
        "A wait twice the expected delay lowers satisfaction by one logit unit; Chen et al. "
        "(2023, Government Information Quarterly) found usefulness mattered more than "
        "timeliness, consistent with a smaller weight than quality, sweep 0.5-2."
    ),
    "satisfaction_bias": _ass(
        "Logit of satisfaction when expectations are exactly met; model v1 set it so the "
        "baseline's satisfaction rate came out ~66% against 64.6% for Beijing 12345 in 2019 "
        "(96.9% by Sep 2024, Beijing Business Today, Oct 2024), but that is a target the whole "
        "model meets, not a figure for this coefficient, and model v2 was not re-fitted; sweep "
        "-0.2-1.8."
    ),
    "expectation_drift": _ass(
        "Expectations move a fifth of the way toward each experience (adaptive expectations); "
        "sweep 0.1-0.4."
    ),
    "trust_up": _ass(
        "Trust moves a tenth of the way up toward a better experience; the asymmetry with "
        "trust_down follows Slovic (1993, Risk Analysis), the size is assumed, sweep 0.05-0.2."
    ),
    "trust_down": _ass(
        "Trust moves a quarter of the way down toward a worse experience, 2.5 times faster "
        "than up (trust is easier to destroy than to build, Slovic 1993); sweep 0.15-0.4."
    ),
    "identity_gain": _ass(
        "A satisfying experience closes 5% of the gap to full identity; sweep 0.02-0.1."
    ),
    "efficacy_gain": _ass(
        "A resolved own report closes 5% of the gap to full self-efficacy; sweep 0.02-0.1."
    ),
    "attitude_decay": _ass(
        "A half-life of ln 2 / 0.0025 = 277 days matches the ~280 days between a household's "
        "rated experiences (~1.3 a year), so attitudes are kept up by experience rather than "
        "set by the last one; sweep 0.001-0.005."
    ),
    "lost_base": _ass(
        "No published share of cases dropped in transfer was found (Shanghai 12345 closed "
        "96.3% of items in 2013, and the national 12328 hotline closed 86.8% on time in Feb "
        "2020, but neither counts losses); 4% at an idle worker is assumed, sweep 0-0.15."
    ),
    "lost_load": _ass(
        "Overloaded workers ration attention (Lipsky 1980, Street-Level Bureaucracy), so drops "
        "grow with the queue per casework hour; no estimate exists, sweep 0-1.5."
    ),
    "lost_tie": _ass(
        "A partner who knows the worker calls back about a stalled case, removing 60% of the "
        "drop chance at full tie; sweep 0.3-0.9."
    ),
    "followup_catch": _ass(
        "The closed loop's follow-up visit finds four in five dropped cases; sweep 0.5-1."
    ),
    "disappointment": _ass(
        "An overdue wait or a lost case is felt as satisfaction 0.2; Chen et al. (2023, "
        "Government Information Quarterly) found even a late, unhelpful reply raised "
        "satisfaction, so waiting alone may hurt less, sweep 0-0.4."
    ),
    "followup_hours": _ass(
        "A follow-up call or short visit takes a quarter of an hour; sweep 0.1-0.5."
    ),
    # --- participation ----------------------------------------------------------------------
    "volunteer_d0": _ass(
        "Set in model v1 so ~21% of households volunteer at least once in 30 days; no "
        "comparable published rate for urban grids was found, sweep -7 to -5."
    ),
    "volunteer_identity": _ass(
        "Full identity multiplies the daily odds of volunteering by e^2 = 7.4; no estimate "
        "exists, sweep 1-3."
    ),
    "volunteer_trust": _ass(
        "Full trust multiplies the daily odds of volunteering by e = 2.7; sweep 0.5-2."
    ),
    "volunteer_peer": _fig(
        "Ma, Li & Shen (2024, Lanzhou Xuekan no. 1, CSS 2021 data) estimate that a one-unit "
        "rise in fellow villagers' volunteering raises the probability of volunteering by "
        "15.7-26.7%; e^0.19 = 1.21 lies in that band (a rural estimate applied to urban "
        "neighbours)."
    ),
    "volunteer_session_hours": _ass(
        "A volunteering day is two hours (a patrol shift, a clean-up); sweep 1-4."
    ),
    "volunteer_tasks": _ass(
        "A volunteer takes on average 0.3 simple cases per volunteering day; sweep 0.1-1."
    ),
    "neighbour_fix": _ass(
        "Each volunteering neighbour fixes a hidden simple need with a 2% chance a day; sweep "
        "0.005-0.05."
    ),
    # --- identity events and meetings -------------------------------------------------------
    "identity_event_interval": _ass(
        "A monthly value-building event (a party-day or neighbourhood festival) is assumed; "
        "sweep 14-90 days."
    ),
    "event_attendance": _ass("15% of households attend an event; sweep 0.05-0.3."),
    "event_gain": _ass("Attending closes 10% of the gap to full identity; sweep 0.05-0.2."),
    "event_cost": _ass(
        "1,500 yuan per street event (venue, materials, snacks) is assumed; sweep 500-5,000."
    ),
    "meeting_interval": _ass("Joint meetings every two weeks are assumed; sweep 7-60 days."),
    "meeting_tie_gain": _ass("A meeting closes 15% of the gap to a full tie; sweep 0.05-0.3."),
    "meeting_hours": _ass("A joint meeting takes two worker hours; sweep 1-4."),
    "resident_reps": _ass(
        "Ten resident representatives per grid (building heads, party members) attend; sweep 0-30."
    ),
    "tie_decay": _ass("Ties left alone halve in ln 2 / 0.005 = 139 days; sweep 0.002-0.01."),
    "visit_tie_gain": _ass(
        "A visit closes 20% of the gap to a full worker-household tie; sweep 0.1-0.4."
    ),
    "tie_initial": _ass(
        "Everyone starts as near-strangers (0.2 on a 0-1 tie scale); sweep 0.1-0.4."
    ),
}


def names_of(kind: str) -> list[str]:
    """The parameters whose default comes from `kind` of source, in table order.

    Raises:
        ValueError: `kind` is not one of `KINDS`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown source kind {kind!r}; use one of {KINDS}")
    return [name for name, source in PROVENANCE.items() if source.kind == kind]


def counts() -> dict[str, int]:
    """How many parameters each kind of source sets, for every kind (zeros included)."""
    tally = Counter(source.kind for source in PROVENANCE.values())
    return {kind: tally[kind] for kind in KINDS}
