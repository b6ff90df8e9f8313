"""The dashboard's session, drawing and charts, without a browser or Solara."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from simulation.dashboard import charts, drawing
from simulation.dashboard.session import (
    MAX_HOUSEHOLDS,
    DashboardSession,
    check_value,
    list_scenarios,
    parse_seed,
    scenario_dir,
)

SMALL = {"grids_per_street": 4, "households_per_grid": 50}


@pytest.fixture
def dashboard_session():
    """A session on a small street (fast), baseline vs full."""
    s = DashboardSession(seed=7)
    assert s.set_params(SMALL)
    return s


@pytest.fixture
def dashboard_scenario_folder(tmp_path):
    """A scenario folder with one good file, one broken TOML file and one with a bad value."""
    (tmp_path / "good.toml").write_text('name = "good"\n[parameters]\nidentity = true\n')
    (tmp_path / "broken.toml").write_text('name = "broken\n[[[ not toml')
    (tmp_path / "bad_value.toml").write_text('name = "bad"\n[parameters]\nneed_rate = "lots"\n')
    return tmp_path


# --- input checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,seed", [("42", 42), (" 7 ", 7), ("0", 0), (123, 123), ("1_000", 1000)]
)
def test_seed_accepts_whole_numbers(text, seed):
    assert parse_seed(text) == seed


@pytest.mark.parametrize("text", ["abc", "4.2", "-1", "", "1e3", "٣", "42abc", None, True, 2**64])
def test_seed_rejects_anything_else_with_a_message(text):
    with pytest.raises(ValueError, match="Seed must be"):
        parse_seed(text)


@pytest.mark.parametrize(
    "name,value",
    [
        ("need_rate", 1e9),
        ("need_rate", -1),
        ("need_rate", float("nan")),
        ("need_rate", float("inf")),
        ("need_rate", "abc"),
        ("households_per_grid", 2.5),
        ("households_per_grid", None),
        ("households_per_grid", True),
        ("identity", "yes"),
        ("no_such_parameter", 1),
    ],
)
def test_check_value_rejects_garbage(name, value):
    with pytest.raises(ValueError, match=r"\w"):
        check_value(name, value)


def test_check_value_converts_to_the_parameter_type():
    assert check_value("households_per_grid", 300.0) == 300
    assert isinstance(check_value("households_per_grid", 300.0), int)
    assert check_value("need_rate", 3) == 3.0


def test_project_scenarios_are_listed():
    names = list_scenarios()
    assert {"baseline", "full"} <= set(names)
    assert scenario_dir().name == "scenarios"


# --- the session ----------------------------------------------------------------------------


def test_default_session_runs_the_default_street():
    s = DashboardSession()
    assert s.sides["A"].scenario == "baseline" and s.sides["B"].scenario == "full"
    assert len(s.street("A").model.households.x) == 3600
    assert s.day == 0 and s.message == ""
    assert s.step(2)
    assert s.day == 2 and len(s.street("A").history["backlog"]) == 2


def test_step_records_every_metric_each_day(dashboard_session):
    s = dashboard_session
    assert s.step(5)
    assert s.street("A").days == [1, 2, 3, 4, 5]
    for values in s.street("A").history.values():
        assert len(values) == 5
    assert not math.isnan(s.street("A").latest["backlog"])


def test_mechanism_switch_changes_the_model_and_restarts(dashboard_session):
    s = dashboard_session
    s.step(3)
    assert s.set_mechanism("A", "connection", True)
    assert s.street("A").model.p["connection"] is True
    assert s.day == 0
    assert "connection" in s.label("A")
    assert not s.set_mechanism("A", "magic", True)
    assert "Unknown mechanism" in s.message


def test_comparison_runs_two_streets_in_lockstep_with_one_seed(dashboard_session):
    s = dashboard_session
    assert s.set_compare(True)
    assert set(s.streets) == {"A", "B"}
    assert s.street("A").seed == s.street("B").seed == 7
    assert s.street("B").model.p["identity"] and not s.street("A").model.p["identity"]
    s.step(20)
    assert s.street("A").day == s.street("B").day == 20
    diff = s.difference("backlog")
    a, b = s.street("A").history["backlog"], s.street("B").history["backlog"]
    assert diff == [vb - va for va, vb in zip(a, b, strict=True)]
    assert any(d != 0 for d in diff)  # baseline and full do differ


def test_same_settings_same_seed_give_identical_streets(dashboard_session):
    s = dashboard_session
    s.set_compare(True)
    assert s.load_scenario("B", "baseline")
    s.set_params(SMALL)
    s.step(15)
    assert all(d == 0 or math.isnan(d) for d in s.difference("backlog"))
    assert s.street("A").history["satisfaction_rate_30d"][-1] == pytest.approx(
        s.street("B").history["satisfaction_rate_30d"][-1], nan_ok=True
    )


def test_seed_field_rejects_letters_and_keeps_the_old_seed(dashboard_session):
    s = dashboard_session
    assert not s.set_seed("12a")
    assert "whole number" in s.message
    assert s.seed == 7 and s.street("A").seed == 7
    assert s.set_seed("99") and s.street("A").seed == 99


@pytest.mark.parametrize(
    "name,value",
    [("need_rate", 1e9), ("households_per_grid", -5), ("need_rate", float("nan")), ("x", 1)],
)
def test_extreme_values_through_the_api_give_a_message(dashboard_session, name, value):
    s = dashboard_session
    before = dict(s.sides["A"].params)
    assert not s.set_param(name, value)
    assert s.message
    assert s.sides["A"].params == before
    assert s.step(1)  # still a valid, running street


def test_too_many_households_is_refused_with_a_message(dashboard_session):
    s = dashboard_session
    assert not s.set_params({"n_streets": 2, "grids_per_street": 40, "households_per_grid": 1000})
    assert f"{MAX_HOUSEHOLDS:,}" in s.message
    assert s.sides["A"].params["grids_per_street"] == SMALL["grids_per_street"]
    assert s.step(1)


def test_extremes_inside_the_ranges_run(dashboard_session):
    s = dashboard_session
    assert s.set_params(
        {
            "need_rate": 12.0,
            "households_per_grid": 20,
            "workers_per_grid": 10,
            "meeting_interval": 1,
        }
    )
    for mechanism in ("identity", "connection", "interaction"):
        assert s.set_mechanism("A", mechanism, True)
    assert s.step(30), s.message


def test_broken_scenario_file_gives_a_message_and_keeps_the_street(dashboard_scenario_folder):
    s = DashboardSession(scenario_folder=dashboard_scenario_folder, scenario_a="good")
    assert s.sides["A"].scenario == "good" and s.sides["A"].params["identity"] is True
    model = s.street("A").model
    assert not s.load_scenario("A", "broken")
    assert "broken" in s.message and "\n" not in s.message
    assert s.street("A").model is model
    assert not s.load_scenario("A", "bad_value")
    assert "bad_value" in s.message
    assert not s.load_scenario("A", "missing")
    assert "No scenario 'missing'" in s.message
    assert s.load_scenario("A", "good")


def test_model_error_during_step_gives_a_message_and_reset_recovers(dashboard_session):
    s = dashboard_session

    def explode():
        raise RuntimeError("boom")

    s.street("A").model.step = explode
    assert not s.step(1)
    assert "boom" in s.message
    assert s.reset()
    assert s.message == "" and s.day == 0
    assert s.step(2) and s.day == 2


def test_model_refusing_to_build_keeps_the_old_street(dashboard_session, monkeypatch):
    s = dashboard_session
    old = s.street("A")
    rate = s.sides["A"].params["need_rate"]

    def refuse(**kwargs):
        raise ValueError("cannot build that")

    monkeypatch.setattr("simulation.dashboard.session._model_class", lambda: refuse)
    assert not s.set_param("need_rate", rate + 1)
    assert "cannot build that" in s.message
    assert s.street("A") is old
    assert s.sides["A"].params["need_rate"] == rate


def test_reset_after_bad_inputs_returns_to_a_valid_state(dashboard_session):
    s = dashboard_session
    s.set_seed("zzz")
    s.set_param("need_rate", "lots")
    s.step(4)
    assert s.reset()
    assert s.day == 0 and s.message == ""
    assert s.step(1)


def test_step_rejects_nonsense_day_counts(dashboard_session):
    s = dashboard_session
    assert not s.step(0) and not s.step("x") and not s.step(10**6)
    assert s.day == 0


# --- drawing --------------------------------------------------------------------------------


def test_street_image_has_one_pixel_per_cell_and_marks_empty_cells(dashboard_session):
    model = dashboard_session.street("A").model
    rgb = drawing.cell_rgb(model, "trust")
    assert rgb.shape == (model.height, model.width, 3)
    occupied = np.zeros((model.height, model.width), dtype=bool)
    occupied[model.households.y, model.households.x] = True
    if (~occupied).any():
        assert (rgb[~occupied] == drawing.EMPTY_RGB).all()
    assert not (rgb[occupied] == drawing.EMPTY_RGB).all(axis=-1).any()


def test_households_are_coloured_by_their_state(dashboard_session):
    model = dashboard_session.street("A").model
    h = model.households
    h.trust[:] = 0.0
    h.trust[0] = 1.0
    rgb = drawing.cell_rgb(model, "trust")
    assert not (rgb[h.y[0], h.x[0]] == rgb[h.y[1], h.x[1]]).all()
    # Before any experience satisfaction is NaN: drawn as "no experience yet", not as empty.
    h.satisfaction[:] = np.nan
    rgb = drawing.cell_rgb(model, "satisfaction")
    assert (rgb[h.y, h.x] == drawing.UNRATED_RGB).all()


def test_street_html_marks_grids_workers_and_partners(dashboard_session):
    model = dashboard_session.street("A").model
    html = drawing.street_html(model, "open needs", side="B")
    assert html.count('class="gg-grid"') == len(model.grid_bounds)
    assert html.count('class="gg-worker"') == len(model.workers)
    assert html.count('class="gg-partner"') == len(model.partners)
    assert 'class="gg-street gg-street-B"' in html
    assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', html)
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize("colour_by", list(drawing.COLOURINGS))
def test_legend_names_the_colouring_and_the_markers(colour_by):
    html = drawing.legend_html(colour_by)
    assert drawing.COLOURINGS[colour_by].label in html
    assert "grid worker" in html and "partner" in html and "grid border" in html


# --- charts ---------------------------------------------------------------------------------


def test_chart_draws_lines_with_gaps_for_missing_days():
    svg = charts.line_chart(
        "Backlog", [1, 2, 3, 4, 5], [charts.Series("A", "#000000", [1, 2, math.nan, 4, 5])]
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 2
    assert "day 1" in svg and "day 5" in svg


def test_chart_without_data_says_so():
    svg = charts.line_chart("Backlog", [], [charts.Series("", "#000000", [])])
    assert "no data yet" in svg


def test_difference_chart_shows_the_zero_line():
    svg = charts.line_chart(
        "Δ", [1, 2], [charts.Series("B − A", "#000000", [2.0, 3.0])], zero_line=True
    )
    assert 'stroke-dasharray="3,3"' in svg


def test_long_series_are_thinned():
    n = 5000
    svg = charts.line_chart("x", list(range(n)), [charts.Series("", "#000000", [1.0] * n)])
    points = re.search(r'points="([^"]+)"', svg).group(1).split()
    assert len(points) <= charts.MAX_POINTS + 1


def test_nice_ticks_are_round_and_cover_the_range():
    ticks = charts.nice_ticks(0.03, 0.97)
    assert ticks[0] >= 0.03 and ticks[-1] <= 0.97
    assert all(abs(t * 10 - round(t * 10)) < 1e-9 for t in ticks)


# --- classroom use ----------------------------------------------------------------------------


@pytest.mark.parametrize("text,seed", [("４２", 42), (" ７ ", 7), ("１_０００", 1000)])
def test_full_width_digits_from_a_chinese_input_method_are_a_seed(text, seed):
    assert parse_seed(text) == seed


def test_a_10_kb_paste_into_the_seed_gives_a_short_message_not_pythons():
    with pytest.raises(ValueError) as caught:
        parse_seed("7" * 10_000)
    message = str(caught.value)
    assert message.startswith("Seed must be") and len(message) < 120
    assert "int" not in message and "limit" not in message
    s = DashboardSession(seed=5)
    assert not s.set_seed("1" * 10_000) and s.seed == 5 and len(s.message) < 120


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", float("inf"), "1e999"])
def test_a_hand_crafted_infinite_slider_value_is_a_message(dashboard_session, value):
    s = dashboard_session
    assert not s.set_param("households_per_grid", value)
    assert s.message.startswith("households_per_grid")
    assert "Traceback" not in s.message and "/" not in s.message
    assert s.step(1)


def test_reset_restores_the_starting_settings(dashboard_session):
    s = dashboard_session
    assert s.set_params({"households_per_grid": 1000, "workers_per_grid": 3})
    assert s.set_seed("9") and s.set_mechanism("A", "identity", True)
    assert len(s.street("A").model.households.x) == 4 * 1000
    s.step(3)
    assert s.reset()
    assert s.seed == 7 and s.day == 0
    assert s.sides["A"].scenario == "baseline" and s.sides["B"].scenario == "full"
    assert len(s.street("A").model.households.x) == 3600
    assert s.sides["A"].params["identity"] is False
    assert s.sides["A"].params["workers_per_grid"] == 1


def test_step_stops_at_the_end_of_the_configured_run(dashboard_session):
    s = dashboard_session
    assert s.set_params({"burn_in_days": 0, "scored_days": 5})
    assert s.step(30)
    assert s.day == 5 and s.finished
    assert "Run complete at day 5" in s.notice
    assert s.step(1) and s.day == 5


def test_a_clone_is_at_the_same_day_and_goes_on_identically(dashboard_session):
    s = dashboard_session
    s.set_compare(True)
    s.set_seed(11)
    s.step(40)
    clone = s.clone()
    assert clone is not s and clone.day == 40 and clone.compare
    assert clone.street("A").model is not s.street("A").model
    assert clone.street("B").history["backlog"] == s.street("B").history["backlog"]
    s.step(25)
    clone.step(25)
    assert clone.street("A").history["backlog"] == s.street("A").history["backlog"]
    clone.set_mechanism("A", "identity", True)  # the copy is independent
    assert s.sides["A"].params["identity"] is False and s.day == 65


def test_a_valid_change_after_an_invalid_one_clears_the_error():
    s = DashboardSession()
    assert not s.set_param("admin_hours", 9.0)  # above the default 8 worker hours
    assert "admin_hours" in s.message and s.sides["A"].params["admin_hours"] == 3.5
    assert s.set_param("admin_hours", 5.0)
    assert s.message == "" and s.sides["A"].params["admin_hours"] == 5.0
