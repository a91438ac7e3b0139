"""Per-well values as a grid for the plate heatmap: one cell per well, in overview world coordinates.

The overview's world coordinates are mosaic pixels (:mod:`imaging_explorer.overview.layout`).
The grid has one pixel per well position; its scale is the well pitch and its translate puts
each pixel's centre on its well's box centre, so a cell covers its well's box (and half of the
gap around it). Wells without a value are NaN. No Qt, no napari.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..browser.readouts_text import finite_number

if TYPE_CHECKING:
    import pandas as pd

    from imaging_explorer.overview import OverviewLayout

#: columns of the wells table that are keys or bookkeeping, not readouts to colour by
NOT_READOUTS = frozenset({"well", "t", "field", "field_count"})


@dataclass(frozen=True, eq=False)
class ValueGrid:
    """``data[row, column]`` (float32, NaN: no value), placed by ``scale`` and ``translate``."""

    data: np.ndarray
    scale: tuple[float, float]
    translate: tuple[float, float]
    limits: tuple[float, float] | None  # (min, max) of the values; None when there is none

    def contrast_limits(self) -> tuple[float, float]:
        """Limits napari accepts (low < high), from the values' range."""
        if self.limits is None:
            return 0.0, 1.0
        low, high = self.limits
        return (low, high) if high > low else (low, low + max(abs(low), 1.0) * 1e-6)


def value_grid(layout: OverviewLayout, values: Mapping[str, float]) -> ValueGrid:
    """The grid of ``values`` (well path -> number) over ``layout``; unknown wells are skipped."""
    data = np.full((max(len(layout.rows), 1), max(len(layout.columns), 1)), np.nan, np.float32)
    for well, value in values.items():
        rc = layout.wells.get(well)
        if rc is not None and value is not None and math.isfinite(float(value)):
            data[rc] = float(value)
    py, px = layout.pitch
    # mosaic pixel i covers [i - 0.5, i + 0.5]: the box y0..y1 (end exclusive) is centred at (y0 + y1 - 1) / 2
    translate = ((py - layout.gap - 1) / 2, (px - layout.gap - 1) / 2)
    finite = data[np.isfinite(data)]
    limits = (float(finite.min()), float(finite.max())) if finite.size else None
    return ValueGrid(data, (float(py), float(px)), translate, limits)


def readout_columns(wells: pd.DataFrame | None) -> list[str]:
    """The wells table's numeric readout columns, in table order."""
    if wells is None:
        return []
    import pandas as pd

    return [c for c in wells.columns
            if c not in NOT_READOUTS and pd.api.types.is_numeric_dtype(wells[c]) and not pd.api.types.is_bool_dtype(wells[c])]


def well_values(wells: pd.DataFrame | None, column: str) -> dict[str, float]:
    """well path -> value of ``column`` (the first time point's row when there are several)."""
    if wells is None or column not in wells.columns or "well" not in wells.columns:
        return {}
    table = wells.sort_values("t", kind="stable") if "t" in wells.columns else wells
    table = table.drop_duplicates("well")
    out: dict[str, float] = {}
    for well, value in zip(table["well"], table[column]):
        number = finite_number(value)
        if number is not None:
            out[str(well)] = number
    return out


def value_at(layout: OverviewLayout, values: Mapping[str, float], y: float, x: float) -> tuple[str, float] | None:
    """(well path, value) of the heatmap cell under a world point; None outside the plate or without a value."""
    py, px = layout.pitch
    r, c = math.floor((y + 0.5 + layout.gap / 2) / py), math.floor((x + 0.5 + layout.gap / 2) / px)
    well = next((w for w, rc in layout.wells.items() if rc == (r, c)), None)
    if well is None or well not in values:
        return None
    return well, values[well]
