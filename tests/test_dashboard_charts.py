"""The dashboard's SVG charts: legible text, event markers, better/worse colouring, the callout."""

from __future__ import annotations

import math
import re

from simulation.dashboard import charts


def _font_sizes(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r"font:(\d+(?:\.\d+)?)px", svg)]


def test_chart_text_is_at_least_16_px_for_the_projector():
    svg = charts.line_chart("Backlog", [1, 2, 3], [charts.Series("A", "#000000", [1, 2, 3])])
    assert _font_sizes(svg) and min(_font_sizes(svg)) >= 16
    assert "font-size" not in svg  # no smaller text anywhere inside


def test_lines_have_gaps_for_missing_days_and_day_labels():
    svg = charts.line_chart(
        "Backlog", [1, 2, 3, 4, 5], [charts.Series("A", "#000000", [1, 2, math.nan, 4, 5])]
    )
    assert svg.count("<polyline") == 2
    assert "day 1" in svg and "day 5" in svg
    zh = charts.line_chart(
        "积压", [1, 2], [charts.Series("", "#000000", [1, 2])], day_label="第{day}天"
    )
    assert "第1天" in zh and "第2天" in zh


def test_empty_chart_says_so_in_the_given_language():
    assert "暂无数据" in charts.line_chart(
        "积压", [], [charts.Series("", "#0", [])], no_data="暂无数据"
    )


def test_event_markers_follow_the_switches_and_the_shock():
    params = {
        "burn_in_days": 90,
        "interaction": True,
        "meeting_interval": 30,
        "identity": False,
        "identity_event_interval": 60,
        "shock_start": 400,
        "shock_days": 14,
    }
    marks = charts.event_markers(params, 450)
    kinds = [m.kind for m in marks]
    assert kinds.count("burn_in") == 1
    assert kinds.count("meeting") == 15  # days 30, 60, ..., 450
    assert "identity" not in kinds  # identity switched off: no events
    shock = next(m for m in marks if m.kind == "shock")
    assert (shock.day, shock.end) == (400, 414)
    svg = charts.line_chart(
        "Backlog", list(range(1, 451)), [charts.Series("", "#000", [1.0] * 450)], markers=marks
    )
    assert svg.count('class="gg-mark-meeting"') == 15
    assert svg.count('class="gg-mark-shock"') == 1 and svg.count('class="gg-mark-burn_in"') == 1
    # before the burn-in ends nothing is marked yet
    assert charts.event_markers({**params, "interaction": False}, 80) == []


def test_verdict_uses_the_direction():
    assert charts.verdict(-5.0, -1) == 1  # less backlog is better
    assert charts.verdict(-5.0, +1) == -1  # less satisfaction is worse
    assert charts.verdict(3.0, 0) == 0  # neutral indicators are never better or worse
    assert charts.verdict(math.nan, 1) == 0


def test_difference_chart_colours_lower_backlog_green_and_higher_red():
    days = [1, 2, 3, 4]
    lower_is_better = charts.difference_chart("Δ backlog", days, [-1, -2, -3, -4], -1)
    assert charts.BETTER in lower_is_better and charts.WORSE not in lower_is_better
    higher_is_better = charts.difference_chart("Δ satisfaction", days, [-1, -2, -3, -4], 1)
    assert charts.WORSE in higher_is_better and charts.BETTER not in higher_is_better
    crossing = charts.difference_chart("Δ", days, [-2, -1, 1, 2], -1)
    assert charts.BETTER in crossing and charts.WORSE in crossing
    assert 'stroke-dasharray="3,3"' in crossing  # the zero line


def test_score_counts_better_and_worse_skipping_neutral_and_missing():
    diffs = {"backlog": -3.0, "satisfaction": 0.1, "trust": -0.01, "util": 0.2, "x": math.nan}
    directions = {"backlog": -1, "satisfaction": 1, "trust": 1, "util": 0, "x": 1}
    assert charts.score(diffs, directions) == (2, 1, 3)
    html = charts.callout_html(2, 1, 3, "B is better on 2 of 3 indicators")
    assert charts.BETTER in html and "font-size:26px" in html


def test_bands_are_drawn_behind_the_mean():
    s = charts.Series("", "#1f77b4", [1, 2, 3], lower=[0, 1, 2], upper=[2, 3, 9])
    svg = charts.line_chart("x", [1, 2, 3], [s])
    assert 'class="gg-band"' in svg
    assert svg.index("gg-band") < svg.index("<polyline")
    band = re.search(r'class="gg-band" points="([^"]+)"', svg).group(1)
    ys = [float(p.split(",")[1]) for p in band.split()]
    assert min(ys) >= 16  # the band's top (9) is inside the plot, below the title
