"""Distinct display colours for channels whose files give several of them the same colour.

No Qt, no napari: colours are "RRGGBB" strings.
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Sequence

__all__ = ["distinct_colors"]

# colours for channels whose file colour repeats: bright on black, far apart when blended
_PALETTE = ("FF00FF", "00FFFF", "FF0000", "FFFF00", "0000FF", "00FF00", "FF8000", "FFFFFF")
_NEAR = 100.0  # RGB distance (0-441) under which two colours read as one


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def _far_from(color: str, used: Sequence[str]) -> bool:
    r, g, b = _rgb(color)
    return all(math.dist((r, g, b), _rgb(u)) >= _NEAR for u in used)


def distinct_colors(colors: Sequence[str]) -> list[str]:
    """``colors`` ("RRGGBB") with repeats replaced: the first of each keeps it, later ones get
    palette colours far from every colour in use (four channels all ``73FF00`` would add up
    to one green)."""
    out = [c.upper() for c in colors]
    used = list(dict.fromkeys(out))
    candidates = [c for c in _PALETTE if _far_from(c, used)]
    seen: set[str] = set()
    hue = 0.0
    for i, color in enumerate(out):
        if color not in seen:
            seen.add(color)
            continue
        if candidates:
            new = candidates.pop(0)
        else:  # more repeats than palette colours: spread hues by the golden angle
            hue = (hue + 0.618034) % 1.0
            new = "".join(f"{round(v * 255):02X}" for v in colorsys.hsv_to_rgb(hue, 1.0, 1.0))
        out[i] = new
        used.append(new)
        candidates = [c for c in candidates if _far_from(c, used)]
    return out
