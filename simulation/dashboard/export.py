"""Export and share the current comparison: a slide (PNG/SVG), an animated GIF, a link and its QR.

Everything works offline: matplotlib draws the slide and, through its `PillowWriter`, the GIF;
`segno` draws the QR code as SVG. Chinese text needs a CJK font that matplotlib can find: the
project's set-up installs Debian's `fonts-noto-cjk` (see the Makefile and `.ci/run`);
`cjk_font()` names the one found.

Share links and their QR codes are in `share`.
"""

from __future__ import annotations

import io
import math
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from matplotlib import font_manager, rc_context
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont

from simulation.dashboard import drawing, i18n, views
from simulation.dashboard.explain import scenario_text
from simulation.dashboard.session import Street, scenario_dir

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Micro Hei")
SLIDE_INCHES, SLIDE_DPI = (13.333, 7.5), 144  # 16:9, 1920 x 1080 pixels


def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FAMILIES if name in installed), None)
    if found is None:
        # matplotlib caches its font list on first use; a font installed later is not in it.
        for path in font_manager.findSystemFonts():
            if any(key in Path(path).name for key in ("NotoSansCJK", "wqy-microhei", "SourceHan")):
                font_manager.fontManager.addfont(path)
        installed = {f.name for f in font_manager.fontManager.ttflist}
        found = next((name for name in CJK_FAMILIES if name in installed), None)
    return found


def _rc() -> dict[str, Any]:
    family = cjk_font()
    sans = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    return {"font.family": "sans-serif", "font.sans-serif": sans, "font.size": 16,
            "axes.unicode_minus": False}  # fmt: skip


def _both(en: str, zh: str, sep: str = "  ") -> str:
    return f"{zh}{sep}{en}" if zh and zh != en else en


def _caption(session: Any) -> str:

    folder = scenario_dir() if session.folder is None else session.folder
    parts = []
    for side in session.active_sides:
        name = session.sides[side].scenario
        en, zh = (scenario_text(folder, name, lang)[0] for lang in ("en", "zh"))
        parts.append(f"{side}: {_both(en, zh)}")
    day = _both(i18n.t("day", "en", day=session.day), i18n.t("day", "zh", day=session.day))
    seed = f"{i18n.t('seed_line', 'zh', seed=session.seed)} / seed {session.seed}"
    return " · ".join(parts) + "\n" + " · ".join([day, seed])


def snapshot(session: Any) -> Any:
    """A still copy of what the exports read, taken under the session's lock.

    A playing page steps its streets in another thread; drawing a slide (a second) or a GIF
    (seconds) from the live lists could see a day added half-way, and holding the lock that
    long would pause the play loop.
    """
    with session.lock:
        streets = {
            side: SimpleNamespace(
                days=list(st.days),
                history={k: list(v) for k, v in st.history.items()},
                params=dict(st.params),
            )
            for side, st in session.streets.items()
        }
        sides = {k: SimpleNamespace(scenario=v.scenario, params=dict(v.params))
                 for k, v in session.sides.items()}  # fmt: skip
        return SimpleNamespace(
            streets=streets, street=streets.__getitem__, sides=sides, folder=session.folder,
            active_sides=tuple(session.active_sides), compare=session.compare,
            seed=session.seed, day=session.day,
        )  # fmt: skip


def comparison_figure(session: Any):
    """A 16:9 slide of the current view: the six indicators for A (and B), bilingual labels.

    Returns:
        A matplotlib `Figure` (not attached to pyplot, so nothing leaks between pages).
    """
    session = snapshot(session)
    with rc_context(_rc()):
        fig = Figure(figsize=SLIDE_INCHES, dpi=SLIDE_DPI, layout="constrained")
        axes = fig.subplots(2, 3)
        days = session.street("A").days
        marks = views.markers(session)
        for ax, name in zip(axes.flat, views.INDICATORS, strict=True):
            for side in session.active_sides:
                values = views.scaled(name, views.history(session.street(side), name))
                ax.plot(days[: len(values)], values, color=views.SIDE_COLOURS[side], lw=2,
                        label=i18n.t("street", "zh", side=side) + f" / Street {side}")  # fmt: skip
            for m in marks:
                colour = views.charts.MARKER_STYLE[m.kind][0]
                if m.end is not None:
                    ax.axvspan(m.day, m.end, color=colour, alpha=0.15, lw=0)
                elif m.kind == "burn_in":
                    ax.axvline(m.day, color=colour, ls="--", lw=1.2)
            unit = views.unit(name, "zh"), views.unit(name, "en")
            shown_unit = unit[0] if unit[0] == unit[1] else f"{unit[0]} / {unit[1]}"
            en, zh = i18n.metric_label(name, "en"), i18n.metric_label(name, "zh")
            ax.set_title(_both(en, zh, "\n"), fontsize=17)
            ax.set_ylabel(shown_unit)
            ax.grid(alpha=0.3)
        axes.flat[0].legend(fontsize=14)
        head = _headline(session)
        fig.suptitle(head, fontsize=24, fontweight="bold")
        fig.supxlabel(_caption(session), fontsize=15)
    return fig


