"""A classroom on one dashboard server, in real headless Chromium.

One server (started as a trainer would, with a classroom password and a short time for pages
that lost their connection) serves: twelve pages opened at once right after it started, cycles
of pages opened and closed while its memory is watched, a trainer with five followers, a phone,
and pages without the password or with a hand-crafted slider value.
"""

from __future__ import annotations

import re
import time

import psutil
import pytest
from dashboard_browser_support import PHONE_USER_AGENT, chromium, dashboard_server

pytestmark = pytest.mark.browser

TOKEN = "ban-ji-42"
PAGES_AT_ONCE = 12
CYCLES, PAGES_PER_CYCLE = 3, 6
KEEP_SECONDS = 3  # --keep-minutes 0.05
GROWTH_BUDGET_MB = 40.0  # RSS may not grow more than this from the first cycle to the last


@pytest.fixture(scope="module")
def chromium_browser():
    """Headless Chromium for the whole module."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """A fresh server: password, 60 pages at most, a lost page freed after 3 s."""
    work = tmp_path_factory.mktemp("classroom")
    options = ("--token", TOKEN, "--max-sessions", "60", "--keep-minutes", "0.05")
    with dashboard_server(work, *options) as (url, proc, log):
        yield url, proc, log


def _open(browser, url, wait=True, token=True, **context_options):
    context = browser.new_context(
        **({"viewport": {"width": 1280, "height": 900}} | context_options)
    )
    page = context.new_page()
    page.goto(url + (f"/?token={TOKEN}" if token else ""), wait_until="commit")
    if wait:
        page.wait_for_selector("img.gg-street-A", state="attached", timeout=90_000)
    return page


def _day(page) -> int:
    return int(page.text_content(".gg-day").split()[-1])


def _settled_day(page, quiet: float = 1.0, timeout: float = 30.0) -> int:
    """The page's day once it has not changed for `quiet` seconds."""
    last, since, deadline = _day(page), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        day = _day(page)
        if day != last:
            last, since = day, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return day
    raise AssertionError(f"the day kept changing for {timeout} s after Pause (last {last})")


def _wait_day(page, day: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "(d) => document.querySelector('.gg-day')?.textContent.endsWith(' ' + d)",
        arg=day,
        timeout=timeout,
    )


def _rss_mb(proc) -> float:
    return psutil.Process(proc.pid).memory_info().rss / 2**20


def _server_pages(page) -> int:
    return int(re.search(r"(\d+)", page.text_content(".gg-server-load")).group(1))


def _wait_until_all_closed(browser, url, timeout: float = 90.0) -> float:
    """Open probe pages until one is the only page the server holds; return the seconds taken.

    A closed tab's page is freed once its connection has been gone for the server's keep time
    (3 s here); probes are further apart, so each probe is gone before the next counts.
    """
    started = time.time()
    while True:
        probe = _open(browser, url)
        alone = _server_pages(probe) == 1
        probe.context.close()
        if alone:
            return time.time() - started
        assert time.time() - started < timeout, "closed pages were not freed"
        time.sleep(KEEP_SECONDS + 2)


def test_twelve_pages_opened_at_once_on_a_fresh_server_show_no_traceback(
    chromium_browser, classroom
):
    url, proc, log = classroom
    pages = [
        _open(chromium_browser, url, wait=False) for _ in range(PAGES_AT_ONCE)
    ]  # all loading at once
    try:
        for page in pages:
            page.wait_for_selector("img.gg-street-A", state="attached", timeout=90_000)
            text = page.text_content("body")
            assert "Traceback" not in text and "partially initialized" not in text
            assert _day(page) == 0
        one_more = _open(chromium_browser, url)
        assert _server_pages(one_more) == PAGES_AT_ONCE + 1  # each page is its own session
        one_more.context.close()
    finally:
        for page in pages:
            page.context.close()
    assert "Traceback" not in log.read_text()


