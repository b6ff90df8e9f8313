"""Lessons: a trainer's walk through the model, written as a TOML file, played with Next/Back.

A lesson file (``lessons/*.toml``) holds a title and a list of steps; each step says which
scenarios streets A and B run, optional switches and parameters, the day to run to, and a
caption in English and Chinese whose numbers are filled in live from the running streets::

    title = "Baseline vs all three mechanisms"
    title_zh = "基线与三项机制对比"

    [[steps]]
    scenario_a = "baseline"
    scenario_b = "full"
    until_day = 365
    caption = "Day {day}: backlog A {A.backlog}, B {B.backlog}"
    caption_zh = "第 {day} 天：积压 A {A.backlog}，B {B.backlog}"

A step inherits every setting it does not give from the step before, so a step that only moves
`until_day` on keeps the streets running. Caption fields: ``{day}``, ``{seed}``, ``{better}``,
``{worse}``, ``{counted}`` and ``{A.x}``, ``{B.x}``, ``{diff.x}`` for each compared indicator x
(`views.INDICATORS` and ``cost_per_resolved``). Any mistake in a file is one line naming the file
and field (`ConfigError`): check a file with ``python -m simulation.dashboard.lessons FILE``.
"""

from __future__ import annotations

import math
import os
import string
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from simulation.config import ConfigError, load_scenario
from simulation.core import parameters
from simulation.core.mechanisms import MECHANISMS
from simulation.dashboard import i18n, views
from simulation.dashboard.session import list_scenarios, scenario_dir

TOP_KEYS = {"title", "title_zh", "description", "description_zh", "steps"}
SETTING_KEYS = ("scenario_a", "scenario_b", "switches_a", "switches_b", "params", "params_a",
                "params_b", "seed")  # fmt: skip
STEP_KEYS = {*SETTING_KEYS, "until_day", "title", "title_zh", "caption", "caption_zh"}
MAX_DAY = 4370  # the longest run the parameter table allows (720 burn-in + 3650 scored)
SIDE_FIELDS = (*views.INDICATORS, views.COST)
CHUNK_DAYS = 5  # days run between two screen updates while a step runs to its day


