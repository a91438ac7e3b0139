"""The screen view's pictures without napari: every plate's heatmap in one value image, and one
RGBA overlay with the plates' names, Z′ and failure marks; what a world point falls on.

Plates arrive one by one (:meth:`ScreenMosaic.add`); the grid is laid out when the first one
comes, for the number of plates the screen has, with a cell as large as that plate; a larger
plate later lays everything out again (``add`` then returns True: the layers take new arrays).
Plates not there yet are drawn as "loading…". :func:`build_screen_mosaic` makes the whole
mosaic of an opened :class:`~imaging_explorer.screen.Screen` at once (what benchmarks time).
No Qt, no napari.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from .decorations import (
    PlateMark,
    ScreenOverlay,
    draw_plate,
    plate_mark,
    screen_overlay,
)
from .layout import ScreenLayout, ScreenSpot, screen_layout
from .values import (
    DEFAULT_READOUT,
    fill_plate,
    readout_columns,
    readout_columns_order,
    value_at,
    value_limits,
)

if TYPE_CHECKING:
    from imaging_explorer.screen import Screen, ScreenPlate

__all__ = ["ScreenMosaic", "build_screen_mosaic", "entry_name"]

UNKNOWN_LAYOUT = (8, 12)  # the cell of a screen whose plates so far have no layout


def entry_name(location: str) -> str:
    """A plate's name before it is read: the last part of its location without ``.zarr``."""
    name = location.rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".ome.zarr", ".zarr"):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class ScreenMosaic:
    """The value image and overlay of a screen's plates (``None`` until the first plate is there)."""

    def __init__(self, names: Sequence[str], readout: str = DEFAULT_READOUT) -> None:
        self.names = list(names)  # every plate's name in screen order (the entries'), replaced as they load
        self.plates: list[ScreenPlate | None] = [None] * len(self.names)
        self.readout = readout
        self.layout: ScreenLayout | None = None
        self.values: np.ndarray | None = None  # float32, NaN: no value
        self.overlay: ScreenOverlay | None = None
        self._readouts: list[str] = []  # grows as plates arrive (asked for on every update)

    @property
    def loaded(self) -> list[ScreenPlate]:
        """The plates there so far, in screen order."""
        return [p for p in self.plates if p is not None]

    @property
    def readouts(self) -> list[str]:
        """The numeric columns of the plates' calls (the default readout first)."""
        return list(self._readouts)

    def limits(self) -> tuple[float, float]:
        """The colour scale of the readout shown (0-100 for percentages)."""
        return value_limits(self.values, self.readout) if self.values is not None else (0.0, 1.0)

    def add(self, plate: ScreenPlate) -> bool:
        """Draw a plate that arrived; True when the mosaic was laid out anew (new arrays)."""
        self.place(plate)
        layout = self.layout
        if layout is None or len(plate.rows) > layout.rows or len(plate.columns) > layout.columns:
            self.lay_out()
            return True
        self._draw(plate.index)
        return False

    def place(self, plate: ScreenPlate) -> None:
        """Take a plate in without drawing it (:meth:`lay_out` draws every plate)."""
        if not 0 <= plate.index < len(self.plates):
            raise IndexError(f"plate {plate.name}: index {plate.index} outside the screen's {len(self.plates)} plates")
        self.plates[plate.index] = plate
        self.names[plate.index] = plate.name
        new = [c for c in readout_columns([plate]) if c not in self._readouts]
        if new:
            self._readouts = readout_columns_order(self._readouts + new)

    def set_readout(self, readout: str) -> None:
        """Colour every plate by another column of the calls."""
        self.readout = readout
        if self.layout is not None and self.values is not None:
            self.values[:] = np.nan
            for plate in self.loaded:
                fill_plate(self.values, self.layout, plate, readout)

    def lay_out(self) -> None:
        """Lay the grid out for the plates there now and draw every plate (and placeholder) again."""
        # plates that could not be read have no layout: a 96-well cell until a plate says otherwise
        rows = max((len(p.rows) for p in self.loaded), default=0) or UNKNOWN_LAYOUT[0]
        columns = max((len(p.columns) for p in self.loaded), default=0) or UNKNOWN_LAYOUT[1]
        self.layout = screen_layout(len(self.plates), rows, columns)
        self.values = np.full(self.layout.shape, np.nan, np.float32)
        self.overlay = screen_overlay(self.layout)
        for index in range(len(self.plates)):
            self._draw(index)

    def _draw(self, index: int) -> None:
        assert self.layout is not None and self.overlay is not None and self.values is not None
        plate = self.plates[index]
        if plate is None:
            mark = PlateMark(self.names[index], self.layout.rows, self.layout.columns, "loading")
        else:
            mark = plate_mark(plate)
            if not mark.rows or not mark.columns:  # no layout (unreadable): marked over the whole cell
                mark = replace(mark, rows=self.layout.rows, columns=self.layout.columns)
            fill_plate(self.values, self.layout, plate, self.readout)
        draw_plate(self.overlay, self.layout, index, mark)

    # ------------------------------------------------------------------ questions about a point

    def spot_at(self, y: float, x: float) -> ScreenSpot | None:
        """The plate (and well position) under a world point; a well beyond its plate's size is None."""
        spot = self.layout.spot_at(y, x) if self.layout is not None else None
        if spot is None or spot.row is None:
            return spot
        plate = self.plates[spot.plate]
        if plate is not None and (spot.row >= len(plate.rows) or spot.column is None
                                  or spot.column >= len(plate.columns)):
            return ScreenSpot(spot.plate)  # the empty part of a smaller plate's cell: the plate itself
        return spot

    def plate_at(self, y: float, x: float) -> ScreenPlate | None:
        """The loaded plate under a world point (its title band or its wells)."""
        spot = self.spot_at(y, x)
        return self.plates[spot.plate] if spot is not None else None

    def well_at(self, y: float, x: float) -> tuple[ScreenPlate, str] | None:
        """(plate, well key such as "C/7") under a world point; None off a loaded plate's wells."""
        spot = self.spot_at(y, x)
        plate = self.plates[spot.plate] if spot is not None else None
        if plate is None or spot is None or spot.row is None or spot.column is None:
            return None
        return plate, f"{plate.rows[spot.row]}/{plate.columns[spot.column]}"

    def describe(self, y: float, x: float) -> str:
        """Hover text: the plate, its status and Z′, and the well with its value."""
        spot = self.spot_at(y, x)
        if spot is None:
            return ""
        plate = self.plates[spot.plate]
        if plate is None:
            return f"{self.names[spot.plate]} (loading)"
        parts = [plate.name, plate.status]
        found = self.well_at(y, x)
        if found is not None:
            parts.append(found[1].replace("/", ""))
            value = value_at(self.values, y, x) if self.values is not None else None
            if value is not None:
                parts.append(f"{self.readout} {value:.4g}")
        return " · ".join(parts)


def build_screen_mosaic(screen: Screen, readout: str = DEFAULT_READOUT) -> ScreenMosaic:
    """The whole screen view's value image and overlay for an opened screen (no Qt, no napari).

    Parameters
    ----------
    screen
        An opened screen (:func:`imaging_explorer.screen.open_screen`).
    readout
        The column of the plates' calls to colour by.
    """
    mosaic = ScreenMosaic([p.name for p in screen.plates], readout)
    for plate in screen.plates:
        mosaic.place(plate)
    mosaic.lay_out()  # once for all: no plate is drawn twice
    return mosaic
