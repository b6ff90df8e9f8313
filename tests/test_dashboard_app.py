"""The dashboard page rendered with `solara.render` (no browser): find the controls, press them."""

from __future__ import annotations

import os
import re
import time

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

import ipyvuetify as v  # noqa: E402
import pytest  # noqa: E402
import solara  # noqa: E402

from simulation.dashboard.app import Dashboard, Page  # noqa: E402
from simulation.dashboard.session import DashboardSession  # noqa: E402

SMALL = {"grids_per_street": 4, "households_per_grid": 50}


def _html(rc) -> str:
    """All HTML the main view shows, joined."""
    return "\n".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)


def _day(rc) -> int:
    return int(re.search(r'class="gg-day"[^>]*>Day (\d+)<', _html(rc)).group(1))


def _button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def _switch(rc, label):
    return rc.find(v.Switch, label=label).widget


@pytest.fixture
def dashboard_page():
    """The page over a small street, rendered inside an AppLayout as `solara run` does."""
    session = DashboardSession(seed=3)
    session.set_params(SMALL)
    box, rc = solara.render(solara.AppLayout(children=[Dashboard(session)]), handle_error=False)
    yield session, rc
    rc.close()


def test_page_renders_the_street_plots_and_controls():
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        html = _html(rc)
        assert _day(rc) == 0
        assert 'class="gg-street gg-street-A"' in html
        assert "3,600 households" in html
        assert html.count('class="gg-chart"') == 6
        for title in ("Backlog", "Resolution time", "Satisfaction rate", "Trust (solid)"):
            assert title in html
        assert "Volunteers (30 d)" in html and "Escalations per case" in html
        assert 'class="gg-kpi"' in html and "gg-legend" in html
        for label in ("Reset", "Play", "Step", "+30 days"):
            _button(rc, label)
        for mechanism in ("Identity", "Connection", "Interaction"):
            _switch(rc, f"{mechanism} (A)")
        rc.find(v.Select, label="Scenario A").assert_single()
        rc.find(v.TextField, label="Seed (whole number)").assert_single()
        sliders = rc.find(v.Slider).widgets
        labels = " ".join(s.label for s in sliders)
        for name in ("Households per grid", "Workers per grid", "Need rate", "Meeting interval"):
            assert name in labels
    finally:
        rc.close()


def test_step_and_thirty_days_advance_the_model(dashboard_page):
    session, rc = dashboard_page
    _button(rc, "Step").click()
    assert _day(rc) == 1 and session.day == 1
    _button(rc, "+30 days").click()
    assert _day(rc) == 31 and session.day == 31
    assert "day 31" in _html(rc)  # the plots moved with it


def test_mechanism_switch_changes_the_model(dashboard_page):
    session, rc = dashboard_page
    _button(rc, "Step").click()
    _switch(rc, "Identity (A)").v_model = True
    assert session.street("A").model.p["identity"] is True
    assert _day(rc) == 0  # a new setting restarts the street
    assert "baseline: identity ·" in _html(rc)
    _switch(rc, "Identity (A)").v_model = False
    assert session.street("A").model.p["identity"] is False


@pytest.mark.slow
def test_scenario_picker_loads_the_file_and_sets_the_switches(dashboard_page):
    session, rc = dashboard_page
    rc.find(v.Select, label="Scenario A").widget.v_model = "full"
    assert session.sides["A"].scenario == "full"
    for mechanism in ("Identity", "Connection", "Interaction"):
        assert _switch(rc, f"{mechanism} (A)").v_model is True
    assert "full: identity + connection + interaction" in _html(rc)


