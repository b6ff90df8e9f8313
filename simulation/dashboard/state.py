"""One page's state and its background loops: the Play loop and, in follow mode, the viewer loop.

Both loops are plain daemon threads owned by a `Loop` object, not `solara.lab.use_task`: a task
keeps a reference from its callback to the page's objects, and a closed page's streets stayed in
memory with it. A `Loop` is stopped by the page's cleanup (and by the kernel's close hook), and
drops its callback when it ends, so nothing of a closed page stays reachable from a thread.
Solara runs a thread started inside a page in that page's kernel context, so the loops may set
the page's reactive values.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara

from simulation.dashboard.classroom import ROOMS, Room
from simulation.dashboard.i18n import pick

PLAY_FRAME_SECONDS = 0.08  # shortest time between two screen updates while playing
IDLE_CHECK_SECONDS = 30.0
FOLLOW_WAIT_SECONDS = 1.0  # a viewer re-checks its room at least this often
# A follower redraws at most this often: a page's redraw costs ~11 ms of the server's one
# Python thread, so 30 followers redrawing every Play frame (80 ms) would starve the trainer's
# own loop. Intermediate days are skipped; the latest one is always shown.
FOLLOW_MIN_SECONDS = 0.4


class Loop:
    """A background loop calling `tick()` until it returns False or `stop()` is called.

    Args:
        tick: Called repeatedly; returns False to end the loop.
        pause: Seconds between the starts of two ticks (0 for none).
        name: Thread name (shown by debuggers and `py-spy`).

    """

    def __init__(self, tick: Callable[[], bool], pause: float = 0.0, name: str = "gridgov-loop"):
        """Create a stopped loop."""
        self._tick: Callable[[], bool] | None = tick
        self._pause = pause
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        """True while the loop's thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the loop (no-op if it is running)."""
        if self.alive or self._tick is None:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._stop,), daemon=True, name=self._name
        )
        self._thread.start()

    def stop(self, wait: float = 0.0) -> None:
        """Ask the loop to end after its current tick; wait up to `wait` seconds for it."""
        self._stop.set()
        thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    def close(self, wait: float = 2.0) -> None:
        """Stop for good and drop the callback, so the page's objects can be freed."""
        self.stop(wait)
        self._tick = None

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            tick = self._tick
            if tick is None:
                return
            started = time.perf_counter()
            try:
                go_on = tick()
            except Exception:  # noqa: BLE001 - a dead page's reactive may raise; end quietly
                traceback.print_exc()
                return
            if not go_on:
                return
            stop.wait(max(0.0, self._pause - (time.perf_counter() - started)))


@dataclass
class PageState:
    """Reactive values shared by the page's parts, and what the page is connected to.

    Two counters keep redraws cheap: a step bumps only `frame`, which only the main view reads,
    so the sidebar's dozens of widgets are not re-rendered on every simulated day.

    Attributes:
        page: This page's id (rooms know their members by it).
        current: The session shown: the page's own, or its room's.
        room: The follow-mode room this page is in (owner or viewer), or None.
        seed_text: What is typed in the seed field; kept while playing until Enter applies it.

    """

    page: str
    current: solara.Reactive[Any]
    room: solara.Reactive[Room | None]
    frame: solara.Reactive[int]
    settings: solara.Reactive[int]
    playing: solara.Reactive[bool]
    colour_by: solara.Reactive[str]
    seed_text: solara.Reactive[str]
    seed_error: solara.Reactive[str]
    days_per_frame: solara.Reactive[int]

    @property
    def session(self) -> Any:
        """The `DashboardSession` this page shows."""
        return self.current.value

    @property
    def readonly(self) -> bool:
        """True for a viewer that does not (now) drive its room's simulation."""
        room = self.room.value
        return room is not None and not room.can_drive(self.page)

    def redraw(self, settings_changed: bool = True) -> None:
        """Redraw the main view, and the controls too if settings changed; tell the room."""
        if settings_changed:
            self.settings.value += 1
        self.frame.value += 1
        room = self.room.value
        if room is not None and room.can_drive(self.page):
            room.publish(settings=settings_changed)

    def act(self, method, *args) -> None:
        """Run a session method from a control, then redraw.

        The session turns bad input into a message; anything else that goes wrong becomes a
        message too, so a page never shows a traceback or a server path.
        """
        if self.readonly:
            return
        try:
            method(*args)
        except Exception as exc:  # noqa: BLE001 - see above
            self.session.message = pick(
                f"That did not work ({type(exc).__name__}); the street is kept",
                f"操作未成功（{type(exc).__name__}）；街道保持不变",
            )
        self.redraw()

    def step(self, days: int) -> None:
        """Advance the streets and redraw the main view (and the controls if a message came)."""
        if self.readonly:
            return
        s = self.session
        had = (bool(s.message), s.finished)
        ok = s.step(days)
        self.redraw(settings_changed=not ok or had != (bool(s.message), s.finished))

    def apply_seed(self, text: Any) -> None:
        """Apply the typed seed (on Enter or leaving the field); show a refusal under it."""
        s = self.session
        if self.readonly:
            return
        if s.set_seed(text):
            self.seed_error.value = ""
            self.seed_text.value = str(s.seed)
        else:
            self.seed_error.value = s.message
            s.message = ""  # shown under the field instead of in the main view
        self.redraw()

    def reset(self) -> None:
        """Back to the starting settings at day 0; playing stops."""
        if self.readonly:
            return
        self.playing.value = False
        self.session.reset()
        self.seed_error.value = ""
        self.seed_text.value = str(self.session.seed)
        self.redraw()

    @property
    def ready(self) -> bool:
        """True when every street the mode needs is running."""
        s = self.session
        return s is not None and "A" in s.streets and (not s.compare or "B" in s.streets)

    def play_tick(self) -> bool:
        """One frame of Play; False (and Play off) once there is an error or the run is over."""
        if not self.playing.value or self.readonly:
            return False
        self.step(self.days_per_frame.value)
        s = self.session
        if s.message or s.finished:
            # Stop, so a forgotten tab never keeps the server busy.
            self.playing.value = False
            if not s.message:
                s.notice = f"Run complete at day {s.day}; Reset to start again"
                self.redraw()
            return False
        return True

    def leave_room(self, branch: bool) -> None:
        """Stop following (or close the room, for its owner); keep a copy of it if `branch`."""
        room = self.room.value
        if room is None:
            return
        ROOMS.leave(room, self.page)
        if branch and self.page != room.owner:
            # The copy is shown before the page stops being read-only, so no click can
            # reach the room's session in between.
            self.current.value = room.session.clone()
        self.room.value = None
        self.seed_text.value = str(self.session.seed)
        self.redraw()


