"""The dashboard in real headless Chromium, served by `gridgov dashboard` as a trainer starts it.

See `dashboard_browser_support` for how Chromium is found (and when a missing one is a failure).
The comparison test leaves a screenshot under `results/` (git-ignored); `make screenshot` sets
`GRIDGOV_SCREENSHOT=docs/img/dashboard.png` to refresh the README's picture instead.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from urllib.parse import urlparse

import pytest
from dashboard_browser_support import ROOT, chromium, dashboard_server

pytestmark = pytest.mark.browser

# `make test` must leave `git status` clean: the picture goes to an ignored place by default.
SCREENSHOT = ROOT / os.environ.get("GRIDGOV_SCREENSHOT", "results/dashboard-screenshot.png")
LATENCY_BUDGET_MS = 200.0
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# In-page timing of one Step: from the click event to the moment the new day, the new street
# picture and the updated plots are all in the DOM (checked every animation frame). The street
# picture is the household image and its overlay: the image keeps its pixels on a day nobody
# rates a fix, but the workers' patrol moves their markers every day.
STREET_JS = "document.querySelector('img.gg-street-A').parentElement.innerHTML"
ARM_JS = f"""() => {{
  window.__ggStreet = {STREET_JS};
  window.__ggClick = null;
  document.addEventListener('click', e => {{
    if (e.target.closest('.gg-step')) window.__ggClick = performance.now();
  }}, {{capture: true, once: true}});
}}"""
DONE_JS = f"""(day) => {{
  const d = document.querySelector('.gg-day');
  const img = document.querySelector('img.gg-street-A');
  const charts = document.querySelectorAll('svg.gg-chart');
  if (window.__ggClick === null || !d || d.textContent !== 'Day ' + day) return null;
  if (!img || {STREET_JS} === window.__ggStreet || charts.length !== 6) return null;
  // A plot with nothing to show yet (no need resolved in the first days) names no day.
  let drawn = 0;
  for (const c of charts) {{
    if (!/day \\d/.test(c.textContent)) continue;
    if (!c.textContent.includes('day ' + day)) return null;
    drawn += 1;
  }}
  return drawn ? performance.now() - window.__ggClick : null;
}}"""


@pytest.fixture(scope="module")
def dashboard_server_url(tmp_path_factory):
    """`gridgov dashboard --port <free>` over the project's scenarios plus a broken file."""
    work = tmp_path_factory.mktemp("dashboard")
    scenarios = work / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios)
    (scenarios / "zz_broken.toml").write_text('name = "broken\n[[[ this is not TOML')
    with dashboard_server(work, scenarios=scenarios) as (url, proc, log):
        assert f"Dashboard: {url}" in log.read_text()  # the address is printed for the trainer
        yield url


@pytest.fixture(scope="module")
def dashboard_browser():
    """Headless Debian Chromium through playwright (skips, or fails in CI, without it)."""
    with chromium() as browser:
        yield browser


@pytest.fixture
def dashboard_page(dashboard_browser, dashboard_server_url):
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
    page.goto(dashboard_server_url)
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
