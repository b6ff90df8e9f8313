"""The main view's HTML: KPI table, callout, plots, in both languages, from the metric registry."""

from __future__ import annotations

import html
import math
import re

import pytest
from helpers import compared_session

from simulation.core import outcomes
from simulation.dashboard import charts, session, views

SMALL = {"households_per_grid": 60, "grids_per_street": 3}


@pytest.fixture(scope="module")
def compared():
    return compared_session(11, SMALL)


def test_shares_are_percent_in_plots_table_and_differences(compared):
    rate = views.latest(compared, "A")["satisfaction_rate_30d"]
    assert 0 <= rate <= 1
    table = views.kpi_html(compared, "en")
    assert f"{rate:.0%}" in table  # the table: 68%
    svg = views.plots_html(compared, "en")
    chart = svg.split("Satisfaction rate")[1].split("</svg>")[0]
    ticks = [float(x) for x in re.findall(r'fill="#333">([\d.]+)</text>', chart)]
    assert ticks and max(ticks) > 1  # the plot's axis is in percent too, not 0-1
    assert views.format_difference("satisfaction_rate_30d", 0.05, "en") == "+5 pp"
    assert views.format_difference("satisfaction_rate_30d", -0.05, "zh") == "−5个百分点"


def test_labels_and_units_come_from_the_registry_in_both_languages(compared):
    zh = views.kpi_html(compared, "zh")
    en = views.kpi_html(compared, "en")
    for name in views.INDICATORS:
        o = outcomes.DAILY[name]
        assert html.escape(o.label_zh) in zh and html.escape(o.label) in en
    assert "单件办结成本" in zh and "Cost per resolved" in en  # cost per resolved need


def test_b_minus_a_cells_are_coloured_by_direction(compared):
    table = views.kpi_html(compared, "en")
    a, b = views.latest(compared, "A"), views.latest(compared, "B")
    for name in views.INDICATORS:
        cell = re.search(rf'class="gg-diff-{name}" data-verdict="(-?\d)"', table)
        expected = charts.verdict(b[name] - a[name], outcomes.DAILY[name].direction,
                                  views.tolerance(name))  # fmt: skip
        assert int(cell.group(1)) == expected, name


def test_every_indicator_the_page_shows_is_recorded_by_the_street(compared):
    shown = {*views.INDICATORS, *(n for names in views.PLOTS for n in names)}
    assert shown | {"cost", "resolved"} <= set(session.RECORDED) <= set(outcomes.DAILY)
    history = compared.street("A").history
    assert set(history) == set(session.RECORDED) and all(len(history[n]) for n in shown)


def test_the_cost_per_resolved_need_reads_as_the_registry_formats_it(compared):
    cost = views.latest(compared, "A")[views.COST]
    assert math.isfinite(cost) and cost > 1000
    assert views.format_value(views.COST, cost) == outcomes.SUMMARY[views.COST].format(cost)
    assert views.format_value(views.COST, cost) == f"{cost:,.0f}"  # "12,345": what trainers saw
    assert views.tolerance(views.COST) == pytest.approx(0.5)  # whole yuan


def test_a_difference_too_small_to_show_is_neither_better_nor_worse():
    assert views.tolerance("mean_trust") == pytest.approx(0.005)  # shown as 0.00
    assert views.tolerance("backlog") == pytest.approx(0.5)  # shown as whole cases
    assert views.tolerance("satisfaction_rate_30d") == pytest.approx(0.005)  # whole points
    assert views.score({"mean_trust": -0.004, "backlog": -3.0}) == (1, 0, 2)
    assert views.format_difference("mean_trust", -0.004, "en") == "−0.00"


def test_callout_counts_and_names_worse_indicators(compared):
    a, b = views.latest(compared, "A"), views.latest(compared, "B")
    better, worse, counted = views.score({n: b[n] - a[n] for n in views.INDICATORS})
    assert counted == 6
    text = html.unescape(views.callout_html(compared, "zh"))
    assert f"B 在 6 项指标中有 {better} 项更好" in text
    assert (f"、{worse} 项更差" in text) == (worse > 0)
    assert "单件办结成本：" in text


def test_cost_per_resolved_counts_only_scored_days():
    street = type("S", (), {})()
    street.days = [1, 2, 3, 4]
    street.params = {"burn_in_days": 2}
    street.history = {"cost": [1000.0, 1000.0, 300.0, 100.0], "resolved": [1.0, 1.0, 2.0, 2.0]}
    assert views.cost_per_resolved(street) == pytest.approx(100.0)  # (300 + 100) / 4
    street.params = {"burn_in_days": 10}  # still in the burn-in: all days so far
    assert views.cost_per_resolved(street) == pytest.approx(2400 / 6)
    street.history = {"cost": [], "resolved": []}
    assert math.isnan(views.cost_per_resolved(street))


def test_legend_speaks_the_page_language():
    zh = views.legend_html("satisfaction", "zh")
    assert "网格员" in zh and "驻区单位" in zh and "尚无办事经历" in zh
    assert "font-size:16px" in zh
    assert "grid worker" in views.legend_html("trust", "en")
