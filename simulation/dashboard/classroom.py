"""What one dashboard server shares among its pages: limits, the access check and rooms.

A trainer runs one server for a room of 20-30 trainees. This module holds what the pages of that
server share, as plain Python (no Solara), so it can be tested without a browser:

- `preload()` imports the heavy modules once, before the first page is served: concurrent first
  imports from several pages raised "partially initialized module 'pandas'".
- `Limits`: how many sessions the server holds and how large a street a session may build, from
  the environment `gridgov dashboard` sets (`GRIDGOV_MAX_SESSIONS`, `GRIDGOV_MAX_HOUSEHOLDS`).
- `SessionRegistry`: the live sessions; a page beyond the cap is refused with a message.
- `token_accepted()`: the optional classroom password (`GRIDGOV_DASHBOARD_TOKEN`).
- `Room`: follow-the-trainer mode. The trainer's page drives one `DashboardSession`; any number
  of trainee pages show it read-only. A viewer waits on the room's condition variable, so 30
  viewers cost one simulation plus their own drawing. The trainer can hand control to a trainee
  or let everyone branch off with their own copy.
"""

from __future__ import annotations

import hmac
import importlib
import os
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# Imported before any page exists; order matters little, completeness does.
HEAVY_MODULES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "mesa",
    "simulation.core.model",
    "simulation.config",
    "simulation.run",
)

DEFAULT_MAX_SESSIONS = 40
DEFAULT_MAX_HOUSEHOLDS = 20_000
# Room codes avoid letters and digits that read alike on a projector (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 4


