"""One readout of every plate's calls as the screen view's value image: one pixel per well.

Each plate's wells go to its cell of the :class:`~.layout.ScreenLayout`; wells without a value,
plates without results and the gaps are NaN. The readout is any numeric column of the plates'
calls (``activity_pct`` by default: normalised per plate, so one colour scale fits the screen).
No Qt, no napari.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from .layout import ScreenLayout

if TYPE_CHECKING:
    from imaging_explorer.screen import ScreenPlate

__all__ = ["DEFAULT_READOUT", "fill_plate", "readout_columns", "value_limits"]

DEFAULT_READOUT = "activity_pct"
NOT_READOUTS = frozenset({"row", "column", "well", "t", "field", "field_count", "hit_rank", "concentration"})
PERCENT_READOUTS = frozenset({"activity_pct", "percent_of_control", "viability_pct"})
PERCENTILES = (1.0, 99.0)  # the colour scale: one odd well must not wash out the screen


def readout_columns(plates: Iterable[ScreenPlate]) -> list[str]:
    """The numeric columns of the plates' calls (first plate's order first), the default first."""
    import pandas as pd

    found: list[str] = []
    for plate in plates:
        calls = plate.calls
        if calls is None:
            continue
        for name, dtype in calls.dtypes.items():  # dtypes, not columns: a column copies the table's attrs
            if (name not in NOT_READOUTS and name not in found and pd.api.types.is_numeric_dtype(dtype)
                    and not pd.api.types.is_bool_dtype(dtype)):
                found.append(str(name))
    return readout_columns_order(found)


def readout_columns_order(columns: list[str]) -> list[str]:
    """The columns with the default readout first."""
    return [DEFAULT_READOUT, *(c for c in columns if c != DEFAULT_READOUT)] if DEFAULT_READOUT in columns else columns


def plate_grid(plate: ScreenPlate, readout: str) -> np.ndarray | None:
    """The plate's values as a (rows, columns) float32 grid (NaN: no value); None without results
    or without the column."""
    calls = plate.calls
    if calls is None or readout not in calls.columns or not plate.rows or not plate.columns:
        return None
    import pandas as pd

    grid = np.full((len(plate.rows), len(plate.columns)), np.nan, np.float32)
    values = pd.to_numeric(calls[readout], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if "row" in calls.columns and "column" in calls.columns:
        row_names, column_names = calls["row"].astype(str), calls["column"].astype(str)
    else:  # well keys are "<row>/<column>"
        parts = pd.Series(calls.index.astype(str), index=calls.index).str.split("/", n=1, expand=True)
        row_names, column_names = parts[0], parts[1] if parts.shape[1] > 1 else parts[0]
    r = row_names.map({name: i for i, name in enumerate(plate.rows)}).to_numpy(dtype=float, na_value=np.nan)
    c = column_names.map({name: i for i, name in enumerate(plate.columns)}).to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(r) & np.isfinite(c) & np.isfinite(values)
    grid[r[keep].astype(int), c[keep].astype(int)] = values[keep]
    return grid


def fill_plate(values: np.ndarray, layout: ScreenLayout, plate: ScreenPlate, readout: str) -> None:
    """Write ``plate``'s values into its cell of ``values`` in place (NaN where it has none)."""
    y0, x0 = layout.origin(plate.index)
    values[y0 : y0 + layout.rows, x0 : x0 + layout.columns] = np.nan
    grid = plate_grid(plate, readout)
    if grid is not None:
        h, w = min(grid.shape[0], layout.rows), min(grid.shape[1], layout.columns)
        values[y0 : y0 + h, x0 : x0 + w] = grid[:h, :w]


def value_limits(values: np.ndarray, readout: str = "") -> tuple[float, float]:
    """Contrast limits napari accepts (low < high): 0-100 for a percentage of the controls' window
    (as the report's heatmaps: one scale for every screen), else the finite values' 1st-99th
    percentiles."""
    if readout in PERCENT_READOUTS:
        return 0.0, 100.0
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0
    low, high = (float(v) for v in np.percentile(finite, PERCENTILES))
    if not high > low:
        low, high = float(finite.min()), float(finite.max())
    return (low, high) if high > low else (low, low + max(abs(low), 1.0) * 1e-6)


def value_at(values: np.ndarray, y: float, x: float) -> float | None:
    """The finite value at a world point, else None."""
    iy, ix = int(np.floor(y + 0.5)), int(np.floor(x + 0.5))
    if 0 <= iy < values.shape[0] and 0 <= ix < values.shape[1] and np.isfinite(values[iy, ix]):
        return float(values[iy, ix])
    return None

