"""Export: slide PNG/SVG with bilingual captions, plot and street GIFs, drawn offline."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers import compared_session
from PIL import Image

from simulation.dashboard import export, views
from simulation.dashboard.session import DashboardSession

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"households_per_grid": 40, "grids_per_street": 2}


@pytest.fixture(scope="module")
def compared():
    return compared_session(7, SMALL)


def test_a_cjk_font_is_installed_for_matplotlib():
    # Installed by the project's set-up (Debian fonts-noto-cjk in the Makefile and .ci/run):
    # without it every Chinese caption of a slide would be empty boxes.
    assert export.cjk_font() is not None


@pytest.mark.slow
def test_slide_png_is_16_by_9_and_svg_carries_both_languages(compared):
    png = export.slide_bytes(compared, "png")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size in ((1919, 1080), (1920, 1080))
    svg = export.slide_bytes(compared, "svg").decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    # text is drawn as glyph paths named after their font: the Chinese ones come from the CJK
    # font, not from a fallback that draws empty boxes
    assert 'id="NotoSansCJK' in svg or 'id="WenQuanYi' in svg or 'id="SourceHan' in svg
    with pytest.raises(ValueError):
        export.slide_bytes(compared, "bmp")


def test_slide_headline_counts_better_indicators_in_both_languages(compared):
    head = export._headline(compared)
    a, b = views.latest(compared, "A"), views.latest(compared, "B")
    better, _, counted = views.score({n: b[n] - a[n] for n in views.INDICATORS})
    assert f"B 在 {counted} 项指标中有 {better} 项更好" in head
    assert f"B is better on {better} of {counted} indicators" in head
    caption = export._caption(compared)
    assert "三项机制全部启用" in caption and "All three mechanisms" in caption
    assert "第 120 天" in caption and "Day 120" in caption


@pytest.mark.slow
def test_run_gif_is_an_animation(compared):
    gif = export.run_gif(compared, frames=6, fps=4)
    image = Image.open(io.BytesIO(gif))
    assert image.format == "GIF" and getattr(image, "n_frames", 1) == 6


def test_gif_of_nothing_is_refused_with_a_message():
    s = DashboardSession(seed=1, scenario_folder=ROOT / "scenarios")
    s.set_params(SMALL)
    with pytest.raises(ValueError, match="nothing to animate"):
        export.run_gif(s)


def test_exports_draw_from_a_still_copy_while_the_street_plays(compared):
    still = export.snapshot(compared)
    days, backlog = len(still.street("A").days), list(still.street("A").history["backlog"])
    compared.step(5)  # what a playing page does meanwhile
    assert len(still.street("A").days) == days == len(still.street("A").history["backlog"])
    assert still.street("A").history["backlog"] == backlog
    assert still.day == compared.day - 5


def test_the_street_replay_is_the_run_the_class_watched(compared):
    from simulation.dashboard import drawing

    days = [1, compared.day // 2, compared.day]
    frames = list(export.replay(compared, days, "trust"))
    assert [d for d, _ in frames] == days
    last = frames[-1][1]
    for side in ("A", "B"):
        assert (last[side] == drawing.cell_rgb(compared.street(side).model, "trust")).all()
    assert not (frames[0][1]["A"] == last["A"]).all()  # the street changed on the way


def test_street_gif_shows_both_streets_frame_by_frame(compared):
    gif = export.street_gif(compared, frames=5)
    image = Image.open(io.BytesIO(gif))
    assert image.format == "GIF" and image.n_frames == 5
    assert image.size[0] > image.size[1]  # A and B side by side
