"""The plate heatmap: one per-well readout as an image layer over the plate overview.

The layer is in the overview's world coordinates (one cell per well, :mod:`.value_grid`), below
the names overlay (row and column names, crosses over missing wells stay visible), tagged as
ours (so it is a read-only helper, never made active on arrival). Shown, it hides the overview's
channel images (and gives them back when hidden); the well view hides it. Clicks go through to
the overview's own click handling (:mod:`..browser.pointer`), so a click on a cell opens its well.
It shows the open plate's results (``ctrl.analysis``), or a running analysis' partial table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psygnal import Signal

from ..browser.layer_tags import META_KEY, tag_of
from .value_grid import ValueGrid, readout_columns, value_at, value_grid, well_values

if TYPE_CHECKING:
    import pandas as pd

    from ..browser.controller import PlateController

DEFAULT_READOUT = "infected_fraction"
COLORMAP = "viridis"


class PlateHeatmap:
    """The heatmap of one viewer's plate browser."""

    changed = Signal()  # table, readout, values or shown changed (the dock's chooser and legend)

    def __init__(self, ctrl: PlateController) -> None:
        self.ctrl = ctrl
        self.wells: pd.DataFrame | None = None  # the table shown (results or a run's partial table)
        self.readout = DEFAULT_READOUT
        self.shown = False
        self.grid: ValueGrid | None = None
        self.values: dict[str, float] = {}
        self.layer: Any = None
        self._hiding = False  # the overview's channel images are hidden for the heatmap
        ctrl.analysis.changed.connect(self.show_results)
        ctrl.view_changed.connect(self._apply_visibility)
        ctrl.plate_opened.connect(self.show_results)
        ctrl.hover_parts.append(self.describe)
        self.show_results()

    @property
    def readouts(self) -> list[str]:
        return readout_columns(self.wells)

    def show_results(self) -> None:
        """Show the open plate's results (none: no heatmap)."""
        results = self.ctrl.analysis.results
        self.set_table(results.wells if results is not None else None)

    def set_table(self, wells: pd.DataFrame | None) -> None:
        """Colour by ``wells`` (a wells table) from now on."""
        self.wells = wells
        columns = self.readouts
        if columns and self.readout not in columns:
            self.readout = DEFAULT_READOUT if DEFAULT_READOUT in columns else columns[0]
        self._redraw()

    def set_readout(self, column: str) -> None:
        if column and column != self.readout:
            self.readout = column
            self._redraw()

    def set_shown(self, shown: bool) -> None:
        """Heatmap over the overview (channel images hidden) or the images back."""
        self.shown = bool(shown)
        self._apply_visibility()
        self.changed.emit()

    # ------------------------------------------------------------------ layer

    def _redraw(self) -> None:
        layout = self.ctrl.layout
        if self.wells is None or layout is None or self.ctrl.overview is None:
            self._remove_layer()
            self.grid, self.values = None, {}
        else:
            self.values = well_values(self.wells, self.readout)
            self.grid = value_grid(layout, self.values)
            self._draw(self.grid)
        self._apply_visibility()
        self.changed.emit()

    def _draw(self, grid: ValueGrid) -> None:
        token = self.ctrl.overview.token if self.ctrl.overview is not None else None
        if self.layer is not None and ((tag_of(self.layer) or {}).get("token") != token
                                       or self.layer not in self.ctrl.viewer.layers):
            self._remove_layer()
        name = f"heatmap {self.readout}"
        if self.layer is None:
            self.layer = self.ctrl.viewer.add_image(
                grid.data, name=name, scale=grid.scale, translate=grid.translate, colormap=COLORMAP,
                contrast_limits=grid.contrast_limits(), interpolation2d="nearest", visible=False,
                metadata={META_KEY: {"role": "heatmap", "token": token}})
            self._below_names()  # napari made it active: the layer guard gives that back
            return
        self.layer.data = grid.data
        self.layer.contrast_limits_range = grid.contrast_limits()
        self.layer.contrast_limits = grid.contrast_limits()
        self.layer.name = name

    def _below_names(self) -> None:
        """Under the names overlay, so names and missing-well crosses stay on top."""
        layers = self.ctrl.viewer.layers
        names = self.ctrl.overview.helpers.get("names") if self.ctrl.overview is not None else None
        if names is not None and names in layers:
            layers.move(layers.index(self.layer), layers.index(names))

    def _remove_layer(self) -> None:
        layer, self.layer = self.layer, None
        if layer is not None and self.ctrl.link.alive and layer in self.ctrl.viewer.layers:
            self.ctrl.viewer.layers.remove(layer)

    def _apply_visibility(self) -> None:
        """Heatmap on the overview only; the overview's channel images hidden under it."""
        ctrl = self.ctrl
        overview = ctrl.state.mode == "overview" and ctrl.overview is not None
        present = self.layer is not None and self.layer in ctrl.viewer.layers  # (people may delete it)
        on = self.shown and overview and present
        if self.layer is not None:
            self.layer.visible = on
        if not overview or ctrl.sync is None or ctrl.overview is None or not (on or self._hiding):
            return  # the images are only touched while the heatmap hides them, and once to give them back
        self._hiding = on
        with ctrl.sync.quiet():  # not the user's edit of the channel: the panel and well view keep theirs
            for name, layer in ctrl.overview.layers.items():
                if on:
                    layer.visible = False
                else:
                    ctrl.sync.apply(name)

    # ------------------------------------------------------------------ hover

    def describe(self, position: tuple[float, ...]) -> str:
        """"infected_fraction 0.42" over a well with a value, while the heatmap is on screen."""
        layout = self.ctrl.layout
        on_screen = self.layer is not None and self.layer.visible and self.ctrl.state.mode == "overview"
        if not (on_screen and layout is not None and len(position) >= 2):  # well view: other coordinates
            return ""
        hit = value_at(layout, self.values, float(position[-2]), float(position[-1]))
        return f"{self.readout} {hit[1]:.4g}" if hit is not None else ""