def _headline(session: Any) -> str:
    if not session.compare:
        return _both(i18n.t("title", "en"), i18n.t("title", "zh"))
    a, b = views.latest(session, "A"), views.latest(session, "B")
    better, _, counted = views.score({n: b[n] - a[n] for n in views.INDICATORS})
    return (
        i18n.t("better_on", "zh", k=better, n=counted)
        + "  /  "
        + i18n.t("better_on", "en", k=better, n=counted)
    )


def slide_bytes(session: Any, fmt: str = "png") -> bytes:
    """The slide as PNG or SVG bytes."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"slide format must be png or svg, got {fmt!r}")
    fig = comparison_figure(session)
    buffer = io.BytesIO()
    with _font_context():
        fig.savefig(buffer, format=fmt)
    return buffer.getvalue()


def _font_context():

    return rc_context(_rc())


def run_gif(session: Any, frames: int = 40, fps: int = 8) -> bytes:
    """An animated GIF of the run so far: the key indicators of A (and B) growing day by day."""
    session = snapshot(session)
    days = session.street("A").days
    if not days:
        raise ValueError("nothing to animate yet: run the street for a few days first")
    names = views.INDICATORS[:4]
    with _font_context():
        fig = Figure(figsize=(9.6, 5.4), dpi=80, layout="constrained")
        axes = fig.subplots(2, 2)
        lines = []
        for ax, name in zip(axes.flat, names, strict=True):
            en, zh = i18n.metric_label(name, "en"), i18n.metric_label(name, "zh")
            ax.set_title(_both(en, zh, "\n"))
            all_values = []
            for side in session.active_sides:
                values = views.scaled(name, views.history(session.street(side), name))
                all_values += [v for v in values if math.isfinite(v)]
                label = i18n.t("street", "zh", side=side) + f" / Street {side}"
                (line,) = ax.plot([], [], color=views.SIDE_COLOURS[side], lw=2, label=label)
                lines.append((line, values))
            ax.set_xlim(days[0], max(days[-1], days[0] + 1))
            if all_values:
                low, high = min(all_values), max(all_values)
                pad = (high - low) * 0.05 or 1.0
                ax.set_ylim(low - pad, high + pad)
            ax.grid(alpha=0.3)
        axes.flat[0].legend(fontsize=10, loc="lower right")
        stamp = fig.suptitle("")
        cuts = sorted({max(1, round(len(days) * (i + 1) / frames)) for i in range(frames)})

        def draw(n: int):
            for line, values in lines:
                line.set_data(days[:n], values[:n])
            stamp.set_text(f"{i18n.t('day', 'zh', day=days[n - 1])} / Day {days[n - 1]}")
            return [line for line, _ in lines]

        animation = FuncAnimation(fig, draw, frames=cuts, blit=False)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "run.gif"
            animation.save(path, writer=PillowWriter(fps=fps))
            return path.read_bytes()


def replay(session: Any, days: list[int], colour_by: str = "satisfaction"):
    """Replay the session's streets from day 0 and yield ``(day, {side: cell RGB})`` at `days`.

    The model is deterministic for its settings and seed, so the replay is the run the class
    watched (a test holds it to that), without keeping a picture of every day while playing.
    """
    still = snapshot(session)
    replays = {}
    for side in still.active_sides:
        street = Street(params=dict(still.street(side).params), seed=still.seed)
        street.build()
        replays[side] = street
    day = 0
    for cut in sorted(days):
        while day < cut:
            for street in replays.values():
                street.model.step()
            day += 1
        yield cut, {side: drawing.cell_rgb(st.model, colour_by) for side, st in replays.items()}


def street_gif(session: Any, colour_by: str = "satisfaction", frames: int = 40) -> bytes:
    """An animated GIF of the street(s) from day 1 to the current day, side by side.

    Drawn every few days with the page's colouring from a replay (`replay`); the caption names
    the day in both languages.
    """
    last = snapshot(session).day
    if last < 1:
        raise ValueError("nothing to animate yet: run the street for a few days first")
    cuts = sorted({max(1, round(last * (i + 1) / frames)) for i in range(frames)})
    font = _pil_font(ImageFont, 20)
    images = []
    for cut, cells in replay(session, cuts, colour_by):
        pictures = {side: Image.fromarray(rgb) for side, rgb in cells.items()}
        scale = max(1, 360 // max(p.width for p in pictures.values()))
        width = sum(p.width * scale + 16 for p in pictures.values()) + 16
        height = max(p.height for p in pictures.values()) * scale + 48
        frame = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(frame)
        draw.text((16, 10), f"{i18n.t('day', 'zh', day=cut)} / Day {cut}", fill="black", font=font)
        x = 16
        for side, picture in pictures.items():
            big = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
            frame.paste(big, (x, 40))
            draw.text((x + big.width - 30, 10), side, fill=views.SIDE_COLOURS[side], font=font)
            x += big.width + 16
        images.append(frame)
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=150,
                   loop=0)  # fmt: skip
    return buffer.getvalue()


def _pil_font(image_font: Any, size: int) -> Any:
    """The CJK font for Pillow (the one matplotlib uses), else Pillow's default font."""
    family = cjk_font()
    if family:
        try:
            path = font_manager.findfont(family, fallback_to_default=False)
            return image_font.truetype(path, size)
        except (OSError, ValueError):
            pass
    return image_font.load_default(size)
