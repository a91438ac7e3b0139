"""Physical units of a field's pixels: what one pixel's area is in µm², when the metadata says.

OME-NGFF gives each space axis a ``unit`` (UDUNITS-2 names such as ``"micrometer"`` or
``"nanometer"``); writers also use symbols (``"µm"``, ``"um"``, ``"nm"``). Areas are shown in µm²
when both y and x have a length unit, in pixels otherwise. No Qt, no napari.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plate import Field

__all__ = ["area_text", "length_in_um", "pixel_area_um2"]

# one unit in micrometres: the NGFF (UDUNITS-2) space units and the usual symbols
_UM_PER_UNIT = {
    "angstrom": 1e-4, "attometer": 1e-12, "centimeter": 1e4, "decimeter": 1e5, "exameter": 1e24,
    "femtometer": 1e-9, "foot": 304800.0, "gigameter": 1e15, "hectometer": 1e8, "inch": 25400.0,
    "kilometer": 1e9, "megameter": 1e12, "meter": 1e6, "micrometer": 1.0, "mile": 1609344e3,
    "millimeter": 1e3, "nanometer": 1e-3, "parsec": 3.0856775814913673e22, "petameter": 1e21,
    "picometer": 1e-6, "terameter": 1e18, "yard": 914400.0, "yoctometer": 1e-18, "yottameter": 1e30,
    "zeptometer": 1e-15, "zettameter": 1e27,
    "micron": 1.0, "µm": 1.0, "μm": 1.0, "um": 1.0, "nm": 1e-3, "mm": 1e3, "cm": 1e4, "m": 1e6, "å": 1e-4,
    "pm": 1e-6,
}


def length_in_um(unit: str | None) -> float | None:
    """Micrometres in one ``unit`` (``"nanometer"`` -> 0.001); None when it is no length unit."""
    if not unit:
        return None
    key = str(unit).strip().lower()
    if key.endswith("metre"):  # British spelling
        key = key[:-5] + "meter"
    if key.endswith("s") and key[:-1] in _UM_PER_UNIT and len(key) > 3:  # "micrometers", "microns"
        key = key[:-1]
    return _UM_PER_UNIT.get(key)


def pixel_area_um2(field: Field, level: int = 0) -> float | None:
    """Area of one pixel of ``field`` at ``level`` in µm²; None when y or x has no length unit.

    y and x are the last two axes (OME-NGFF puts the space axes last, x after y).
    """
    axes = field.multiscale.axes
    if len(axes) < 2:
        return None
    scale = field.scale(level)
    area = 1.0
    for axis, size in zip(axes[-2:], scale[-2:]):
        um = length_in_um(axis.unit)
        if um is None or not size > 0:
            return None
        area *= abs(float(size)) * um
    return area


def area_text(pixels: float, um2_per_pixel: float | None) -> str:
    """"230 px" without units; "97.2 µm²" (or "1534 µm²") with the area of one pixel in µm²."""
    if um2_per_pixel is None:
        return f"{float(pixels):.0f} px"
    value = float(pixels) * um2_per_pixel
    return f"{value:.0f} µm²" if value >= 100 else f"{value:.3g} µm²"
