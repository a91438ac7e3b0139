"""What the overview draws beside and over the plate: row and column names, crosses over
missing wells, frames around unreadable fields, rasterised into one RGBA overlay; and crosses
over the fields image QC left out (:func:`cross_fields`, into an overlay of their own).

Why pixels and not napari Points/Shapes: text in napari has a fixed screen size, so names
of 1536-well plates ran together, and the first Points and Shapes layers of a session cost
about 2 s each. An overlay image scales with the zoom (names never overlap at any zoom) and
costs what any image layer costs.

The overlay covers the plate and a margin above and left of it at ``scale`` world units
(mosaic pixels) per overlay pixel, chosen so that a well is about :data:`PIXELS_PER_WELL`
overlay pixels across, and never more than ``max_pixels`` pixels in all. Place it with
``scale`` and :attr:`Overlay.translate` (the margin sits at negative world coordinates).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .layout import Box, OverviewLayout

#: Overlay pixels across the narrower side of a well pitch: sharp names at the plate's fit zoom.
PIXELS_PER_WELL = 40
#: Largest overlay (pixels); 4 bytes each.
MAX_PIXELS = 4_000_000
NAME_COLOR = (255, 255, 255, 255)
OUTLINE_COLOR = (0, 0, 0, 255)  # keeps names legible on a light canvas too
MISSING_COLOR = (255, 90, 90, 204)
ERROR_COLOR = (255, 165, 0, 255)
QC_COLOR = (255, 230, 0, 230)  # fields left out by image QC: yellow, apart from red missing wells
_NAME_HEIGHT = 0.4  # of the row pitch: room between rows, and names no bigger than a label needs
_NAME_WIDTH = 0.7  # of the column pitch: room between columns


@dataclass
class Overlay:
    """An RGBA image over the plate and its margins; ``data`` may be drawn into in place."""

    data: np.ndarray  # (h, w, 4) uint8
    scale: float  # world units (mosaic pixels) per overlay pixel
    top: int  # overlay rows above the plate (the column names' band)
    left: int  # overlay columns left of the plate (the row names' band)
    font_size: int

    @property
    def translate(self) -> tuple[float, float]:
        """World position of the centre of the overlay's pixel (0, 0).

        Mosaic pixel i (scale 1) covers world [i - 0.5, i + 0.5]; overlay pixel j covers
        [translate + (j - 0.5) * scale, ...], so mosaic edge i - 0.5 is overlay edge top + i / scale.
        """
        k = self.scale
        return -0.5 - self.top * k + k / 2, -0.5 - self.left * k + k / 2

    def to_overlay(self, y: float, x: float) -> tuple[float, float]:
        """Overlay edge coordinates (row, column) of the mosaic pixel edge before (y, x)."""
        return self.top + y / self.scale, self.left + x / self.scale

    def box(self, box: Box) -> tuple[int, int, int, int]:
        """A mosaic box as overlay pixels (r0, c0, r1, c1), end exclusive, at least 1 pixel."""
        r0, c0 = self.to_overlay(box[0], box[1])
        r1, c1 = self.to_overlay(box[2], box[3])
        r0i, c0i = math.floor(r0), math.floor(c0)
        return r0i, c0i, max(math.ceil(r1), r0i + 1), max(math.ceil(c1), c0i + 1)


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(size, 1))


def _stroke(size: int) -> int:
    return max(1, size // 12)


def _extent(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, names: Iterable[str], size: int) -> tuple[int, int]:
    """(height, width) of the largest name's ink, outline included."""
    h = w = 0
    for name in names:
        x0, y0, x1, y1 = font.getbbox(name, stroke_width=_stroke(size))
        h, w = max(h, int(y1 - y0)), max(w, int(x1 - x0))
    return h, w


def _font_size(layout: OverviewLayout, scale: float) -> int:
    """The largest font whose names fit their bands: rows apart, columns apart."""
    py, px = (p / scale for p in layout.pitch)
    names = [*layout.rows, *layout.columns]
    size = max(1, int(_NAME_HEIGHT * py))
    for _ in range(40):  # shrinks by at least 1 each time: a few rounds
        h, _ = _extent(_font(size), names, size)
        _, w = _extent(_font(size), layout.columns, size)
        ratio = min(_NAME_HEIGHT * py / max(h, 1), _NAME_WIDTH * px / max(w, 1))
        if ratio >= 1 or size == 1:
            return size
        size = max(1, min(size - 1, int(size * ratio)))
    return size