def use_play_loop(state: PageState) -> None:
    """Run the Play loop while `state.playing` is on; stop it when the page closes."""
    loop = solara.use_memo(
        lambda: Loop(state.play_tick, PLAY_FRAME_SECONDS, name="gridgov-play"), []
    )
    loop._tick = state.play_tick  # the latest render's state (same reactives, same session)
    playing = state.playing.value

    def follow_playing():
        if playing:
            loop.start()
        else:
            loop.stop()

    solara.use_effect(follow_playing, [playing])
    solara.use_effect(lambda: lambda: loop.close(wait=0.2), [])


def use_follow_loop(state: PageState) -> None:
    """While this page is in a room, redraw whenever someone else changes the room's session.

    Every member runs it (the owner too, since a trainee may be handed control); the driver's
    own steps are skipped, as its page already drew them. A viewer that the trainer lets
    branch off (or whose trainer closed the room) goes on with its own copy at the same day.
    """
    room = state.room.value

    def make():
        seen = {"version": -1, "settings": -1}

        def tick() -> bool:
            current = state.room.value
            if current is None:
                return False
            version = current.wait(seen["version"], FOLLOW_WAIT_SECONDS)
            if current.closed:
                if current.owner != state.page:
                    state.leave_room(branch=True)
                return False
            if version != seen["version"]:
                changed = current.settings_version != seen["settings"]
                seen["version"], seen["settings"] = version, current.settings_version
                if changed:  # members or settings: the driver's controls show them too
                    state.settings.value += 1
                if not current.can_drive(state.page):
                    state.frame.value += 1
            return True

        return Loop(tick, FOLLOW_MIN_SECONDS, name="gridgov-follow")

    loop = solara.use_memo(make, [id(room)])

    def run():
        if room is not None:
            loop.start()
        return lambda: loop.close(wait=0.2)

    solara.use_effect(run, [id(room)])


def idle_minutes() -> float:
    """Minutes after which an idle page's streets are freed (`GRIDGOV_IDLE_MINUTES`, default 90)."""
    try:
        return max(0.05, float(os.environ.get("GRIDGOV_IDLE_MINUTES", "90")))
    except ValueError:
        return 90.0


def use_idle_release(state: PageState) -> None:
    """Free the streets of a page nobody has used for a while (a tab left open after class).

    The page stays connected and shows "press Reset"; a playing page or a room is never idle.
    """
    limit = idle_minutes() * 60

    def tick() -> bool:
        s = state.session
        idle = time.monotonic() - s.last_used
        if s.streets and idle > limit and not state.playing.value and state.room.value is None:
            s.release(
                pick(
                    f"This page was idle for {idle_minutes():g} minutes and its streets were "
                    "freed; press Reset to start again",
                    f"本页面已闲置 {idle_minutes():g} 分钟，街道已释放；请按“重置”重新开始",
                )
            )
            state.redraw()
        return True

    loop = solara.use_memo(
        lambda: Loop(tick, min(IDLE_CHECK_SECONDS, limit / 4), name="gridgov-idle"), []
    )

    def run():
        loop.start()
        return lambda: loop.close(wait=0.2)

    solara.use_effect(run, [])
