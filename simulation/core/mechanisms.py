"""What each of the three mechanisms switches on: the one place that says so.

The model's phases never read the `identity`, `connection` or `interaction` switches; they read
the named rules below. A rule either adds behaviour that has no counterpart without the switch
(an event, a meeting) or replaces a weaker default (a need escalated instead of matched). The
dashboard's "why" panel and the mechanism table of `docs/model.md` are generated from `RULES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

MECHANISMS: tuple[str, ...] = ("identity", "connection", "interaction")


@dataclass(frozen=True)
class Rule:
    """One behavioural rule a mechanism switches on.

    Attributes:
        name: Identifier the model reads (an attribute of `Rules`).
        mechanism: The switch that enables it.
        description: What changes in the street, in English.
        description_zh: The same in Chinese.
        without: What happens instead when the rule is off, in English.
        without_zh: The same in Chinese.
        runs: The function that runs the rule (module path and name); its docstring states
            the rule in full and names it.
    """

    name: str
    mechanism: str
    description: str
    description_zh: str
    without: str
    without_zh: str
    runs: str


_RULE_LIST = (
    Rule(
        "identity_events",
        "identity",
        "Value-building events every identity_event_interval days raise the identity of "
        "attending households (party-member households attend more often); they cost money.",
        "每隔一段时间举办价值引领活动，参加活动的居民（党员户更常参加）认同感上升；活动有费用。",
        "No events; identity stays at its baseline.",
        "不举办活动，认同感保持在初始水平。",
        runs="simulation.kernels.households.identity_event",
    ),
    Rule(
        "volunteer_casework",
        "identity",
        "Residents who volunteered yesterday take simple queued cases before the worker.",
        "前一天参加志愿服务的居民，先于网格员承接简单事项。",
        "The grid worker handles every simple case.",
        "所有简单事项都由网格员处理。",
        runs="simulation.kernels.casework._triage",
    ),
    Rule(
        "neighbour_fixes",
        "identity",
        "Volunteering neighbours fix a household's hidden simple needs before anyone reports them.",
        "热心邻里在事项上报之前，帮邻居解决尚未上报的简单问题。",
        "A hidden need waits to be reported, discovered or given up.",
        "未上报的问题只能等待上报、巡查发现或被放弃。",
        runs="simulation.kernels.casework._neighbours_fix",
    ),
    Rule(
        "party_led_alliance",
        "connection",
        "The branch maps the street's needs against partners' resources and brings the "
        "alliance_share of partners that cover most needs into its alliance: members accept "
        "hand-offs more readily (membership and the branch's coordination); the alliance has a "
        "daily running cost.",
        "党组织梳理需求清单和资源清单，把资源覆盖面最广的驻区单位吸纳进共建联盟：成员单位在"
        "党组织统筹下更愿意承接转办事项；联盟有日常运行费用。",
        "No partner is an alliance member: each hand-off is an ad hoc request a partner may "
        "decline; no alliance cost.",
        "驻区单位不是联盟成员，每次转办都是临时请求，对方可能拒绝；没有联盟运行费用。",
        runs="simulation.core.alliance.Alliance._map_needs_to_resources",
    ),
    Rule(
        "alliance_matching",
        "connection",
        "With the resource list the worker ranks the partners that serve a need by fit × "
        "willingness and asks them in turn the same day (alliance members, being more willing, "
        "usually first).",
        "网格员根据资源清单，按“匹配度 × 意愿”对能承接的单位排序，当天依次联系"
        "（联盟成员意愿更高，通常排在前面）。",
        "The worker asks one partner known to do this kind of work, picked without a list "
        "(worse fit on average), once a day; after three refusals the need is escalated.",
        "网格员凭经验每天联系一家做这类事的单位（平均匹配度较低）；被拒三次后上报职能部门。",
        runs="simulation.kernels.casework._hand_off",
    ),
    Rule(
        "joint_meetings",
        "interaction",
        "Every meeting_interval days the branch, workers, partners and resident representatives "
        "meet: the meeting costs worker hours and strengthens the ties of those present.",
        "每隔一段时间召开联席会议：占用网格员工时，增强与会各方之间的联系。",
        "No meetings; ties grow only through completed hand-offs and patrol visits.",
        "不开联席会议，联系只靠办结的转办事项和日常走访积累。",
        runs="simulation.core.alliance.Alliance.meet",
    ),
    Rule(
        "follow_up_visits",
        "interaction",
        "After every finished case the worker pays a follow-up visit the next day, costing "
        "hours and strengthening the worker-household tie.",
        "每件事项办结后，网格员次日回访，占用工时并增进与居民的联系。",
        "No follow-up visits.",
        "办结后不回访。",
        runs="simulation.kernels.casework._close",
    ),
    Rule(
        "closed_case_loop",
        "interaction",
        "The worker tracks every handed-off case: a dropped case is caught (followup_catch) and "
        "re-queued at once, and a failed fix goes straight back into the queue.",
        "闭环管理：网格员跟踪每件转办事项，被搁置的事项大多能及时发现并重新办理；处理不到位的事项直接重新进入办理队列。",
        "Dropped hand-offs (as likely as with the loop) and failed fixes wait until the "
        "household notices and reports them again.",
        "被搁置的转办事项（发生概率相同）和处理不到位的事项，要等居民发现后重新上报。",
        runs="simulation.kernels.casework._resolve_due",
    ),
)

#: Every rule, by name, in the order of the mechanisms.
RULES: dict[str, Rule] = {r.name: r for r in _RULE_LIST}


@dataclass(frozen=True)
class Rules:
    """Which rules are on in a run: one boolean attribute per rule (read in the hot path)."""

    identity_events: bool = False
    volunteer_casework: bool = False
    neighbour_fixes: bool = False
    party_led_alliance: bool = False
    alliance_matching: bool = False
    joint_meetings: bool = False
    follow_up_visits: bool = False
    closed_case_loop: bool = False

    @classmethod
    def from_switches(cls, params: Mapping[str, Any]) -> Rules:
        """The rules enabled by the `identity`, `connection` and `interaction` switches."""
        on = enabled_rules(params["identity"], params["connection"], params["interaction"])
        return cls(**{name: name in on for name in RULES})


def enabled_rules(identity: bool, connection: bool, interaction: bool) -> frozenset[str]:
    """Names of the rules the three switches turn on."""
    switches = {"identity": identity, "connection": connection, "interaction": interaction}
    return frozenset(r.name for r in RULES.values() if switches[r.mechanism])


def rules_of(mechanism: str) -> list[Rule]:
    """The rules one mechanism switches on."""
    return [r for r in RULES.values() if r.mechanism == mechanism]


def markdown_table() -> str:
    """The mechanism table of docs/model.md (a test keeps the two in step)."""
    # English only: docs/model.md is the English reference (the Chinese texts serve the page).
    lines = ["| mechanism | rule | with the switch | without it |", "|---|---|---|---|"]
    for r in RULES.values():
        lines.append(f"| {r.mechanism} | `{r.name}` | {r.description} | {r.without} |")
    return "\n".join(lines)


assert {f.name for f in fields(Rules)} == set(RULES), "Rules and RULES must name the same rules"
