"""The metric registry: every outcome's name, labels, unit, direction and definition.

One entry per outcome, read by everything that names, plots, tests or documents one: the
model's recorder (which columns exist), `gridgov run`, the experiment pipeline (per-run
columns, hypothesis checks, reports), the dashboard and `docs/outputs.md`.

- `DAILY`: the columns of a run's daily series (besides `day` and `scored`).
- `SUMMARY`: one value per run over the scored period; `computed_by` says whether the model's
  `summary()` or the experiment pipeline (shock recovery, from the daily series) computes it.

`kind` tells the analysis which test suits the metric across runs: "level" (roughly normal),
"share" (a proportion), "skewed" (durations, costs, counts: rank-based), "censored" (a duration
that may not have ended by the end of the run).

(The module is long because it is a table: one entry of eleven fields per outcome.)
"""

from __future__ import annotations

from dataclasses import dataclass

HIGHER, LOWER, NEUTRAL = 1, -1, 0
KINDS = ("level", "share", "skewed", "censored")


@dataclass(frozen=True)
class Outcome:
    """One outcome metric.

    Attributes:
        name: Column name in every output.
        label: Short English label (plots, tables).
        label_zh: Short Chinese label.
        unit: Unit in English ("share" for proportions in [0, 1]).
        unit_zh: Unit in Chinese.
        direction: +1 higher is better, -1 lower is better, 0 neutral.
        definition: Exact definition, in English.
        definition_zh: The definition in Chinese.
        frequency: "daily" (a time-series column) or "summary" (one value per run).
        group: efficiency, quality, community, calibration, flow or shock.
        kind: level, share, skewed or censored (see the module docstring).
        fmt: Display format for one value (a `str.format` pattern).
        computed_by: "model" or "experiment" (summary outcomes derived by the pipeline).
    """

    name: str
    label: str
    label_zh: str
    unit: str
    unit_zh: str
    direction: int
    definition: str
    definition_zh: str
    frequency: str
    group: str
    kind: str
    fmt: str = "{:.2f}"
    computed_by: str = "model"

    @property
    def better(self) -> str:
        """Which way is better, in words ("" for a neutral outcome)."""
        return {HIGHER: "higher is better", LOWER: "lower is better"}.get(self.direction, "")

    def format(self, value: float) -> str:
        """`value` in this outcome's display format ("–" for NaN)."""
        return "–" if value != value else self.fmt.format(value)


def _daily(name, label, label_zh, unit, unit_zh, direction, definition, definition_zh, group,
           kind, fmt) -> Outcome:  # fmt: skip
    return Outcome(name, label, label_zh, unit, unit_zh, direction, definition, definition_zh,
                   "daily", group, kind, fmt)  # fmt: skip


def _summary(name, label, label_zh, unit, unit_zh, direction, definition, definition_zh, group,
             kind, fmt, computed_by="model") -> Outcome:  # fmt: skip
    return Outcome(name, label, label_zh, unit, unit_zh, direction, definition, definition_zh,
                   "summary", group, kind, fmt, computed_by)  # fmt: skip


