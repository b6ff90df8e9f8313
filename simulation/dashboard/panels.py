"""The page's teaching panels: lesson picker with Next/Back, the lesson caption, the "why" panel.

They are Solara components over a `DashboardSession` and the page's redraw callback, so the page
(`app.py`) only places them. The lesson and its current step are kept on the session itself
(`session.lesson`), so trainees following the trainer's street see the trainer's caption too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from html import escape
from typing import Any

import solara

from simulation.dashboard import explain, export, i18n, lessons, share, uncertainty, views
from simulation.dashboard.drawing import COLOURINGS
from simulation.dashboard.i18n import t
from simulation.dashboard.session import scenario_dir


def _lessons(session: Any) -> tuple[list[lessons.Lesson], list[str]]:
    return lessons.load_lessons(None, session.scenarios())


def lesson_position(session: Any) -> tuple[lessons.Lesson | None, int]:
    """The session's lesson and the index of its current step ((None, 0) without a lesson)."""
    return getattr(session, "lesson", None) or (None, 0)


def go_to_step(session: Any, lesson: lessons.Lesson, index: int) -> bool:
    """Apply step `index` of `lesson` to the session and run the streets to its day.

    The run is synchronous: the model steps a year of two streets in about a second, and a
    step that runs in the click handler leaves no background thread behind a closed page.
    """
    session.lesson = (lesson, index)
    step = lesson.steps[index]
    lessons.apply_step(session, step)
    return lessons.run_to(session, step.until_day)


@solara.component
def LessonPanel(
    session: Any,
    redraw: Callable[[], None],
    version: int = 0,
    stop: Callable[[], None] = lambda: None,
):
    """Sidebar card: choose a lesson, then walk through its steps with Back and Next.

    `stop` pauses the page's Play first, so a step's run is not stepped on by the play loop.
    """
    lang = i18n.current_language()
    available, problems = solara.use_memo(lambda: _lessons(session), [version])
    by_name = {lesson.name: lesson for lesson in available}
    lesson, index = lesson_position(session)
    none = t("lesson_none", lang)
    titles = {i18n.pick(x.title, x.title_zh, lang): x.name for x in available}

    def choose(title: str) -> None:
        stop()
        chosen = by_name.get(titles.get(title, ""))
        if chosen is None:
            session.lesson = None
        else:
            go_to_step(session, chosen, 0)
        redraw()

    def move(delta: int) -> None:
        if lesson is not None:
            stop()
            go_to_step(session, lesson, max(0, min(len(lesson.steps) - 1, index + delta)))
            redraw()

    with solara.Card(t("lesson", lang), margin=0, classes=["gg-lesson-card"]):
        name = lesson.name if lesson is not None else ""
        current = next((k for k, v in titles.items() if v == name), none)
        solara.Select(
            label=t("lesson", lang),
            values=[none, *titles],
            value=current,
            on_value=choose,
            classes=["gg-lesson-select"],
        )
        for problem in problems:
            solara.Warning(problem, dense=True, classes=["gg-lesson-problem"])
        if lesson is not None:
            n = len(lesson.steps)
            solara.Text(t("lesson_step", lang, i=index + 1, n=n), classes=["gg-lesson-pos"])
            with solara.Row(gap="4px"):
                solara.Button(
                    t("back", lang),
                    on_click=lambda: move(-1),
                    disabled=index == 0,
                    classes=["gg-lesson-back"],
                )
                solara.Button(
                    t("next", lang),
                    color="primary",
                    on_click=lambda: move(1),
                    disabled=index >= n - 1,
                    classes=["gg-lesson-next"],
                )


def caption_html(session: Any, lang: str | None = None) -> str:
    """The current lesson step's title and live caption, large for the projector ("" if none)."""
    lesson, index = lesson_position(session)
    if lesson is None or not 0 <= index < len(lesson.steps):
        return ""
    step = lesson.steps[index]
    title = i18n.pick(step.title, step.title_zh, lang)
    text = lessons.caption(session, step, lang)
    end = (
        f' <span class="gg-lesson-end">({escape(t("lesson_end", lang))})</span>'
        if index == len(lesson.steps) - 1
        else ""
    )
    head = f"<b>{escape(title)}</b><br>" if title else ""
    return (
        '<div class="gg-lesson-caption" style="font-size:20px;background:#fffbe6;'
        f'border-left:6px solid #f0b400;padding:6px 10px">{head}{escape(text)}{end}</div>'
    )


