"""A field's pixel size in micrometres, from its x axis's unit and the scale transforms of a
pyramid level. A field whose x axis has no unit (or one that is not a length) has none.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plate import Field

__all__ = ["UM_PER_UNIT", "pixel_size_um"]

#: micrometres per unit, for the OME-NGFF length units a microscope uses
UM_PER_UNIT = {"meter": 1e6, "centimeter": 1e4, "millimeter": 1e3, "micrometer": 1.0, "micron": 1.0, "µm": 1.0,
               "um": 1.0, "nanometer": 1e-3, "nm": 1e-3, "angstrom": 1e-4}


def pixel_size_um(field: Field, level: int = 0) -> float | None:
    """Micrometres per pixel along x at a pyramid level; None when the file does not say."""
    roles = field.roles
    if roles.x is None:
        return None
    unit = (field.multiscale.axes[roles.x].unit or "").strip().lower()
    if unit not in UM_PER_UNIT:
        return None
    try:
        size = field.scale(level)[roles.x] * UM_PER_UNIT[unit]
    except (IndexError, TypeError, ValueError):
        return None
    return size if math.isfinite(size) and size > 0 else None