_N, _C, _D, _S, _Y = "needs/day", "cases", "days", "share", "yuan"
_DAILY = (
    _daily(
        "arrivals",
        "Needs arising",
        "新增诉求",
        _N,
        "件/日",
        NEUTRAL,
        "needs that arose today",
        "当日新产生的居民诉求数",
        "flow",
        "skewed",
        "{:.0f}",
    ),
    _daily(
        "reported",
        "Reported",
        "居民上报",
        _N,
        "件/日",
        NEUTRAL,
        "needs reported by households today for the first time (re-reports not counted)",
        "当日居民首次主动上报的诉求数（重复上报不计）",
        "flow",
        "skewed",
        "{:.0f}",
    ),
    _daily(
        "discovered",
        "Found on patrol",
        "巡查发现",
        _N,
        "件/日",
        NEUTRAL,
        "hidden needs discovered by patrol today, first entries only",
        "当日网格员巡查首次发现的诉求数",
        "flow",
        "skewed",
        "{:.0f}",
    ),
    _daily(
        "entered",
        "Entered",
        "进入办理",
        _N,
        "件/日",
        NEUTRAL,
        "needs that entered the case system today for the first time (reported + discovered)",
        "当日首次进入办理流程的诉求数（上报 + 发现）",
        "flow",
        "skewed",
        "{:.0f}",
    ),
    _daily(
        "resolved",
        "Resolved",
        "办结",
        _N,
        "件/日",
        HIGHER,
        "needs resolved today",
        "当日办结的诉求数",
        "flow",
        "skewed",
        "{:.0f}",
    ),
    _daily(
        "escalated",
        "Escalated",
        "上报职能部门",
        _N,
        "件/日",
        LOWER,
        "needs escalated to the line department today",
        "当日上报职能部门的事项数",
        "flow",
        "skewed",
        "{:.0f}",
    ),
    _daily(
        "backlog",
        "Backlog",
        "积压",
        _C,
        "件",
        LOWER,
        "open needs in the case system (queued or in hand) at day end",
        "日末在办（排队或已转办）的事项数",
        "efficiency",
        "skewed",
        "{:.0f}",
    ),
    _daily(
        "hidden",
        "Hidden needs",
        "未上报诉求",
        _C,
        "件",
        LOWER,
        "open needs nobody has reported yet at day end",
        "日末尚无人上报的未解决诉求数",
        "quality",
        "skewed",
        "{:.0f}",
    ),
    _daily(
        "resolution_days_30d",
        "Resolution time (30 d)",
        "办结时长（近30天）",
        _D,
        "天",
        LOWER,
        "mean days from arising to resolution of the needs resolved in the last 30 days "
        "(resolved needs only: needs still waiting do not count, so it reads low under overload)",
        "近30天办结的诉求从产生到办结的平均天数（仅计已办结者，未办结的等待不计入，超负荷时偏低）",
        "efficiency",
        "skewed",
        "{:.1f}",
    ),
    _daily(
        "satisfaction_rate_30d",
        "Satisfaction rate (30 d)",
        "满意率（近30天）",
        _S,
        "比例",
        HIGHER,
        "share of the last 30 days' ratings with satisfaction S > 0.6",
        "近30天评价中满意度 S > 0.6 的比例",
        "quality",
        "share",
        "{:.0%}",
    ),
    _daily(
        "escalated_per_handled_30d",
        "Escalations per case (30 d)",
        "上报率（近30天）",
        _S,
        "比例",
        LOWER,
        "escalations per case handled by the worker team, last 30 days",
        "近30天网格员处理的事项中上报职能部门的比例",
        "efficiency",
        "share",
        "{:.0%}",
    ),
    _daily(
        "worker_utilisation",
        "Worker utilisation",
        "网格员工时利用率",
        _S,
        "比例",
        NEUTRAL,
        "worker hours used / hours paid, today",
        "当日网格员已用工时 / 应付工时",
        "efficiency",
        "share",
        "{:.0%}",
    ),
    _daily(
        "cost",
        "Cost",
        "成本",
        "yuan/day",
        "元/日",
        LOWER,
        "money spent today (worker hours paid, partner fees, escalations, mechanism costs)",
        "当日总支出（网格员工资、驻区单位费用、上报费用、机制运行费用）",
        "efficiency",
        "skewed",
        "{:,.0f}",
    ),
    _daily(
        "mean_trust",
        "Trust",
        "平均信任度",
        "0-1",
        "0-1",
        HIGHER,
        "mean trust T of all households in the grid",
        "全体居民对网格的平均信任度 T",
        "community",
        "level",
        "{:.2f}",
    ),
    _daily(
        "mean_identity",
        "Identity",
        "平均认同度",
        "0-1",
        "0-1",
        HIGHER,
        "mean identity I of all households",
        "全体居民的平均认同度 I",
        "community",
        "level",
        "{:.2f}",
    ),
    _daily(
        "mean_efficacy",
        "Self-efficacy",
        "平均效能感",
        "0-1",
        "0-1",
        HIGHER,
        "mean self-efficacy E of all households",
        "全体居民的平均自我效能感 E",
        "community",
        "level",
        "{:.2f}",
    ),
    _daily(
        "mean_satisfaction",
        "Satisfaction",
        "平均满意度",
        "0-1",
        "0-1",
        HIGHER,
        "mean satisfaction S of households with any experience",
        "有过办理经历的居民的平均满意度 S",
        "quality",
        "level",
        "{:.2f}",
    ),
    _daily(
        "volunteers_30d",
        "Volunteers (30 d)",
        "志愿者（近30天）",
        "households",
        "户",
        HIGHER,
        "households that volunteered in the last 30 days",
        "近30天参加过志愿服务的户数",
        "community",
        "level",
        "{:.0f}",
    ),
    _daily(
        "volunteer_hours_30d",
        "Volunteer hours (30 d)",
        "志愿时长（近30天）",
        "hours",
        "小时",
        HIGHER,
        "volunteering hours in the last 30 days",
        "近30天志愿服务总时长",
        "community",
        "level",
        "{:.0f}",
    ),
    _daily(
        "mean_worker_tie",
        "Worker–resident tie",
        "网格员—居民联系",
        "0-1",
        "0-1",
        HIGHER,
        "mean tie strength of the grid worker to its households",
        "网格员与居民联系强度的平均值",
        "community",
        "level",
        "{:.2f}",
    ),
    _daily(
        "mean_partner_tie",
        "Worker–partner tie",
        "网格员—驻区单位联系",
        "0-1",
        "0-1",
        HIGHER,
        "mean tie strength of grid worker teams to the partners of their street",
        "网格员与本街道驻区单位联系强度的平均值",
        "community",
        "level",
        "{:.2f}",
    ),
)

