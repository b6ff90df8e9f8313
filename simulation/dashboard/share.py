"""Share links: a link (and its QR code) that opens the same view on another device.

A link carries the scenarios, the mechanism switches, slider changes against each scenario file,
the seed, the day and the language
(``?a=baseline&sa=000&b=full&sb=111&pb=need_rate:2.0&seed=42&day=365&lang=zh``);
`parse_link` checks every field (one line naming the field) and `restore` rebuilds that view.
`segno` draws the QR code offline.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from simulation.core import parameters
from simulation.core.mechanisms import MECHANISMS
from simulation.dashboard import i18n
from simulation.dashboard.lessons import Step, apply_step, run_to, scenario_params
from simulation.dashboard.session import parse_seed

MAX_LINK_DAY = 4370


@dataclass(frozen=True)
class View:
    """What a share link restores."""

    scenario_a: str
    scenario_b: str | None
    switches_a: tuple[bool, bool, bool]
    switches_b: tuple[bool, bool, bool]
    seed: int
    day: int
    lang: str | None = None
    params_a: tuple[tuple[str, Any], ...] = ()
    params_b: tuple[tuple[str, Any], ...] = ()


def _bits(params: dict[str, Any]) -> str:
    return "".join("1" if params[m] else "0" for m in MECHANISMS)


def _changed(session: Any, side: str) -> str:
    """Parameters of `side` that differ from its scenario file (slider moves), as ``k:v,k:v``."""
    base = scenario_params(session, session.sides[side].scenario)
    now = session.sides[side].params
    return ",".join(
        f"{k}:{str(v).lower()}" for k, v in now.items() if k not in MECHANISMS and base.get(k) != v
    )


def link_query(session: Any, lang: str | None = None) -> str:
    """The query string (``a=...&b=...``) that restores the session's current view."""
    fields = {"a": session.sides["A"].scenario, "sa": _bits(session.sides["A"].params)}
    if _changed(session, "A"):
        fields["pa"] = _changed(session, "A")
    if session.compare:
        fields.update(b=session.sides["B"].scenario, sb=_bits(session.sides["B"].params))
        if _changed(session, "B"):
            fields["pb"] = _changed(session, "B")
    fields.update(seed=str(session.seed), day=str(session.day))
    if lang:
        fields["lang"] = lang
    return urlencode(fields)


def link(session: Any, base: str, lang: str | None = None) -> str:
    """The full share link: `base` (``http://host:port/``) plus the view's query string."""
    return f"{base.split('?')[0]}?{link_query(session, lang)}"


def parse_link(query: str, scenarios: list[str]) -> View | None:
    """Read a share link's query string; None if it is no share link.

    Raises:
        ValueError: One line naming the field of the link that is wrong.
    """
    q = {k: v[0] for k, v in parse_qs(query.lstrip("?")).items()}
    if "a" not in q:
        return None
    for key in ("a", "b"):
        if key in q and q[key] not in scenarios:
            raise ValueError(f"link field {key}: no scenario {q[key][:40]!r} on this server")

    def switches(key: str) -> tuple[bool, bool, bool]:
        text = q.get(key, "000")
        if len(text) != len(MECHANISMS) or set(text) - {"0", "1"}:
            raise ValueError(f"link field {key}: three 0/1 switches expected, got {text[:10]!r}")
        return tuple(c == "1" for c in text)  # type: ignore[return-value]

    try:
        seed = parse_seed(q.get("seed", "42"))
    except ValueError as exc:
        raise ValueError(f"link field seed: {exc}") from None
    day_text = q.get("day", "0")
    if not day_text.isdigit() or int(day_text) > MAX_LINK_DAY:
        raise ValueError(f"link field day: a day in [0, {MAX_LINK_DAY}] expected")
    lang = q.get("lang") if q.get("lang") in i18n.LANGUAGES else None
    return View(q["a"], q.get("b"), switches("sa"), switches("sb"), seed, int(day_text), lang,
                _params(q.get("pa", ""), "pa"), _params(q.get("pb", ""), "pb"))  # fmt: skip


def _params(text: str, key: str) -> tuple[tuple[str, Any], ...]:
    """Parse ``k:v,k:v`` parameter changes, each checked by the parameter table."""
    out = []
    for item in filter(None, text.split(",")):
        name, _, raw = item.partition(":")
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
            out.append((name, parameters.check_value(name, value)))
        except parameters.ParameterError as exc:
            raise ValueError(f"link field {key}.{name[:40]}: {exc.message}") from None
        except (tomllib.TOMLDecodeError, ValueError):
            raise ValueError(f"link field {key}.{name[:40]}: cannot read {raw[:20]!r}") from None
    return tuple(out)


def restore(session: Any, view: View) -> bool:
    """Give the session the linked view: scenarios, switches, seed, then run to the day."""
    settings: dict[str, Any] = {"scenario_a": view.scenario_a, "seed": view.seed}
    settings["switches_a"] = dict(zip(MECHANISMS, view.switches_a, strict=True))
    settings["params_a"] = dict(view.params_a)
    if view.scenario_b:
        settings["scenario_b"] = view.scenario_b
        settings["switches_b"] = dict(zip(MECHANISMS, view.switches_b, strict=True))
        settings["params_b"] = dict(view.params_b)
    step = Step(settings, max(view.day, 1))
    apply_step(session, step)
    return run_to(session, view.day)


def qr_svg(text: str) -> str:
    """The QR code of `text` as inline SVG (drawn offline by segno)."""
    import segno  # optional: the dashboard extra

    return segno.make(text, error="m").svg_inline(scale=4, dark="#000", light="#fff")
