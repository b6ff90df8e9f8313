"""Every text the dashboard shows, in Chinese and English, and the page's language.

The trainers teach community officials in Chinese, so each label, message, legend, plot title
and help text exists in both languages here, keyed by a short name. Metric names, units and
definitions are not repeated: they come from the metric registry (`simulation.core.outcomes`),
and what a mechanism switches on comes from `simulation.core.mechanisms`; `metric_label` and
friends only pick the right language of those.

The official terms are used the same way everywhere: 认同机制、联结机制、互动机制 (identity,
connection, interaction), 网格员 (grid worker), 积压 (backlog), 办结时长 (resolution time),
满意率 (satisfaction rate), 预热期 (burn-in).

The page's language is a per-page reactive value (`LANGUAGE`): Solara keeps a module-level
reactive per browser page, so one trainee switching to English changes nobody else's page. Until
someone switches, the browser's own language (its Accept-Language header) decides.
"""

from __future__ import annotations

import re
from typing import Any

import solara

from simulation.core.parameters import PARAMETERS

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "en"  # only when the browser names neither language
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

# Per page: None until the trainer switches; then "zh" or "en".
LANGUAGE: solara.Reactive[str | None] = solara.reactive(None)

# The official terms, one place: every other text below uses the same words.
TERMS: dict[str, tuple[str, str]] = {
    "identity": ("Identity", "认同机制"),
    "connection": ("Connection", "联结机制"),
    "interaction": ("Interaction", "互动机制"),
    "grid_worker": ("grid worker", "网格员"),
    "backlog": ("Backlog", "积压"),
    "resolution_time": ("Resolution time", "办结时长"),
    "satisfaction_rate": ("Satisfaction rate", "满意率"),
    "burn_in": ("burn-in", "预热期"),
}

# key -> (English, Chinese). `{name}` fields are filled by `t(key, lang, name=...)`.
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Generalist-grid street: trainer dashboard", "全科网格街道：培训演示平台"),
    # run controls
    "run": ("Run", "运行"),
    "reset": ("Reset", "重置"),
    "play": ("Play", "播放"),
    "pause": ("Pause", "暂停"),
    "step": ("Step", "单步"),
    "plus30": ("+30 days", "+30天"),
    "days_per_frame": ("Days per screen update while playing: {n}", "播放时每次刷新推进天数：{n}"),
    "compare": ("Compare two streets (A vs B)", "对比两个街道（A 与 B）"),
    "seed": ("Seed (whole number)", "随机种子（整数）"),
    "seed_help": (
        "Whole numbers only, e.g. 42; A and B share it",
        "只能填整数，例如 42；A、B 两街道共用",
    ),
    "colour_by": ("Colour households by", "住户着色依据"),
    "street": ("Street {side}", "街道 {side}"),
    "scenario": ("Scenario {side}", "情景 {side}"),
    "no_scenarios": ("No scenario files found", "未找到情景文件"),
    "mechanism_switch": ("{mechanism} ({side})", "{mechanism}（{side}）"),
    "parameters": ("Street parameters", "街道参数"),
    "parameters_both": ("Street parameters (A and B)", "街道参数（A、B 共用）"),
    "dismiss": ("Dismiss", "关闭"),
    "no_street": (
        "No street is running; press Reset to start from the defaults.",
        "没有正在运行的街道；请按“重置”从默认设置开始。",
    ),
    # the main view
    "day": ("Day {day}", "第 {day} 天"),
    "day_axis": ("day {day}", "第{day}天"),
    "seed_line": ("seed {seed}", "随机种子 {seed}"),
    "lockstep": ("(A and B step in lockstep)", "（A、B 同步推进）"),
    "households": ("{n} households", "{n} 户"),
    "burn_in_note": (
        "Days 1–{days} are the burn-in: the street settles and nothing is scored yet.",
        "第 1–{days} 天为预热期：街道运行趋于稳定，不计入评估。",
    ),
    "difference": ("Difference B − A", "差值 B − A"),
    "difference_help": (
        "green: B better, red: B worse (by each indicator's direction)",
        "绿色：B 更好；红色：B 更差（按各指标的优劣方向）",
    ),
    "better_on": ("B is better on {k} of {n} indicators", "B 在 {n} 项指标中有 {k} 项更好"),
    "worse_on": (", worse on {k}", "、{k} 项更差"),
    "no_data": ("no data yet", "暂无数据"),
    "trust_identity": ("Trust (solid) and identity (dashed)", "信任（实线）与认同度（虚线）"),
    "kpi_diff": ("B − A", "B − A"),
    # plot markers
    "marker_burn_in": ("end of burn-in", "预热期结束"),
    "marker_meeting": ("joint meetings", "联席会议"),
    "marker_identity": ("identity events", "认同活动"),
    "marker_shock": ("demand shock", "需求冲击"),
    # explanations
    "why": ("What the switches do", "机制说明"),
    "why_mechanism": (
        "{mechanism}: what it switches on in the model",
        "{mechanism}：在模型中启用的规则",
    ),
    "is_on": ("on in street {sides}", "街道 {sides} 已启用"),
    "is_off": ("off", "未启用"),
    "metrics_help": ("What the indicators mean", "指标含义"),
    "higher_better": ("higher is better", "越高越好"),
    "lower_better": ("lower is better", "越低越好"),
    "neutral": ("neither better nor worse", "无优劣之分"),
    "satisfied_def": (
        "A household counts as satisfied when its satisfaction S (0–1) is above 0.6.",
        "住户满意度 S（0–1）高于 0.6 即计为“满意”。",
    ),
    "present": (
        "Presentation layout (projector, 1280×720; close the sidebar with ☰)",
        "投影布局（1280×720；点 ☰ 收起侧栏）",
    ),
    # lessons
    "lesson": ("Lesson", "课程"),
    "lesson_none": ("No lesson", "不使用课程"),
    "lesson_step": ("Step {i} of {n}", "第 {i} 步，共 {n} 步"),
    "next": ("Next", "下一步"),
    "back": ("Back", "上一步"),
    "lesson_end": ("End of the lesson", "课程结束"),
    # export and share
    "export": ("Export and share", "导出与分享"),
    "export_png": ("Slide (PNG)", "幻灯片（PNG）"),
    "export_svg": ("Slide (SVG)", "幻灯片（SVG）"),
    "export_gif": ("Plots animation (GIF)", "曲线动画（GIF）"),
    "export_street_gif": ("Street animation (GIF)", "街道动画（GIF）"),
    "share_link": ("Link that restores this view", "恢复当前画面的链接"),
    # uncertainty
    "run_seeds": ("Run {n} seeds", "运行 {n} 个随机种子"),
    "seeds_running": ("Running {n} seeds in the background …", "正在后台运行 {n} 个随机种子……"),
    "seeds_band": (
        "Mean of {n} seeds with its 95% band; the live street is one of many possible streets.",
        "{n} 个随机种子的均值及 95% 区间；实时街道只是众多可能结果之一。",
    ),
}