@pytest.mark.slow
def test_broken_scenario_in_the_picker_shows_a_message(tmp_path):
    (tmp_path / "baseline.toml").write_text('name = "baseline"\n[parameters]\n')
    (tmp_path / "broken.toml").write_text("this is [not toml")
    session = DashboardSession(scenario_folder=tmp_path)
    session.set_params(SMALL)
    box, rc = solara.render(solara.AppLayout(children=[Dashboard(session)]), handle_error=False)
    try:
        rc.find(v.Select, label="Scenario A").widget.v_model = "broken"
        alert = rc.find(v.Alert, class_="gg-message")
        alert.assert_single()
        assert "Could not load scenario 'broken'" in str(alert.widget.children)
        assert session.sides["A"].scenario == "baseline"
        _button(rc, "Step").click()  # the page still works
        assert _day(rc) == 1
        _button(rc, "Dismiss").click()
        rc.find(v.Alert, class_="gg-message").assert_empty()
    finally:
        rc.close()


@pytest.mark.slow
def test_seed_with_letters_shows_a_message_and_keeps_the_seed(dashboard_page):
    session, rc = dashboard_page
    field = rc.find(v.TextField, label="Seed (whole number)").widget
    field.v_model = "4x2"
    field.fire_event("keyup.enter", None)
    field = rc.find(v.TextField, label="Seed (whole number)").widget
    assert field.error is True
    assert "Seed must be a whole number" in str(field.messages)
    assert session.seed == 3
    field.v_model = "11"
    field.fire_event("keyup.enter", None)
    assert session.seed == 11 and session.street("A").seed == 11
    assert rc.find(v.TextField, label="Seed (whole number)").widget.error is False


@pytest.mark.slow
def test_comparison_mode_shows_two_streets_and_the_difference_plot(dashboard_page):
    session, rc = dashboard_page
    _switch(rc, "Compare two streets (A vs B)").v_model = True
    html = _html(rc)
    assert 'class="gg-street gg-street-A"' in html and 'class="gg-street gg-street-B"' in html
    assert html.count('class="gg-diff-chart"') == 4
    _switch(rc, "Identity (B)")  # B has its own switches and picker
    rc.find(v.Select, label="Scenario B").assert_single()
    _button(rc, "+30 days").click()
    assert session.street("A").day == session.street("B").day == 30
    html = _html(rc)
    assert "B − A" in html and 'class="gg-kpi-diff"' in html
    diff = html[html.index("Difference B − A") :]
    assert "<polyline" in diff


@pytest.mark.slow
def test_slider_changes_both_streets(dashboard_page):
    session, rc = dashboard_page
    _switch(rc, "Compare two streets (A vs B)").v_model = True
    slider = rc.find(v.Slider, class_="gg-slider-households_per_grid").widget
    slider.v_model = 40  # dragging: nothing is rebuilt until the thumb is released
    assert session.street("A").model.p["households_per_grid"] == 50
    slider.fire_event("change", 30)
    assert session.street("A").model.p["households_per_grid"] == 30
    assert session.street("B").model.p["households_per_grid"] == 30
    assert len(session.street("B").model.households.x) == 4 * 30


@pytest.mark.slow
def test_play_advances_and_pause_stops(dashboard_page):
    session, rc = dashboard_page
    _button(rc, "Play").click()
    deadline = time.time() + 20
    while session.day < 6 and time.time() < deadline:
        time.sleep(0.05)
    assert session.day >= 6
    _button(rc, "Pause").click()
    time.sleep(0.3)
    stopped = session.day
    time.sleep(0.5)
    assert session.day == stopped
    assert _day(rc) == stopped


@pytest.mark.slow
def test_reset_returns_to_day_zero_and_clears_messages(dashboard_page):
    session, rc = dashboard_page
    _button(rc, "+30 days").click()
    session.set_param("need_rate", "garbage")
    _button(rc, "Step").click()
    rc.find(v.Alert, class_="gg-message").assert_single()
    _button(rc, "Reset").click()
    assert _day(rc) == 0 and session.message == ""
    rc.find(v.Alert, class_="gg-message").assert_empty()
    _button(rc, "Step").click()
    assert _day(rc) == 1


