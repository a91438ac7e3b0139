"""The plate overview in one viewer: its layers, made by napari from our layer data, adopted here
by their token, then filled from the thumbnail worker.

The reader hands napari the overview's layer data; napari adds the layers later, so this
object watches ``viewer.layers`` for layers carrying its token. Thumbnails are read meanwhile
(measured: waiting for napari's first paint and then competing with it for the CPU is slower).
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from imaging_explorer.overview.decorations import draw_frames

from .layer_tags import META_KEY, tag_of
from .overview_layers import overview_layer_data
from .overview_loader import OverviewLoader
from .view_fit import fit_layers

if TYPE_CHECKING:
    from imaging_explorer.channel_settings import ChannelSettings
    from imaging_explorer.overview import OverviewLayout
    from imaging_explorer.plate import Plate

    from .channel_sync import ChannelSync
    from .overview_loader import Step
    from .viewer_link import ViewerLink

REFRESH_INTERVAL_S = 0.3  # every refresh uploads the whole mosaic texture


def _role_key(tag: dict[str, Any]) -> str:
    return f"{tag['role']}:{tag.get('channel', '')}"


class PlateOverview:
    """Layers of one plate's overview: one mosaic per channel, names, missing-well crosses, error frames."""

    ready = Signal()  # napari made every layer of the overview
    progress = Signal(int, int)  # fields read, of all fields
    finished = Signal(dict)  # field path -> reason for the fields that failed ("*": the whole read)

    def __init__(self, link: ViewerLink, plate: Plate, layout: OverviewLayout, settings: ChannelSettings,
                 sync: ChannelSync) -> None:
        self.link, self.plate, self.layout, self.settings, self.sync = link, plate, layout, settings, sync
        self.layers: dict[str, Any] = {}  # channel name -> image layer
        self.helpers: dict[str, Any] = {}  # role -> layer: "names" (names, missing-well crosses, error frames)
        self.token = uuid.uuid4().hex
        self.mosaics, self.overlay, self.layer_data = overview_layer_data(plate, layout, settings, self.token)
        self._expected = {_role_key(kw["metadata"][META_KEY]) for _, kw, _ in self.layer_data}
        self._pending_done: dict[str, str] | None = None
        self.failed: dict[str, tuple[int, int, int, int]] = {}  # framed field -> its overlay box
        self._stepped = False
        self._refreshed = 0.0
        link.viewer.layers.events.inserted.connect(self._on_inserted)
        self.loader = OverviewLoader(plate, layout, self.mosaics, self._step, self._done)
        self.loader.start()

    @property
    def loaded(self) -> bool:
        """Every thumbnail is read and drawn into the layers."""
        return self.loader.finished and not self._expected and self._pending_done is None

    def all_layers(self) -> list[Any]:
        return [*self.layers.values(), *self.helpers.values()]

    def _on_inserted(self, event: Any) -> None:
        tag = tag_of(event.value)
        if not tag or tag.get("token") != self.token:
            return
        if tag["role"] == "overview":
            self.layers[tag["channel"]] = event.value
            self.sync.watch(event.value, tag["channel"])
        else:
            self.helpers[tag["role"]] = event.value
        self._expected.discard(_role_key(tag))
        if not self._expected:
            self.link.viewer.layers.events.inserted.disconnect(self._on_inserted)
            if self._pending_done is not None:  # the thumbnails were faster than napari
                self._done(self._pending_done)
            self.ready.emit()

    def _step(self, step: Step) -> None:
        if self.link.closed:
            return
        first, self._stepped = not self._stepped, True
        now = time.monotonic()
        if first or now - self._refreshed >= REFRESH_INTERVAL_S:  # the last refresh comes from _done
            self._refreshed = now
            for layer in self.layers.values():
                layer.refresh()
        self.progress.emit(step.done, step.total)

    def _done(self, errors: dict[str, str]) -> None:
        if self.link.closed:
            return
        if self._expected:  # layers not all made yet: finish when they are
            self._pending_done = errors
            return
        self._pending_done = None
        # one window per channel for both views: the thumbnails' estimate where the file's
        # window is missing or useless (the settings emit, the sync applies it to every layer)
        index = {(tag_of(layer) or {}).get("index"): name for name, layer in self.layers.items()}
        self.settings.set_estimates({index[i]: e for i, e in self.loader.estimates.items() if i in index})
        with self.sync.quiet():
            for name, layer in self.layers.items():
                if self.settings.get(name).contrast_limits is None:  # nothing read: napari's own guess
                    layer.reset_contrast_limits()
                layer.refresh()
        self.finished.emit(errors)

    def set_visible(self, visible: bool) -> None:
        """Show the overview (channel layers as their settings say) or hide all of it."""
        with self.sync.quiet():
            for name, layer in self.layers.items():
                if visible:
                    self.sync.apply(name)
                else:
                    layer.visible = False
            for layer in self.helpers.values():
                layer.visible = visible

    def fit(self) -> None:
        """Zoom so that the whole plate, with its row and column names, fills the canvas."""
        if not self.link.alive:
            return
        # not napari's reset_view(layers=...): it fails on 2-D layers while a well's z/t stack is in the viewer
        fit_layers(self.link.viewer, self.all_layers())

    def mark_failed_fields(self, field_paths: list[str], visible: bool = True) -> None:
        """Orange frames around unreadable fields, drawn into the names overlay (cheap: numpy slices).

        ``visible`` is kept for callers: the frames show and hide with the overlay.
        """
        self.failed.update(draw_frames(self.overlay, self.layout, field_paths))
        layer = self.helpers.get("names")
        if layer is not None and self.link.alive and layer in self.link.viewer.layers:
            layer.refresh()  # napari uploads the drawn-into overlay again

    def close(self) -> None:
        """Stop reading and remove the layers."""
        self.loader.stop()
        if not self.link.alive:
            return
        layers = self.link.viewer.layers
        try:
            layers.events.inserted.disconnect(self._on_inserted)
        except Exception:  # noqa: BLE001 - already disconnected once every layer came
            pass
        for layer in self.all_layers():
            if layer in layers:
                layers.remove(layer)
        self.layers.clear()
        self.helpers.clear()

