"""The well view's layers: one image layer per channel, one labels layer per segmentation.

Switching wells reuses the layers (new ``data``, ``scale``, ``translate``, name) instead
of piling up new ones (DESIGN.md: closing many layers is slow in napari); a layer is
replaced only when the new data cannot fit it (other dimensionality, single vs multiscale).
Back on the overview the layers stay, hidden, holding tiny placeholders (:meth:`WellLayers.park`).

Label outlines are drawn ``contour`` data pixels wide; zoomed out, one data pixel is less than
one screen pixel and the outlines vanish, so they get thicker as the camera zooms out.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .layer_data import LABELS_OPACITY, spec_layer_data, well_tag
from .layer_style import apply_setting
from .layer_tags import META_KEY
from .view_fit import camera_of

if TYPE_CHECKING:
    import napari
    from napari.layers import Image, Labels

    from imaging_explorer.channel_settings import ChannelSettings

    from .viewer_link import ViewerLink
    from .well_loading import LayerSpec, WellView

OUTLINE_SCREEN_PX = 1.5  # outlines narrower than this on screen flicker or vanish
MAX_CONTOUR = 8  # napari computes outlines on the CPU; wider ones cost more
ZOOM_THROTTLE_MS = 100  # a wheel zoom sends many zoom events: outlines follow at most this often


def outline_width(contour: int, screen_px: float) -> int:
    """Outline width in data pixels for the user's ``contour`` (0 = filled) when one data pixel
    spans ``screen_px`` screen pixels: ``contour`` zoomed in, wider when zoomed out."""
    if contour <= 0 or screen_px >= 1 or screen_px <= 0:
        return max(0, contour)
    return int(min(MAX_CONTOUR, max(contour, math.ceil(contour * OUTLINE_SCREEN_PX / screen_px))))


def _renew_extent(layer: Any) -> None:
    """napari keeps a hidden layer's cached extent when its data changes (only visible layers
    refresh): setting translate, even to its value, clears it and updates the viewer's axes."""
    layer.translate = layer.translate


def _placeholder(layer: Any) -> Any:
    """Tiny data (one step on every axis but y and x) with the layer's dimensionality and dtype;
    a pyramid of 1, 2, 4 ... px for a multiscale layer (napari wants its levels to shrink)."""
    lead, dtype = (1,) * (layer.ndim - 2), layer.data.dtype
    if not layer.multiscale:
        return np.zeros((*lead, 1, 1), dtype=dtype)
    n = len(layer.data)
    return [np.zeros((*lead, 2 ** (n - 1 - k), 2 ** (n - 1 - k)), dtype=dtype) for k in range(n)]