@pytest.mark.slow
def test_play_stops_by_itself_when_the_run_is_over():
    session = DashboardSession(seed=5)
    session.set_params({**SMALL, "burn_in_days": 0, "scored_days": 12})
    box, rc = solara.render(solara.AppLayout(children=[Dashboard(session)]), handle_error=False)
    try:
        _button(rc, "Play").click()
        deadline = time.time() + 20
        while time.time() < deadline and not rc.find(v.Alert, class_="gg-notice").widgets:
            time.sleep(0.05)
        assert "Run complete" in str(rc.find(v.Alert, class_="gg-notice").widget.children)
        assert 12 <= session.day <= 14
        _button(rc, "Play")  # the button is back to Play
    finally:
        rc.close()


@pytest.mark.slow
def test_closing_the_page_stops_a_playing_loop(dashboard_page):
    session, rc = dashboard_page
    _button(rc, "Play").click()
    deadline = time.time() + 20
    while session.day < 3 and time.time() < deadline:
        time.sleep(0.05)
    rc.close()  # what Solara does when the browser tab's session ends
    time.sleep(0.5)
    stopped = session.day
    time.sleep(0.6)
    assert session.day == stopped


def test_a_drawing_error_shows_a_message_and_the_controls_keep_working(dashboard_page, monkeypatch):
    session, rc = dashboard_page

    def broken(*args, **kwargs):
        raise RuntimeError("no households array")

    monkeypatch.setattr("simulation.dashboard.app.street_html", broken)
    monkeypatch.setattr("simulation.dashboard.views.plots_html", broken)
    _button(rc, "Step").click()
    html = _html(rc)
    assert "Cannot draw street A: no households array" in html
    assert "Cannot draw the plots" in html
    monkeypatch.undo()
    _button(rc, "Step").click()
    assert _day(rc) == 2 and 'class="gg-street gg-street-A"' in _html(rc)


def test_a_refused_slider_value_gives_a_message_and_the_thumb_goes_back(dashboard_page):
    session, rc = dashboard_page
    session.set_params({"n_streets": 20})  # 20 streets × 4 grids × 50 households
    slider = rc.find(v.Slider, class_="gg-slider-households_per_grid").widget
    slider.fire_event("change", 1000)  # would be 80,000 households
    assert "this dashboard allows at most" in str(
        rc.find(v.Alert, class_="gg-message").widget.children
    )
    assert session.street("A").model.p["households_per_grid"] == 50
    assert rc.find(v.Slider, class_="gg-slider-households_per_grid").widget.v_model == 50


# --- classroom bugs: each reproduced here first ------------------------------------------------


def _wait(condition, timeout=60.0):
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        time.sleep(0.02)
    return condition()


def test_a_seed_typed_during_play_is_applied(dashboard_page):
    session, rc = dashboard_page
    _button(rc, "Play").click()
    assert _wait(lambda: session.day >= 4)
    field = rc.find(v.TextField, class_="gg-seed").widget
    field.v_model = "77"  # typed; Play redraws the page several times before Enter
    time.sleep(0.4)
    assert rc.find(v.TextField, class_="gg-seed").widget.v_model == "77"
    field.fire_event("keyup.enter", None)
    assert session.seed == 77 and session.street("A").seed == 77
    _button(rc, "Pause").click()
    assert rc.find(v.TextField, class_="gg-seed").widget.v_model == "77"


def test_full_width_digits_and_a_huge_paste_in_the_seed_field(dashboard_page):
    session, rc = dashboard_page
    field = rc.find(v.TextField, class_="gg-seed").widget
    field.v_model = "４２"
    field.fire_event("keyup.enter", None)
    assert session.seed == 42
    field.v_model = "9" * 10_000
    field.fire_event("keyup.enter", None)
    field = rc.find(v.TextField, class_="gg-seed").widget
    assert field.error is True and session.seed == 42
    message = " ".join(field.messages)
    assert message.startswith("Seed must be") and len(message) < 120


