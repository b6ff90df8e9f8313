"""What the main view shows of a session, as HTML: KPI table, live plots, B − A plots, callout.

Labels, units, formats and directions come from the metric registry (`simulation.core.outcomes`);
texts from `i18n`; drawing from `charts`. Proportions are shown as percentages everywhere (plot
axes, table cells, differences in percentage points), so a plot and the table never disagree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from simulation.core.outcomes import KEY_DAILY
from simulation.dashboard import charts, drawing, i18n
from simulation.dashboard.charts import PALETTE, Series
from simulation.dashboard.explain import outcome
from simulation.dashboard.i18n import t

SIDE_COLOURS = {"A": PALETTE[0], "B": PALETTE[1]}

# The six live plots: the indicators drawn in each (a second one is drawn dashed).
PLOTS: tuple[tuple[str, ...], ...] = (
    ("backlog",),
    ("resolution_days_30d",),
    ("satisfaction_rate_30d",),
    ("mean_trust", "mean_identity"),
    ("volunteers_30d",),
    ("escalated_per_handled_30d",),
)
# The indicators compared as B − A, counted in the callout ("B is better on 5 of 6").
INDICATORS: tuple[str, ...] = KEY_DAILY
COST = "cost_per_resolved"


def history(street: Any, name: str) -> list[float]:
    """A street's recorded daily values of indicator `name` ([] if not recorded)."""
    return street.history.get(name, [])


def is_share(name: str) -> bool:
    """True for proportions in [0, 1], which the page shows as percentages."""
    return outcome(name).kind == "share"


def scaled(name: str, values: Sequence[float]) -> list[float]:
    """Values as shown: proportions × 100 (percent), others unchanged."""
    factor = 100.0 if is_share(name) else 1.0
    return [v * factor for v in values]


def unit(name: str, lang: str | None = None) -> str:
    """The unit shown for an indicator: "%" for proportions, else the registry's unit."""
    return "%" if is_share(name) else i18n.metric_unit(name, lang)


def format_value(name: str, value: float) -> str:
    """One value as the table shows it (registry format; proportions as whole percent)."""
    if not (isinstance(value, int | float) and math.isfinite(value)):
        return "–"
    return outcome(name).format(value)


def format_difference(name: str, value: float, lang: str | None = None) -> str:
    """B − A with its sign; proportions in percentage points ("+5 pp" / "+5个百分点")."""
    if not (isinstance(value, int | float) and math.isfinite(value)):
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    if is_share(name):
        points = "个百分点" if i18n._lang(lang) == "zh" else " pp"
        return f"{sign}{abs(value) * 100:.0f}{points}"
    return sign + format_value(name, abs(value))


def cost_per_resolved(street: Any) -> float:
    """Money spent per resolved need so far: over the scored days once the burn-in is over.

    Matches the summary outcome `cost_per_resolved` (total cost / resolved needs, scored period),
    from the street's recorded daily `cost` and `resolved` (no pass over the model's series).
    """
    cost, resolved = street.history.get("cost"), street.history.get("resolved")
    if not cost or not resolved:
        return math.nan
    burn_in = int(street.params.get("burn_in_days", 0) or 0)
    rows = [(c, r) for d, c, r in zip(street.days, cost, resolved, strict=False) if d > burn_in]
    rows = rows or list(zip(cost, resolved, strict=False))
    total_cost = sum(c for c, _ in rows if math.isfinite(c))
    total_resolved = sum(r for _, r in rows if math.isfinite(r))
    return total_cost / total_resolved if total_resolved > 0 else math.nan


def latest(session: Any, side: str) -> dict[str, float]:
    """The latest value of every indicator (and cost per resolved need) of one street."""
    street = session.street(side)
    values = {}
    for name in INDICATORS:
        series = history(street, name)
        values[name] = series[-1] if series else math.nan
    values[COST] = cost_per_resolved(street)
    return values


def directions() -> dict[str, int]:
    """Each compared indicator's direction (+1 higher better, -1 lower better)."""
    return {name: outcome(name).direction for name in (*INDICATORS, COST)}


def tolerance(name: str) -> float:
    """The largest B − A that the page shows as zero ("−0.00", "+0 pp"): no better, no worse.

    Read from the indicator's display format, so a cell never says "B worse" in red next to a
    difference that reads as nothing.
    """
    match = re.search(r"\.(\d+)([f%])", outcome(name).fmt)
    decimals = int(match.group(1)) if match else 2
    if is_share(name):
        decimals += 2  # shown as whole percentage points
    return 0.5 * 10.0**-decimals