def lesson_dir() -> Path:
    """Folder of lesson files: `$GRIDGOV_LESSONS_DIR` or the project's `lessons/`."""
    env = os.environ.get("GRIDGOV_LESSONS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "lessons"


@dataclass(frozen=True)
class Step:
    """One step of a lesson, with every setting resolved (inherited from earlier steps)."""

    settings: dict[str, Any]
    until_day: int
    title: str = ""
    title_zh: str = ""
    caption: str = ""
    caption_zh: str = ""


@dataclass(frozen=True)
class Lesson:
    """A validated lesson file."""

    name: str
    title: str
    title_zh: str
    description: str
    description_zh: str
    steps: tuple[Step, ...] = field(default_factory=tuple)


def _caption_fields(text: str, where: str, source: str) -> None:
    allowed = {"day", "seed", "better", "worse", "counted"}
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConfigError(source, where, f"bad placeholder in caption ({exc})") from None
    for _, name, spec, _ in parsed:
        if name is None:
            continue
        side, _, indicator = name.partition(".")
        ok = name in allowed or (side in ("A", "B", "diff") and indicator in SIDE_FIELDS)
        if not ok:
            raise ConfigError(
                source,
                where,
                f"unknown placeholder {{{name}}}; use day, seed, better, worse, counted or "
                f"A./B./diff. with one of {', '.join(SIDE_FIELDS)}",
            )
        if spec:
            raise ConfigError(source, where, f"{{{name}:{spec}}}: numbers are formatted for you")


def _check_settings(raw: dict[str, Any], where: str, source: str, scenarios: list[str]) -> None:
    for side in ("a", "b"):
        name = raw.get(f"scenario_{side}")
        if name is not None and name not in scenarios:
            raise ConfigError(
                source,
                f"{where}.scenario_{side}",
                f"no scenario {name!r} (known: {', '.join(scenarios)})",
            )
        switches = raw.get(f"switches_{side}", {})
        if not isinstance(switches, dict):
            raise ConfigError(source, f"{where}.switches_{side}", "must be a table of switches")
        for m, on in switches.items():
            if m not in MECHANISMS or not isinstance(on, bool):
                raise ConfigError(
                    source, f"{where}.switches_{side}.{m}",
                    f"give one of {', '.join(MECHANISMS)} = true or false",
                )  # fmt: skip
    for key in ("params", "params_a", "params_b"):
        values = raw.get(key, {})
        if not isinstance(values, dict):
            raise ConfigError(source, f"{where}.{key}", "must be a table of parameters")
        for name, value in values.items():
            try:
                parameters.check_value(name, value)
            except parameters.ParameterError as exc:
                raise ConfigError(source, f"{where}.{key}.{name}", exc.message) from None
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ConfigError(source, f"{where}.seed", f"must be a whole number ≥ 0, got {seed!r}")


def _step(raw: Any, i: int, previous: dict[str, Any], source: str, scenarios: list[str]) -> Step:
    where = f"steps[{i}]"
    if not isinstance(raw, dict):
        raise ConfigError(source, where, "each step must be a table ([[steps]])")
    unknown = sorted(set(raw) - STEP_KEYS)
    if unknown:
        raise ConfigError(
            source, f"{where}.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(STEP_KEYS))}"
        )
    _check_settings(raw, where, source, scenarios)
    settings = {**previous, **{k: raw[k] for k in SETTING_KEYS if k in raw}}
    if "scenario_a" not in settings:
        raise ConfigError(source, f"{where}.scenario_a", "the first step must name scenario_a")
    day = raw.get("until_day")
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= MAX_DAY:
        raise ConfigError(source, f"{where}.until_day", f"must be a whole day in [1, {MAX_DAY}]")
    if not (raw.get("caption") or raw.get("caption_zh")):
        raise ConfigError(source, f"{where}.caption", "give caption and/or caption_zh")
    for key in ("caption", "caption_zh", "title", "title_zh"):
        if key in raw and not isinstance(raw[key], str):
            raise ConfigError(source, f"{where}.{key}", "must be text")
    for key in ("caption", "caption_zh"):
        _caption_fields(raw.get(key, ""), f"{where}.{key}", source)
    return Step(
        settings, day, raw.get("title", ""), raw.get("title_zh", ""),
        raw.get("caption", ""), raw.get("caption_zh", ""),
    )  # fmt: skip


def load_lesson(path: Path, scenarios: list[str]) -> Lesson:
    """Read and validate a lesson file.

    Args:
        path: The lesson's TOML file.
        scenarios: Scenario names a step may use.

    Raises:
        ConfigError: One line naming the file and the field at fault.
    """
    source = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(source, None, f"cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(source, None, f"not valid TOML: {exc}") from None
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ConfigError(
            source, unknown[0], f"unknown key; allowed: {', '.join(sorted(TOP_KEYS))}"
        )
    for key in ("title", "title_zh", "description", "description_zh"):
        if not isinstance(data.get(key, ""), str):
            raise ConfigError(source, key, "must be text")
    if not (data.get("title") or data.get("title_zh")):
        raise ConfigError(source, "title", "give title and/or title_zh")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ConfigError(source, "steps", "give at least one [[steps]] table")
    steps, settings = [], {}
    for i, raw in enumerate(raw_steps, start=1):
        step = _step(raw, i, settings, source, scenarios)
        settings = step.settings
        steps.append(step)
    return Lesson(
        Path(path).stem, data.get("title", ""), data.get("title_zh", ""),
        data.get("description", ""), data.get("description_zh", ""), tuple(steps),
    )  # fmt: skip


def load_lessons(folder: Path | None, scenarios: list[str]) -> tuple[list[Lesson], list[str]]:
    """Every lesson in `folder`, and a one-line message for each file that does not load."""
    folder = lesson_dir() if folder is None else folder
    lessons, problems = [], []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            lessons.append(load_lesson(path, scenarios))
        except ConfigError as exc:
            problems.append(str(exc))
    return lessons, problems


# --- playing a step on a session -------------------------------------------------------------


def scenario_params(session: Any, name: str) -> dict[str, Any]:
    """The complete parameters of scenario file `name` in the session's scenario folder."""
    folder = scenario_dir() if session.folder is None else session.folder
    return dict(load_scenario(Path(folder) / f"{name}.toml").params)


def _wanted(session: Any, settings: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """(scenario, complete parameters) each side of the session should have for `settings`."""
    wanted = {}
    for side in ("A", "B"):
        name = settings.get(f"scenario_{side.lower()}")
        if name is None:
            continue
        params = scenario_params(session, name)
        params.update(settings.get(f"switches_{side.lower()}", {}))
        params.update(settings.get("params", {}))
        params.update(settings.get(f"params_{side.lower()}", {}))
        wanted[side] = (name, params)
    return wanted


def apply_step(session: Any, step: Step) -> bool:
    """Give the session the step's settings; keep the running streets if nothing changes.

    Returns:
        True if the streets were rebuilt at day 0 (or must be, to go back in time).
    """
    with session.lock:
        wanted = _wanted(session, step.settings)
        compare = "B" in wanted
        seed = step.settings.get("seed", session.seed)
        same = (
            session.compare == compare
            and session.seed == seed
            and all(
                session.sides[s].scenario == name and session.sides[s].params == params
                for s, (name, params) in wanted.items()
            )
            and session.day <= step.until_day
        )
        if same:
            return False
        for side, (name, params) in wanted.items():
            session.sides[side].scenario = name
            session.sides[side].params = dict(params)
        session.seed = seed
        session.compare = compare
        return session.rebuild()


def run_to(session: Any, day: int, on_progress=None, should_stop=lambda: False) -> bool:
    """Step the session to `day` in chunks, calling `on_progress()` after each chunk.

    Stops early (returning False) when the model refuses or the configured run has ended, so a
    step asking for a day after the run's end cannot loop forever.
    """
    while session.day < day and not should_stop():
        before = session.day
        if not session.step(min(CHUNK_DAYS, day - session.day)) or session.day == before:
            return False
        if on_progress:
            on_progress()
    return session.day >= day


def _fmt(name: str, value: float, diff: bool, lang: str) -> str:
    if diff:
        return views.format_difference(name, value, lang)
    if name != views.COST and views.is_share(name) and math.isfinite(value):
        return f"{value * 100:.0f}%"
    return views.format_value(name, value)


def caption(session: Any, step: Step, lang: str | None = None) -> str:
    """The step's caption in `lang`, with its numbers read from the running streets now."""
    lang = i18n._lang(lang)
    template = i18n.pick(step.caption, step.caption_zh, lang)
    values: dict[str, Any] = {"day": session.day, "seed": session.seed}
    sides = {s: views.latest(session, s) for s in session.active_sides}
    for side, row in sides.items():
        values[side] = SimpleNamespace(**{n: _fmt(n, row[n], False, lang) for n in SIDE_FIELDS})
    if "B" in sides:
        diffs = {n: sides["B"][n] - sides["A"][n] for n in SIDE_FIELDS}
        values["diff"] = SimpleNamespace(**{n: _fmt(n, diffs[n], True, lang) for n in SIDE_FIELDS})
        better, worse, counted = views.score({n: diffs[n] for n in views.INDICATORS})
        values.update(better=better, worse=worse, counted=counted)
    missing = SimpleNamespace(**dict.fromkeys(SIDE_FIELDS, "–"))
    for key in ("A", "B", "diff"):
        values.setdefault(key, missing)
    for key in ("better", "worse", "counted"):
        values.setdefault(key, "–")
    return template.format_map(values)


def main(argv: list[str] | None = None) -> int:
    """Check lesson files: print one line per problem; exit 2 if any file is bad."""
    files = sys.argv[1:] if argv is None else argv
    scenarios = list_scenarios()
    bad = 0
    for f in files:
        try:
            lesson = load_lesson(Path(f), scenarios)
            print(f"{f}: ok ({len(lesson.steps)} steps)")
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            bad += 1
    return 2 if bad or not files else 0


if __name__ == "__main__":
    sys.exit(main())
