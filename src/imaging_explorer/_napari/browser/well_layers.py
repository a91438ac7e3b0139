"""The well view's layers: one image layer per channel, one labels layer per segmentation.

Switching wells reuses the layers (new ``data``, ``scale``, ``translate``, name) instead
of piling up new ones (DESIGN.md: closing many layers is slow in napari); a layer is
replaced only when the new data cannot fit it (other dimensionality, single vs multiscale).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .layer_data import LABELS_OPACITY, spec_layer_data, well_tag
from .layer_style import apply_setting
from .layer_tags import META_KEY

if TYPE_CHECKING:
    import napari
    from napari.layers import Image, Labels

    from imaging_explorer.channel_settings import ChannelSettings

    from .viewer_link import ViewerLink
    from .well_loading import LayerSpec, WellView


class WellLayers:
    """Creates, updates and removes the layers of the well view in one viewer."""

    def __init__(self, link: ViewerLink) -> None:
        self.link = link
        self.images: dict[str, Image] = {}  # channel name -> layer
        self.labels: dict[str, Labels] = {}  # label image name -> layer
        self.contour = 1
        self.opacity = LABELS_OPACITY

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
        self.labels[spec.name].contour = self.contour

    # ------------------------------------------------------------------ controls

    def set_visible(self, visible: bool, settings: ChannelSettings | None = None) -> None:
        """Hide the well view (overview shown) or show it again."""
        for name, layer in self.images.items():
            layer.visible = visible and (settings.get(name).visible if settings is not None else True)
        for layer in self.labels.values():
            layer.visible = visible

    def set_contour(self, contour: int) -> None:
        """Label outlines of this thickness (0 = filled)."""
        self.contour = max(0, int(contour))
        for layer in self.labels.values():
            layer.contour = self.contour

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

    def _remove(self, layer: Any) -> None:
        if self.link.alive and layer in self.viewer.layers:
            self.viewer.layers.remove(layer)