# The street's colourings (keys of drawing.COLOURINGS) and legend words.
COLOURING_TEXTS: dict[str, tuple[str, str]] = {
    "satisfaction": ("satisfaction", "满意度"),
    "trust": ("trust", "信任度"),
    "open needs": ("open needs", "未办结诉求"),
    "legend_satisfaction": ("Satisfaction S", "满意度 S"),
    "legend_trust": ("Trust in the grid T", "对网格的信任 T"),
    "legend_open needs": ("Open needs per household", "每户未办结诉求"),
    "low_satisfaction": ("0 unsatisfied", "0 不满意"),
    "high_satisfaction": ("1 satisfied", "1 满意"),
    "low_trust": ("0 none", "0 不信任"),
    "high_trust": ("1 full", "1 完全信任"),
    "low_open needs": ("0", "0"),
    "high_open needs": ("4 or more", "4 件及以上"),
    "unrated": ("no experience yet", "尚无办事经历"),
    "worker": ("grid worker", "网格员"),
    "partner": ("partner", "驻区单位"),
    "border": ("grid border", "网格边界"),
}


def param_label(name: str, lang: str | None = None) -> str:
    """A parameter's name: "Households per grid" / "每格户数" (English without a Chinese one)."""
    zh = PARAMETERS[name].label_zh
    if zh and _lang(lang) == "zh":
        return zh
    return name.replace("_", " ").capitalize()


def param_unit(name: str, lang: str | None = None) -> str:
    """A parameter's unit from its record, in Chinese where the record gives one."""
    p = PARAMETERS[name]
    return p.unit_zh if p.unit_zh and _lang(lang) == "zh" else p.unit


def colouring_text(key: str, lang: str | None = None) -> str:
    """A colouring's name or legend word in `lang` (see `COLOURING_TEXTS`)."""
    en, zh = COLOURING_TEXTS[key]
    return zh if _lang(lang) == "zh" else en


