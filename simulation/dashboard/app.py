"""The trainer dashboard: a Solara page over `DashboardSession`.

Start it with `gridgov dashboard` (or `solara run simulation.dashboard.app`). The page is built
from Solara components rather than Mesa's `SolaraViz`: SolaraViz drives exactly one model, while
the trainer's main demonstration is two streets with the same seed stepping in lockstep, and the
scenario picker and seed check need to validate input before a model is rebuilt. The look and the
controls follow SolaraViz (sidebar of controls, Reset / Play / Step, plots beside the space).

Drawing cost is what limits a live dashboard, so the street is a one-pixel-per-cell PNG under an
SVG overlay (`drawing.py`) and the plots are small SVG charts (`charts.py`), redrawn only when the
simulated day or a setting changes.
"""

from __future__ import annotations

import os

# Solara reads this when it is imported; a classroom has no internet for telemetry anyway.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from html import escape  # noqa: E402

import solara  # noqa: E402

from simulation.dashboard.charts import PALETTE, Series, line_chart  # noqa: E402
from simulation.dashboard.drawing import COLOURINGS, legend_html, street_html  # noqa: E402
from simulation.dashboard.session import (  # noqa: E402
    DIFFERENCE_METRICS,
    METRICS,
    SLIDER_PARAMS,
    DashboardSession,
)
from simulation.parameters import MECHANISMS, PARAMETERS  # noqa: E402

TITLE = "Generalist-grid street: trainer dashboard"
PLAY_FRAME_SECONDS = 0.08  # shortest time between two screen updates while playing
SIDE_COLOURS = {"A": PALETTE[0], "B": PALETTE[1]}

# The six live plots: title, unit, metric keys drawn in it.
PLOTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Backlog", "open needs", ("backlog",)),
    ("Mean resolution time", "days", ("mean_resolution_days",)),
    ("Satisfaction rate", "share S > 0.6", ("satisfaction_rate",)),
    ("Trust and identity", "0-1", ("mean_trust", "mean_identity")),
    ("Volunteers, last 30 days", "households", ("volunteers_30d",)),
    ("Escalation rate", "share of cases", ("escalation_rate",)),
)


def _format(key: str, value: float) -> str:
    if value != value:  # NaN: nothing measured yet
        return "–"
    return METRICS[key][2].format(value)


def _format_difference(key: str, value: float) -> str:
    if value != value:
        return "–"
    text = _format(key, abs(value))
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def kpi_html(session: DashboardSession) -> str:
    """Build the KPI readout: a row per street (and B − A when comparing), a column per metric."""
    sides = session.active_sides
    head = "".join(f"<th>{escape(METRICS[k][0])}</th>" for k in METRICS)
    rows = []
    for side in sides:
        latest = session.street(side).latest
        cells = "".join(f"<td>{_format(k, latest[k])}</td>" for k in METRICS)
        rows.append(
            f'<tr class="gg-kpi-{side}"><th style="color:{SIDE_COLOURS[side]}">'
            f"Street {side}</th>{cells}</tr>"
        )
    if session.compare:
        a, b = session.street("A").latest, session.street("B").latest
        cells = "".join(f"<td>{_format_difference(k, b[k] - a[k])}</td>" for k in METRICS)
        rows.append(f'<tr class="gg-kpi-diff"><th>B − A</th>{cells}</tr>')
    return (
        '<table class="gg-kpi" style="border-collapse:collapse;font-size:13px;text-align:right">'
        f"<tr><th></th>{head}</tr>{''.join(rows)}</table>"
        "<style>.gg-kpi td,.gg-kpi th{padding:2px 8px;border-bottom:1px solid #ddd}</style>"
    )


