"""The "why" panels: mechanism rules from the model's table, indicators from the registry."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from simulation.core import mechanisms, outcomes
from simulation.dashboard import explain, panels, views
from simulation.dashboard.session import DashboardSession

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_mechanism_panel_lists_exactly_its_rules_from_the_model(lang):
    for m in mechanisms.MECHANISMS:
        text = html.unescape(explain.mechanism_html(m, ["B"], lang))
        for rule in mechanisms.RULES.values():
            description = rule.description_zh if lang == "zh" else rule.description
            assert (description in text) == (rule.mechanism == m), (m, rule.name)
        assert ("街道 B 已启用" if lang == "zh" else "on in street B") in text
    assert "未启用" in explain.mechanism_html("identity", [], "zh")


def test_the_rule_texts_are_not_copied_into_the_dashboard():
    source = "".join(p.read_text() for p in (ROOT / "simulation" / "dashboard").glob("*.py"))
    for rule in mechanisms.RULES.values():
        assert rule.description not in source and rule.description_zh not in source


def test_indicator_help_comes_from_the_registry_with_direction_and_unit():
    text = html.unescape(explain.metrics_html(views.INDICATORS, 90, "zh"))
    for name in views.INDICATORS:
        o = outcomes.DAILY[name]
        assert o.definition_zh in text and o.label_zh in text and o.unit_zh in text
    assert explain.direction_text("backlog", "zh") == "越低越好"
    assert explain.direction_text("satisfaction_rate_30d", "en") == "higher is better"
    assert explain.direction_text("arrivals", "en") == "neither better nor worse"
    assert "第 1–90 天为预热期" in text and "0.6" in text


def test_scenario_titles_and_descriptions_come_from_the_files(tmp_path):
    title, description = explain.scenario_text(ROOT / "scenarios", "full", "zh")
    assert title == "三项机制全部启用" and "认同机制" in description
    assert explain.scenario_text(ROOT / "scenarios", "full", "en")[0] == "All three mechanisms"
    # a trainer's own file without titles shows its name; a broken one does not raise
    (tmp_path / "mine.toml").write_text('name = "mine"\n[parameters]\nidentity = true\n')
    (tmp_path / "broken.toml").write_text("not [ toml")
    assert explain.scenario_text(tmp_path, "mine", "zh") == ("mine", "")
    assert explain.scenario_text(tmp_path, "broken", "en") == ("broken", "")


def test_the_page_panel_names_both_streets_and_marks_where_each_mechanism_is_on():
    s = DashboardSession(seed=1, scenario_folder=ROOT / "scenarios")
    s.set_compare(True)  # A baseline, B full
    text = html.unescape(panels.explain_html(s, "zh"))
    assert "基线：仅网格员办理" in text and "三项机制全部启用" in text
    assert text.count("街道 B 已启用") == 3 and "街道 A B" not in text


def test_a_chinese_street_label_is_the_title_plus_changed_switches():
    folder = ROOT / "scenarios"
    s = DashboardSession(seed=1, scenario_folder=folder)
    s.load_scenario("A", "connection")
    assert explain.street_title(folder, "connection", s.sides["A"].params) == "仅联结机制"
    s.set_mechanism("A", "identity", True)
    s.set_mechanism("A", "connection", False)
    label = explain.street_title(folder, "connection", s.sides["A"].params)
    assert label == "仅联结机制（+认同机制 −联结机制）"
