"""What one dashboard server shares among its pages: preload, caps, the password and rooms."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from simulation.dashboard import classroom
from simulation.dashboard.classroom import Limits, Rooms, SessionRegistry, token_accepted
from simulation.dashboard.session import DashboardSession


@pytest.mark.slow
def test_preload_imports_every_heavy_module_in_a_fresh_interpreter():
    code = (
        "import sys; from simulation.dashboard import classroom; "
        "assert 'pandas' not in sys.modules; "
        "print(classroom.preload()); "
        "print(all(m in sys.modules for m in classroom.HEAVY_MODULES))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "True"]


def test_limits_come_from_the_environment_and_bad_values_fall_back(monkeypatch):
    monkeypatch.setenv("GRIDGOV_MAX_SESSIONS", "3")
    monkeypatch.setenv("GRIDGOV_MAX_HOUSEHOLDS", "5000")
    assert Limits.from_environment() == Limits(max_sessions=3, max_households=5000)
    monkeypatch.setenv("GRIDGOV_MAX_SESSIONS", "lots")
    monkeypatch.setenv("GRIDGOV_MAX_HOUSEHOLDS", "-4")
    limits = Limits.from_environment()
    assert limits.max_sessions == classroom.DEFAULT_MAX_SESSIONS
    assert limits.max_households == 100


def test_the_street_size_cap_of_the_server_reaches_the_session(monkeypatch):
    monkeypatch.setenv("GRIDGOV_MAX_HOUSEHOLDS", "3000")
    s = DashboardSession(seed=1)  # the default street (3,600 households) is over this cap
    assert "at most 3,000 per street" in s.message
    assert s.set_params({"households_per_grid": 200})  # 2,400 households fit
    assert len(s.street("A").model.households.x) == 2400


def test_the_registry_refuses_sessions_beyond_the_cap_and_frees_closed_ones():
    registry = SessionRegistry(max_sessions=2)
    first, second = registry.open(), registry.open()
    assert first and second and registry.open() is None
    registry.close(first)
    registry.close(first)  # twice is harmless
    assert len(registry) == 1
    assert registry.open() is not None


def test_the_classroom_password(monkeypatch):
    assert token_accepted(None, expected="")
    assert token_accepted("anything", expected="")
    assert token_accepted("ban-ji-42", expected="ban-ji-42")
    assert not token_accepted("ban-ji-41", expected="ban-ji-42")
    assert not token_accepted(None, expected="ban-ji-42")
    monkeypatch.setenv("GRIDGOV_DASHBOARD_TOKEN", "secret")
    assert token_accepted("secret") and not token_accepted("")


def test_a_room_is_joined_by_its_code_typed_loosely_and_closes_with_its_owner():
    rooms = Rooms()
    room = rooms.open(session=object(), owner="trainer")
    assert len(room.code) == classroom.CODE_LENGTH
    typed = " " + room.code.lower()[:2] + " " + room.code.lower()[2:]
    assert rooms.join(typed, "p1", "Li") is room
    assert rooms.join("ZZZZZZ", "p2", "Wang") is None
    assert room.viewers == {"p1": "Li"} and room.can_drive("trainer")
    assert not room.can_drive("p1")
    assert room.hand_control("p1") and room.can_drive("p1") and not room.can_drive("trainer")
    assert not room.hand_control("stranger")
    rooms.leave(room, "p1")  # the trainee in control leaves: control returns to the trainer
    assert room.driver == "trainer" and room.viewers == {}
    rooms.leave(room, "trainer")
    assert room.closed and rooms.get(room.code) is None and len(rooms) == 0


def test_viewers_waiting_on_a_room_wake_when_it_changes():
    room = Rooms().open(session=object(), owner="trainer")
    seen = room.version
    woke = []

    def viewer():
        woke.append(room.wait(seen, timeout=5))

    threads = [threading.Thread(target=viewer) for _ in range(5)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    started = time.perf_counter()
    room.publish()
    for t in threads:
        t.join()
    assert woke == [seen + 1] * 5
    assert time.perf_counter() - started < 1
    assert room.wait(room.version, timeout=0.05) == room.version  # no change: times out