def explain_html(session: Any, lang: str | None = None) -> str:
    """The "why" panel: mechanism rules, indicator definitions, burn-in, scenario descriptions."""
    folder = scenario_dir() if session.folder is None else session.folder
    params = {side: session.sides[side].params for side in session.active_sides}
    scenarios = "".join(
        f'<div class="gg-scenario-{side}" style="font-size:16px">'
        f"<b>{escape(t('street', lang, side=side))}</b>: "
        f"{explain.scenario_html(folder, session.sides[side].scenario, lang)}</div>"
        for side in session.active_sides
    )
    burn_in = int(session.sides["A"].params.get("burn_in_days", 0))
    return (
        '<details class="gg-explain" style="font-size:16px">'
        f"<summary><b>{escape(t('why', lang))}</b></summary>"
        f"{scenarios}{explain.mechanisms_html(params, lang)}"
        f"{explain.metrics_html((*views.INDICATORS, views.COST), burn_in, lang)}</details>"
    )


def page_base() -> str:
    """This page's address without its query (``http://host:port/``), from the request headers."""
    headers = solara.lab.headers.value or {}
    host = (headers.get("host") or ["127.0.0.1:8765"])[0]
    path = solara.use_router().path or "/"
    return f"http://{host}{path}"


@solara.component
def ExportPanel(session: Any, version: int = 0):
    """Sidebar card: slide (PNG, SVG) and GIF downloads, and the link (with QR) to this view."""
    lang = i18n.current_language()
    base = page_base()
    day = session.day if session.streets else 0
    with solara.Card(t("export", lang), margin=0, classes=["gg-export-card"]):
        with solara.Row(gap="4px", style="flex-wrap:wrap"):
            for fmt, key in (("png", "export_png"), ("svg", "export_svg")):
                solara.FileDownload(
                    lambda fmt=fmt: export.slide_bytes(session, fmt),
                    filename=f"gridgov-day{day}.{fmt}",
                    label=t(key, lang),
                    mime_type=f"image/{'svg+xml' if fmt == 'svg' else fmt}",
                )
            solara.FileDownload(
                lambda: export.run_gif(session),
                filename=f"gridgov-plots-day{day}.gif",
                label=t("export_gif", lang),
                mime_type="image/gif",
            )
            solara.FileDownload(
                lambda: export.street_gif(session),
                filename=f"gridgov-street-day{day}.gif",
                label=t("export_street_gif", lang),
                mime_type="image/gif",
            )
        # Made on demand: the sidebar is not redrawn every simulated day, so a link shown all
        # the time would carry a stale day.
        url = solara.use_reactive("")
        solara.Button(
            t("share_link", lang),
            on_click=lambda: url.set(share.link(session, base, lang) if session.streets else ""),
            classes=["gg-share-button"],
        )
        if url.value:
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<a class="gg-share-link" href="{escape(url.value)}" '
                    f'style="word-break:break-all">{escape(url.value)}</a>'
                    f"{share.qr_svg(url.value)}"
                ),
                classes=["gg-share"],
            )


def use_link_restore(session: Any, redraw: Callable[[], None]) -> None:
    """On a page opened from a share link, rebuild the linked view once (a hook)."""
    search = solara.use_router().search or ""

    def restore():
        try:
            view = share.parse_link(search, session.scenarios())
        except ValueError as exc:
            session.message = str(exc)
            redraw()
            return
        if view is None:
            return
        if view.lang:
            i18n.LANGUAGE.value = view.lang
        share.restore(session, view)
        redraw()

    solara.use_effect(restore, [])


# Per page: the seed bands ({"key", "bands"}), whether a request runs, and its progress text.
BANDS: solara.Reactive[dict | None] = solara.reactive(None)
SEEDS_BUSY: solara.Reactive[bool] = solara.reactive(False)
SEEDS_PROGRESS: solara.Reactive[str] = solara.reactive("")


