"""The dashboard in real headless Chromium, served by `gridgov dashboard` as a trainer starts it.

Chromium is Debian's (`apt-get install chromium`), driven by Python playwright; `playwright install`
is never needed. Without Chromium these tests skip with the reason printed, except in CI
(`CI=true`), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "img" / "dashboard.png"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LATENCY_BUDGET_MS = 200.0
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# In-page timing of one Step: from the click event to the moment the new day, the new street
# picture and the updated plots are all in the DOM (checked every animation frame).
ARM_JS = """() => {
  window.__ggStreet = document.querySelector('img.gg-street-A').src;
  window.__ggClick = null;
  document.addEventListener('click', e => {
    if (e.target.closest('.gg-step')) window.__ggClick = performance.now();
  }, {capture: true, once: true});
}"""
DONE_JS = """(day) => {
  const d = document.querySelector('.gg-day');
  const img = document.querySelector('img.gg-street-A');
  const charts = document.querySelectorAll('svg.gg-chart');
  if (window.__ggClick === null || !d || d.textContent !== 'Day ' + day) return null;
  if (!img || img.src === window.__ggStreet || charts.length !== 6) return null;
  for (const c of charts) if (!c.textContent.includes('day ' + day)) return null;
  return performance.now() - window.__ggClick;
}"""


def _chromium() -> str | None:
    """Path of Chromium: $GRIDGOV_CHROMIUM if set, else `chromium` on PATH or Debian's."""
    explicit = os.environ.get("GRIDGOV_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    print(f"\nSKIP dashboard browser tests: {reason}", file=sys.stderr)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory):
    """`gridgov dashboard --port <free>` running in a subprocess; yields its base URL."""
    port = _free_port()
    work = tmp_path_factory.mktemp("dashboard")
    log = work / "server.log"
    # The project's scenarios plus a broken file, as a trainer's folder might hold.
    scenarios = work / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios)
    (scenarios / "zz_broken.toml").write_text('name = "broken\n[[[ this is not TOML')
    env = dict(
        os.environ,
        SOLARA_TELEMETRY_MIXPANEL_ENABLE="false",
        PYTHONUNBUFFERED="1",
        GRIDGOV_SCENARIOS_DIR=str(scenarios),
    )
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulation.cli", "dashboard", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
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
        assert f"Dashboard: {url}" in log.read_text()  # the address is printed for the trainer
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def dashboard_browser():
    """Headless Debian Chromium through playwright (skips, or fails in CI, without it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("python playwright is not installed (pip install -e '.[dev]')")
    path = _chromium()
    if path is None:
        _unavailable("chromium not found (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def dashboard_page(dashboard_browser, dashboard_server):
    """A fresh page (a fresh session) of the dashboard, fully loaded, with a request log."""
    context = dashboard_browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.requests = []  # every URL the page asked for, requests and websockets
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("websocket", lambda ws: page.requests.append(ws.url))

    def block_remote(route):
        if urlparse(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            route.abort()  # a classroom without internet: never wait on one

    page.route("**/*", block_remote)
    page.goto(dashboard_server)
    page.wait_for_selector("img.gg-street-A", timeout=60_000)
    page.wait_for_selector("svg.gg-chart", timeout=30_000)
    yield page
    context.close()


def _day(page) -> int:
    return int(page.text_content(".gg-day").split()[-1])


def _wait_day(page, day: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "(d) => document.querySelector('.gg-day')?.textContent === 'Day ' + d",
        arg=day,
        timeout=timeout,
    )


def test_page_loads_with_no_request_leaving_the_machine(dashboard_page):
    page = dashboard_page
    assert _day(page) == 0
    assert page.locator("svg.gg-chart").count() == 6
    assert page.locator(".gg-legend").is_visible()
    assert page.locator("text=3,600 households").is_visible()
    hosts = {urlparse(u).hostname for u in page.requests if not u.startswith(("data:", "blob:"))}
    assert hosts <= LOCAL_HOSTS, f"requests left the machine: {sorted(hosts - LOCAL_HOSTS)}"
    assert any(u.startswith("ws://127.0.0.1") for u in page.requests)  # the live connection
    # Solara's Vuetify assets came from the local server: the app bar is styled, not raw HTML.
    assert page.locator(".v-app-bar").evaluate("e => getComputedStyle(e).position") != "static"


def test_step_advances_and_step_latency_is_within_budget(dashboard_page, capsys):
    page = dashboard_page
    page.click(".gg-step")
    _wait_day(page, 1)
    latencies = []
    for day in range(2, 22):
        page.evaluate(ARM_JS)
        page.click(".gg-step")
        handle = page.wait_for_function(DONE_JS, arg=day, polling="raf", timeout=30_000)
        latencies.append(handle.json_value())
    median = statistics.median(latencies)
    with capsys.disabled():
        print(
            f"\ndashboard step latency (3,600 households, 6 plots, headless Chromium): "
            f"median {median:.0f} ms, min {min(latencies):.0f}, max {max(latencies):.0f} "
            f"over {len(latencies)} steps"
        )
    assert _day(page) == 21
    assert median <= LATENCY_BUDGET_MS


def test_play_advances_and_pause_stops(dashboard_page):
    page = dashboard_page
    page.click(".gg-play")
    page.wait_for_function(
        "() => +document.querySelector('.gg-day').textContent.split(' ')[1] >= 6", timeout=30_000
    )
    page.click(".gg-play")  # now labelled Pause
    page.wait_for_selector(".gg-play:has-text('Play')")
    time.sleep(0.5)
    stopped = _day(page)
    time.sleep(1.0)
    assert _day(page) == stopped >= 6


def test_toggles_and_sliders_change_the_model(dashboard_page):
    page = dashboard_page
    page.click(".gg-step30")
    _wait_day(page, 30)
    baseline = page.text_content(".gg-kpi-A")
    page.get_by_text("Identity (A)").click()
    page.wait_for_selector(".gg-street-label-A:has-text('baseline: identity')")
    assert _day(page) == 0  # a new setting restarts the street
    page.click(".gg-step30")
    _wait_day(page, 30)
    assert page.text_content(".gg-kpi-A") != baseline  # same seed, other mechanism, other street

    slider = page.locator(".v-input", has=page.locator("label", has_text="Households per grid"))
    thumb = slider.locator("[role=slider]")
    thumb.focus()
    thumb.press("ArrowLeft")  # one key at a time, then wait for the value to arrive
    page.wait_for_function(
        "(e) => e.getAttribute('aria-valuenow') === '290'", arg=thumb.element_handle()
    )
    page.wait_for_selector(".gg-street-label-A:has-text('3,480 households')")


def test_comparison_mode_shows_two_streets_and_the_difference_plot(dashboard_page, capsys):
    page = dashboard_page
    page.get_by_text("Compare two streets (A vs B)").click()
    page.wait_for_selector("img.gg-street-B")
    assert page.locator(".gg-street-label-B").text_content().endswith("3,600 households")
    assert "full: identity + connection + interaction" in page.text_content(".gg-street-label-B")
    assert page.locator("svg.gg-diff-chart").count() == 4
    latencies = []
    for day in range(1, 11):  # two streets, six plots and four difference plots per step
        page.evaluate(ARM_JS)
        page.click(".gg-step")
        handle = page.wait_for_function(DONE_JS, arg=day, polling="raf", timeout=30_000)
        latencies.append(handle.json_value())
    with capsys.disabled():
        print(
            f"\ndashboard step latency in comparison mode (2 × 3,600 households): "
            f"median {statistics.median(latencies):.0f} ms over {len(latencies)} steps"
        )
    for _ in range(4):
        day = _day(page)
        page.click(".gg-step30")
        _wait_day(page, day + 30)
    assert page.locator("svg.gg-diff-chart polyline").count() >= 4
    assert page.locator(".gg-kpi-diff").is_visible()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1500, "height": 1560})  # the page scrolls inside Solara's
    page.wait_for_timeout(300)  # layout, so make the window tall enough for everything
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000


def test_bad_seed_shows_a_message_and_the_page_keeps_working(dashboard_page):
    page = dashboard_page
    field = page.locator(".gg-seed input")
    field.fill("12abc")
    field.press("Enter")
    page.wait_for_selector("text=Seed must be a whole number")
    assert page.locator("text=seed 42").is_visible()  # the old seed is kept
    page.click(".gg-step")
    _wait_day(page, 1)
    field.fill("7")
    field.press("Enter")
    page.wait_for_selector("text=seed 7")
    assert page.locator("text=Seed must be a whole number").count() == 0


def test_broken_scenario_file_shows_a_message_and_the_page_keeps_working(dashboard_page):
    page = dashboard_page
    page.locator(".v-select", has=page.locator("label", has_text="Scenario A")).click()
    page.locator(".menuable__content__active .v-list-item", has_text="zz_broken").click()
    message = page.wait_for_selector(".gg-message")
    assert "Could not load scenario 'zz_broken'" in message.text_content()
    assert "baseline: no mechanisms" in page.text_content(".gg-street-label-A")
    page.click(".gg-step")
    _wait_day(page, 1)
    page.locator(".v-select", has=page.locator("label", has_text="Scenario A")).click()
    page.locator(".menuable__content__active .v-list-item", has_text="identity_connection").click()
    page.wait_for_selector(
        ".gg-street-label-A:has-text('identity_connection: identity + connection')"
    )
