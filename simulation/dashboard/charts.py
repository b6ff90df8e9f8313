"""Small SVG line charts: the live plots of the dashboard, legible on a projector.

Each chart is a few kilobytes of SVG text built in well under a millisecond, and the browser
draws it without a charting library. That is what keeps a step with six live plots far under the
200 ms budget, where a matplotlib figure or six Vega charts would spend it all.

For a room of trainees every text is at least 16 px; a difference plot B − A is coloured by
whether B is better or worse on that indicator (the indicator's direction in the metric
registry, so "lower is better" for backlog shows a drop as green); the burn-in, meetings,
identity events and a demand shock are marked on the time axis.

The module is a little over the house's 350 lines on purpose: the line and difference charts
share one pixel frame (`_Frame`, `_ranges`), and splitting them would duplicate it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from simulation.core.alliance import meeting_day
from simulation.core.attitudes import identity_event_day
from simulation.core.mechanisms import MECHANISMS, Rules

# Line colours (hex, so any renderer takes them): A blue, B orange, extra series after.
PALETTE: tuple[str, ...] = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
BETTER, WORSE, NEUTRAL = "#1a9850", "#d73027", "#777777"
MAX_POINTS = 400  # longer series are thinned to this many points before drawing
FONT_PX = 16  # smallest text that is readable from the back of a training room
# How each kind of event is drawn on the time axis: colour and dash ("" = shaded span).
MARKER_STYLE: dict[str, tuple[str, str]] = {
    "burn_in": ("#555555", "6,4"),
    "meeting": ("#9467bd", ""),
    "identity": ("#8c564b", ""),
    "shock": ("#d62728", ""),
}


@dataclass(frozen=True)
class Series:
    """One line: legend label, colour, y values (NaN = gap), dash pattern and optional band.

    `lower`/`upper`, when given, are drawn as a shaded band behind the line (e.g. a 95% band
    over seeds).
    """

    label: str
    colour: str
    values: Sequence[float]
    dash: str = ""
    lower: Sequence[float] | None = None
    upper: Sequence[float] | None = None


@dataclass(frozen=True)
class Marker:
    """An event on the time axis: `kind` is a key of `MARKER_STYLE`; `end` for a span."""

    kind: str
    day: float
    end: float | None = None


def event_markers(params: Mapping[str, Any], last_day: float) -> list[Marker]:
    """The events a street's settings schedule up to `last_day`, for marking on plots.

    The schedule is the model's own: the days its rules hold joint meetings
    (`simulation.core.alliance.meeting_day`) and identity events
    (`simulation.core.attitudes.identity_event_day`), the demand shock's window when
    `shock_start` > 0, and the end of the burn-in.
    """
    marks: list[Marker] = []
    burn_in = int(params.get("burn_in_days", 0) or 0)
    if 0 < burn_in <= last_day:
        marks.append(Marker("burn_in", burn_in))
    rules = Rules.from_switches({m: bool(params.get(m)) for m in MECHANISMS})
    for kind, held in (("meeting", meeting_day), ("identity", identity_event_day)):
        marks.extend(Marker(kind, d) for d in range(1, int(last_day) + 1) if held(rules, params, d))
    start = int(params.get("shock_start", 0) or 0)
    if start > 0 and start <= last_day:
        end = min(start + int(params.get("shock_days", 0) or 0), last_day)
        marks.append(Marker("shock", start, end))
    return marks


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


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)


def _thin(days: Sequence[float], values: Sequence[float]) -> tuple[list[float], list[float]]:
    n = min(len(values), len(days))
    if n <= MAX_POINTS:
        return list(days[:n]), list(values[:n])
    stride = math.ceil(n / MAX_POINTS)
    idx = list(range(0, n, stride))
    if idx[-1] != n - 1:
        idx.append(n - 1)
    return [days[i] for i in idx], [values[i] for i in idx]


def _segments(points: Iterable[tuple[float, float | None]]) -> list[list[str]]:
    """Split (x, y) pixel points at gaps (y None) into polyline point lists."""
    segments, current = [], []
    for x, y in points:
        if y is not None:
            current.append(f"{x:.1f},{y:.1f}")
        elif current:
            segments.append(current)
            current = []
    if current:
        segments.append(current)
    return segments


class _Frame:
    """Pixel mapping of one chart: data (day, value) -> SVG coordinates."""

    def __init__(self, width, height, x_range, y_range, font_px):
        self.font_px = font_px
        self.left, self.right = int(font_px * 3.2), 10
        self.top, self.bottom = int(font_px * 1.6), int(font_px * 1.5)
        self.pw = width - self.left - self.right
        self.ph = height - self.top - self.bottom
        self.x_low, self.x_high = x_range
        self.y_low, self.y_high = y_range

    def px(self, x: float) -> float:
        return self.left + (x - self.x_low) / (self.x_high - self.x_low) * self.pw

    def py(self, y: float) -> float:
        return self.top + (1 - (y - self.y_low) / (self.y_high - self.y_low)) * self.ph


def _ranges(days, thinned, zero_line):
    # NumPy here: with seed bands a chart holds thousands of values, redrawn every frame.
    arrays = [np.asarray(vals, dtype=float) for _, _, vals in thinned]
    for s, _, _ in thinned:  # a band must fit too (over the days shown)
        for bound in (s.lower, s.upper) if s is not None else ():
            if bound is not None:
                arrays.append(np.asarray(bound[: len(days)], dtype=float))
    ys = np.concatenate(arrays) if arrays else np.array([])
    ys = ys[np.isfinite(ys)]
    if ys.size == 0:
        return None
    y_low, y_high = float(ys.min()), float(ys.max())
    if zero_line:
        y_low, y_high = min(y_low, 0.0), max(y_high, 0.0)
    if y_high - y_low < 1e-12:
        pad = abs(y_high) * 0.1 or 1.0
        y_low, y_high = y_low - pad, y_high + pad
    xs = [d for _, ds, _ in thinned for d in ds]
    x_low, x_high = min(xs), max(xs)
    return (x_low, max(x_high, x_low + 1)), (y_low, y_high)


def _markers_svg(f: _Frame, markers: Sequence[Marker]) -> list[str]:
    parts = []
    for m in markers:
        if not f.x_low <= m.day <= f.x_high:
            continue
        colour, dash = MARKER_STYLE.get(m.kind, (NEUTRAL, ""))
        x = f.px(m.day)
        if m.end is not None:  # a span: shaded
            x2 = f.px(min(m.end, f.x_high))
            parts.append(
                f'<rect class="gg-mark-{m.kind}" x="{x:.1f}" y="{f.top}" '
                f'width="{max(x2 - x, 2):.1f}" height="{f.ph}" fill="{colour}" '
                'fill-opacity="0.15"/>'
            )
        elif dash:  # a boundary: full-height dashed line
            parts.append(
                f'<line class="gg-mark-{m.kind}" x1="{x:.1f}" x2="{x:.1f}" y1="{f.top}" '
                f'y2="{f.top + f.ph}" stroke="{colour}" stroke-dasharray="{dash}"/>'
            )
        else:  # a recurring event: a short tick above the axis
            y0 = f.top + f.ph
            y1 = y0 - 8 if m.kind == "meeting" else y0 - 16
            y0 = y0 if m.kind == "meeting" else y0 - 9
            parts.append(
                f'<line class="gg-mark-{m.kind}" x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y1}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
    return parts


def _band_svg(f: _Frame, s: Series, days: Sequence[float]) -> str:
    n = min(len(days), len(s.lower or ()), len(s.upper or ()))
    ds, lower = _thin(days[:n], (s.lower or ())[:n])
    _, upper = _thin(days[:n], (s.upper or ())[:n])
    top, bottom = [], []
    for d, lo, hi in zip(ds, lower, upper, strict=False):
        if _finite(lo) and _finite(hi):
            top.append(f"{f.px(d):.1f},{f.py(hi):.1f}")
            bottom.append(f"{f.px(d):.1f},{f.py(lo):.1f}")
    if len(top) < 2:
        return ""
    points = " ".join(top + bottom[::-1])
    return f'<polygon class="gg-band" points="{points}" fill="{s.colour}" fill-opacity="0.2"/>'


def line_chart(
    title: str,
    days: Sequence[float],
    series: Sequence[Series],
    unit: str = "",
    *,
    width: int = 320,
    height: int = 190,
    zero_line: bool = False,
    css_class: str = "gg-chart",
    markers: Sequence[Marker] = (),
    font_px: int = FONT_PX,
    day_label: str = "day {day}",
    no_data: str = "no data yet",
) -> str:
    """Draw an SVG line chart of one or more series against simulated days.

    Args:
        title: Chart title.
        days: X values shared by every series.
        series: The lines to draw (with optional bands).
        unit: Y-axis unit shown after the title.
        width: Width in pixels.
        height: Height in pixels.
        zero_line: Draw y = 0 (for difference plots).
        css_class: Class of the `<svg>` element (tests find charts by it).
        markers: Events to mark on the time axis (see `event_markers`).
        font_px: Size of every text in the chart.
        day_label: Format of the first/last day under the axis (``{day}`` is filled in).
        no_data: Text shown before there is anything to draw.

    Returns:
        The SVG markup.
    """
    thinned = [(s, *_thin(days, s.values)) for s in series]
    head = (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'style="font:{font_px}px sans-serif;background:#fff">'
        f'<text x="4" y="{font_px + 1}" font-weight="bold">{escape(title)}'
        f'<tspan font-weight="normal" fill="#555"> {escape(unit)}</tspan></text>'
    )
    ranges = _ranges(days, thinned, zero_line)
    if ranges is None:
        return head + f'<text x="{font_px * 3}" y="{height / 2}" fill="#777">{no_data}</text></svg>'
    f = _Frame(width, height, *ranges, font_px)
    parts = [head, *_axes_svg(f, height, zero_line, day_label), *_markers_svg(f, markers)]
    for s, _, _ in thinned:
        if s.lower is not None and s.upper is not None:
            parts.append(_band_svg(f, s, days))
    for s, ds, vals in thinned:
        parts.extend(_line_svg(f, s, ds, vals))
    x = f.left + f.pw
    for s in reversed([s for s in series if s.label]):  # legend: labels in the title row
        parts.append(
            f'<text x="{x}" y="{font_px + 1}" text-anchor="end" fill="{s.colour}" '
            f'font-weight="bold">{escape(s.label)}</text>'
        )
        x -= int(font_px * 0.65 * len(s.label)) + 10
    parts.append("</svg>")
    return "".join(parts)


def _axes_svg(f: _Frame, height: int, zero_line: bool, day_label: str) -> list[str]:
    """Grid lines with value ticks, the optional zero line, and the first and last day."""
    parts = []
    for tick in nice_ticks(f.y_low, f.y_high, 3):
        y = f.py(tick)
        parts.append(
            f'<line x1="{f.left}" x2="{f.left + f.pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{f.left - 4}" y="{y + f.font_px * 0.35:.1f}" text-anchor="end" '
            f'fill="#333">{_fmt(tick)}</text>'
        )
    if zero_line:
        y0 = f.py(0)
        parts.append(
            f'<line x1="{f.left}" x2="{f.left + f.pw}" y1="{y0:.1f}" y2="{y0:.1f}" '
            'stroke="#555" stroke-dasharray="3,3"/>'
        )
    base = f.top + f.ph
    first, last = (day_label.format(day=f"{d:.0f}") for d in (f.x_low, f.x_high))
    parts.append(
        f'<line x1="{f.left}" x2="{f.left + f.pw}" y1="{base}" y2="{base}" stroke="#999"/>'
        f'<text x="{f.left}" y="{height - 4}" fill="#333">{escape(first)}</text>'
        f'<text x="{f.left + f.pw}" y="{height - 4}" text-anchor="end" fill="#333">'
        f"{escape(last)}</text>"
    )
    return parts


def _line_svg(f: _Frame, s: Series, ds: Sequence[float], vals: Sequence[float]) -> list[str]:
    """One series as polylines, broken at missing days (a lone point is a dot)."""
    points = ((f.px(d), f.py(v) if _finite(v) else None) for d, v in zip(ds, vals, strict=False))
    dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
    parts = []
    for seg in _segments(points):
        if len(seg) == 1:
            x, y = seg[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{s.colour}"/>')
        else:
            parts.append(
                f'<polyline fill="none" stroke="{s.colour}" stroke-width="2"{dash} '
                f'points="{" ".join(seg)}"/>'
            )
    return parts


def verdict(value: float, direction: int, tolerance: float = 0.0) -> int:
    """+1 if a difference B − A of `value` means B is better, -1 worse, 0 neither.

    Args:
        value: B − A.
        direction: +1 higher is better, -1 lower is better, 0 neutral (registry's direction).
        tolerance: Differences this small count as no difference.
    """
    if not _finite(value) or direction == 0 or abs(value) <= tolerance:
        return 0
    return 1 if value * direction > 0 else -1


def difference_chart(
    title: str,
    days: Sequence[float],
    values: Sequence[float],
    direction: int,
    unit: str = "",
    extra: Sequence[Series] = (),
    **kwargs: Any,
) -> str:
    """A B − A line whose area to the zero line is green where B is better and red where worse.

    Args:
        title: Chart title.
        days: X values.
        values: B − A per day.
        direction: The indicator's direction (+1 higher better, -1 lower better, 0 neutral).
        unit: Unit after the title.
        extra: More series drawn behind the difference (e.g. a mean over seeds with its band).
        **kwargs: Passed to `line_chart` (width, height, markers, css_class, ...).

    Returns:
        The SVG markup.
    """
    kwargs.setdefault("css_class", "gg-diff-chart")
    lines = [*extra, Series("", "#333333", values)]
    svg = line_chart(title, days, lines, unit, zero_line=True, **kwargs)
    ds, vals = _thin(days, values)
    finite = [(d, v) for d, v in zip(ds, vals, strict=False) if _finite(v)]
    if direction == 0 or len(finite) < 2:
        return svg
    # The same frame line_chart used, to shade between the line and zero.
    width, height = kwargs.get("width", 320), kwargs.get("height", 190)
    ranges = _ranges(days, [(s, *_thin(days, s.values)) for s in lines], True)
    f = _Frame(width, height, *ranges, kwargs.get("font_px", FONT_PX))
    # One polygon per run of same-coloured segments (many thin ones would show seams).
    runs: list[tuple[str, list[tuple[float, float]]]] = []
    for (d0, v0), (d1, v1) in zip(finite, finite[1:], strict=False):
        # Split a segment that crosses zero so each part has one colour.
        pieces = [(d0, v0, d1, v1)]
        if v0 * v1 < 0:
            dc = d0 + (d1 - d0) * v0 / (v0 - v1)
            pieces = [(d0, v0, dc, 0.0), (dc, 0.0, d1, v1)]
        for a, va, b, vb in pieces:
            colour = BETTER if verdict(va + vb, direction) > 0 else WORSE
            if not runs or runs[-1][0] != colour:
                runs.append((colour, [(a, va)]))
            runs[-1][1].append((b, vb))
    shapes = []
    for colour, points in runs:
        outline = [(points[0][0], 0.0), *points, (points[-1][0], 0.0)]
        text = " ".join(f"{f.px(d):.1f},{f.py(v):.1f}" for d, v in outline)
        shapes.append(f'<polygon points="{text}" fill="{colour}" fill-opacity="0.45"/>')
    # Behind the line: just before its first polyline.
    at = svg.find("<polyline")
    return svg[:at] + "".join(shapes) + svg[at:] if shapes and at >= 0 else svg


def score(
    differences: Mapping[str, float],
    directions: Mapping[str, int],
    tolerances: Mapping[str, float] | None = None,
) -> tuple[int, int, int]:
    """Count indicators on which B is better and worse than A.

    Args:
        differences: Indicator -> B − A (NaN where not measured yet).
        directions: Indicator -> direction (+1, -1, 0); neutral indicators are not counted.
        tolerances: Indicator -> the largest difference that counts as none (default 1e-9).

    Returns:
        ``(better, worse, counted)``.
    """
    tolerances = tolerances or {}
    counted = [k for k, v in differences.items() if directions.get(k, 0) and _finite(v)]
    verdicts = [verdict(differences[k], directions[k], tolerances.get(k, 1e-9)) for k in counted]
    return verdicts.count(1), verdicts.count(-1), len(counted)


def callout_html(better: int, worse: int, counted: int, text: str) -> str:
    """The big projector callout ("B is better on 5 of 6 indicators"), coloured by the tally."""
    colour = BETTER if better > worse else WORSE if worse > better else NEUTRAL
    return (
        f'<div class="gg-callout" data-better="{better}" data-worse="{worse}" '
        f'data-counted="{counted}" style="font-size:26px;font-weight:bold;color:#fff;'
        f'background:{colour};padding:6px 14px;border-radius:6px;display:inline-block">'
        f"{escape(text)}</div>"
    )