def plots_html(session: DashboardSession) -> str:
    """Build the six live plots (both streets in each plot in comparison mode)."""
    charts = []
    days = session.street("A").days
    for title, unit, keys in PLOTS:
        series = []
        for side in session.active_sides:
            history = session.street(side).history
            for i, key in enumerate(keys):
                if session.compare:  # colour tells the street; a second metric is dashed
                    label = side if i == 0 else ""
                    colour, dash = SIDE_COLOURS[side], ("5,3" if i == 1 else "")
                else:
                    label = METRICS[key][0].replace("Mean ", "") if len(keys) > 1 else ""
                    colour, dash = PALETTE[i], ""
                series.append(Series(label, colour, history[key], dash))
        if session.compare and len(keys) > 1:
            first, second = (METRICS[k][0].replace("Mean ", "") for k in keys[:2])
            title = f"{first.capitalize()} (solid), {second} (dashed)"
        charts.append(line_chart(title, days, series, unit=unit, css_class="gg-chart"))
    return (
        '<div class="gg-plots" style="display:flex;flex-wrap:wrap;gap:6px">'
        + "".join(charts)
        + "</div>"
    )


def difference_html(session: DashboardSession) -> str:
    """Build the comparison's difference plot: B − A on the key metrics, with a zero line."""
    days = session.street("A").days
    charts = [
        line_chart(
            f"Δ {METRICS[key][0]}",
            days,
            [Series("", "#2ca02c", session.difference(key))],
            unit=METRICS[key][1],
            width=240,
            height=150,
            zero_line=True,
            css_class="gg-diff-chart",
        )
        for key in DIFFERENCE_METRICS
    ]
    return (
        '<div class="gg-diff"><b>Difference B − A</b> (above the dashed zero line: B higher)'
        '<div style="display:flex;flex-wrap:wrap;gap:6px">' + "".join(charts) + "</div></div>"
    )


@solara.component
def StreetView(session: DashboardSession, side: str, colour_by: str, frame: int):
    """One street: its label, its picture and the day it is on."""
    street = session.street(side)

    def draw() -> str:
        with session.lock:  # a playing loop must not step the model while it is drawn
            try:
                return street_html(street.model, colour_by, side)
            except Exception as exc:  # noqa: BLE001 - a drawing problem must not kill the page
                text = escape(f"Cannot draw street {side}: {exc}")
                return f'<div class="gg-draw-error">{text}</div>'

    picture = solara.use_memo(draw, [frame, colour_by, side, id(street)])
    with solara.Column(gap="4px"):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f'<b style="color:{SIDE_COLOURS[side]}">Street {side}</b> · '
                f"{escape(session.label(side))} · {len(street.model.households.x):,} households"
            ),
            classes=[f"gg-street-label-{side}"],
        )
        solara.HTML(tag="div", unsafe_innerHTML=picture)


@solara.component
def SideControls(session: DashboardSession, side: str, act, version: int = 0):
    """Scenario picker and the three mechanism switches of one street.

    `version` changes whenever settings change, so the controls show the session's values.
    """
    settings = session.sides[side]
    names = session.scenarios()
    with solara.Card(f"Street {side}", margin=0, style="margin-bottom:8px"):
        solara.Select(
            label=f"Scenario {side}",
            values=names,
            value=settings.scenario if settings.scenario in names else None,
            on_value=lambda name: act(session.load_scenario, side, name),
        )
        if not names:
            solara.Warning("No scenario files found", dense=True)
        for mechanism in MECHANISMS:
            solara.Switch(
                label=f"{mechanism.capitalize()} ({side})",
                value=bool(settings.params[mechanism]),
                on_value=lambda on, m=mechanism: act(session.set_mechanism, side, m, on),
                classes=[f"gg-switch-{side}-{mechanism}"],
            )


@solara.component
def ParameterSlider(session: DashboardSession, name: str, act, version: int = 0):
    """One parameter slider that applies its value when released (or on a key press).

    Every new value rebuilds the street, so applying each intermediate value while the thumb is
    dragged would queue dozens of rebuilds; Vuetify's `change` event fires once, on release.
    """
    spec = PARAMETERS[name]
    value = session.sides["A"].params[name]
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    is_int = spec.kind is int
    step = (10 if spec.high - spec.low >= 500 else 1) if is_int else 0.1

    def on_change(widget, event, data):
        try:
            proposed = int(round(float(data))) if is_int else round(float(data), 6)
        except (TypeError, ValueError):
            proposed = data  # the session turns it into a message
        act(session.set_param, name, proposed)
        # If the session refused the value, put the thumb back where the street is.
        widget.v_model = session.sides["A"].params[name]

    slider = solara.v.Slider(
        label=f"{name.replace('_', ' ').capitalize()}: {shown} {spec.unit}",
        v_model=value,
        min=spec.low,
        max=spec.high,
        step=step,
        thumb_label=True,
        hide_details=True,
        class_=f"gg-slider-{name}",
    )
    solara.v.use_event(slider, "change", on_change)
    return slider


