"""Lesson files: validation with one-line errors, steps that inherit settings, live captions."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from simulation.config import ConfigError
from simulation.dashboard import lessons
from simulation.dashboard.session import DashboardSession, list_scenarios

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = list_scenarios(ROOT / "scenarios")

GOOD = """
title = "Tiny"
title_zh = "小课"
[[steps]]
scenario_a = "baseline"
scenario_b = "full"
params = { households_per_grid = 40, grids_per_street = 2 }
seed = 5
until_day = 10
caption = "Day {day}: backlog A {A.backlog}, B {B.backlog}, diff {diff.backlog}; {better}/{counted}"
caption_zh = "第 {day} 天：积压 A {A.backlog}"
[[steps]]
until_day = 20
caption = "Day {day}: satisfaction B {B.satisfaction_rate_30d}"
"""


def _write(tmp_path: Path, text: str, name: str = "lesson.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_lessons_load_and_have_three_steps_or_more():
    found, problems = lessons.load_lessons(ROOT / "lessons", SCENARIOS)
    assert problems == []
    assert len(found) >= 3
    for lesson in found:
        assert lesson.title and lesson.title_zh
        assert len(lesson.steps) >= 3
        for step in lesson.steps:
            assert step.caption and step.caption_zh  # bilingual
            # numbers are computed live, never typed in: no digits outside placeholders
            # except days and the shock's own description
            assert "{" in step.caption


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.replace('scenario_b = "full"', 'scenario_b = "fulll"'), "steps[1].scenario_b"),
        (lambda s: s.replace("until_day = 10", "until_day = 0"), "steps[1].until_day"),
        (lambda s: s.replace("until_day = 20", 'until_day = "x"'), "steps[2].until_day"),
        (lambda s: s.replace("{B.backlog}", "{B.nonsense}"), "steps[1].caption"),
        (lambda s: s.replace("{B.backlog}", "{B.backlog:.1f}"), "steps[1].caption"),
        (lambda s: s.replace("{day}: backlog", "{day: backlog"), "steps[1].caption"),
        (
            lambda s: s.replace("households_per_grid = 40", "households_per_grid = -3"),
            "steps[1].params.households_per_grid",
        ),
        (
            lambda s: s.replace("params = {", "switches_b = { identityy = true }\nparams = {"),
            "steps[1].switches_b.identityy",
        ),
        (lambda s: s.replace("seed = 5", "seed = -1"), "steps[1].seed"),
        (lambda s: s.replace('title = "Tiny"', 'titel = "Tiny"'), "titel"),
        (lambda s: s.replace('scenario_a = "baseline"\n', ""), "steps[1].scenario_a"),
        (lambda s: 'title = "no steps"\n', "steps"),
        (
            lambda s: s.replace(
                'caption = "Day {day}: satisfaction B {B.satisfaction_rate_30d}"', ""
            ),
            "steps[2].caption",
        ),
    ],
)
def test_a_mistake_gives_one_line_naming_file_and_field(tmp_path, change, field):
    path = _write(tmp_path, change(GOOD))
    with pytest.raises(ConfigError) as info:
        lessons.load_lesson(path, SCENARIOS)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    assert info.value.field == field, message


def test_not_toml_is_one_line(tmp_path):
    path = _write(tmp_path, 'title = "x\n[[[')
    with pytest.raises(ConfigError) as info:
        lessons.load_lesson(path, SCENARIOS)
    assert "not valid TOML" in str(info.value) and "\n" not in str(info.value)


def test_a_bad_file_in_the_folder_is_reported_and_the_others_still_load(tmp_path):
    _write(tmp_path, GOOD, "good.toml")
    _write(tmp_path, "title = 3", "bad.toml")
    found, problems = lessons.load_lessons(tmp_path, SCENARIOS)
    assert [x.name for x in found] == ["good"]
    assert len(problems) == 1 and "bad.toml: title" in problems[0]


def test_checker_command_exits_2_on_a_bad_file(tmp_path, capsys):
    good, bad = _write(tmp_path, GOOD, "good.toml"), _write(tmp_path, "title = 3", "bad.toml")
    assert lessons.main([str(good)]) == 0
    assert lessons.main([str(good), str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.toml" in err[0]


def test_a_lesson_runs_its_steps_keeping_the_streets_between_them(tmp_path):
    lesson = lessons.load_lesson(_write(tmp_path, GOOD), SCENARIOS)
    s = DashboardSession(seed=1, scenario_folder=ROOT / "scenarios")
    first, second = lesson.steps
    assert lessons.apply_step(s, first) is True  # new settings: rebuilt at day 0
    assert s.compare and s.seed == 5 and s.sides["B"].scenario == "full"
    assert s.sides["A"].params["households_per_grid"] == 40
    assert lessons.run_to(s, first.until_day) and s.day == 10
    text = lessons.caption(s, first, "en")
    assert text.startswith("Day 10: backlog A ") and "{" not in text
    assert re.search(r"\d+/6$", text)
    model_before = s.street("A").model
    assert lessons.apply_step(s, second) is False  # same settings: the streets go on
    assert s.street("A").model is model_before
    lessons.run_to(s, second.until_day)
    assert s.day == 20
    assert re.fullmatch(r"Day 20: satisfaction B (\d+%|–)", lessons.caption(s, second, "en"))
    # going back to an earlier day rebuilds and reruns
    assert lessons.apply_step(s, first) is True and s.day == 0
    # the caption falls back to the other language when one is missing
    assert lessons.caption(s, second, "zh").startswith("Day 0")
    assert lessons.caption(s, first, "zh").startswith("第 0 天")


def test_the_readme_example_lesson_is_a_valid_lesson(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("**Lessons**", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    lesson = lessons.load_lesson(_write(tmp_path, block), SCENARIOS)
    assert [s.until_day for s in lesson.steps] == [365, 820]
    assert lesson.steps[1].settings["scenario_b"] == "full"  # inherited


def test_the_lesson_lives_on_the_session_so_followers_see_the_caption(tmp_path):
    from simulation.dashboard import panels

    lesson = lessons.load_lesson(_write(tmp_path, GOOD), SCENARIOS)
    s = DashboardSession(seed=1, scenario_folder=ROOT / "scenarios")
    assert panels.caption_html(s, "en") == ""
    panels.go_to_step(s, lesson, 1)  # the trainer's page
    assert s.day == 20
    caption = panels.caption_html(s, "zh")  # any page that shows this session
    assert "gg-lesson-caption" in caption and "课程结束" in caption


def test_a_step_past_the_end_of_the_run_stops_at_the_end(tmp_path):
    text = GOOD.replace(
        "params = { households_per_grid = 40, grids_per_street = 2 }",
        "params = { households_per_grid = 40, grids_per_street = 2, burn_in_days = 2, "
        "scored_days = 5 }",
    )
    lesson = lessons.load_lesson(_write(tmp_path, text), SCENARIOS)
    s = DashboardSession(seed=1, scenario_folder=ROOT / "scenarios")
    lessons.apply_step(s, lesson.steps[1])
    assert lessons.run_to(s, 20) is False  # returns instead of waiting for day 20 forever
    assert s.day == 7


@pytest.mark.slow
def test_the_page_walks_a_lesson_with_next_and_back_and_pauses_play(tmp_path, monkeypatch):
    import ipyvuetify as v
    import solara

    from simulation.dashboard.app import Dashboard

    _write(tmp_path, GOOD, "tiny.toml")
    monkeypatch.setenv("GRIDGOV_LESSONS_DIR", str(tmp_path))
    session = DashboardSession(seed=3, scenario_folder=ROOT / "scenarios")
    box, rc = solara.render(solara.AppLayout(children=[Dashboard(session)]), handle_error=False)
    try:

        def html() -> str:
            return "\n".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)

        def caption() -> str | None:
            found = re.search(r'class="gg-lesson-caption"[^>]*>(.*?)</div>', html())
            return found.group(1) if found else None

        rc.find(v.Btn, children=["Play"]).widget.click()  # a playing page
        rc.find(v.Select, label="Lesson").widget.v_model = "Tiny"
        rc.find(v.Btn, children=["Pause"]).assert_empty()  # the lesson paused Play
        # A Play frame still in flight redraws from its own thread; wait for the last redraw
        # (a browser receives every update; the test reads the widgets between two of them).
        deadline = time.monotonic() + 15
        while caption() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        text = caption()
        assert text is not None, "the lesson's caption never appeared"
        assert "Day 10: backlog A" in text and session.compare
        rc.find(v.Btn, children=["Next"]).widget.click()
        assert session.day == 20 and "Day 20: satisfaction B" in html()
        assert rc.find(v.Btn, children=["Next"]).widget.disabled
        rc.find(v.Btn, children=["Back"]).widget.click()
        assert session.day == 10
        rc.find(v.Select, label="Lesson").widget.v_model = "No lesson"
        assert "gg-lesson-caption" not in html()
    finally:
        rc.close()