# The session's messages (written in English by `session.py`) in Chinese: (pattern, template).
# A message no pattern knows is shown as written; tests keep the patterns in step.
MESSAGES_ZH: tuple[tuple[str, str], ...] = (
    (r"Seed must be a whole number such as 42 \(digits only\), got '(.*)'",
     "随机种子须为整数，例如 42（只能填数字），收到的是“{0}”"),
    (r"Seed must be a whole number of at most 19 digits \(got ([\d,]+) characters\)",
     "随机种子最多 19 位数字（收到 {0} 个字符）"),
    (r"Seed must be between 0 and (\d+).*", "随机种子须在 0 到 {0} 之间"),
    (r"Seed must be a whole number, got (.*)", "随机种子须为整数，收到的是 {0}"),
    (r"Street ([AB]): loaded scenario '(.*)'", "街道 {0}：已载入情景“{1}”"),
    (r"Could not load scenario '(.*?)': (.*)", "无法载入情景“{0}”：{1}"),
    (r"No scenario '(.*?)' in (.*)", "{1} 中没有情景“{0}”"),
    (r"Run complete at day (\d+); Reset to start again",
     "已运行到第 {0} 天，运行结束；按“重置”重新开始"),
    (r"Street ([AB]) would have ([\d,]+) households; this dashboard allows at most ([\d,]+) .*",
     "街道 {0} 将有 {1} 户；本平台每个街道最多 {2} 户（更大规模请用 gridgov run）"),
    (r"The model stopped on day (\d+): (.*)", "模型在第 {0} 天停止：{1}"),
)  # fmt: skip


def localise(message: str, lang: str | None = None) -> str:
    """A session message in `lang` (Chinese by `MESSAGES_ZH`; otherwise as written)."""
    if not message or _lang(lang) != "zh":
        return message
    for pattern, template in MESSAGES_ZH:
        match = re.fullmatch(pattern, message)
        if match:
            return template.format(*match.groups())
    return message


def pick_language(accept_language: str | None) -> str:
    """The page language a browser asks for, from its Accept-Language header.

    Args:
        accept_language: e.g. ``"zh-CN,zh;q=0.9,en;q=0.8"`` (None or "" when unknown).

    Returns:
        ``"zh"`` or ``"en"``: the supported language with the highest q value, else
        `DEFAULT_LANGUAGE`.
    """
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        if code not in LANGUAGES:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        # Equal q: the first listed wins (the browser's order is the user's preference).
        if q - position * 1e-6 > best_q:
            best, best_q = code, q - position * 1e-6
    return best


def browser_language() -> str:
    """The language this page's browser asked for (Solara keeps the request's headers)."""
    headers = solara.lab.headers.value or {}
    values = headers.get("accept-language") or headers.get("Accept-Language") or []
    return pick_language(",".join(values) if isinstance(values, list) else str(values))


def current_language() -> str:
    """The page's language: the one switched to, else the browser's."""
    chosen = LANGUAGE.value
    return chosen if chosen in LANGUAGES else browser_language()


def _lang(lang: str | None) -> str:
    return lang if lang in LANGUAGES else current_language()


def t(key: str, lang: str | None = None, **fields: Any) -> str:
    """The text `key` in `lang` (default: the page's language), with `fields` filled in.

    Raises:
        KeyError: For an unknown key (a typo must fail a test, not show a blank label).
    """
    en, zh = TEXTS[key]
    text = zh if _lang(lang) == "zh" else en
    return text.format(**fields) if fields else text


def term(key: str, lang: str | None = None) -> str:
    """An official term (`TERMS`) in `lang`, e.g. ``term("backlog", "zh") == "积压"``."""
    en, zh = TERMS[key]
    return zh if _lang(lang) == "zh" else en


def mechanism_name(mechanism: str, lang: str | None = None) -> str:
    """Name of a mechanism switch: "Identity" / "认同机制"."""
    return term(mechanism, lang) if mechanism in TERMS else mechanism.capitalize()


def _outcome(name: str):
    from simulation.core import outcomes  # the one metric registry

    # A dashboard shows daily series: their entry first (a summary outcome may share the name).
    return outcomes.DAILY.get(name) or outcomes.get(name)


def metric_label(name: str, lang: str | None = None) -> str:
    """A metric's label in `lang`, read from the metric registry."""
    o = _outcome(name)
    return o.label_zh if _lang(lang) == "zh" else o.label


def metric_unit(name: str, lang: str | None = None) -> str:
    """A metric's unit in `lang`, read from the metric registry."""
    o = _outcome(name)
    return o.unit_zh if _lang(lang) == "zh" else o.unit


def pick(en: str, zh: str, lang: str | None = None) -> str:
    """Choose between a pair of texts read from elsewhere (a scenario file, a lesson, a rule)."""
    return (zh or en) if _lang(lang) == "zh" else (en or zh)


@solara.component
def LanguageSwitch():
    """Two buttons, 中文 / English, that switch this page's language."""
    lang = current_language()

    def choose(name: str) -> None:
        LANGUAGE.value = next(code for code, shown in LANGUAGE_NAMES.items() if shown == name)

    solara.ToggleButtonsSingle(
        value=LANGUAGE_NAMES[lang],
        values=[LANGUAGE_NAMES[code] for code in LANGUAGES],
        on_value=choose,
        classes=["gg-language"],
    )
