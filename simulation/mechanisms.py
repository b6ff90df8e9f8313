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
    """

    name: str
    mechanism: str
    description: str
    description_zh: str
    without: str
    without_zh: str


_RULE_LIST = (
    Rule(
        "identity_events",
        "identity",
        "Value-building events every identity_event_interval days raise the identity of "
        "attending households (party-member households attend more often); they cost money.",
        "每隔一段时间举办价值引领活动，参加活动的居民（党员户更常参加）认同感上升；活动有费用。",
        "No events; identity stays at its baseline.",
        "不举办活动，认同感保持在初始水平。",
    ),
    Rule(
        "identity_from_experience",
        "identity",
        "A satisfying experience (S > 0.6) raises the household's identity with the grid.",
        "居民的诉求得到满意解决（满意度 > 0.6）后，对网格的认同感上升。",
        "Experiences move trust and expectations only.",
        "办理经历只影响信任和预期，不影响认同。",
    ),
    Rule(
        "volunteer_casework",
        "identity",
        "Residents who volunteered yesterday take simple queued cases before the worker.",
        "前一天参加志愿服务的居民，先于网格员承接简单事项。",
        "The grid worker handles every simple case.",
        "所有简单事项都由网格员处理。",
    ),
    Rule(
        "neighbour_fixes",
        "identity",
        "Volunteering neighbours fix a household's hidden simple needs before anyone reports them.",
        "热心邻里在事项上报之前，帮邻居解决尚未上报的简单问题。",
        "A hidden need waits to be reported, discovered or given up.",
        "未上报的问题只能等待上报、巡查发现或被放弃。",
    ),
    Rule(
        "party_led_alliance",
        "connection",
        "Partners join the party branch's alliance (each with probability alliance_share); the "
        "alliance has a daily running cost.",
        "驻区单位以一定概率加入党组织牵头的共建联盟；联盟有日常运行费用。",
        "No partner is an alliance member; no alliance cost.",
        "驻区单位不加入联盟，也没有联盟运行费用。",
    ),
    Rule(
        "alliance_matching",
        "connection",
        "Partner-level needs are matched to the alliance partner with the best fit × "
        "willingness; refused cases retry and are escalated after three refusals.",
        "需要驻区单位资源的事项，按“匹配度 × 意愿”派给联盟成员；被拒三次后上报职能部门。",
        "Partner-level needs are escalated to the line department.",
        "需要驻区单位资源的事项上报职能部门办理。",
    ),
    Rule(
        "joint_meetings",
        "interaction",
        "Every meeting_interval days the branch, workers, partners and resident representatives "
        "meet: the meeting costs worker hours and strengthens the ties of those present.",
        "每隔一段时间召开联席会议：占用网格员工时，增强与会各方之间的联系。",
        "No meetings; grid–partner ties only decay.",
        "不开联席会议，网格与驻区单位的联系只会减弱。",
    ),
    Rule(
        "follow_up_visits",
        "interaction",
        "After every finished case the worker pays a follow-up visit the next day, costing "
        "hours and strengthening the worker-household tie.",
        "每件事项办结后，网格员次日回访，占用工时并增进与居民的联系。",
        "No follow-up visits.",
        "办结后不回访。",
    ),
    Rule(
        "closed_case_loop",
        "interaction",
        "No handed-off case is lost, and a failed fix goes straight back into the queue.",
        "闭环管理：转办事项不会丢失，处理不到位的事项直接重新进入办理队列。",
        "A share of handed-off cases is lost, and a failed fix must be reported again.",
        "部分转办事项会丢失，处理不到位的事项需要居民重新上报。",
    ),
)

#: Every rule, by name, in the order of the mechanisms.
RULES: dict[str, Rule] = {r.name: r for r in _RULE_LIST}


@dataclass(frozen=True)
class Rules:
    """Which rules are on in a run: one boolean attribute per rule (read in the hot path)."""

    identity_events: bool = False
    identity_from_experience: bool = False
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