def preload() -> list[str]:
    """Import the heavy modules now; return the ones that could not be imported.

    A module missing from an installation is not an error here (the page says so when used).
    """
    missing = []
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def _env_int(name: str, default: int, low: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        return default
    return max(low, value)


@dataclass(frozen=True)
class Limits:
    """What one server allows: sessions at once and households per street.

    Attributes:
        max_sessions: Pages (dashboard sessions) alive at once; the next one is refused.
        max_households: Households one street of a session may have.

    """

    max_sessions: int = DEFAULT_MAX_SESSIONS
    max_households: int = DEFAULT_MAX_HOUSEHOLDS

    @classmethod
    def from_environment(cls) -> Limits:
        """Read the limits `gridgov dashboard` passes to the server through the environment."""
        return cls(
            max_sessions=_env_int("GRIDGOV_MAX_SESSIONS", DEFAULT_MAX_SESSIONS, 1),
            max_households=_env_int("GRIDGOV_MAX_HOUSEHOLDS", DEFAULT_MAX_HOUSEHOLDS, 100),
        )


def token_accepted(given: str | None, expected: str | None = None) -> bool:
    """True if no classroom password is set, or `given` is it (compared in constant time)."""
    expected = os.environ.get("GRIDGOV_DASHBOARD_TOKEN", "") if expected is None else expected
    if not expected:
        return True
    return hmac.compare_digest((given or "").encode(), expected.encode())


class SessionRegistry:
    """The live dashboard sessions of this server, with a cap.

    A page asks for a ticket when it opens and gives it back when Solara closes its session
    (the page closed, or its connection was gone longer than the cull timeout).
    """

    def __init__(self, max_sessions: int | None = None):
        """Create an empty registry; `max_sessions` defaults to the environment's limit."""
        self._lock = threading.Lock()
        self._open: dict[int, float] = {}
        self._next = 0
        self._max = max_sessions

    @property
    def max_sessions(self) -> int:
        """The cap in force (read from the environment unless given)."""
        return self._max if self._max is not None else Limits.from_environment().max_sessions

    def open(self) -> int | None:
        """Take a ticket for a new session; None if the server is full."""
        with self._lock:
            if len(self._open) >= self.max_sessions:
                return None
            self._next += 1
            self._open[self._next] = time.monotonic()
            return self._next

    def close(self, ticket: int | None) -> None:
        """Give a ticket back (closing twice is harmless)."""
        with self._lock:
            self._open.pop(ticket, None)

    def __len__(self) -> int:
        """Sessions open now."""
        with self._lock:
            return len(self._open)


REGISTRY = SessionRegistry()


def new_code(taken: set[str] | dict[str, Any]) -> str:
    """A short room code not in `taken`, e.g. 'K7QF'."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def normalise_code(text: Any) -> str:
    """A typed room code as stored: full-width letters folded, spaces dropped, upper case."""
    return unicodedata.normalize("NFKC", str(text or "")).replace(" ", "").upper()[:16]


@dataclass
class Room:
    """One followed simulation: the trainer's session, who drives it, and who watches.

    Attributes:
        code: Short code trainees type to follow.
        session: The shared `DashboardSession` (only the driver changes it).
        owner: Page id of the trainer who opened the room.
        driver: Page id allowed to change the session (the owner unless handed over).
        viewers: Page id -> display name of every page following.
        version: Bumped on every change a viewer must show.
        settings_version: Bumped when settings changed (viewers then redraw their controls too).
        branched: True once the trainer let everyone go on with their own copy.
        closed: True once the trainer's page closed the room.

    """

    code: str
    session: Any
    owner: str
    driver: str = ""
    viewers: dict[str, str] = field(default_factory=dict)
    version: int = 0
    settings_version: int = 0
    branched: bool = False
    closed: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self):
        """The owner drives until control is handed over."""
        self.driver = self.driver or self.owner

    def publish(self, settings: bool = True) -> int:
        """Tell every viewer the session changed (its settings too, if `settings`)."""
        with self.changed:
            self.version += 1
            if settings:
                self.settings_version += 1
            self.changed.notify_all()
            return self.version

    def wait(self, seen: int, timeout: float) -> int:
        """Block until the version differs from `seen` (or `timeout` s pass); return it."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version

    def can_drive(self, page: str) -> bool:
        """True if `page` may change the shared session."""
        return not self.closed and not self.branched and page == self.driver

    def hand_control(self, page: str) -> bool:
        """Let `page` (the owner or a viewer) drive; False if it is not in the room."""
        if page != self.owner and page not in self.viewers:
            return False
        self.driver = page
        self.publish()
        return True


class Rooms:
    """Every open room of this server, by code."""

    def __init__(self):
        """Create an empty set of rooms."""
        self._lock = threading.Lock()
        self._rooms: dict[str, Room] = {}

    def open(self, session: Any, owner: str) -> Room:
        """Open a room around `session`, driven by page `owner`."""
        with self._lock:
            room = Room(code=new_code(self._rooms), session=session, owner=owner)
            self._rooms[room.code] = room
            return room

    def get(self, code: Any) -> Room | None:
        """The open room with this (typed) code, or None."""
        with self._lock:
            room = self._rooms.get(normalise_code(code))
            return room if room is not None and not room.closed else None

    def join(self, code: Any, page: str, name: str) -> Room | None:
        """Add page `page` as a viewer of room `code`; None if there is no such open room."""
        room = self.get(code)
        if room is None or room.branched:
            return None
        with room.changed:
            room.viewers[page] = name or page
        room.publish()
        return room

    def leave(self, room: Room, page: str) -> None:
        """Page `page` stops following (or, for the owner, the room closes for everyone)."""
        if page == room.owner:
            self.close(room)
            return
        with room.changed:
            room.viewers.pop(page, None)
            if room.driver == page:  # control returns to the trainer
                room.driver = room.owner
        room.publish()

    def branch_all(self, room: Room) -> None:
        """Let every viewer go on with its own copy; the owner keeps the original."""
        room.branched = True
        self.close(room)

    def close(self, room: Room) -> None:
        """Close the room: viewers keep watching their last picture and may branch off."""
        with self._lock:
            self._rooms.pop(room.code, None)
        room.closed = True
        room.publish()

    def __len__(self) -> int:
        """Open rooms."""
        with self._lock:
            return len(self._rooms)


ROOMS = Rooms()
