"""The camera fitted to the view on screen (overview or well), on every axis layout.

napari's ``reset_view(layers=...)`` indexes the given layers' extent by the viewer's displayed
axes, so the 2-D overview layers raise IndexError while a well's z/t layers keep the viewer
4-D; and napari's own "reset view" button fits every layer, the hidden view's too. So in 2-D
the camera is fitted here from the layers' own y/x extent, and after napari's reset the
view on screen is fitted again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import napari

    from .viewer_link import ViewerLink

MARGIN = 0.05  # blank canvas around the data, as napari's reset_view


def camera_of(viewer: napari.Viewer) -> Any:
    """The viewer's camera (``viewer.scene.camera`` since napari 0.9, ``viewer.camera`` before)."""
    scene = getattr(viewer, "scene", None)
    return scene.camera if scene is not None else viewer.camera


def _viewbox(viewer: napari.Viewer) -> np.ndarray:
    """Canvas pixels (height, width) of one view box (of the grid, when napari shows layers in one)."""
    canvas = getattr(viewer, "canvas", None)
    if canvas is not None and hasattr(canvas, "viewbox_size"):
        return np.asarray(canvas.viewbox_size(viewer.layers), float)
    return np.asarray(viewer._canvas_size, float)  # napari < 0.9


def displayed_extent(viewer: napari.Viewer, layers: Sequence[Any]) -> np.ndarray | None:
    """(2, 2) min/max world coordinates of the layers' pixels on the two displayed axes
    (layers right-aligned to the viewer's axes, as napari does); None when none spans them."""
    ndim, shown = viewer.dims.ndim, list(viewer.dims.displayed)
    lows, highs = [], []
    for layer in layers:
        cols = [axis - (ndim - layer.ndim) for axis in shown]
        if min(cols) < 0:
            continue
        world, step = np.asarray(layer.extent.world, float), np.asarray(layer.extent.step, float)
        lows.append(world[0, cols] - step[cols] / 2)  # pixel edges, not centres
        highs.append(world[1, cols] + step[cols] / 2)
    if not lows:
        return None
    return np.vstack([np.min(lows, axis=0), np.max(highs, axis=0)])


def fit_layers(viewer: napari.Viewer, layers: Sequence[Any], margin: float = MARGIN) -> None:
    """Centre and zoom the camera on ``layers`` (those in the viewer), whatever the other layers' axes."""
    layers = [layer for layer in layers if layer in viewer.layers]
    if not layers:
        return
    if viewer.dims.ndisplay != 2:  # 3-D: napari's fit (camera angles); all layers where the axes differ
        same = all(layer.ndim == viewer.dims.ndim for layer in layers)
        viewer.reset_view(layers=layers if same else None, margin=margin)
        return
    box = displayed_extent(viewer, layers)
    if box is None:
        return
    size = box[1] - box[0]
    size[np.isclose(size, 0)] = 1
    camera = camera_of(viewer)
    camera.center = tuple(float(v) for v in (box[0] + box[1]) / 2)
    camera.zoom = float((1 - margin) * np.min(_viewbox(viewer) / size))


class ViewFitter:
    """Fits the camera to the current view's layers, also right after napari's own reset view."""

    def __init__(self, link: ViewerLink, current_layers: Callable[[], Sequence[Any]]) -> None:
        self.link = link
        self.current_layers = current_layers
        self._fitting = False
        link.viewer.events.reset_view.connect(self._napari_reset)

    def fit(self) -> None:
        if self._fitting or not self.link.alive:
            return
        self._fitting = True  # our own 3-D fit emits reset_view too
        try:
            fit_layers(self.link.viewer, self.current_layers())
        finally:
            self._fitting = False

    def _napari_reset(self, event: Any = None) -> None:
        self.fit()
