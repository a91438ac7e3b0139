"""The screen view's two napari layers: the values (one colour map for every plate) and the names
overlay (RGBA), made once per screen and given new data as plates arrive.

They are made as soon as the screen's plates are known, with a placeholder pixel, before the
plates are read: a layer's first making costs ~0.5 s of the GUI thread, many times that while
the loading threads compete for Python's lock. Later updates only hand the layers new arrays
(and, after a new layout, the overlay's new scale). Tagged as ours (read-only helpers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..browser.layer_tags import META_KEY

if TYPE_CHECKING:
    import napari

    from .mosaic import ScreenMosaic

__all__ = ["COLORMAP", "ScreenLayers"]

COLORMAP = "viridis"


class ScreenLayers:
    """The values and names layers of one viewer's screen view (``layers`` empty when there are none)."""

    def __init__(self) -> None:
        self.layers: dict[str, Any] = {}  # "values", "names"

    def present(self, viewer: napari.Viewer) -> bool:
        """Both layers are there (people may delete one)."""
        return len(self.layers) == 2 and all(layer in viewer.layers for layer in self.layers.values())

    def make(self, viewer: napari.Viewer, visible: bool, readout: str) -> None:
        """Add both layers with a placeholder pixel (replacing any there were)."""
        self.remove(viewer)
        self.layers["values"] = viewer.add_image(
            np.full((1, 1), np.nan, np.float32), name=f"screen {readout}", colormap=COLORMAP, contrast_limits=(0, 1),
            interpolation2d="nearest", visible=visible, metadata={META_KEY: {"role": "screen"}})
        self.layers["names"] = viewer.add_image(
            np.zeros((1, 1, 4), np.uint8), name="screen names", rgb=True, blending="translucent_no_depth",
            interpolation2d="linear", visible=visible, metadata={META_KEY: {"role": "screen names"}})
        # the colour scale on the canvas: the same for every plate (a readout's values, not % of a plate)
        self.layers["values"].colorbar.visible = True
        viewer.layers.selection.active = self.layers["values"]  # its layer controls: the colour scale

    def show_values(self, mosaic: ScreenMosaic) -> None:
        """The mosaic's values, colour scale and readout name."""
        values = self.layers["values"]
        values.data = mosaic.values
        limits = mosaic.limits()
        values.contrast_limits_range = limits
        values.contrast_limits = limits
        values.name = f"screen {mosaic.readout}"

    def show_overlay(self, mosaic: ScreenMosaic) -> None:
        """The mosaic's names overlay, placed by its scale."""
        overlay, names = mosaic.overlay, self.layers["names"]
        assert overlay is not None
        if tuple(names.scale) != (overlay.scale, overlay.scale):
            names.scale = (overlay.scale, overlay.scale)
            names.translate = overlay.translate
        names.data = overlay.data

    def set_visible(self, visible: bool) -> None:
        for layer in self.layers.values():
            layer.visible = visible

    def remove(self, viewer: napari.Viewer | None) -> None:
        layers, self.layers = self.layers, {}
        if viewer is not None:
            for layer in layers.values():
                if layer in viewer.layers:
                    viewer.layers.remove(layer)
