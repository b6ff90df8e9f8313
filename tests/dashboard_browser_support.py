"""Shared by the dashboard's browser tests: Debian's Chromium and a real `gridgov dashboard`.

Chromium is Debian's (`apt-get install chromium`), driven by Python playwright; `playwright install`
is never needed. Without Chromium the tests skip with the reason printed, except in CI
(`CI=true`), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from simulation.dashboard.loadtest import CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parents[1]
PHONE_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def chromium_path() -> str | None:
    """Path of Chromium: $GRIDGOV_CHROMIUM if set, else `chromium` on PATH or Debian's."""
    explicit = os.environ.get("GRIDGOV_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def unavailable(reason: str):
    """Skip with the reason printed; in CI, fail instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    print(f"\nSKIP dashboard browser tests: {reason}", file=sys.stderr)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def chromium():
    """A headless Chromium browser (skips, or fails in CI, without it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("python playwright is not installed (pip install -e '.[dev]')")
    path = chromium_path()
    if path is None:
        unavailable("chromium not found (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def dashboard_server(work: Path, *options: str, scenarios: Path | None = None):
    """`gridgov dashboard --port <free> OPTIONS` in a subprocess; yields (url, process, log).

    Args:
        work: Folder for the server's log.
        *options: Extra `gridgov dashboard` options.
        scenarios: Scenario folder the picker lists (default: the project's).

    """
    port = free_port()
    log = work / "server.log"
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="false", PYTHONUNBUFFERED="1")
    if scenarios is not None:
        env["GRIDGOV_SCENARIOS_DIR"] = str(scenarios)
    command = [sys.executable, "-m", "simulation.cli", "dashboard", "--port", str(port), *options]
    with open(log, "w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"dashboard server exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail(f"dashboard server did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url, proc, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