_SUMMARY = (
    # efficiency: time to resolution, censoring-aware (Kaplan-Meier) first
    _summary(
        "resolution_days_rmst",
        "Resolution time (restricted mean)",
        "办结时长（限制平均）",
        _D,
        "天",
        LOWER,
        "restricted mean days from arising to resolution up to τ = the scored period's length: "
        "the area under the Kaplan-Meier curve of needs still unresolved, over needs that arose "
        "in the scored period. Needs still open at the end count as censored at the end; needs "
        "their households gave up count as censored on that day (a competing-risk "
        "simplification: they are treated as if they could still have been resolved). Past the "
        "last observed time the curve is held at its last value (no open need is assumed "
        "resolved), so open needs raise the figure instead of dropping out of it",
        "计分期内产生的诉求，从产生到办结时长的限制平均值（τ = 计分期天数）：Kaplan-Meier "
        "未办结曲线下的面积。期末仍未办结者在期末截尾；居民放弃者在放弃当日截尾（竞争风险的简化处理）；"
        "最后观测时点之后曲线保持末值（不假定未结诉求已办结），故积压使该值变大而不是被忽略",
        "efficiency",
        "skewed",
        "{:.2f}",
    ),
    _summary(
        "resolution_days_km_median",
        "Resolution time, median (KM)",
        "办结时长中位数（KM）",
        _D,
        "天",
        LOWER,
        "Kaplan-Meier median days from arising to resolution (same needs and censoring as "
        "resolution_days_rmst): the first day on which the estimated share still unresolved "
        "is ≤ 0.5. NaN when fewer than half are ever estimated resolved (heavy overload); "
        "resolution_days_rmst is then the figure to compare",
        "同上诉求（截尾方式相同）从产生到办结天数的 Kaplan-Meier 中位数：估计未办结比例首次 ≤ 0.5 "
        "的天数；若估计办结比例始终不足一半（严重超负荷）则为空值，此时应比较限制平均时长",
        "efficiency",
        "skewed",
        "{:.1f}",
    ),
    _summary(
        "report_to_resolution_days_rmst",
        "Report to resolution (restricted mean)",
        "上报至办结时长（限制平均）",
        _D,
        "天",
        LOWER,
        "restricted mean days from first report or discovery (t_first_report, never moved by "
        "a re-report) to resolution, up to τ = the scored period's length: the area under the "
        "Kaplan-Meier curve of needs that first entered the queue in the scored period, "
        "censored as for resolution_days_rmst (open at the end, or given up)",
        "计分期内首次进入办理流程的诉求，从首次上报或发现（重报不改变）到办结时长的限制平均值"
        "（τ = 计分期天数）：Kaplan-Meier 未办结曲线下的面积，截尾方式同办结时长限制平均值",
        "efficiency",
        "skewed",
        "{:.2f}",
    ),
    _summary(
        "report_to_resolution_days_km_median",
        "Report to resolution, median (KM)",
        "上报至办结时长中位数（KM）",
        _D,
        "天",
        LOWER,
        "Kaplan-Meier median days from first report or discovery to resolution (same needs "
        "and censoring as report_to_resolution_days_rmst); NaN when fewer than half are ever "
        "estimated resolved",
        "同上诉求从首次上报或发现到办结天数的 Kaplan-Meier 中位数；"
        "估计办结比例始终不足一半时为空值",
        "efficiency",
        "skewed",
        "{:.1f}",
    ),
    # efficiency: the same over resolved needs only (secondary; biased low under overload)
    _summary(
        "resolution_days_mean_resolved",
        "Resolution time, mean of resolved",
        "已办结诉求平均办结时长",
        _D,
        "天",
        LOWER,
        "mean days from arising to resolution over needs that arose in the scored period and "
        "were resolved by its end. Open needs do not count, so under overload it is biased "
        "low (the longest waits are the ones left out); prefer resolution_days_rmst",
        "计分期内产生且已办结诉求从产生到办结的平均天数。未办结者不计入，超负荷时偏低（等待最久的"
        "恰被排除），宜用限制平均时长",
        "efficiency",
        "skewed",
        "{:.2f}",
    ),
    _summary(
        "resolution_days_median_resolved",
        "Resolution time, median of resolved",
        "已办结诉求办结时长中位数",
        _D,
        "天",
        LOWER,
        "median days from arising to resolution over the same resolved needs only (biased low "
        "under overload; prefer resolution_days_km_median)",
        "同上已办结诉求从产生到办结天数的中位数（超负荷时偏低，宜用 KM 中位数）",
        "efficiency",
        "skewed",
        "{:.1f}",
    ),
    _summary(
        "report_to_resolution_days_mean_resolved",
        "Report to resolution, mean of resolved",
        "已办结诉求上报至办结平均时长",
        _D,
        "天",
        LOWER,
        "mean days from first report or discovery to resolution over needs that first entered "
        "the queue in the scored period and were resolved by its end (biased low under "
        "overload; prefer report_to_resolution_days_rmst)",
        "计分期内首次进入办理且已办结诉求从首次上报或发现到办结的平均天数（超负荷时偏低，宜用"
        "限制平均时长）",
        "efficiency",
        "skewed",
        "{:.2f}",
    ),
    _summary(
        "report_to_resolution_days_median_resolved",
        "Report to resolution, median of resolved",
        "已办结诉求上报至办结时长中位数",
        _D,
        "天",
        LOWER,
        "median days from first report or discovery to resolution over the same resolved "
        "needs only (biased low under overload; prefer report_to_resolution_days_km_median)",
        "同上已办结诉求从首次上报或发现到办结天数的中位数（超负荷时偏低）",
        "efficiency",
        "skewed",
        "{:.1f}",
    ),
    _summary(
        "resolved_within_7d",
        "Resolved within 7 days",
        "7日内办结率",
        _S,
        "比例",
        HIGHER,
        "share of needs first entering the queue in the scored period, ≥ 7 days before the "
        "end, that were resolved within 7 days of their first report or discovery",
        "计分期内、截止前7天以上首次进入办理的诉求中，自首次上报或发现起7天内办结的比例",
        "efficiency",
        "share",
        "{:.1%}",
    ),
    _summary(
        "backlog_mean",
        "Backlog, mean",
        "平均积压",
        _C,
        "件",
        LOWER,
        "mean daily backlog of open cases over the scored days",
        "计分期内每日积压的平均值",
        "efficiency",
        "skewed",
        "{:.1f}",
    ),
    # efficiency: overload
    _summary(
        "backlog_final",
        "Backlog at the end",
        "期末积压",
        _C,
        "件",
        LOWER,
        "open cases (queued or in hand) at the end of the last day",
        "最后一日日末在办（排队或已转办）的事项数",
        "efficiency",
        "skewed",
        "{:.0f}",
    ),
    _summary(
        "backlog_trend",
        "Backlog trend",
        "积压趋势",
        "cases/100 days",
        "件/百日",
        LOWER,
        "least-squares slope of the daily backlog over the second half of the scored days, "
        "in cases per 100 days (> 0: growing)",
        "计分期后半段每日积压的最小二乘斜率，单位为件/百日（> 0 表示积压在增长）",
        "efficiency",
        "level",
        "{:+.1f}",
    ),
    _summary(
        "saturated",
        "Saturated",
        "超负荷",
        _S,
        "比例",
        LOWER,
        "1 if the backlog keeps growing: backlog_trend / 100 × (days in the second half of the "
        "scored period) > max(10, 0.5 × mean backlog of the first half); else 0. Averaged over "
        "replications it is the share of runs that saturate",
        "积压持续增长记为1：积压趋势 / 100 × 计分期后半段天数 > max(10, 0.5 × 前半段平均积压)；"
        "否则为0。对重复运行取平均即为超负荷运行的比例",
        "efficiency",
        "share",
        "{:.2f}",
    ),
    _summary(
        "throughput_per_worker",
        "Throughput per worker",
        "人均日办结量",
        "needs/worker/day",
        "件/人/日",
        HIGHER,
        "resolved needs per grid worker per scored day",
        "每名网格员每日办结的诉求数",
        "efficiency",
        "level",
        "{:.2f}",
    ),
    _summary(
        "worker_utilisation",
        "Worker utilisation",
        "网格员工时利用率",
        _S,
        "比例",
        NEUTRAL,
        "worker hours used / hours paid over the scored days",
        "计分期内已用工时 / 应付工时",
        "efficiency",
        "share",
        "{:.0%}",
    ),
    _summary(
        "cost_per_resolved",
        "Cost per resolved need",
        "单件办结成本",
        "yuan",
        "元",
        LOWER,
        "total cost (worker hours paid, partner fees, escalations, mechanism costs) / "
        "needs resolved, scored days",
        "计分期总成本 / 办结诉求数",
        "efficiency",
        "skewed",
        "{:,.0f}",
    ),
    _summary(
        "escalation_rate",
        "Escalation rate",
        "上报职能部门比例",
        _S,
        "比例",
        LOWER,
        "share of cases entering the system (scored period) that were escalated to the "
        "line department",
        "计分期内进入办理的事项中上报职能部门的比例",
        "efficiency",
        "share",
        "{:.1%}",
    ),
    _summary(
        "resolved_in_grid_share",
        "Resolved inside the grid",
        "网格内办结比例",
        _S,
        "比例",
        HIGHER,
        "share of resolutions made by the worker, volunteers, neighbours or partners "
        "(not the department)",
        "由网格员、志愿者、邻里或驻区单位办结（非职能部门）的比例",
        "efficiency",
        "share",
        "{:.1%}",
    ),
    # quality
    _summary(
        "resolution_rate",
        "Resolution rate",
        "办结率",
        _S,
        "比例",
        HIGHER,
        "share of cases resolved, among cases entering ≥ 15 days before the end",
        "截止前15天以上进入办理的事项中已办结的比例",
        "quality",
        "share",
        "{:.1%}",
    ),
    _summary(
        "mean_fit",
        "Fit of fixes",
        "平均匹配质量",
        "0-1",
        "0-1",
        HIGHER,
        "mean fit of the resolver to the needs it resolved",
        "办结事项的平均匹配质量",
        "quality",
        "level",
        "{:.3f}",
    ),
    _summary(
        "satisfaction_rate",
        "Satisfaction rate",
        "满意率",
        _S,
        "比例",
        HIGHER,
        "share of ratings with satisfaction S > 0.6, scored days",
        "计分期内满意度 S > 0.6 的评价比例",
        "quality",
        "share",
        "{:.1%}",
    ),
    _summary(
        "reopen_rate",
        "Reopen rate",
        "返工率",
        _S,
        "比例",
        LOWER,
        "share of fix attempts that failed and reopened",
        "处理不到位、重新打开的比例",
        "quality",
        "share",
        "{:.1%}",
    ),
    _summary(
        "hidden_share",
        "Never reported",
        "未上报比例",
        _S,
        "比例",
        LOWER,
        "share of needs (arisen ≥ 30 days before the end) never reported nor resolved",
        "截止前30天以上产生、既未上报也未解决的诉求比例",
        "quality",
        "share",
        "{:.1%}",
    ),
    _summary(
        "rereport_share",
        "Re-reported",
        "重复上报比例",
        _S,
        "比例",
        LOWER,
        "share of needs first entering the queue in the scored period that entered it again "
        "later (reported again after a lost hand-off or a failed fix)",
        "计分期内首次进入办理的诉求中，之后（转办丢失或处理不到位后）再次上报的比例",
        "quality",
        "share",
        "{:.1%}",
    ),
    _summary(
        "lost_share",
        "Lost hand-offs",
        "转办丢失比例",
        _S,
        "比例",
        LOWER,
        "hand-offs lost on scored days per hand-off made on scored days (to a partner or the "
        "line department): lost means dropped and not caught by a follow-up, so the household "
        "must report the need again",
        "计分期内丢失的转办数与计分期内转办（转交驻区单位或职能部门）总数之比：丢失指被搁置且未被回访"
        "发现，居民须重新上报",
        "quality",
        "share",
        "{:.1%}",
    ),
    _summary(
        "gave_up_share",
        "Given up after reporting",
        "上报后放弃比例",
        _S,
        "比例",
        LOWER,
        "share of needs first entering the queue in the scored period that their households "
        "gave up (lived with or fixed privately) instead of seeing them resolved",
        "计分期内首次进入办理的诉求中，居民最终放弃（自行处理或不再等待）的比例",
        "quality",
        "share",
        "{:.1%}",
    ),
    _summary(
        "elderly_gap_days",
        "Elderly gap",
        "老年户办结时长差",
        _D,
        "天",
        LOWER,
        "resolution_days_rmst of needs of elderly households minus that of other households "
        "(restricted means from arising, so needs still open count)",
        "老年户诉求的办结时长限制平均值减去其他住户的（自产生起计算，未办结诉求也计入）",
        "quality",
        "level",
        "{:+.2f}",
    ),
    # community
    _summary(
        "volunteers_30d",
        "Volunteers",
        "志愿者户数",
        "households",
        "户",
        HIGHER,
        "households volunteering in the last 30 days, mean over scored days",
        "近30天参加志愿服务的户数（计分期平均）",
        "community",
        "level",
        "{:.0f}",
    ),
    _summary(
        "volunteer_hours_30d",
        "Volunteer hours",
        "志愿服务时长",
        "hours",
        "小时",
        HIGHER,
        "volunteering hours in the last 30 days, mean over scored days",
        "近30天志愿服务时长（计分期平均）",
        "community",
        "level",
        "{:.0f}",
    ),
    _summary(
        "mean_trust",
        "Trust",
        "平均信任度",
        "0-1",
        "0-1",
        HIGHER,
        "mean trust over households and scored days",
        "计分期内居民平均信任度",
        "community",
        "level",
        "{:.3f}",
    ),
    _summary(
        "mean_identity",
        "Identity",
        "平均认同度",
        "0-1",
        "0-1",
        HIGHER,
        "mean identity over households and scored days",
        "计分期内居民平均认同度",
        "community",
        "level",
        "{:.3f}",
    ),
    _summary(
        "alliance_density",
        "Alliance density",
        "联盟网络密度",
        _S,
        "比例",
        HIGHER,
        "share of same-street grid–partner pairs that are alliance members with tie ≥ 0.5 "
        "at the end",
        "期末同街道网格—联盟成员联系强度 ≥ 0.5 的配对比例",
        "community",
        "share",
        "{:.2f}",
    ),
    _summary(
        "alliance_tie_mean",
        "Alliance tie",
        "联盟平均联系强度",
        "0-1",
        "0-1",
        HIGHER,
        "mean grid–partner tie among alliance members at the end (0 without members)",
        "期末网格与联盟成员的平均联系强度",
        "community",
        "level",
        "{:.2f}",
    ),
    # calibration
    _summary(
        "reported_per_grid_day",
        "Cases per grid per day",
        "每格每日入册事项",
        "cases/grid/day",
        "件/格/日",
        NEUTRAL,
        "needs entering the case system for the first time (reported or discovered; "
        "re-reports not counted) per grid per scored day",
        "每个网格每日首次进入办理的诉求数（上报或发现；重复上报不计）",
        "calibration",
        "level",
        "{:.2f}",
    ),
    _summary(
        "arrivals_per_grid_day",
        "Needs per grid per day",
        "每格每日新增诉求",
        "needs/grid/day",
        "件/格/日",
        NEUTRAL,
        "needs arising per grid per scored day",
        "每个网格每日新产生的诉求数",
        "calibration",
        "level",
        "{:.2f}",
    ),
    # shock recovery, derived by the experiment pipeline from the daily backlog
    _summary(
        "recovery_days",
        "Shock recovery",
        "冲击后恢复天数",
        _D,
        "天",
        LOWER,
        "days after a demand shock ends until the 7-day mean backlog is back within its "
        "pre-shock range (censored at the end of the run)",
        "需求冲击结束后，7日平均积压回到冲击前水平所需天数（至运行结束仍未恢复则截尾）",
        "shock",
        "censored",
        "{:.0f}",
        "experiment",
    ),
    _summary(
        "shock_peak_backlog",
        "Shock peak backlog",
        "冲击期积压峰值",
        _C,
        "件",
        LOWER,
        "highest backlog from the shock's start to its recovery",
        "冲击开始至恢复期间的最高积压",
        "shock",
        "skewed",
        "{:.0f}",
        "experiment",
    ),
)

