"""Small SVG line charts: the live plots of the dashboard.

Each chart is a few kilobytes of SVG text built in well under a millisecond, and the browser
draws it without a charting library. That is what keeps a step with six live plots far under the
200 ms budget, where a matplotlib figure or six Vega charts would spend it all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Line colours (hex, so any renderer takes them): A blue, B orange, extra series after.
PALETTE: tuple[str, ...] = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
MAX_POINTS = 400  # longer series are thinned to this many points before drawing


@dataclass(frozen=True)
class Series:
    """One line: legend label, colour, y values (NaN = gap) and optional dash pattern."""

    label: str
    colour: str
    values: Sequence[float]
    dash: str = ""


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.0f}"
    return f"{value:.2g}" if abs(value) < 1 else f"{value:.1f}"


def _thin(days: Sequence[float], values: Sequence[float]) -> tuple[list[float], list[float]]:
    n = len(values)
    if n <= MAX_POINTS:
        return list(days[:n]), list(values)
    stride = math.ceil(n / MAX_POINTS)
    idx = list(range(0, n, stride))
    if idx[-1] != n - 1:
        idx.append(n - 1)
    return [days[i] for i in idx], [values[i] for i in idx]


def line_chart(
    title: str,
    days: Sequence[float],
    series: Sequence[Series],
    unit: str = "",
    width: int = 320,
    height: int = 170,
    zero_line: bool = False,
    css_class: str = "gg-chart",
) -> str:
    """Draw an SVG line chart of one or more series against simulated days.

    Args:
        title: Chart title.
        days: X values shared by every series.
        series: The lines to draw.
        unit: Y-axis unit shown after the title.
        width: Width in pixels.
        height: Height in pixels.
        zero_line: Draw y = 0 (for difference plots).
        css_class: Class of the `<svg>` element (tests find charts by it).

    Returns:
        The SVG markup.

    """
    left, right, top, bottom = 44, 8, 22, 20
    pw, ph = width - left - right, height - top - bottom
    thinned = [(s, *_thin(days, s.values)) for s in series]
    ys = [
        v for _, _, vals in thinned for v in vals if isinstance(v, int | float) and math.isfinite(v)
    ]
    xs = [d for _, ds, _ in thinned for d in ds]
    head = (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        'style="font:11px sans-serif;background:#fff">'
        f'<text x="4" y="14" font-weight="bold">{escape(title)}'
        f'<tspan font-weight="normal" fill="#666"> {escape(unit)}</tspan></text>'
    )
    if not ys:
        return head + f'<text x="{left}" y="{top + ph / 2}" fill="#888">no data yet</text></svg>'
    y_low, y_high = min(ys), max(ys)
    if zero_line:
        y_low, y_high = min(y_low, 0.0), max(y_high, 0.0)
    if y_high - y_low < 1e-12:
        pad = abs(y_high) * 0.1 or 1.0
        y_low, y_high = y_low - pad, y_high + pad
    x_low, x_high = min(xs), max(xs)
    if x_high <= x_low:
        x_high = x_low + 1

    def px(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * pw

    def py(y: float) -> float:
        return top + (1 - (y - y_low) / (y_high - y_low)) * ph

    parts = [head]
    for tick in nice_ticks(y_low, y_high):
        y = py(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#444">'
            f"{_fmt(tick)}</text>"
        )
    if zero_line:
        parts.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{py(0):.1f}" y2="{py(0):.1f}" '
            'stroke="#555" stroke-dasharray="3,3"/>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#999"/>'
        f'<text x="{left}" y="{height - 5}" fill="#444">day {x_low:.0f}</text>'
        f'<text x="{left + pw}" y="{height - 5}" text-anchor="end" fill="#444">'
        f"day {x_high:.0f}</text>"
    )
    for s, ds, vals in thinned:
        segments, current = [], []
        for d, v in zip(ds, vals, strict=False):
            if isinstance(v, int | float) and math.isfinite(v):
                current.append(f"{px(d):.1f},{py(v):.1f}")
            elif current:
                segments.append(current)
                current = []
        if current:
            segments.append(current)
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        for seg in segments:
            if len(seg) == 1:
                x, y = seg[0].split(",")
                parts.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{s.colour}"/>')
            else:
                parts.append(
                    f'<polyline fill="none" stroke="{s.colour}" stroke-width="1.6"{dash} '
                    f'points="{" ".join(seg)}"/>'
                )
    labelled = [s for s in series if s.label]
    if len(series) > 1 or labelled:
        x = left + pw
        for s in reversed(labelled):
            text = escape(s.label)
            parts.append(f'<text x="{x}" y="14" text-anchor="end" fill="{s.colour}">{text}</text>')
            x -= 7 * len(s.label) + 10
    parts.append("</svg>")
    return "".join(parts)