def test_reset_button_restores_the_starting_street():
    session = DashboardSession(seed=3)
    box, rc = solara.render(solara.AppLayout(children=[Dashboard(session)]), handle_error=False)
    try:
        slider = rc.find(v.Slider, class_="gg-slider-households_per_grid").widget
        slider.fire_event("change", 1000)
        assert "12,000 households" in _html(rc)
        _button(rc, "+30 days").click()
        _button(rc, "Reset").click()
        assert _day(rc) == 0 and "3,600 households" in _html(rc)
        assert rc.find(v.Slider, class_="gg-slider-households_per_grid").widget.v_model == 300
    finally:
        rc.close()


def test_step_and_play_are_off_once_the_run_is_complete(dashboard_page):
    session, rc = dashboard_page
    session.set_params({"burn_in_days": 0, "scored_days": 20})
    _button(rc, "+30 days").click()
    assert session.day == 20 and _day(rc) == 20
    assert "Run complete at day 20" in str(rc.find(v.Alert, class_="gg-notice").widget.children)
    for label in ("Step", "+30 days", "Play"):
        assert _button(rc, label).disabled is True
    _button(rc, "Reset").click()
    assert _button(rc, "Step").disabled is False


@pytest.mark.slow
def test_shared_sliders_show_both_values_when_the_streets_differ(dashboard_page):
    session, rc = dashboard_page
    _switch(rc, "Compare two streets (A vs B)").v_model = True
    session.sides["B"].params["workers_per_grid"] = 2  # as a scenario with extra staff does
    session.rebuild()
    _switch(rc, "Compare two streets (A vs B)").v_model = False
    _switch(rc, "Compare two streets (A vs B)").v_model = True
    slider = rc.find(v.Slider, class_="gg-slider-workers_per_grid").widget
    assert "A 1 · B 2" in slider.label and "differ" in slider.label
    assert slider.color == "deep-orange"
    slider.fire_event("change", 3)
    slider = rc.find(v.Slider, class_="gg-slider-workers_per_grid").widget
    assert session.street("B").model.p["workers_per_grid"] == 3
    assert "differ" not in slider.label


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "1e999", "abc", None])
def test_a_hand_crafted_slider_value_gives_a_message_not_a_traceback(dashboard_page, value):
    session, rc = dashboard_page
    slider = rc.find(v.Slider, class_="gg-slider-households_per_grid").widget
    slider.fire_event("change", value)
    text = str(rc.find(v.Alert, class_="gg-message").widget.children)
    assert "households_per_grid" in text
    assert "Traceback" not in text and ".py" not in text
    assert session.street("A").model.p["households_per_grid"] == 50
    _button(rc, "Step").click()
    assert _day(rc) == 1


def test_a_page_beyond_the_session_cap_gets_a_polite_notice(monkeypatch):
    from simulation.dashboard import classroom

    monkeypatch.setattr(classroom.REGISTRY, "_max", len(classroom.REGISTRY))
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        assert "The classroom is full" in _html(rc)
        assert not rc.find(v.Btn, children=["Step"]).widgets
    finally:
        rc.close()
    monkeypatch.setattr(classroom.REGISTRY, "_max", None)
    before = len(classroom.REGISTRY)
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    assert len(classroom.REGISTRY) == before + 1
    rc.close()
    assert len(classroom.REGISTRY) == before  # closing the page frees its place


@pytest.mark.slow
def test_without_the_classroom_password_a_page_is_refused_politely(monkeypatch):
    monkeypatch.setenv("GRIDGOV_DASHBOARD_TOKEN", "ban-ji-42")
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        assert "This dashboard is for one classroom" in _html(rc)
        assert not rc.find(v.Btn, children=["Step"]).widgets
        field = rc.find(v.TextField, class_="gg-password").widget
        field.v_model = "wrong"
        _button(rc, "Enter").click()
        assert "not the password" in str(rc.find(v.TextField, class_="gg-password").widget.messages)
        rc.find(v.TextField, class_="gg-password").widget.v_model = "ban-ji-42"
        _button(rc, "Enter").click()
        _button(rc, "Step").click()
        assert _day(rc) == 1
    finally:
        rc.close()


