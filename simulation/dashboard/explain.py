"""The "why" panels: what each mechanism switches on, what each indicator means, what a scenario is.

Nothing here is a second copy of the model's documentation. The rules come from
`simulation.core.mechanisms.RULES` (the table the model itself reads), the indicators' definitions,
units and directions from the metric registry `simulation.core.outcomes`, and scenario titles and
descriptions from the scenario files. This module only lays them out in the page's language.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from simulation.config import load_scenario
from simulation.core import mechanisms, outcomes
from simulation.dashboard import i18n
from simulation.dashboard.i18n import t


def outcome(name: str) -> outcomes.Outcome:
    """The registry entry of a dashboard indicator (its daily series first)."""
    return outcomes.DAILY.get(name) or outcomes.get(name)


def direction_text(name: str, lang: str | None = None) -> str:
    """The indicator's direction in words ("higher is better", "越低越好"), from the registry."""
    d = outcome(name).direction
    return t({1: "higher_better", -1: "lower_better"}.get(d, "neutral"), lang)


def mechanism_html(mechanism: str, sides_on: Iterable[str] = (), lang: str | None = None) -> str:
    """One mechanism's panel: its name, where it is on, and each rule it switches on.

    Args:
        mechanism: "identity", "connection" or "interaction".
        sides_on: The streets ("A", "B") where the switch is on.
        lang: "zh" or "en" (default: the page's language).
    """
    zh = i18n._lang(lang) == "zh"
    on = list(sides_on)
    state = t("is_on", lang, sides=" ".join(on)) if on else t("is_off", lang)
    items = []
    for rule in mechanisms.rules_of(mechanism):
        text = rule.description_zh if zh else rule.description
        without = rule.without_zh if zh else rule.without
        label = "未启用时：" if zh else "Without it: "
        contrast = f'<br><i style="color:#555">{label}{escape(without)}</i>'
        items.append(f'<li class="gg-rule" data-rule="{rule.name}">{escape(text)}{contrast}</li>')
    title = t("why_mechanism", lang, mechanism=i18n.mechanism_name(mechanism, lang))
    colour = "#1a9850" if on else "#777"
    return (
        f'<div class="gg-why gg-why-{mechanism}" style="font-size:16px;margin-bottom:6px">'
        f"<b>{escape(title)}</b> "
        f'<span style="color:{colour}">({escape(state)})</span>'
        f'<ul style="margin:2px 0 0 18px;padding:0">{"".join(items)}</ul></div>'
    )


def mechanisms_html(
    params_by_side: Mapping[str, Mapping[str, Any]], lang: str | None = None
) -> str:
    """The three mechanism panels, each saying in which streets it is switched on."""
    parts = []
    for m in mechanisms.MECHANISMS:
        on = [side for side, p in params_by_side.items() if p.get(m)]
        parts.append(mechanism_html(m, on, lang))
    return "".join(parts)


def metric_html(name: str, lang: str | None = None) -> str:
    """One indicator's definition: label, unit, direction and definition, from the registry."""
    o = outcome(name)
    zh = i18n._lang(lang) == "zh"
    label, unit = (o.label_zh, o.unit_zh) if zh else (o.label, o.unit)
    definition = o.definition_zh if zh else o.definition
    return (
        f'<li class="gg-metric-help" data-metric="{name}"><b>{escape(label)}</b> '
        f"({escape(unit)}; {escape(direction_text(name, lang))}){'：' if zh else ': '}"
        f"{escape(definition)}</li>"
    )


def metrics_html(names: Iterable[str], burn_in_days: int, lang: str | None = None) -> str:
    """Definitions of the shown indicators, plus the burn-in and the satisfaction threshold."""
    items = "".join(metric_html(n, lang) for n in names)
    notes = (
        f'<li class="gg-burn-in-note">{escape(t("burn_in_note", lang, days=burn_in_days))}</li>'
        f"<li>{escape(t('satisfied_def', lang))}</li>"
    )
    return (
        '<div class="gg-metrics-help" style="font-size:16px">'
        f"<b>{escape(t('metrics_help', lang))}</b>"
        f'<ul style="margin:2px 0 0 18px;padding:0">{items}{notes}</ul></div>'
    )


@functools.lru_cache(maxsize=256)
def _scenario(path: str, mtime: float):

    return load_scenario(Path(path))


def scenario_text(folder: Path, name: str, lang: str | None = None) -> tuple[str, str]:
    """A scenario's title and description in `lang`, read from its file.

    Falls back to the other language, then to the file name, so a trainer's own scenario file
    without titles still shows something sensible; a file that does not load shows its name.
    """
    path = Path(folder) / f"{name}.toml"
    try:
        sc = _scenario(str(path), path.stat().st_mtime)
    except Exception:  # noqa: BLE001 - a broken file is reported when it is loaded, not here
        return name, ""
    title = i18n.pick(getattr(sc, "title", ""), getattr(sc, "title_zh", ""), lang) or name
    description = i18n.pick(sc.description, getattr(sc, "description_zh", ""), lang)
    return title, description


def street_title(folder: Path, name: str, params: Mapping[str, Any]) -> str:
    """A street's Chinese label: the scenario's title, plus any switch changed since loading it.

    E.g. "仅联结机制" or "仅联结机制（+认同机制）": the title already says which mechanisms
    the file switches on, so only departures from it are spelled out.
    """
    title = scenario_text(folder, name, "zh")[0]
    path = Path(folder) / f"{name}.toml"
    try:
        base = _scenario(str(path), path.stat().st_mtime).params
    except Exception:  # noqa: BLE001 - no file to compare with: name every switch that is on
        base = dict.fromkeys(mechanisms.MECHANISMS, False)
    changes = [
        ("+" if params[m] else "−") + i18n.mechanism_name(m, "zh")
        for m in mechanisms.MECHANISMS
        if bool(params[m]) != bool(base.get(m))
    ]
    return title + (f"（{' '.join(changes)}）" if changes else "")


def scenario_html(folder: Path, name: str, lang: str | None = None) -> str:
    """A scenario's title (with its file name, small) and description, for a street's label."""
    title, description = scenario_text(folder, name, lang)
    shown = f"{escape(title)} <small>({escape(name)})</small>" if title != name else escape(name)
    desc = f'<div class="gg-scenario-desc" style="color:#444">{escape(description)}</div>'
    return f'<span class="gg-scenario-title">{shown}</span>' + (desc if description else "")
