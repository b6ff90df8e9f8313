"""The dashboard's classroom content in real headless Chromium: Chinese page, lessons, export.

Served by `gridgov dashboard` as a trainer starts it, with every request to anything but this
machine refused (a training room may have no internet). Without Chromium the tests skip with the
reason printed, except in CI (`CI=true`), where a missing browser is a failure.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from dashboard_browser_support import chromium, dashboard_server

pytestmark = pytest.mark.browser

# The official terms a Chinese page must show.
TERMS_ZH = ("认同机制", "联结机制", "互动机制", "网格员", "积压", "办结时长", "满意率", "预热期")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`gridgov dashboard` on a free loopback port; yields its URL."""
    with dashboard_server(tmp_path_factory.mktemp("content")) as (url, _proc, log):
        yield url + "/"
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _open(browser, url, locale="en-US", viewport=(1500, 1000)):
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, locale=locale, accept_downloads=True
    )
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost")
            else route.abort()
        ),
    )
    page.goto(url)
    page.wait_for_selector(".gg-day", timeout=60_000)
    return context, page


def _page_text(page) -> str:
    return page.evaluate("() => document.body.textContent")


def test_a_chinese_browser_gets_the_chinese_page_with_the_official_terms(browser, server):
    context, page = _open(browser, server, locale="zh-CN")
    try:
        assert page.text_content(".gg-day").startswith("第 0 天")
        page.locator(".gg-compare").click()
        page.wait_for_selector(".gg-street-label-B")
        page.locator(".gg-step30").click()
        page.wait_for_selector(".gg-day:has-text('第 30 天')")
        text = _page_text(page)
        missing = [term for term in TERMS_ZH if term not in text]
        assert missing == [], f"not on the Chinese page: {missing}"
        assert "B 在 6 项指标中有" in page.text_content(".gg-callout")
        assert "Backlog" not in page.text_content(".gg-kpi")
        # the same page switches to English, and back
        page.get_by_text("English", exact=True).click()
        page.wait_for_selector(".gg-day:has-text('Day 30')")
        assert "Backlog" in page.text_content(".gg-kpi")
        page.get_by_text("中文", exact=True).click()
        page.wait_for_selector(".gg-day:has-text('第 30 天')")
    finally:
        context.close()


def test_a_lesson_runs_to_its_end_with_live_numbers(browser, server):
    context, page = _open(browser, server, locale="en-US")
    try:
        page.locator(".gg-lesson-select").click()
        page.locator(".menuable__content__active .v-list-item", has_text="all three").click()
        page.wait_for_selector(".gg-lesson-caption", timeout=60_000)
        assert "Day 90:" in page.text_content(".gg-lesson-caption")
        assert page.text_content(".gg-lesson-pos").strip() == "Step 1 of 3"
        for day in (365, 820):
            page.locator(".gg-lesson-next").click()
            page.wait_for_selector(f".gg-lesson-caption:has-text('Day {day}:')", timeout=90_000)
        caption = page.text_content(".gg-lesson-caption")
        assert "End of the lesson" in caption and "{" not in caption
        assert "B is better on" in caption and "yuan" in caption
        assert page.locator(".gg-lesson-next").is_disabled()
        page.locator(".gg-lesson-back").click()
        page.wait_for_selector(".gg-lesson-caption:has-text('Day 365:')", timeout=90_000)
    finally:
        context.close()


def test_export_works_offline_and_the_link_restores_the_view(browser, server):
    from PIL import Image

    context, page = _open(browser, server)
    try:
        page.locator(".gg-compare").click()
        page.wait_for_selector(".gg-street-label-B")
        page.locator(".gg-step30").click()
        page.wait_for_selector(".gg-day:has-text('Day 30')")
        with page.expect_download(timeout=60_000) as info:
            page.get_by_text("Slide (PNG)").click()
        png = Path(info.value.path()).read_bytes()
        assert Image.open(io.BytesIO(png)).size[0] >= 1900
        with page.expect_download(timeout=60_000) as info:
            page.get_by_text("Slide (SVG)").click()
        assert b"<svg" in Path(info.value.path()).read_bytes()[:2000]
        page.locator(".gg-share-button").click()
        link = page.wait_for_selector(".gg-share-link").get_attribute("href")
        assert "a=baseline" in link and "b=full" in link and "day=30" in link
        assert page.locator(".gg-share svg").count() == 1  # the QR code
        other_context, other = _open(browser, link)
        try:
            other.wait_for_selector(".gg-day:has-text('Day 30')", timeout=60_000)
            assert other.locator(".gg-street-label-B").count() == 1
            assert other.text_content(".gg-kpi-B") == page.text_content(".gg-kpi-B")
        finally:
            other_context.close()
    finally:
        context.close()


def test_presentation_layout_fits_streets_kpis_and_differences_in_1280x720(browser, server):
    context, page = _open(browser, server, locale="zh-CN", viewport=(1280, 720))
    try:
        page.locator(".gg-compare").click()
        page.wait_for_selector(".gg-street-label-B")
        page.locator(".gg-present-switch").click()
        page.locator(".gg-step30").click()
        page.wait_for_selector(".gg-day:has-text('第 30 天')")
        page.locator(".v-app-bar__nav-icon").first.click()  # close the sidebar
        time.sleep(1.0)  # the drawer's closing animation
        page.evaluate("() => document.querySelector('.gg-day').scrollIntoView()")
        boxes = {
            sel: page.locator(sel).first.bounding_box()
            for sel in (".gg-kpi", "img.gg-street-A", "img.gg-street-B", ".gg-diff-chart")
        }
        last = page.locator(".gg-diff-chart").nth(3).bounding_box()
        top = boxes[".gg-kpi"]["y"]
        for sel, box in [*boxes.items(), ("4th difference plot", last)]:
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, sel
            assert box["y"] + box["height"] - top <= 720 - 64, sel  # below the app bar
        sizes = page.evaluate(
            "() => [...document.querySelectorAll('svg.gg-diff-chart text, .gg-kpi td')]"
            ".map(e => parseFloat(getComputedStyle(e).fontSize))"
        )
        assert sizes and min(sizes) >= 16
    finally:
        context.close()