def _geometry(layout: OverviewLayout, max_pixels: int) -> tuple[float, int, int, int]:
    """(scale, font size, top margin, left margin) of an overlay within ``max_pixels``."""
    h, w = layout.shape
    scale = max(min(layout.pitch) / PIXELS_PER_WELL, 1e-3)
    for _ in range(20):
        size = _font_size(layout, scale)
        font, pad = _font(size), max(2, size // 3)
        name_h, _ = _extent(font, layout.columns, size)
        _, name_w = _extent(font, layout.rows, size)
        top, left = name_h + 2 * pad, name_w + 2 * pad
        pixels = (top + math.ceil(h / scale)) * (left + math.ceil(w / scale))
        if pixels <= max_pixels:
            return scale, size, top, left
        scale *= math.sqrt(pixels / max_pixels) * 1.01
    return scale, size, top, left


def plate_overlay(layout: OverviewLayout, max_pixels: int = MAX_PIXELS) -> Overlay:
    """Names beside the plate and crosses over its missing wells (frames come later: :func:`draw_frames`).

    Pillow draws only the two name bands and one cross; the rest of the overlay stays numpy
    zeros (a whole-overlay Pillow image costs ~0.1 s to convert on 1536 wells).
    """
    scale, size, top, left = _geometry(layout, max_pixels)
    h, w = layout.shape
    shape = (top + math.ceil(h / scale), left + math.ceil(w / scale))
    overlay = Overlay(np.zeros((*shape, 4), np.uint8), scale, top, left, size)
    font, stroke, pad = _font(size), _stroke(size), max(2, size // 3)
    band = Image.new("RGBA", (shape[1], top), (0, 0, 0, 0))  # column names, above the plate
    draw = ImageDraw.Draw(band)
    for name, x in layout.column_centers().items():
        draw.text((overlay.to_overlay(0, x)[1], top / 2), name, fill=NAME_COLOR, font=font, anchor="mm",
                  stroke_width=stroke, stroke_fill=OUTLINE_COLOR)
    overlay.data[:top] = np.asarray(band)
    band = Image.new("RGBA", (left, shape[0]), (0, 0, 0, 0))  # row names, left of the plate
    draw = ImageDraw.Draw(band)
    for name, y in layout.row_centers().items():
        draw.text((left - pad, overlay.to_overlay(y, 0)[0]), name, fill=NAME_COLOR, font=font, anchor="rm",
                  stroke_width=stroke, stroke_fill=OUTLINE_COLOR)
    overlay.data[:, :left] = np.maximum(overlay.data[:, :left], np.asarray(band))
    _draw_crosses(overlay, layout)
    return overlay


def _draw_crosses(overlay: Overlay, layout: OverviewLayout) -> None:
    """One cross per missing well."""
    boxes = [overlay.box(layout.cell_box(r, c)) for r, c in layout.missing.values()]
    _stamp_crosses(overlay, boxes, MISSING_COLOR, _line_width(layout, overlay.scale))


def _stamp_crosses(overlay: Overlay, boxes: Iterable[tuple[int, int, int, int]],
                   color: tuple[int, int, int, int], width: int) -> None:
    """A cross corner to corner in each overlay box: Pillow draws one per box size (rounding
    makes few), numpy copies it."""
    cells: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for r0, c0, r1, c1 in boxes:
        cells.setdefault((r1 - r0, c1 - c0), []).append((r0, c0))
    for (h, w), origins in cells.items():
        cell = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(cell)
        draw.line([(0, 0), (w - 1, h - 1)], fill=color, width=width)
        draw.line([(0, h - 1), (w - 1, 0)], fill=color, width=width)
        ink = np.asarray(cell)
        dy, dx = np.nonzero(ink[..., 3])  # only the cross's pixels: a few per cell, all cells at once
        at = np.asarray(origins)
        overlay.data[at[:, :1] + dy, at[:, 1:] + dx] = ink[dy, dx]


def cross_fields(overlay: Overlay, layout: OverviewLayout, field_paths: Iterable[str],
                 color: tuple[int, int, int, int] = QC_COLOR) -> list[str]:
    """Cross out the tiles of the given fields in place (unknown paths are skipped); returns
    the paths crossed."""
    paths = [p for p in field_paths if p in layout.fields]
    _stamp_crosses(overlay, [overlay.box(layout.field_box(p)) for p in paths], color,
                   _line_width(layout, overlay.scale))
    return paths


def _line_width(layout: OverviewLayout, scale: float) -> int:
    return max(1, round(min(layout.tile) / scale / 16))


def draw_frames(overlay: Overlay, layout: OverviewLayout, field_paths: Iterable[str],
                color: tuple[int, int, int, int] = ERROR_COLOR) -> dict[str, tuple[int, int, int, int]]:
    """Frame the tiles of the given fields in place (unknown paths are skipped).

    Returns field path -> the framed box in overlay pixels (r0, c0, r1, c1), end exclusive.
    """
    data, width = overlay.data, _line_width(layout, overlay.scale)
    drawn = {}
    for path in field_paths:
        if path not in layout.fields:
            continue
        r0, c0, r1, c1 = overlay.box(layout.field_box(path))
        wy, wx = min(width, r1 - r0), min(width, c1 - c0)
        data[r0 : r0 + wy, c0:c1] = color
        data[r1 - wy : r1, c0:c1] = color
        data[r0:r1, c0 : c0 + wx] = color
        data[r0:r1, c1 - wx : c1] = color
        drawn[path] = (r0, c0, r1, c1)
    return drawn
