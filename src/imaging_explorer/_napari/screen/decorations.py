"""What the screen view draws over its value image: each plate's name and Z′ in its title band, and
failing plates marked (a red frame and cross and "FAILED QC"; "error" and "not analysed" plates
greyed with the word on them), in one RGBA overlay image.

As for the plate overview (:mod:`imaging_explorer.overview.decorations`), pixels rather than
napari text: names scale with the zoom, and one image layer costs what any image costs. Each
plate is drawn into its own cell only, so plates can be drawn as they arrive. No Qt, no napari.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .layout import ScreenLayout

if TYPE_CHECKING:
    from imaging_explorer.screen import ScreenPlate

__all__ = ["PlateMark", "ScreenOverlay", "draw_plate", "plate_mark", "screen_overlay"]

PIXELS_PER_WELL = 16  # overlay pixels across a well: sharp names at the fit zoom
MAX_PIXELS = 3_000_000  # the largest overlay (4 bytes a pixel)
NAME_COLOR = (255, 255, 255, 255)
OUTLINE_COLOR = (0, 0, 0, 255)
PASS_COLOR = (120, 220, 120, 255)
FAIL_COLOR = (255, 60, 60, 255)
ERROR_COLOR = (255, 165, 0, 255)
MUTED_COLOR = (150, 150, 150, 255)
GREY_FILL = (90, 90, 90, 170)  # over a plate without values: it is there, but has nothing to show
CROSS_ALPHA = 150


@dataclass(frozen=True)
class PlateMark:
    """What is drawn for one plate: its name, size, state and Z′ (NaN: none)."""

    name: str
    rows: int
    columns: int
    kind: str  # "ok", "failed", "error", "not analysed" or "loading"
    z_prime: float = math.nan


def plate_mark(plate: ScreenPlate) -> PlateMark:
    """The mark of a loaded plate of the screen."""
    z = plate.qc.z_prime if plate.qc is not None else math.nan
    kind = ("error" if plate.error else "not analysed" if plate.qc is None else "ok" if plate.passed else "failed")
    return PlateMark(plate.name, len(plate.rows), len(plate.columns), kind, float(z))


@dataclass
class ScreenOverlay:
    """An RGBA image over the whole mosaic; ``data`` is drawn into in place."""

    data: np.ndarray  # (h, w, 4) uint8
    scale: float  # world units (wells) per overlay pixel

    @property
    def translate(self) -> tuple[float, float]:
        """World position of the overlay pixel (0, 0)'s centre: its edge 0 is the mosaic's edge -0.5."""
        k = self.scale
        return -0.5 + k / 2, -0.5 + k / 2

    def box(self, y0: float, x0: float, y1: float, x1: float) -> tuple[int, int, int, int]:
        """Wells y0..y1, x0..x1 (end exclusive) as overlay pixels (r0, c0, r1, c1), clipped: the edge
        before well i is overlay coordinate i / scale."""
        h, w = self.data.shape[:2]
        k = self.scale
        r0, c0 = max(0, math.floor(y0 / k)), max(0, math.floor(x0 / k))
        return r0, c0, min(h, max(math.ceil(y1 / k), r0 + 1)), min(w, max(math.ceil(x1 / k), c0 + 1))


def screen_overlay(layout: ScreenLayout, max_pixels: int = MAX_PIXELS) -> ScreenOverlay:
    """A blank overlay for ``layout``: :data:`PIXELS_PER_WELL` pixels a well, within ``max_pixels``."""
    h, w = layout.shape
    per_well = min(PIXELS_PER_WELL, math.sqrt(max_pixels / max(h * w, 1)))
    while per_well > 1e-3 and math.ceil(h * per_well) * math.ceil(w * per_well) > max_pixels:
        per_well *= 0.99  # the rounding up of the sides
    scale = 1 / max(per_well, 1e-3)
    return ScreenOverlay(np.zeros((math.ceil(h / scale), math.ceil(w / scale), 4), np.uint8), scale)


@functools.lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(size, 1))


def _fitted(text: str, size: int, width: float) -> int:
    """The largest font size up to ``size`` at which ``text`` is at most ``width`` pixels wide."""
    for _ in range(20):
        x0, _, x1, _ = _font(size).getbbox(text, stroke_width=max(1, size // 12))
        if x1 - x0 <= width or size <= 4:
            return size
        size = max(4, min(size - 1, int(size * width / max(x1 - x0, 1))))
    return size


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int,
          color: tuple[int, ...], anchor: str) -> None:
    draw.text(xy, text, fill=color, font=_font(size), anchor=anchor, stroke_width=max(1, size // 12),
              stroke_fill=OUTLINE_COLOR)


def draw_plate(overlay: ScreenOverlay, layout: ScreenLayout, index: int, mark: PlateMark) -> None:
    """Draw plate ``index``'s title and marks into its cell of the overlay (the cell cleared first);
    a plate still loading gets a thin grey frame only (numpy: no text for the ~50 placeholders)."""
    k = overlay.scale
    y0, x0 = layout.origin(index)
    cell = overlay.box(y0 - layout.band, x0, y0 + layout.rows, x0 + layout.columns)
    if mark.kind == "loading":
        _placeholder(overlay.data[cell[0] : cell[2], cell[1] : cell[3]], layout.band / k)
        return
    image = Image.new("RGBA", (cell[3] - cell[1], cell[2] - cell[0]), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def edge(y: float, x: float) -> tuple[float, float]:  # the edge before well (y, x) -> cell pixel (x, y)
        return x / k - cell[1], y / k - cell[0]

    bx0, by0 = edge(y0 - layout.band, x0)
    bx1, by1 = edge(y0, x0 + layout.columns)
    _title(draw, (bx0, by0, bx1, by1), mark)
    plate_x0, plate_y0 = edge(y0, x0)
    plate_x1, plate_y1 = edge(y0 + max(mark.rows, 1), x0 + max(mark.columns, 1))
    _status(draw, (plate_x0, plate_y0, plate_x1, plate_y1), mark, 1 / k)
    overlay.data[cell[0] : cell[2], cell[1] : cell[3]] = np.asarray(image)


def _placeholder(cell: np.ndarray, band: float) -> None:
    """A thin grey frame where a plate will be, in place."""
    cell[:] = 0
    top = min(int(band), cell.shape[0] - 1)
    width = max(1, round(band / 16))
    frame = cell[top:]
    for part in (frame[:width], frame[-width:], frame[:, :width], frame[:, -width:]):
        part[:] = MUTED_COLOR


def _title(draw: ImageDraw.ImageDraw, band: tuple[float, float, float, float], mark: PlateMark) -> None:
    """The plate's name on the left of its title band, its Z′ (green: passed, red: failed) on the
    right, written "Z'": Pillow's own font has no prime."""
    left, top, right, bottom = band
    band_h, width = bottom - top, right - left
    z_text = f"Z' {mark.z_prime:.2f}" if math.isfinite(mark.z_prime) else ""
    z_color = {"ok": PASS_COLOR, "failed": FAIL_COLOR}.get(mark.kind, MUTED_COLOR)
    pad = band_h * 0.1
    size = _fitted(f"{mark.name}  {z_text}", max(4, int(band_h * 0.6)), width - 2 * pad)
    middle = top + band_h * 0.5
    _text(draw, (left + pad, middle), mark.name, size, NAME_COLOR, "lm")
    if z_text:
        _text(draw, (right - pad, middle), z_text, size, z_color, "rm")