def score(diffs: dict[str, float]) -> tuple[int, int, int]:
    """(better, worse, counted) over the compared indicators, ignoring invisible differences."""
    return charts.score(diffs, directions(), {n: tolerance(n) for n in diffs})


def kpi_html(session: Any, lang: str | None = None) -> str:
    """The KPI table: a row per street and, when comparing, B − A coloured better/worse."""
    names = (*INDICATORS, COST)
    head = "".join(
        f"<th>{escape(i18n.metric_label(n, lang))}<br><small>{escape(unit(n, lang))}</small></th>"
        for n in names
    )
    values = {side: latest(session, side) for side in session.active_sides}
    rows = []
    for side, row in values.items():
        cells = "".join(f"<td>{format_value(n, row[n])}</td>" for n in names)
        street = escape(t("street", lang, side=side))
        rows.append(
            f'<tr class="gg-kpi-{side}"><th style="color:{SIDE_COLOURS[side]}">{street}</th>'
            f"{cells}</tr>"
        )
    if session.compare:
        dirs = directions()
        cells = []
        for n in names:
            diff = values["B"][n] - values["A"][n]
            verdict = charts.verdict(diff, dirs[n], tolerance(n))
            colour = {1: charts.BETTER, -1: charts.WORSE}.get(verdict, "#333")
            cells.append(
                f'<td class="gg-diff-{n}" data-verdict="{verdict}" style="color:{colour};'
                f'font-weight:bold">{format_difference(n, diff, lang)}</td>'
            )
        rows.append(f'<tr class="gg-kpi-diff"><th>{t("kpi_diff", lang)}</th>{"".join(cells)}</tr>')
    return (
        '<table class="gg-kpi" style="border-collapse:collapse;font-size:16px;text-align:right">'
        f"<tr><th></th>{head}</tr>{''.join(rows)}</table>"
        "<style>.gg-kpi td,.gg-kpi th{padding:2px 6px;border-bottom:1px solid #ddd;"
        "white-space:nowrap}"
        ".gg-kpi small{font-weight:normal;color:#555}</style>"
    )


def callout_html(session: Any, lang: str | None = None) -> str:
    """The projector's headline: on how many indicators B is better, and the cost difference."""
    if not session.compare:
        return ""
    a, b = latest(session, "A"), latest(session, "B")
    diffs = {n: b[n] - a[n] for n in INDICATORS}
    better, worse, counted = score(diffs)
    if counted == 0:
        return ""
    text = t("better_on", lang, k=better, n=counted)
    if worse:
        text += t("worse_on", lang, k=worse)
    cost = b[COST] - a[COST]
    label = escape(i18n.metric_label(COST, lang))
    note = (
        f' <span class="gg-callout-cost" style="font-size:20px">{label}'
        f"{'：' if i18n._lang(lang) == 'zh' else ': '}"
        f"{format_difference(COST, cost, lang)} {escape(unit(COST, lang))}</span>"
        if math.isfinite(cost)
        else ""
    )
    return charts.callout_html(better, worse, counted, text) + note


def markers(session: Any) -> list[charts.Marker]:
    """Burn-in, meetings, identity events and shock of the shown streets, for the plots."""
    day = session.day
    seen, marks = set(), []
    for side in session.active_sides:
        for m in charts.event_markers(session.street(side).params, day):
            if m not in seen:
                seen.add(m)
                marks.append(m)
    return marks


def marker_legend_html(lang: str | None = None) -> str:
    """What the marks on the plots mean."""
    items = []
    for kind, key in (
        ("burn_in", "marker_burn_in"),
        ("meeting", "marker_meeting"),
        ("identity", "marker_identity"),
        ("shock", "marker_shock"),
    ):
        colour, dash = charts.MARKER_STYLE[kind]
        style = f"border-left:3px {'dashed' if dash else 'solid'} {colour};padding-left:4px"
        items.append(f'<span style="{style};margin-right:12px">{escape(t(key, lang))}</span>')
    return f'<div class="gg-marker-legend" style="font-size:16px">{"".join(items)}</div>'


def _band_series(bands: Any, side: str, name: str, colour: str) -> list[Series]:
    """The mean over seeds (dotted) with its 95% band, behind the live street's line."""
    if bands is None or side not in bands.mean or name not in bands.mean[side]:
        return []
    mean, low, high = (
        scaled(name, list(b[side][name])) for b in (bands.mean, bands.low, bands.high)
    )
    return [Series("", colour, mean, "2,3", lower=low, upper=high)]


