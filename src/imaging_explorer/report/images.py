"""The report's images as PNG bytes: matplotlib figures at a screen resolution, RGB arrays
(thumbnails, heatmap tiles) through Pillow, both optimised and kept small.

A report of 50 plates embeds a few hundred images: each is bounded here (figures at
:data:`FIGURE_DPI`, arrays at most :data:`MAX_SIDE` pixels a side) so the page stays a
few megabytes.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FIGURE_DPI", "MAX_SIDE", "figure_png", "rgb_png"]

FIGURE_DPI = 80  # screen resolution: a 6-inch plot is ~500 px wide, ~40 KB
MAX_SIDE = 1024  # px: a larger array is shrunk by an integer factor before encoding


def figure_png(fig: Figure, dpi: float = FIGURE_DPI) -> bytes:
    """The figure as PNG bytes (on its own Agg canvas; the figure is not kept)."""
    from ..figures.export import png_bytes

    return png_bytes(fig, dpi=dpi)


def rgb_png(image: np.ndarray, max_side: int = MAX_SIDE) -> bytes:
    """An (y, x, 3) or (y, x, 4) uint8 array as PNG bytes, shrunk by striding when a side exceeds ``max_side``."""
    from PIL import Image

    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"an image for the report must be (y, x, 3 or 4), got shape {array.shape}")
    step = max(1, -(-max(array.shape[:2]) // max_side))
    if step > 1:
        array = array[::step, ::step]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array.astype(np.uint8, copy=False))).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