def _status(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], mark: PlateMark,
            per_well: float) -> None:
    """A failed plate crossed and framed in red; a plate without values greyed, the reason on it."""
    if mark.kind == "ok":
        return
    x0, y0, x1, y1 = box
    line = max(2, round(per_well / 3))
    if mark.kind == "failed":
        draw.line([(x0, y0), (x1, y1)], fill=(*FAIL_COLOR[:3], CROSS_ALPHA), width=line)
        draw.line([(x0, y1), (x1, y0)], fill=(*FAIL_COLOR[:3], CROSS_ALPHA), width=line)
        draw.rectangle([x0, y0, x1 - 1, y1 - 1], outline=FAIL_COLOR, width=line)
        word, color = "FAILED QC", FAIL_COLOR
    else:
        draw.rectangle([x0, y0, x1 - 1, y1 - 1], fill=GREY_FILL,
                       outline=ERROR_COLOR if mark.kind == "error" else MUTED_COLOR, width=line)
        word, color = mark.kind, ERROR_COLOR if mark.kind == "error" else NAME_COLOR
    size = _fitted(word, max(4, int((y1 - y0) * 0.22)), (x1 - x0) * 0.85)
    _text(draw, ((x0 + x1) / 2, (y0 + y1) / 2), word, size, color, "mm")
