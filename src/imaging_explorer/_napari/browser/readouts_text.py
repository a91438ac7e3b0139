"""The analysis readouts as people read them: a cell in the hover text, a well in the dock.

Pure functions of table rows (dicts or pandas Series); no reads, so they are cheap on the GUI thread.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def finite_number(value: Any) -> float | None:
    """A table cell as a float; None for NA, NaN, infinities and anything not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _short(number: float) -> str:
    """812.4 -> "812", 3.14159 -> "3.14": intensities to the precision a glance needs."""
    return f"{number:.0f}" if abs(number) >= 100 else f"{number:.3g}"


def _infected(value: Any) -> str:
    """"infected", "not infected", or "" when not measured (no pathogen channel: NA)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        return "infected" if bool(value) else "not infected"
    except TypeError:  # pandas' NA has no truth value
        return ""


def cell_text(label: int, row: Mapping[str, Any], um2_per_px: float | None) -> str:
    """"cell 17 · infected · area 640 px · mean DAPI 1201 · mean Pathogen 812"."""
    from imaging_explorer.analysis.units import area_text

    parts = [f"cell {label}"]
    infected = _infected(row.get("infected"))
    if infected:
        parts.append(infected)
    area = finite_number(row.get("area_px"))
    if area is not None:
        parts.append(f"area {area_text(area, um2_per_px)}")
    for key, value in row.items():
        number = finite_number(value)
        if str(key).startswith("mean_") and number is not None:
            parts.append(f"mean {str(key)[5:]} {_short(number)}")
    return " · ".join(parts)


def well_line(row: Mapping[str, Any] | None, analysed: bool = True) -> str:
    """The dock's readouts line: "readouts: 312 nuclei · 298 cells · 12.4 % infected (37)";
    "" without results."""
    if not analysed:
        return ""
    if row is None:
        return "readouts: none for this well"
    parts = []
    for key, noun in (("nuclei_count", "nuclei"), ("cell_count", "cells")):
        number = finite_number(row.get(key))
        if number is not None:
            parts.append(f"{number:.0f} {noun}")
    fraction, count = finite_number(row.get("infected_fraction")), finite_number(row.get("infected_count"))
    if fraction is not None:
        parts.append(f"{fraction * 100:.1f} % infected" + (f" ({count:.0f})" if count is not None else ""))
    return "readouts: " + (" · ".join(parts) if parts else "—")