def test_memory_is_stable_across_open_close_cycles_and_closed_pages_stop(
    chromium_browser, classroom, capsys
):
    url, proc, log = classroom
    _wait_until_all_closed(chromium_browser, url)  # the twelve pages of the test before
    base, opened, after, freed = _rss_mb(proc), [], [], []
    for _ in range(CYCLES):
        pages = [_open(chromium_browser, url) for _ in range(PAGES_PER_CYCLE)]
        for page in pages:
            page.click(".gg-step30")
        for page in pages[:3]:  # left playing when the tab is closed
            _wait_day(page, 30)
            page.click(".gg-play")
        time.sleep(1.0)
        opened.append(_rss_mb(proc))
        for page in pages:
            page.context.close()
        freed.append(_wait_until_all_closed(chromium_browser, url))
        time.sleep(1.0)
        after.append(_rss_mb(proc))
    cpu = psutil.Process(proc.pid).cpu_percent(interval=1.5)
    per_page = (opened[0] - base) / PAGES_PER_CYCLE
    with capsys.disabled():
        print(
            f"\ndashboard memory: {base:.0f} MB warm; {per_page:.1f} MB per open page "
            f"({PAGES_PER_CYCLE} pages, 3 playing); after closing each cycle: "
            + ", ".join(f"{mb:.0f}" for mb in after)
            + f" MB; closed pages freed within {max(freed):.0f} s; "
            f"server CPU once all closed: {cpu:.0f}%"
        )
    assert after[-1] - after[0] < GROWTH_BUDGET_MB
    assert cpu < 25  # the Play loops of closed tabs stopped with their pages


def test_follow_mode_one_driver_and_five_viewers_stay_in_step(chromium_browser, classroom):
    url, proc, log = classroom
    trainer = _open(chromium_browser, url)
    viewers = [_open(chromium_browser, url) for _ in range(5)]
    try:
        trainer.click(".gg-room-start")
        code = trainer.text_content(".gg-room-code").strip()
        for viewer in viewers:
            viewer.fill(".gg-room-code-input input", code.lower())
            viewer.click(".gg-room-join")
            viewer.wait_for_selector(".gg-following")
            viewer.wait_for_selector(".gg-step", state="detached")  # read-only: no run buttons
        trainer.wait_for_function(
            "() => document.querySelector('.gg-classroom').textContent.includes('5 following')"
        )
        viewers[0].locator(".gg-colour-by button", has_text="trust").click()
        for days in (30, 60):
            trainer.click(".gg-step30")
            _wait_day(trainer, days)
            for viewer in viewers:
                _wait_day(viewer, days)
        trainer.click(".gg-play")
        time.sleep(2.0)
        trainer.click(".gg-play")  # pause
        trainer.wait_for_selector(".gg-play:has-text('Play')")
        # A Play frame in flight when Pause was clicked still steps and redraws: read the
        # trainer's day once it has stopped moving.
        final = _settled_day(trainer)
        assert final > 60
        street = trainer.get_attribute("img.gg-street-A", "src")
        for viewer in viewers:
            _wait_day(viewer, final)
        for viewer in viewers[1:]:  # same colouring: the very same picture
            assert viewer.get_attribute("img.gg-street-A", "src") == street
        assert viewers[0].get_attribute("img.gg-street-A", "src") != street  # its own colouring
    finally:
        for page in [trainer, *viewers]:
            page.context.close()


def test_the_phone_layout_shows_the_street_and_the_sidebar_closes(chromium_browser, classroom):
    url, proc, log = classroom
    phone = dict(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_USER_AGENT,
    )
    page = _open(chromium_browser, url, **phone)
    try:
        page.wait_for_timeout(500)
        box = page.locator("img.gg-street-A").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # the whole street fits
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.className", centre)
        assert "gg-street-A" in hit  # nothing covers it
        page.locator(".v-app-bar .v-btn").first.click()  # the menu button opens the sidebar
        page.wait_for_selector(".gg-step", state="visible")
        drawer = page.locator(".v-navigation-drawer").bounding_box()
        assert drawer["width"] < 390
        page.mouse.click(380, 420)  # tapping the page beside it closes it
        page.wait_for_function(
            "([x, y]) => document.elementFromPoint(x, y)?.className.includes('gg-street-A')",
            arg=list(centre),
        )
    finally:
        page.context.close()


def test_a_page_without_the_classroom_password_is_refused_politely(chromium_browser, classroom):
    url, proc, log = classroom
    refused = _open(chromium_browser, url, wait=False, token=False)
    try:
        refused.wait_for_selector(".gg-gate", timeout=60_000)
        assert "This dashboard is for one classroom" in refused.text_content("body")
        assert refused.locator("img.gg-street-A").count() == 0
        refused.fill(".gg-password input", TOKEN)
        refused.click(".gg-enter")
        refused.wait_for_selector("img.gg-street-A", state="attached")
        body = refused.text_content("body")
        assert "Traceback" not in body and "/work" not in body
        refused.click(".gg-step")
        _wait_day(refused, 1)
    finally:
        refused.context.close()
