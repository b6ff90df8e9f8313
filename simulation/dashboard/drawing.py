"""Drawing the street cheaply enough to redraw it every simulated day.

3,600 households drawn as 3,600 markers is what makes agent dashboards slow. Here the households
are a PNG with one pixel per cell (coloured through a lookup table; ~4 kB for the default street),
which the browser enlarges with `image-rendering: pixelated`. Grid borders, grid workers and
partners are a few dozen SVG shapes laid over it. The whole street is one HTML string.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from PIL import Image


@dataclass(frozen=True)
class Colouring:
    """How one household state is coloured.

    Attributes:
        attribute: Name of the `model.households` array.
        label: Legend title.
        low: Value drawn with the first colour of the map.
        high: Value drawn with the last colour (larger values are clipped to it).
        cmap: Matplotlib colour map name.
        low_text: Legend text at the low end.
        high_text: Legend text at the high end.

    """

    attribute: str
    label: str
    low: float
    high: float
    cmap: str
    low_text: str
    high_text: str


COLOURINGS: dict[str, Colouring] = {
    "satisfaction": Colouring(
        "satisfaction", "Satisfaction S", 0.0, 1.0, "RdYlBu", "0 unsatisfied", "1 satisfied"
    ),
    "trust": Colouring("trust", "Trust in the grid T", 0.0, 1.0, "RdYlBu", "0 none", "1 full"),
    "open needs": Colouring(
        "open_needs", "Open needs per household", 0.0, 4.0, "YlOrRd", "0", "4 or more"
    ),
}

EMPTY_RGB = (250, 250, 250)  # cells without a household
UNRATED_RGB = (200, 200, 200)  # household with no value yet (satisfaction before any experience)
BORDER = "#191919"  # grid borders
WORKER = "#ffffff"  # grid worker: white square, black outline
PARTNER = "#aa00c8"  # partner: purple diamond, black outline
MAX_PIXELS = 520  # longest side of the street on the page


def _lut(cmap: str) -> np.ndarray:
    return (colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(np.uint8)


_LUTS = {name: _lut(c.cmap) for name, c in COLOURINGS.items()}


def hex_colour(rgb) -> str:
    """'#rrggbb' for an (r, g, b) triple of 0-255 ints."""
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


def cell_values(model, attribute: str) -> np.ndarray:
    """Per-cell array (height × width) of a household attribute; NaN where no household lives.

    Args:
        model: A model with `width`, `height` and `households` (`x`, `y` and `attribute` arrays).
        attribute: Name of the household array to lay out.

    Returns:
        A float array indexed [y, x]. Several households in one cell are averaged.

    """
    h = model.households
    xs = np.asarray(h.x, dtype=np.intp)
    ys = np.asarray(h.y, dtype=np.intp)
    values = np.asarray(getattr(h, attribute), dtype=float)
    flat = ys * model.width + xs
    size = model.width * model.height
    total = np.bincount(flat, weights=values, minlength=size)
    count = np.bincount(flat, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        grid = total / count
    return grid.reshape(model.height, model.width)


def scale_for(width: int, height: int, max_pixels: int = MAX_PIXELS) -> int:
    """Pixels per cell so the longer side of the street fits in `max_pixels` (at least 1)."""
    return max(1, max_pixels // max(width, height, 1))


def cell_rgb(model, colour_by: str = "satisfaction") -> np.ndarray:
    """Colour of every cell, one pixel per cell: a uint8 array (height, width, 3).

    Args:
        model: The model to draw.
        colour_by: A key of `COLOURINGS`.

    Returns:
        Cells without a household are `EMPTY_RGB`; households without a value yet `UNRATED_RGB`.
    """
    colouring = COLOURINGS[colour_by]
    values = cell_values(model, colouring.attribute)
    h = model.households
    occupied = np.zeros(model.width * model.height, dtype=bool)
    occupied[np.asarray(h.y, dtype=np.intp) * model.width + np.asarray(h.x, dtype=np.intp)] = True
    occupied = occupied.reshape(model.height, model.width)
    span = colouring.high - colouring.low
    index = np.clip((values - colouring.low) / span, 0.0, 1.0)
    index = np.nan_to_num(index * 255, nan=0).astype(np.uint8)
    rgb = _LUTS[colour_by][index]
    rgb[np.isnan(values)] = UNRATED_RGB
    rgb[~occupied] = EMPTY_RGB
    return rgb


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode an RGB uint8 array as PNG."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _coordinates(agents) -> list[tuple[int, int]]:
    out = []
    for agent in agents or []:
        cell = getattr(agent, "cell", None)
        if cell is not None:
            x, y = cell.coordinate[:2]
            out.append((int(x), int(y)))
    return out


def overlay_svg(model, scale: int) -> str:
    """SVG shapes over the households: grid borders, grid workers (squares), partners (diamonds)."""
    w, h = model.width * scale, model.height * scale
    parts = [
        f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'style="position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none">'
    ]
    stroke = max(1.0, scale / 4)
    for x0, y0, x1, y1 in getattr(model, "grid_bounds", None) or []:
        parts.append(
            f'<rect class="gg-grid" x="{x0 * scale}" y="{y0 * scale}" width="{(x1 - x0) * scale}" '
            f'height="{(y1 - y0) * scale}" fill="none" stroke="{BORDER}" stroke-width="{stroke}"/>'
        )
    size = max(4.0, scale * 1.2)
    for x, y in _coordinates(getattr(model, "partners", None)):
        cx, cy, r = (x + 0.5) * scale, (y + 0.5) * scale, size * 0.75
        parts.append(
            f'<polygon class="gg-partner" points="{cx},{cy - r} {cx + r},{cy} {cx},{cy + r} '
            f'{cx - r},{cy}" fill="{PARTNER}" stroke="#000" stroke-width="1"/>'
        )
    for x, y in _coordinates(getattr(model, "workers", None)):
        cx, cy = (x + 0.5) * scale, (y + 0.5) * scale
        parts.append(
            f'<rect class="gg-worker" x="{cx - size / 2:.1f}" y="{cy - size / 2:.1f}" '
            f'width="{size:.1f}" height="{size:.1f}" fill="{WORKER}" stroke="#000" '
            'stroke-width="1.5"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def street_html(
    model, colour_by: str = "satisfaction", side: str = "A", max_pixels: int = MAX_PIXELS
) -> str:
    """The whole street as one HTML fragment: the household image and the SVG overlay.

    Args:
        model: The model to draw.
        colour_by: A key of `COLOURINGS`.
        side: "A" or "B"; names the CSS classes (`gg-street-A`) tests look for.
        max_pixels: Longest side of the picture on the page.

    Returns:
        HTML markup with the PNG inline as a data URL (no request leaves the page).
    """
    scale = scale_for(model.width, model.height, max_pixels)
    w, h = model.width * scale, model.height * scale
    data = base64.b64encode(png_bytes(cell_rgb(model, colour_by))).decode("ascii")
    return (
        # Full size where it fits; on a phone the picture and its overlay shrink together.
        f'<div class="gg-street-box" style="position:relative;width:{w}px;max-width:100%">'
        f'<img class="gg-street gg-street-{side}" alt="street {side}" width="{w}" height="{h}" '
        'style="image-rendering:pixelated;display:block;width:100%;height:auto" '
        f'src="data:image/png;base64,{data}">'
        f"{overlay_svg(model, scale)}</div>"
    )


def legend_html(colour_by: str = "satisfaction") -> str:
    """HTML legend: the colour ramp of `colour_by`, the empty-cell colour and the markers."""
    colouring = COLOURINGS[colour_by]
    lut = _LUTS[colour_by]
    stops = ", ".join(hex_colour(lut[i]) for i in range(0, 256, 32)) + f", {hex_colour(lut[255])}"
    swatch = "display:inline-block;vertical-align:middle;width:10px;height:10px;"
    unrated = (
        f'<span style="{swatch}background:{hex_colour(UNRATED_RGB)}"></span> no experience yet '
        "&nbsp; "
        if colouring.attribute == "satisfaction"
        else ""
    )
    return (
        '<div class="gg-legend" style="font-size:12px;line-height:18px">'
        f"<b>{colouring.label}</b> "
        f'<span style="{swatch}width:140px;height:12px;'
        f'background:linear-gradient(to right, {stops});border:1px solid #888"></span> '
        f"<span>{colouring.low_text} → {colouring.high_text}</span> &nbsp; {unrated}<br>"
        f'<span style="{swatch}background:{WORKER};border:2px solid #000"></span> grid worker '
        f'&nbsp; <span style="{swatch}background:{PARTNER};border:1px solid #000;'
        'transform:rotate(45deg)"></span> partner &nbsp; '
        f'<span style="{swatch}width:14px;height:0;border-top:3px solid {BORDER}"></span> '
        "grid border"
        "</div>"
    )