#: Daily time-series columns (besides `day` and `scored`), in column order.
DAILY: dict[str, Outcome] = {o.name: o for o in _DAILY}
#: Per-run outcomes over the scored period, in column order.
SUMMARY: dict[str, Outcome] = {o.name: o for o in _SUMMARY}
#: Summary outcomes the model itself computes (`GridGovernanceModel.summary()`).
MODEL_SUMMARY: tuple[str, ...] = tuple(o.name for o in _SUMMARY if o.computed_by == "model")
#: The six daily indicators that tell a run's story (run figure, reports, dashboard plots).
KEY_DAILY: tuple[str, ...] = (
    "backlog",
    "resolution_days_30d",
    "satisfaction_rate_30d",
    "escalated_per_handled_30d",
    "mean_trust",
    "volunteers_30d",
)
#: Columns of the daily series that are not outcomes.
DAILY_INDEX = {"day": "day of the run (1 = first day)", "scored": "day after the burn-in"}


def get(name: str, frequency: str | None = None) -> Outcome:
    """The outcome called `name` (a summary outcome first, then a daily one).

    Args:
        name: Outcome name.
        frequency: "daily" or "summary" to look in one table only.

    Raises:
        KeyError: With the list of known names.
    """
    tables = {"summary": SUMMARY, "daily": DAILY}
    for freq in (frequency,) if frequency else ("summary", "daily"):
        if name in tables[freq]:
            return tables[freq][name]
    known = sorted(SUMMARY) if frequency != "daily" else sorted(DAILY)
    raise KeyError(f"unknown outcome {name!r}; known: {', '.join(known)}")


def direction(name: str) -> int:
    """+1 if higher is better, -1 if lower is better, 0 if neutral or not an outcome."""
    try:
        return get(name).direction
    except KeyError:
        return NEUTRAL
