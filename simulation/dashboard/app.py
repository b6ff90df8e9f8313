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

import secrets  # noqa: E402
from html import escape  # noqa: E402
from typing import Any  # noqa: E402

import solara  # noqa: E402

from simulation.dashboard.classroom import REGISTRY, preload, token_accepted  # noqa: E402

# Import pandas, matplotlib, Mesa and the model now, while Solara loads this module at server
# start: pages opened at once would otherwise import them concurrently, and some got
# "partially initialized module" tracebacks.
preload()

from simulation.core.parameters import MECHANISMS, PARAMETERS  # noqa: E402
from simulation.dashboard import explain, follow, i18n, panels, views  # noqa: E402
from simulation.dashboard.drawing import street_html  # noqa: E402
from simulation.dashboard.i18n import t  # noqa: E402
from simulation.dashboard.session import SLIDER_PARAMS, DashboardSession, scenario_dir  # noqa: E402
from simulation.dashboard.state import (  # noqa: E402
    PageState,
    use_follow_loop,
    use_idle_release,
    use_play_loop,
)

SIDE_COLOURS = views.SIDE_COLOURS


def street_label(session: DashboardSession, side: str, lang: str) -> str:
    """A street's label: the scenario and its switches (in Chinese: its title and the terms)."""
    if lang != "zh":
        return session.label(side)
    folder = session.folder if session.folder is not None else scenario_dir()
    return explain.street_title(folder, session.sides[side].scenario, session.sides[side].params)


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
    lang = i18n.current_language()
    households = t("households", lang, n=f"{len(street.model.households.x):,}")
    with solara.Column(gap="4px"):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f'<b style="color:{SIDE_COLOURS[side]}">{t("street", lang, side=side)}</b> · '
                f"{escape(street_label(session, side, lang))} · {households}"
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
    lang = i18n.current_language()
    with solara.Card(t("street", lang, side=side), margin=0, style="margin-bottom:8px"):
        solara.Select(
            label=t("scenario", lang, side=side),
            values=names,
            value=settings.scenario if settings.scenario in names else None,
            on_value=lambda name: act(session.load_scenario, side, name),
        )
        if not names:
            solara.Warning(t("no_scenarios", lang), dense=True)
        if settings.scenario in names:
            folder = session.folder if session.folder is not None else scenario_dir()
            title, description = explain.scenario_text(folder, settings.scenario, lang)
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"<b>{escape(title)}</b><br>{escape(description)}",
                classes=[f"gg-scenario-text-{side}"],
                style="font-size:14px;color:#333",
            )
        for mechanism in MECHANISMS:
            solara.Switch(
                label=t(
                    "mechanism_switch",
                    lang,
                    mechanism=i18n.mechanism_name(mechanism, lang),
                    side=side,
                ),
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
    is_int = spec.kind is int
    step = (10 if spec.high - spec.low >= 500 else 1) if is_int else 0.1
    # In comparison mode a slider sets both streets; where A and B differ (e.g. a scenario with
    # extra staff) it says so, instead of showing only A's value and hiding the contrast.
    values = [session.sides[side].params[name] for side in session.active_sides]
    differs = len(set(values)) > 1
    shown = " · ".join(
        (f"{side} " if differs else "") + (f"{v:g}" if isinstance(v, float) else str(v))
        for side, v in zip(session.active_sides, values, strict=True)
        if differs or side == "A"
    )

    def on_change(widget, event, data):
        try:
            proposed = int(round(float(data))) if is_int else round(float(data), 6)
        except (TypeError, ValueError, OverflowError):  # "Infinity" overflows int()
            proposed = data  # the session turns it into a message
        act(session.set_param, name, proposed)
        # If the session refused the value, put the thumb back where the street is.
        widget.v_model = session.sides["A"].params[name]

    label = f"{i18n.param_label(name)}: {shown} {i18n.param_unit(name)}"
    if differs:
        label += i18n.pick(
            " (A and B differ; moving it sets both)", "（A、B 不同；拖动将同时设置两者）"
        )
    slider = solara.v.Slider(
        label=label,
        v_model=value,
        min=spec.low,
        max=spec.high,
        step=step,
        thumb_label=True,
        hide_details=True,
        class_=f"gg-slider-{name}",
        color="deep-orange" if differs else None,  # the projector shows the contrast too
    )
    solara.v.use_event(slider, "change", on_change)
    return slider


@solara.component
def ParameterSliders(session: DashboardSession, act, version: int = 0):
    """Sliders for the parameters a trainer moves; ranges come from the parameter table."""
    for name in SLIDER_PARAMS:
        ParameterSlider(session, name, act, version)


@solara.component
def SeedField(state: PageState, label: str, message: str):
    """The seed field; applies what was typed on Enter or when the field loses focus.

    What is typed lives in `state.seed_text` (updated on every key), not only in the browser,
    so a page redrawn by Play keeps a half-typed seed until Enter.
    """
    typed = state.seed_text
    field = solara.v.TextField(
        v_model=typed.value,
        on_v_model=typed.set,
        label=label,
        error=bool(state.seed_error.value),
        messages=[message],
        class_="gg-seed",
    )
    solara.v.use_event(field, "keyup.enter", lambda *_: state.apply_seed(typed.value))
    solara.v.use_event(field, "blur", lambda *_: state.apply_seed(typed.value))
    return field


def _run_card(state: PageState, lang: str, playing: bool) -> None:
    """The sidebar's Run card (inside the caller's component): buttons, pace, mode, seed."""
    s = state.session
    stopped = playing or not state.ready or s.finished  # Step and +30 days do nothing then
    with solara.Card(t("run", lang), margin=0):
        with solara.Row(gap="4px"):
            solara.Button(
                t("reset", lang), color="primary", on_click=state.reset, classes=["gg-reset"]
            )
            solara.Button(
                t("pause", lang) if playing else t("play", lang),
                color="primary",
                on_click=lambda: state.playing.set(not state.playing.value),
                disabled=not state.ready or (s.finished and not playing),
                classes=["gg-play"],
            )
            solara.Button(
                t("step", lang),
                color="primary",
                on_click=lambda: state.step(1),
                disabled=stopped,
                classes=["gg-step"],
            )
            solara.Button(
                t("plus30", lang),
                on_click=lambda: state.step(30),
                disabled=stopped,
                classes=["gg-step30"],
            )
        solara.SliderInt(
            t("days_per_frame", lang, n=state.days_per_frame.value),
            value=state.days_per_frame,
            min=1,
            max=30,
        )
        solara.Switch(
            label=t("compare", lang),
            value=s.compare,
            on_value=lambda on: state.act(s.set_compare, on),
            classes=["gg-compare"],
        )
        SeedField(
            state,
            t("seed", lang),
            i18n.localise(state.seed_error.value, lang) or t("seed_help", lang),
        )
        solara.Text(t("colour_by", lang))
        panels.ColourToggle(state.colour_by)


@solara.component
def Controls(state: PageState):
    """Show the sidebar: run buttons, mode, seed, colouring, per-street settings and sliders."""
    s = state.session
    version = state.settings.value  # subscribe: redraw the controls when settings change
    playing = state.playing.value

    lang = i18n.current_language()
    if state.readonly:  # following the trainer: only this page's own view choices
        with solara.Column(gap="6px"):
            i18n.LanguageSwitch()
            follow.ClassroomCard(state)
            solara.Text(t("colour_by", lang))
            panels.ColourToggle(state.colour_by)
        return
    with solara.Column(gap="6px"):
        i18n.LanguageSwitch()
        follow.ClassroomCard(state)
        panels.LessonPanel(s, state.redraw, version, stop=lambda: state.playing.set(False))
        _run_card(state, lang, playing)
        for side in s.active_sides:
            SideControls(s, side, state.act, version)
        with solara.Card(t("parameters_both" if s.compare else "parameters", lang), margin=0):
            ParameterSliders(s, state.act, version)
        panels.PresentSwitch()
        panels.ExportPanel(s, version)


def _drawn(s: Any, lang: str, present: bool) -> tuple[str, str, str, str, str, str]:
    """The main view's HTML: day line, caption, KPIs, difference plots, live plots, why.

    The caller holds the session's lock. A drawing error becomes one message in place of the
    plots, so the controls stay usable.
    """
    day_line = (
        '<span class="gg-day" style="font-size:20px;font-weight:bold">'
        f"{t('day', lang, day=s.day)}</span> &nbsp; {t('seed_line', lang, seed=s.seed)}"
        + (f" &nbsp; {t('lockstep', lang)}" if s.compare else "")
    )
    try:
        bands = panels.current_bands(s)
        caption = panels.caption_html(s, lang)
        kpis = views.callout_html(s, lang) + views.kpi_html(s, lang)
        difference = (
            views.difference_html(s, lang, 280 if present else 300, bands) if s.compare else ""
        )
        plots = views.plots_html(s, lang, bands=bands) + views.marker_legend_html(lang)
        why = panels.explain_html(s, lang)
    except Exception as exc:  # noqa: BLE001 - show the problem, keep the controls alive
        kpis, difference, caption, why = "", "", "", ""
        plots = f'<div class="gg-draw-error">Cannot draw the plots: {escape(str(exc))}</div>'
    return day_line, caption, kpis, difference, plots, why


@solara.component
def MainView(state: PageState):
    """Show messages, day, KPI readout, the street(s), the difference plot and the live plots."""
    s = state.session
    frame = state.frame.value  # subscribe: every step redraws this view
    state.settings.value  # noqa: B018 - and so does every change of settings
    colour_by = state.colour_by.value
    lang = i18n.current_language()
    with solara.Column(gap="8px", style="padding:8px"):
        if s.message:
            with solara.Row():
                solara.Error(i18n.localise(s.message, lang), classes=["gg-message"], dense=True)
                solara.Button(
                    t("dismiss", lang), text=True, on_click=lambda: state.act(_clear_message, s)
                )
        if s.notice:
            solara.Info(i18n.localise(s.notice, lang), dense=True, classes=["gg-notice"])
        if not state.ready:
            solara.Warning(t("no_street", lang))
            return
        present = panels.PRESENT.value
        with s.lock:  # a playing loop must not step the model while it is read
            day_line, caption, kpis, difference, plots, why = _drawn(s, lang, present)
        solara.HTML(tag="div", unsafe_innerHTML=day_line)
        if caption:
            solara.HTML(tag="div", unsafe_innerHTML=caption)
        solara.HTML(tag="div", unsafe_innerHTML=kpis)
        # Presentation layout: half-size streets beside a 2 x 2 block of difference plots, so
        # streets, KPIs and differences fit one 1280 x 720 projector screen.
        with solara.Row(
            gap="16px",
            style="flex-wrap:wrap;align-items:flex-start",
            classes=["gg-present"] if present else [],
        ):
            with solara.Row(gap="16px", style="flex-wrap:wrap;align-items:flex-start"):
                for side in s.active_sides:
                    StreetView(s, side, colour_by, frame)
            if difference and present:
                solara.HTML(tag="div", unsafe_innerHTML=difference, style="max-width:600px")
        if present:
            solara.HTML(tag="style", unsafe_innerHTML=panels.PRESENT_CSS)
        if s.compare:
            panels.SeedsPanel(s, state.redraw)
        if difference and not present:
            solara.HTML(tag="div", unsafe_innerHTML=difference)
        solara.HTML(tag="div", unsafe_innerHTML=views.legend_html(colour_by, lang))
        solara.HTML(tag="div", unsafe_innerHTML=plots)
        solara.HTML(tag="div", unsafe_innerHTML=why)


@solara.component
def Dashboard(session: DashboardSession | None = None):
    """Show the whole page; pass a session to drive it from a test, else a fresh one is made.

    Each page holds a ticket of the server's session registry: beyond the cap a page gets a
    polite notice instead of a street, and closing the page gives the ticket back.
    """
    ticket = solara.use_memo(REGISTRY.open, [])
    solara.use_effect(lambda: lambda: REGISTRY.close(ticket), [])
    if ticket is None:
        follow.ServerFull(REGISTRY.max_sessions)
        return
    _Guarded(session)


@solara.component
def _Guarded(session: DashboardSession | None):
    """Whatever goes wrong while drawing becomes a short message, never a traceback or a path."""
    exception, clear = solara.use_exception()
    if exception is not None:
        with solara.Column(style="padding:24px", classes=["gg-page-error"]):
            solara.Error(
                i18n.pick(
                    f"Something went wrong on this page ({type(exception).__name__}). "
                    "Press Try again; Reset returns to the starting street.",
                    f"页面出现问题（{type(exception).__name__}）。请点击“重试”；"
                    "“重置”可回到初始街道。",
                )
            )
            solara.Button(i18n.pick("Try again", "重试"), on_click=clear, color="primary")
        return
    _Page(session)


@solara.component
def _Page(session: DashboardSession | None):
    own = solara.use_memo(lambda: session or DashboardSession(), [])
    state = PageState(
        page=solara.use_memo(lambda: secrets.token_hex(6), []),
        current=solara.use_reactive(own),
        room=solara.use_reactive(None),
        frame=solara.use_reactive(0),
        settings=solara.use_reactive(0),
        playing=solara.use_reactive(False),
        colour_by=solara.use_reactive("satisfaction"),
        seed_text=solara.use_reactive(str(own.seed)),
        seed_error=solara.use_reactive(""),
        days_per_frame=solara.use_reactive(2),
    )
    use_play_loop(state)
    use_follow_loop(state)
    use_idle_release(state)
    panels.use_link_restore(own, state.redraw)  # a page opened from a share link

    def on_close():
        def cleanup():
            state.playing.value = False
            room, current = state.room.value, state.session
            watched = room is not None and bool(room.viewers)
            if room is not None:
                follow.ROOMS.leave(room, state.page)  # the owner leaving closes the room
            if session is None and not watched:
                # Ours: free the streets now, even if something still holds the session. A
                # room's viewers copy its street when it closes, so that one is left to them.
                own.streets = {}
                if room is None:
                    current.streets = {}  # a copy this page branched off with is ours too

        return cleanup

    solara.use_effect(on_close, [])

    title = t("title")
    solara.Title(title)
    solara.Style(PHONE_CSS)
    with solara.AppBar():
        solara.AppBarTitle(title)
    with solara.Sidebar():
        Controls(state)
    MainView(state)


def _clear_message(session: DashboardSession) -> None:
    session.message = ""


@solara.component
def Page():
    """Entry point for `solara run simulation.dashboard.app`.

    With a classroom password set (`gridgov dashboard --token`), a page needs it in its link
    (`?token=...`) or typed in; until then it gets a polite refusal and no session.
    """
    unlocked = solara.use_reactive(False)
    token = follow.query_token()  # a hook: called on every render
    if not (unlocked.value or token_accepted(token)):
        follow.PasswordGate(unlocked)
        return
    Dashboard()


# Phones: the sidebar (Solara's drawer, at least 400 px wide) covered the whole screen and left
# nothing to tap to close it. It now starts closed on a phone (the app bar's menu button opens
# it), and on a narrow screen it leaves a strip of the page visible; tapping there closes it.
PHONE_CSS = """
@media (max-width: 600px) {
  .v-navigation-drawer { min-width: 0 !important; width: 85vw !important; }
  .v-toolbar__title { font-size: 16px; }
  .gg-street-box { max-width: calc(100vw - 48px) !important; }
  .gg-kpi { display: block; overflow-x: auto; max-width: calc(100vw - 48px); }
}
"""


def is_phone(user_agent: str | None = None) -> bool:
    """True for a phone's browser (its user agent says "Mobi"; tablets keep the sidebar)."""
    if user_agent is None:
        headers = solara.lab.headers.value or {}
        values = headers.get("user-agent") or headers.get("User-Agent") or [""]
        user_agent = values[0] if isinstance(values, list) else str(values)
    return "Mobi" in user_agent and "iPad" not in user_agent


@solara.component
def Layout(children=[]):  # noqa: B006 - Solara's layout signature
    """The page frame: Solara's AppLayout, with the sidebar closed on a phone."""
    return solara.AppLayout(children=children, sidebar_open=not is_phone())


page = Page