def plots_html(session: Any, lang: str | None = None, width: int = 300, bands: Any = None) -> str:
    """The six live plots (both streets in each plot in comparison mode).

    `bands` (from `uncertainty.run_seeds`) adds each street's mean over seeds with its 95% band.
    """
    days = session.street("A").days
    marks = markers(session)
    out = []
    for names in PLOTS:
        series = []
        for side in session.active_sides:
            street = session.street(side)
            for i, name in enumerate(names):
                colour = SIDE_COLOURS[side] if session.compare else PALETTE[i]
                label = side if (session.compare and i == 0) else ""
                if i == 0:
                    series.extend(_band_series(bands, side, name, colour))
                series.append(
                    Series(label, colour, scaled(name, history(street, name)), "5,3" * (i == 1))
                )
        if len(names) > 1:
            title, shown_unit = t("trust_identity", lang), unit(names[0], lang)
        else:
            title, shown_unit = i18n.metric_label(names[0], lang), unit(names[0], lang)
        out.append(
            charts.line_chart(
                title,
                days,
                series,
                unit=shown_unit,
                width=width,
                markers=marks,
                day_label=t("day_axis", lang, day="{day}"),
                no_data=t("no_data", lang),
            )
        )
    return f'<div class="gg-plots" style="display:flex;flex-wrap:wrap;gap:6px">{"".join(out)}</div>'


def difference_html(
    session: Any, lang: str | None = None, width: int = 300, bands: Any = None
) -> str:
    """B − A on the compared indicators: green where B is better, red where worse.

    With `bands`, the mean B − A over seeds and its 95% band are drawn too (grey).
    """
    days = session.street("A").days
    marks = markers(session)
    out = []
    for name in INDICATORS[:4]:
        a = history(session.street("A"), name)
        b = history(session.street("B"), name)
        diff = scaled(name, [vb - va for va, vb in zip(a, b, strict=False)])
        out.append(
            charts.difference_chart(
                f"Δ {i18n.metric_label(name, lang)}",
                days,
                diff,
                outcome(name).direction,
                unit(name, lang),
                width=width,
                height=170,
                markers=marks,
                day_label=t("day_axis", lang, day="{day}"),
                no_data=t("no_data", lang),
                extra=_band_series(bands, "diff", name, "#555555"),
            )
        )
    return (
        f'<div class="gg-diff"><b style="font-size:18px">{escape(t("difference", lang))}</b> '
        f'<span style="font-size:16px">({escape(t("difference_help", lang))})</span>'
        f'<div style="display:flex;flex-wrap:wrap;gap:6px">{"".join(out)}</div></div>'
    )


def legend_html(colour_by: str, lang: str | None = None) -> str:
    """The street's legend in `lang`: colour ramp of `colour_by`, empty cells and markers."""
    lut = drawing._LUTS[colour_by]
    stops = ", ".join(drawing.hex_colour(lut[i]) for i in range(0, 256, 32))
    stops += f", {drawing.hex_colour(lut[255])}"
    swatch = "display:inline-block;vertical-align:middle;width:14px;height:14px;"
    word = lambda key: escape(i18n.colouring_text(key, lang))  # noqa: E731
    unrated = (
        f'<span style="{swatch}background:{drawing.hex_colour(drawing.UNRATED_RGB)}"></span> '
        f"{word('unrated')} &nbsp; "
        if colour_by == "satisfaction"
        else ""
    )
    return (
        '<div class="gg-legend" style="font-size:16px;line-height:24px">'
        f"<b>{word('legend_' + colour_by)}</b> "
        f'<span style="{swatch}width:140px;background:linear-gradient(to right, {stops});'
        'border:1px solid #888"></span> '
        f"<span>{word('low_' + colour_by)} → {word('high_' + colour_by)}</span> &nbsp; {unrated}"
        f'<br><span style="{swatch}background:{drawing.WORKER};border:2px solid #000"></span> '
        f"{word('worker')} &nbsp; "
        f'<span style="{swatch}background:{drawing.PARTNER};border:1px solid #000;'
        f'transform:rotate(45deg)"></span> {word("partner")} &nbsp; '
        f'<span style="{swatch}width:18px;height:0;border-top:3px solid {drawing.BORDER}"></span> '
        f"{word('border')}</div>"
    )