@solara.component
def ParameterSliders(session: DashboardSession, act, version: int = 0):
    """Sliders for the parameters a trainer moves; ranges come from the parameter table."""
    for name in SLIDER_PARAMS:
        ParameterSlider(session, name, act, version)


@dataclass
class PageState:
    """Reactive values shared by the page's parts.

    Two counters keep redraws cheap: a step bumps only `frame`, which only the main view reads,
    so the sidebar's dozens of widgets are not re-rendered on every simulated day.
    """

    session: DashboardSession
    frame: solara.Reactive[int]
    settings: solara.Reactive[int]
    playing: solara.Reactive[bool]
    colour_by: solara.Reactive[str]
    seed_text: solara.Reactive[str]
    seed_error: solara.Reactive[str]
    days_per_frame: solara.Reactive[int]

    def redraw(self, settings_changed: bool = True) -> None:
        """Redraw the main view, and the controls too if settings changed."""
        if settings_changed:
            self.settings.value += 1
        self.frame.value += 1

    def act(self, method, *args) -> None:
        """Run a session method from a control, then redraw (the session never raises)."""
        method(*args)
        self.redraw()

    def step(self, days: int) -> None:
        """Advance the streets and redraw the main view (and the controls if a message came)."""
        had_message = bool(self.session.message)
        ok = self.session.step(days)
        self.redraw(settings_changed=not ok or had_message != bool(self.session.message))

    @property
    def running(self) -> bool:
        """False once street A has simulated all its configured days."""
        street = self.session.streets.get("A")
        return bool(street is not None and getattr(street.model, "running", True))

    @property
    def ready(self) -> bool:
        """True when every street the mode needs is running."""
        s = self.session
        return "A" in s.streets and (not s.compare or "B" in s.streets)


@solara.component
def Controls(state: PageState):
    """Show the sidebar: run buttons, mode, seed, colouring, per-street settings and sliders."""
    s = state.session
    version = state.settings.value  # subscribe: redraw the controls when settings change
    playing = state.playing.value

    def on_seed(text):
        if s.set_seed(text):
            state.seed_error.value = ""
            state.seed_text.value = str(s.seed)
        else:
            state.seed_error.value = s.message
            s.message = ""  # shown under the field instead of in the main view
        state.redraw()

    def on_reset():
        state.playing.value = False
        s.reset()
        state.seed_error.value = ""
        state.seed_text.value = str(s.seed)
        state.redraw()

    with solara.Column(gap="6px"):
        with solara.Card("Run", margin=0):
            with solara.Row(gap="4px"):
                solara.Button("Reset", color="primary", on_click=on_reset, classes=["gg-reset"])
                solara.Button(
                    "Pause" if playing else "Play",
                    color="primary",
                    on_click=lambda: state.playing.set(not state.playing.value),
                    disabled=not state.ready,
                    classes=["gg-play"],
                )
                solara.Button(
                    "Step",
                    color="primary",
                    on_click=lambda: state.step(1),
                    disabled=playing or not state.ready,
                    classes=["gg-step"],
                )
                solara.Button(
                    "+30 days",
                    on_click=lambda: state.step(30),
                    disabled=playing or not state.ready,
                    classes=["gg-step30"],
                )
            solara.SliderInt(
                f"Days per screen update while playing: {state.days_per_frame.value}",
                value=state.days_per_frame,
                min=1,
                max=30,
            )
            solara.Switch(
                label="Compare two streets (A vs B)",
                value=s.compare,
                on_value=lambda on: state.act(s.set_compare, on),
                classes=["gg-compare"],
            )
            solara.InputText(
                "Seed (whole number)",
                value=state.seed_text,
                on_value=on_seed,
                error=bool(state.seed_error.value),
                message=state.seed_error.value or "Whole numbers only, e.g. 42; A and B share it",
                classes=["gg-seed"],
            )
            solara.Text("Colour households by")
            solara.ToggleButtonsSingle(
                value=state.colour_by, values=list(COLOURINGS), classes=["gg-colour-by"]
            )
        for side in s.active_sides:
            SideControls(s, side, state.act, version)
        with solara.Card("Street parameters" + (" (A and B)" if s.compare else ""), margin=0):
            ParameterSliders(s, state.act, version)