def current_bands(session: Any) -> Any:
    """The bands of this page if they belong to the session's current settings and day."""
    held = BANDS.value
    if not held or not session.streets:
        return None
    return held["bands"] if held["key"] == uncertainty.key(session) else None


def _run_in_background(session: Any, redraw: Callable[[], None]) -> None:
    """Start the seed runs in a thread that reports back into this page's own context."""
    from solara.server import kernel_context  # optional: the dashboard extra

    context = kernel_context.get_current_context() if kernel_context.has_current_context() else None
    request = uncertainty.key(session)
    SEEDS_BUSY.value = True
    SEEDS_PROGRESS.value = t("seeds_running", None, n=uncertainty.DEFAULT_SEEDS)

    def report(update: Callable[[], Any]) -> None:
        if context is None:
            update()
            return
        with context:  # reactive values are per page: set them inside that page's context
            update()

    def finish(result: dict | None, text: str) -> None:
        if result is not None:
            BANDS.value = result
        SEEDS_PROGRESS.value = text
        SEEDS_BUSY.value = False
        redraw()

    def work() -> None:
        try:
            bands = uncertainty.run_seeds(
                session,
                on_progress=lambda done, total: report(
                    lambda: SEEDS_PROGRESS.set(f"{done}/{total}")
                ),
            )
            result, text = {"key": request, "bands": bands}, ""
            if bands.failed:
                text = f"{bands.failed} runs failed: {bands.errors[0][:120]}"
        except Exception as exc:  # noqa: BLE001 - a failed request is a message, not a dead page
            result, text = None, f"{type(exc).__name__}: {exc}"[:200]
        report(lambda: finish(result, text))

    # The thread ends with the runs (seconds); it holds the page only until then.
    threading.Thread(target=work, name="gridgov-seeds", daemon=True).start()


@solara.component
def SeedsPanel(session: Any, redraw: Callable[[], None], version: int = 0):
    """The "Run 10 seeds" button, its progress, and what the band means once drawn."""
    lang = i18n.current_language()
    n = uncertainty.DEFAULT_SEEDS
    with solara.Row(gap="6px", style="align-items:center;flex-wrap:wrap"):
        solara.Button(
            t("run_seeds", lang, n=n),
            on_click=lambda: _run_in_background(session, redraw),
            disabled=SEEDS_BUSY.value or not session.streets,
            classes=["gg-run-seeds"],
        )
        if SEEDS_PROGRESS.value:
            solara.Text(SEEDS_PROGRESS.value, classes=["gg-seeds-progress"])
        bands = current_bands(session)
        if bands is not None and bands.n:
            solara.Text(t("seeds_band", lang, n=bands.n), classes=["gg-seeds-note"])


# Per page: the presentation layout (projector, 1280 x 720) is on.
PRESENT: solara.Reactive[bool] = solara.reactive(False)
PRESENT_CSS = (
    ".gg-present .gg-street-box{zoom:0.5}"
    ".gg-present .gg-street-label-A,.gg-present .gg-street-label-B{max-width:270px}"
    ".gg-present .gg-diff > div{display:grid !important;grid-template-columns:repeat(2,auto)}"
    ".gg-kpi th{white-space:nowrap}"
)


@solara.component
def PresentSwitch():
    """The switch of the presentation layout."""
    solara.Switch(
        label=t("present", i18n.current_language()),
        value=PRESENT.value,
        on_value=PRESENT.set,
        classes=["gg-present-switch"],
    )


@solara.component
def ColourToggle(colour_by: solara.Reactive[str]):
    """The street colouring buttons, named in the page's language."""
    lang = i18n.current_language()
    names = {i18n.colouring_text(key, lang): key for key in COLOURINGS}
    shown = next((name for name, key in names.items() if key == colour_by.value), None)
    solara.ToggleButtonsSingle(
        value=shown,
        values=list(names),
        on_value=lambda name: colour_by.set(names.get(name, colour_by.value)),
        classes=["gg-colour-by"],
    )
