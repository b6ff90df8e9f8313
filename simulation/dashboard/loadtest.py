"""Measure a dashboard server under a classroom's load: Step latency and memory per page.

    python -m simulation.dashboard.loadtest --pages 10 --steps 10 [--url http://HOST:PORT]

Opens PAGES pages in headless Chromium (Debian's `chromium`, driven by playwright from the
`dev` extra) against a running server (`--url`) or one it starts on loopback, then every page
presses Step STEPS times, all pages at the same time. A Step's latency is timed inside the page:
from the click to the moment the new day and the new street picture are shown. Prints the
median and 90th percentile over all steps, and the server's memory before and with the pages.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

#: How headless Chromium is started here and in the browser tests (no network beyond loopback).
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
ARM_JS = "() => { window.__ggClick = performance.now(); }"
DAY_JS = """(day) => document.querySelector('.gg-day')?.textContent.trim().endsWith(' ' + day)"""
DONE_JS = """(day) => {
  const d = document.querySelector('.gg-day');
  const img = document.querySelector('img.gg-street-A');
  if (!d || !d.textContent.trim().endsWith(' ' + day) || !img) return null;
  return performance.now() - window.__ggClick;
}"""


def _start_server(max_sessions: int) -> tuple[str, subprocess.Popen]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "simulation.cli", "dashboard", "--port", str(port)]
    command += ["--max-sessions", str(max_sessions)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return url, proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("loadtest: the dashboard server did not start within 90 s")


def _cpu_s(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    import psutil  # optional: the experiments extra

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _rss_mb(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    import psutil  # optional: the experiments extra

    return psutil.Process(pid).memory_info().rss / 2**20


async def _open(browser, url: str):
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(url, wait_until="commit", timeout=180_000)
    await page.wait_for_selector("img.gg-street-A", state="attached", timeout=180_000)
    return page


async def _open_many(browser, url: str, n: int, batch: int = 5) -> list:
    # A few at a time: 30 pages loading at once swamp two cores (browser and server alike).
    pages = []
    for start in range(0, n, batch):
        pages += await asyncio.gather(*(_open(browser, url) for _ in range(min(batch, n - start))))
    return pages


async def _steps(page, steps: int, latencies: list) -> None:
    for day in range(1, steps + 1):
        await page.evaluate(ARM_JS)
        await page.click(".gg-step")
        handle = await page.wait_for_function(DONE_JS, arg=day, polling="raf", timeout=120_000)
        latencies.append(await handle.json_value())


def _result(pages: int, latencies: list[float], before, with_pages, cpu: float) -> dict:
    """The figures one measurement reports: latency median and p90, memory, CPU per step."""
    ordered = sorted(latencies)
    return {
        "pages": pages,
        "steps": len(latencies),
        "median_ms": statistics.median(ordered),
        "p90_ms": ordered[int(0.9 * (len(ordered) - 1))],
        "rss_before_mb": before,
        "rss_with_pages_mb": with_pages,
        "server_cpu_ms_per_step": cpu * 1000 / max(1, len(latencies)),
    }


async def measure(url: str, pages: int, steps: int, pid: int | None) -> dict:
    """Open `pages` pages, step each `steps` times at once; return latencies and memory."""
    from playwright.async_api import async_playwright  # optional: the dev extra

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    latencies: list[float] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        before = _rss_mb(pid)
        opened = await _open_many(browser, url, pages)
        with_pages = _rss_mb(pid)
        cpu = _cpu_s(pid)
        await asyncio.gather(*(_steps(page, steps, latencies) for page in opened))
        cpu = _cpu_s(pid) - cpu
        await browser.close()
    return _result(pages, latencies, before, with_pages, cpu)


async def measure_follow(url: str, pages: int, steps: int, pid: int | None) -> dict:
    """One trainer page and `pages - 1` followers; the trainer steps `steps` times.

    A step's latency is from the trainer's click until every follower shows the new day
    (wall clock of this process, which drives all pages).
    """
    from playwright.async_api import async_playwright  # optional: the dev extra

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    latencies: list[float] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        before = _rss_mb(pid)
        trainer = await _open(browser, url)
        await trainer.click(".gg-room-start")
        code = (await trainer.text_content(".gg-room-code")).strip()
        viewers = await _open_many(browser, url, pages - 1)
        for viewer in viewers:
            await viewer.fill(".gg-room-code-input input", code)
            await viewer.click(".gg-room-join")
            await viewer.wait_for_selector(".gg-following", timeout=120_000)
        with_pages = _rss_mb(pid)
        cpu = _cpu_s(pid)
        for day in range(1, steps + 1):
            started = time.perf_counter()
            await trainer.click(".gg-step")
            await asyncio.gather(
                *(
                    page.wait_for_function(DAY_JS, arg=day, timeout=120_000)
                    for page in (trainer, *viewers)
                )
            )
            latencies.append((time.perf_counter() - started) * 1000)
        cpu = _cpu_s(pid) - cpu
        await browser.close()
    return _result(pages, latencies, before, with_pages, cpu)


def main(argv: list[str] | None = None) -> int:
    """Run the load test from the command line; print one line of figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--url", help="a running dashboard (default: start one on loopback)")
    parser.add_argument(
        "--follow", action="store_true", help="one trainer steps, the other pages follow"
    )
    args = parser.parse_args(argv)
    proc = None
    url = args.url
    if url is None:
        url, proc = _start_server(max_sessions=args.pages + 5)
    try:
        how = measure_follow if args.follow else measure
        try:
            result = asyncio.run(how(url, args.pages, args.steps, proc.pid if proc else None))
        except Exception as exc:  # noqa: BLE001 - a measuring tool: one line, not a traceback
            print(f"loadtest: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
    print(
        f"{result['pages']} pages "
        + ("following one trainer" if args.follow else "stepping at once")
        + f" ({result['steps']} steps): Step latency "
        f"median {result['median_ms']:.0f} ms, p90 {result['p90_ms']:.0f} ms; server RSS "
        f"{result['rss_before_mb']:.0f} MB warm, {result['rss_with_pages_mb']:.0f} MB with the "
        f"pages ({(result['rss_with_pages_mb'] - result['rss_before_mb']) / result['pages']:.1f}"
        f" MB per page); server CPU {result['server_cpu_ms_per_step']:.0f} ms per step"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    sys.exit(main())