@solara.component
def MainView(state: PageState):
    """Show messages, day, KPI readout, the street(s), the difference plot and the live plots."""
    s = state.session
    frame = state.frame.value  # subscribe: every step redraws this view
    state.settings.value  # noqa: B018 - and so does every change of settings
    colour_by = state.colour_by.value
    with solara.Column(gap="8px", style="padding:8px"):
        if s.message:
            with solara.Row():
                solara.Error(s.message, classes=["gg-message"], dense=True)
                solara.Button("Dismiss", text=True, on_click=lambda: state.act(_clear_message, s))
        if s.notice:
            solara.Info(s.notice, dense=True, classes=["gg-notice"])
        if not state.ready:
            solara.Warning("No street is running; press Reset to start from the defaults.")
            return
        with s.lock:  # a playing loop must not step the model while it is read
            day_line = (
                f'<span class="gg-day" style="font-size:18px;font-weight:bold">Day {s.day}</span>'
                f" &nbsp; seed {s.seed}"
                + (" &nbsp; (A and B step in lockstep)" if s.compare else "")
            )
            try:
                kpis = kpi_html(s)
                difference = difference_html(s) if s.compare else ""
                plots = plots_html(s)
            except Exception as exc:  # noqa: BLE001 - show the problem, keep the controls alive
                kpis, difference = "", ""
                plots = (
                    f'<div class="gg-draw-error">Cannot draw the plots: {escape(str(exc))}</div>'
                )
        solara.HTML(tag="div", unsafe_innerHTML=day_line)
        solara.HTML(tag="div", unsafe_innerHTML=kpis)
        with solara.Row(gap="16px", style="flex-wrap:wrap;align-items:flex-start"):
            for side in s.active_sides:
                StreetView(s, side, colour_by, frame)
        solara.HTML(tag="div", unsafe_innerHTML=legend_html(colour_by))
        if difference:
            solara.HTML(tag="div", unsafe_innerHTML=difference)
        solara.HTML(tag="div", unsafe_innerHTML=plots)


@solara.component
def Dashboard(session: DashboardSession | None = None):
    """Show the whole page; pass a session to drive it from a test, else a fresh one is made."""
    s = solara.use_memo(lambda: session or DashboardSession(), [])
    state = PageState(
        session=s,
        frame=solara.use_reactive(0),
        settings=solara.use_reactive(0),
        playing=solara.use_reactive(False),
        colour_by=solara.use_reactive("satisfaction"),
        seed_text=solara.use_reactive(str(s.seed)),
        seed_error=solara.use_reactive(""),
        days_per_frame=solara.use_reactive(2),
    )

    current = solara.use_ref(None)  # the play task, so the loop can tell it was cancelled

    def play_loop():
        task = current.current
        while state.playing.value and (task is None or task.is_current()):
            started = time.perf_counter()
            state.step(state.days_per_frame.value)
            if s.message or not state.running:
                # An error, or the configured run (burn-in + scored days) is over: stop, so a
                # forgotten tab never keeps the server busy.
                state.playing.value = False
                if not s.message:
                    s.notice = f"Run complete at day {s.day}; Reset to start again"
                    state.redraw()
                return
            time.sleep(max(0.0, PLAY_FRAME_SECONDS - (time.perf_counter() - started)))

    current.current = solara.lab.use_task(
        play_loop, dependencies=[state.playing.value], prefer_threaded=True, raise_error=False
    )

    def stop_on_close():
        def cleanup():
            state.playing.value = False
            if getattr(current.current, "_cancel", None):
                current.current.cancel()

        return cleanup

    solara.use_effect(stop_on_close, [])

    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        Controls(state)
    MainView(state)


def _clear_message(session: DashboardSession) -> None:
    session.message = ""


@solara.component
def Page():
    """Entry point for `solara run simulation.dashboard.app`."""
    Dashboard()


page = Page