class WellLayers:
    """Creates, updates and removes the layers of the well view in one viewer."""

    def __init__(self, link: ViewerLink) -> None:
        self.link = link
        self.images: dict[str, Image] = {}  # channel name -> layer
        self.labels: dict[str, Labels] = {}  # label image name -> layer
        self.contour = 1  # the user's outline width (0 = filled); drawn wider when zoomed out
        self.opacity = LABELS_OPACITY
        self.parked = False  # back on the overview: the layers hold placeholders
        self._point: tuple[float, ...] = ()  # the z/t position when parked, restored on the next well
        self._zoom_timer: Any = None
        camera_of(link.viewer).events.zoom.connect(self._zoomed)

    @property
    def viewer(self) -> napari.Viewer:
        return self.link.viewer

    # ------------------------------------------------------------------ showing

    def show(self, view: WellView, settings: ChannelSettings) -> None:
        """Put a prepared well view on screen, reusing layers where possible."""
        prefix = view.name
        seen_images, seen_labels = set(), set()
        for spec in view.layers:
            if spec.kind == "image":
                seen_images.add(spec.name)
                self._image(spec, f"{prefix} {spec.name}", settings)
            else:
                seen_labels.add(spec.name)
                self._labels(spec, f"{prefix} {spec.name}")
        for store, seen in ((self.images, seen_images), (self.labels, seen_labels)):
            for name in [n for n in store if n not in seen]:
                self._remove(store.pop(name))
        for layer in self.labels.values():  # segmentations stay on top of the channels
            self._raise_to_top(layer)
        if self.parked:
            self.parked = False
            self._restore_point()
        self.update_outlines()

    def _raise_to_top(self, layer: Any) -> None:
        layers = self.viewer.layers
        i = layers.index(layer)
        if i != len(layers) - 1:
            layers.move(i, len(layers))

    def _fits(self, layer: Any, spec: LayerSpec) -> bool:
        multiscale = len(spec.levels) > 1
        return layer in self.viewer.layers and layer.multiscale == multiscale and layer.ndim == spec.levels[0].ndim

    def _update(self, layer: Any, spec: LayerSpec, name: str) -> None:
        data = spec.levels if len(spec.levels) > 1 else spec.levels[0]
        layer.data = data
        if not layer.visible:  # parked, or a channel switched off
            _renew_extent(layer)
        # each of these setters redraws the layer, even to the same value: skip unchanged ones
        # (wells of a plate mostly share them; measured: showing a well 0.26 -> 0.09-0.12 s)
        if tuple(layer.scale) != tuple(spec.scale):
            layer.scale = spec.scale
        if tuple(layer.translate) != tuple(spec.translate):
            layer.translate = spec.translate
        if tuple(layer.axis_labels) != tuple(spec.axis_labels):
            layer.axis_labels = spec.axis_labels
        layer.name = name
        layer.metadata[META_KEY] = well_tag(spec)

    def _image(self, spec: LayerSpec, name: str, settings: ChannelSettings) -> None:
        setting = settings.get(spec.name)
        layer = self.images.get(spec.name)
        if layer is not None and self._fits(layer, spec):
            self._update(layer, spec, name)
            if setting.contrast_limits is None:
                layer.reset_contrast_limits()
            apply_setting(layer, setting)
            return
        if layer is not None:
            self._remove(layer)
        data, kwargs, _ = spec_layer_data(spec, name, setting)
        self.images[spec.name] = self.viewer.add_image(data, **kwargs)

    def _labels(self, spec: LayerSpec, name: str) -> None:
        layer = self.labels.get(spec.name)
        if layer is not None and self._fits(layer, spec):
            self._update(layer, spec, name)
            layer.visible = True
            return
        if layer is not None:
            self._remove(layer)
        data, kwargs, _ = spec_layer_data(spec, name, labels_opacity=self.opacity)
        self.labels[spec.name] = self.viewer.add_labels(data, **kwargs)

    # ------------------------------------------------------------------ controls

    def park(self) -> None:
        """Hide the well view, its layers kept for the next well but holding tiny placeholders, so
        a hidden z/t stack leaves no slider on the overview (napari counts hidden layers' axes).

        Measured on t,c,z,y,x plates (3 channels, 64 and 1024 px; medians): removing the layers
        here costs 1.0 / 2.3 s and adding them again on the next well 1.1 / 2.1 s; parking them
        0.16 / 0.27 s and reusing them 0.18 / 0.34 s.
        """
        if not self.layers() or self.parked:
            return
        self._point = tuple(self.viewer.dims.point)
        self.parked = True
        for layer in self.layers():
            layer.visible = False  # first: no slicing of the placeholder
            layer.data = _placeholder(layer)
            _renew_extent(layer)

    def _restore_point(self) -> None:
        """Back to the z/t position of the well view before the overview (napari clamps it)."""
        dims = self.viewer.dims
        if len(self._point) == dims.ndim:
            axes = list(dims.not_displayed)
            if axes:
                dims.set_point(axes, [self._point[a] for a in axes])

    def set_visible(self, visible: bool, settings: ChannelSettings | None = None) -> None:
        """Hide the well view (overview shown) or show it again."""
        for name, layer in self.images.items():
            layer.visible = visible and (settings.get(name).visible if settings is not None else True)
        for layer in self.labels.values():
            layer.visible = visible

    def set_contour(self, contour: int) -> None:
        """Label outlines of this thickness (0 = filled), wider when zoomed out."""
        self.contour = max(0, int(contour))
        self.update_outlines()

    def update_outlines(self) -> None:
        """Each labels layer's outline width for the camera's zoom and the level napari shows."""
        if not self.link.alive:
            return
        zoom = float(camera_of(self.viewer).zoom)
        for layer in self.labels.values():
            factor = layer.downsample_factors[layer.data_level][-1] if layer.multiscale else 1.0
            width = outline_width(self.contour, zoom * abs(float(layer.scale[-1])) * float(factor))
            if layer.contour != width:  # each set recomputes the outlines
                layer.contour = width

    def _zoomed(self, event: Any = None) -> None:
        if not self.labels or self.parked:
            return
        if self._zoom_timer is None:
            from qtpy.QtCore import QTimer

            self._zoom_timer = QTimer()
            self._zoom_timer.setSingleShot(True)
            self._zoom_timer.setInterval(ZOOM_THROTTLE_MS)
            self._zoom_timer.timeout.connect(self.update_outlines)
        if not self._zoom_timer.isActive():  # throttled: the first event of a burst starts it
            self._zoom_timer.start()

    def set_opacity(self, opacity: float) -> None:
        self.opacity = float(opacity)
        for layer in self.labels.values():
            layer.opacity = self.opacity

    def layers(self) -> list[Any]:
        return [*self.images.values(), *self.labels.values()]

    def clear(self) -> None:
        for layer in self.layers():
            self._remove(layer)
        self.images.clear()
        self.labels.clear()
        self.parked, self._point = False, ()

    def _remove(self, layer: Any) -> None:
        if self.link.alive and layer in self.viewer.layers:
            self.viewer.layers.remove(layer)

