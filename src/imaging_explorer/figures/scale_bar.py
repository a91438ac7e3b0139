"""Scale bars: a round bar length for an image's pixel size (:mod:`.pixel_size`) and the bar
drawn on the image's axes. Without a pixel size no bar is drawn; the figures say so rather
than guess.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from matplotlib.patches import Rectangle

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SCALE_BAR_GID", "bar_length", "draw_scale_bar", "length_text"]

SCALE_BAR_GID = "scale-bar"  # the bar's artists carry this id (in SVG too): tests and reports find it
_STEPS = (1, 2, 5)  # bar lengths 1, 2, 5, 10, 20, 50, ... µm


def bar_length(um_per_px: float, width_px: float, fraction: float = 0.25) -> float:
    """A round length in µm (1, 2, 5 × 10ⁿ) no longer than ``fraction`` of the image's width."""
    target = um_per_px * width_px * fraction
    if not target > 0:
        return 0.0
    power = 10.0 ** math.floor(math.log10(target))
    return max(s * power for s in _STEPS if s * power <= target)


def length_text(um: float) -> str:
    """"50 µm", "2 mm"."""
    return f"{um / 1000:g} mm" if um >= 1000 else f"{um:g} µm"


def draw_scale_bar(ax: Axes, um_per_px: float | None, width_px: float, height_px: float,
                   color: str = "white", fontsize: float = 7, length_um: float | None = None) -> float | None:
    """Draw a bar in the lower right of an image shown by ``imshow`` (pixel coordinates, y down).

    ``length_um``: the bar's length (default: a round length up to a quarter of the width).
    Returns the bar's length in µm; None (nothing drawn) without a pixel size.
    """
    if um_per_px is None or not um_per_px > 0:
        return None
    um = bar_length(um_per_px, width_px) if length_um is None else float(length_um)
    if not um > 0 or um / um_per_px > width_px:
        return None
    length = um / um_per_px
    margin = 0.04 * min(width_px, height_px)
    thick = max(height_px * 0.012, 1.0)
    x1, y1 = width_px - margin, height_px - margin
    bar = Rectangle((x1 - length, y1 - thick), length, thick, color=color, linewidth=0, gid=SCALE_BAR_GID)
    ax.add_patch(bar)
    ax.text(x1 - length / 2, y1 - thick * 1.8, length_text(um), color=color, fontsize=fontsize,
            ha="center", va="bottom", gid=SCALE_BAR_GID)
    return um