def _room_code(rc) -> str:
    return re.search(r'class="gg-room-code"[^>]*>(\w+)<', _html(rc)).group(1)


def _follow(rc, code):
    rc.find(v.TextField, class_="gg-room-code-input").widget.v_model = code
    rc.find(v.Btn, class_="gg-room-join").widget.click()


@pytest.mark.slow
def test_follow_mode_viewers_watch_the_trainers_street_and_can_branch_off():
    trainer_session = DashboardSession(seed=3)
    trainer_session.set_params(SMALL)
    pages = [
        solara.render(solara.AppLayout(children=[Dashboard(s)]), handle_error=False)[1]
        for s in (trainer_session, DashboardSession(seed=8), DashboardSession(seed=9))
    ]
    trainer, viewers = pages[0], pages[1:]
    try:
        trainer.find(v.Btn, class_="gg-room-start").widget.click()
        code = _room_code(trainer)
        for viewer in viewers:
            _follow(viewer, code.lower())  # typed loosely
            assert "Following room" in _html(viewer)
            assert not viewer.find(v.Btn, children=["Step"]).widgets  # read-only
        assert _wait(lambda: "2 following" in _html(trainer))
        _button(trainer, "+30 days").click()
        for viewer in viewers:
            # the trainer's street (200 households), not their own, drawn in the same render
            assert _wait(
                lambda viewer=viewer: _day(viewer) == 30 and "200 households" in _html(viewer)
            )
        # each viewer keeps its own colouring
        viewers[0].find(v.BtnToggle, class_="gg-colour-by").widget.v_model = 1
        _button(trainer, "Step").click()
        assert _wait(lambda: _day(viewers[1]) == 31 and _day(viewers[0]) == 31)
        # the trainer hands control to the first trainee, who steps for everyone
        trainer.find(v.Select, class_="gg-room-driver").widget.v_model = "Trainee 1"
        assert _wait(lambda: bool(viewers[0].find(v.Btn, children=["Step"]).widgets))
        _button(viewers[0], "Step").click()
        assert _wait(lambda: _day(trainer) == 32 and _day(viewers[1]) == 32)
        # everyone branches off with their own copy at the same day
        trainer.find(v.Select, class_="gg-room-driver").widget.v_model = "Trainer"
        trainer.find(v.Btn, class_="gg-room-branch-all").widget.click()
        assert _wait(lambda: all(bool(p.find(v.Btn, children=["Step"]).widgets) for p in viewers))
        time.sleep(0.2)  # let the viewers' own redraws (from their follow threads) finish
        _button(viewers[1], "Step").click()
        assert _wait(lambda: _day(viewers[1]) == 33)
        assert _day(viewers[0]) == 32 and trainer_session.day == 32
    finally:
        for page in pages:
            page.close()


@pytest.mark.slow
def test_an_idle_page_frees_its_streets_and_reset_brings_them_back(monkeypatch):
    monkeypatch.setenv("GRIDGOV_IDLE_MINUTES", "0.05")  # 3 s
    session = DashboardSession(seed=3)
    session.set_params(SMALL)
    box, rc = solara.render(solara.AppLayout(children=[Dashboard(session)]), handle_error=False)
    try:
        _button(rc, "Step").click()
        # one render pass updates the notice and the buttons, but widget by widget: wait for both
        assert _wait(
            lambda: (
                bool(rc.find(v.Alert, class_="gg-notice").widgets)
                and _button(rc, "Step").disabled is True
            ),
            timeout=15,
        )
        assert not session.streets
        assert "idle" in str(rc.find(v.Alert, class_="gg-notice").widget.children)
        _button(rc, "Reset").click()
        _button(rc, "Step").click()
        assert _day(rc) == 1
    finally:
        rc.close()
