"""The dashboard's two languages: every text in both, official terms, the browser's choice."""

from __future__ import annotations

import re
import string

import pytest

from simulation.core import mechanisms, outcomes
from simulation.dashboard import i18n


def test_every_text_exists_in_both_languages_with_the_same_fields():
    fields = string.Formatter()
    for key, (en, zh) in i18n.TEXTS.items():
        assert en.strip() and zh.strip(), key
        en_fields = {f for _, f, _, _ in fields.parse(en) if f}
        zh_fields = {f for _, f, _, _ in fields.parse(zh) if f}
        assert en_fields == zh_fields, key
        if key not in ("kpi_diff", "mechanism_switch"):  # no words of their own
            assert re.search(r"[\u4e00-\u9fff]", zh) or zh == en, f"{key} is not Chinese: {zh}"


def test_official_terms_are_used_consistently():
    assert [i18n.mechanism_name(m, "zh") for m in mechanisms.MECHANISMS] == [
        "认同机制",
        "联结机制",
        "互动机制",
    ]
    assert i18n.term("grid_worker", "zh") == "网格员"
    assert i18n.term("backlog", "zh") == "积压"
    # the registry's Chinese labels use the same terms the page uses
    assert outcomes.DAILY["backlog"].label_zh.startswith(i18n.term("backlog", "zh"))
    assert i18n.term("resolution_time", "zh") in outcomes.DAILY["resolution_days_30d"].label_zh
    assert i18n.term("satisfaction_rate", "zh") in outcomes.DAILY["satisfaction_rate_30d"].label_zh
    # no competing word for "grid worker" in any Chinese text
    for _, zh in i18n.TEXTS.values():
        assert "网格长" not in zh and "网格管理员" not in zh


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR,zh-TW;q=0.7,en;q=0.5", "zh"),
        ("zh;q=0.2,en;q=0.8", "en"),
        ("de-DE", i18n.DEFAULT_LANGUAGE),
        ("", i18n.DEFAULT_LANGUAGE),
        (None, i18n.DEFAULT_LANGUAGE),
        ("zh;q=abc", "zh"),  # a broken q value does not raise
    ],
)
def test_language_follows_the_browser(header, expected):
    assert i18n.pick_language(header) == expected


def test_texts_come_in_the_chosen_language_with_fields_filled():
    assert i18n.t("day", "zh", day=12) == "第 12 天"
    assert i18n.t("day", "en", day=12) == "Day 12"
    assert i18n.t("better_on", "zh", k=5, n=6) == "B 在 6 项指标中有 5 项更好"
    with pytest.raises(KeyError):
        i18n.t("no such text", "en")


def test_the_switched_language_wins_over_the_browser():
    try:
        i18n.LANGUAGE.value = "zh"
        assert i18n.current_language() == "zh"
        assert i18n.t("reset") == "重置"
        i18n.LANGUAGE.value = "en"
        assert i18n.t("reset") == "Reset"
    finally:
        i18n.LANGUAGE.value = None


def test_metric_labels_come_from_the_registry():
    o = outcomes.DAILY["backlog"]
    assert i18n.metric_label("backlog", "zh") == o.label_zh
    assert i18n.metric_unit("backlog", "en") == o.unit


def test_the_sessions_own_messages_are_shown_in_chinese(tmp_path):
    from simulation.dashboard.session import DashboardSession

    (tmp_path / "baseline.toml").write_text('name = "baseline"\n[parameters]\n')
    (tmp_path / "broken.toml").write_text("not [ toml")
    s = DashboardSession(seed=1, scenario_folder=tmp_path)
    produced = []
    s.set_seed("abc")
    produced.append(s.message)
    s.set_seed("9" * 30)
    produced.append(s.message)
    s.set_seed("x" * 500)
    produced.append(s.message)
    s.load_scenario("A", "broken")
    produced.append(s.message)
    s.load_scenario("A", "baseline")
    produced.append(s.notice)
    s.set_params({"households_per_grid": 1000, "grids_per_street": 40})
    produced.append(s.message)
    for message in produced:
        assert message, "the session gave no message"
        zh = i18n.localise(message, "zh")
        assert zh != message and re.search(r"[\u4e00-\u9fff]", zh), message
        assert i18n.localise(message, "en") == message
    assert i18n.localise("something new", "zh") == "something new"


def test_every_text_is_used_by_the_dashboard():
    from pathlib import Path

    folder = Path(i18n.__file__).parent
    source = "".join(p.read_text() for p in folder.glob("*.py") if p.name != "i18n.py")
    unused = [k for k in i18n.TEXTS if f'"{k}"' not in source and f"'{k}'" not in source]
    assert unused == []


def test_slider_labels_and_units_come_from_the_parameter_records():
    from simulation.core.parameters import PARAMETERS
    from simulation.dashboard.session import SLIDER_PARAMS

    for name in SLIDER_PARAMS:
        p = PARAMETERS[name]
        assert re.search(r"[\u4e00-\u9fff]", p.label_zh), f"{name} has no Chinese label"
        assert i18n.param_label(name, "zh") == p.label_zh
        assert i18n.param_unit(name, "zh") == p.unit_zh
        assert i18n.param_unit(name, "en") == p.unit
    assert i18n.param_label("households_per_grid", "zh") == "每格户数"
    assert i18n.param_label("households_per_grid", "en") == "Households per grid"
    # A parameter without a Chinese label falls back to English on the Chinese page.
    assert PARAMETERS["tie_decay"].label_zh == ""
    assert i18n.param_label("tie_decay", "zh") == "Tie decay"
    assert i18n.param_unit("tie_decay", "zh") == "share/day"
