"""Where each plate of a screen sits in the screen view: a grid of plate cells, one world unit per well.

Every plate gets a cell as large as the largest plate seen so far: a title band (its name and Z′)
above its wells, and a gap to the next cell. Plate ``i`` sits at grid row ``i // columns``,
column ``i % columns``; the number of grid columns makes the whole mosaic about as wide as
:data:`TARGET_ASPECT` times its height (a canvas is wider than tall). World coordinates are
well units: well (r, c) of a plate is the pixel at (top + r, left + c) of the value image
(scale 1, pixel centres on integers). No Qt, no napari.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ScreenLayout", "ScreenSpot", "screen_layout"]

TARGET_ASPECT = 1.5  # mosaic width / height the grid aims for
GAP = 1  # wells between neighbouring plates


@dataclass(frozen=True)
class ScreenSpot:
    """What a world point of the screen view falls on: a plate (its index), and a well of it
    (row and column index; None on the plate's title band)."""

    plate: int
    row: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class ScreenLayout:
    """A grid of ``count`` plate cells of ``rows`` x ``columns`` wells each (the largest plate)."""

    count: int
    rows: int  # wells per plate cell, down
    columns: int  # wells per plate cell, across
    grid_columns: int
    band: int  # title band height (wells)

    @property
    def grid_rows(self) -> int:
        return max(1, math.ceil(self.count / self.grid_columns))

    @property
    def pitch(self) -> tuple[int, int]:
        """World units from one cell to the next (down, across)."""
        return self.band + self.rows + GAP, self.columns + GAP

    @property
    def shape(self) -> tuple[int, int]:
        """The value image's shape (no trailing gap)."""
        py, px = self.pitch
        return self.grid_rows * py - GAP, self.grid_columns * px - GAP

    def origin(self, index: int) -> tuple[int, int]:
        """World (y, x) of plate ``index``'s first well (A1)."""
        py, px = self.pitch
        return (index // self.grid_columns) * py + self.band, (index % self.grid_columns) * px

    def plate_box(self, index: int, rows: int, columns: int) -> tuple[int, int, int, int]:
        """(y0, x0, y1, x1) of a plate's wells, end exclusive."""
        y0, x0 = self.origin(index)
        return y0, x0, y0 + rows, x0 + columns

    def band_box(self, index: int) -> tuple[int, int, int, int]:
        """(y0, x0, y1, x1) of a plate's title band, as wide as the cell."""
        y0, x0 = self.origin(index)
        return y0 - self.band, x0, y0, x0 + self.columns

    def spot_at(self, y: float, x: float) -> ScreenSpot | None:
        """The plate cell (and well position in it) under a world point; None in a gap or outside.
        The well may lie beyond a smaller plate's own wells: check against the plate's size."""
        iy, ix = math.floor(y + 0.5), math.floor(x + 0.5)  # pixel i covers [i - 0.5, i + 0.5)
        py, px = self.pitch
        if iy < 0 or ix < 0:
            return None
        gr, dy = divmod(iy, py)
        gc, dx = divmod(ix, px)
        index = gr * self.grid_columns + gc
        if gc >= self.grid_columns or index >= self.count or dx >= self.columns or dy >= self.band + self.rows:
            return None
        if dy < self.band:
            return ScreenSpot(index)
        return ScreenSpot(index, dy - self.band, dx)


def title_band(rows: int) -> int:
    """Wells of title band above a plate of ``rows`` rows: room for a readable name at the fit zoom."""
    return max(2, round(rows / 4))


def screen_layout(count: int, rows: int, columns: int, aspect: float = TARGET_ASPECT) -> ScreenLayout:
    """The grid for ``count`` plates of at most ``rows`` x ``columns`` wells.

    The grid's column count is about ``sqrt(count)`` scaled by the cell's shape, so that the
    mosaic is about ``aspect`` times as wide as tall.
    """
    count, rows, columns = max(1, count), max(1, rows), max(1, columns)
    band = title_band(rows)
    cell_h, cell_w = band + rows + GAP, columns + GAP
    grid_columns = min(count, max(1, math.ceil(math.sqrt(count * cell_h * aspect / cell_w))))
    grid_columns = min(grid_columns, max(1, math.ceil(count / math.ceil(count / grid_columns))))  # no empty column
    return ScreenLayout(count, rows, columns, grid_columns, band)
