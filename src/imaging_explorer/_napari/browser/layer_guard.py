"""Our helper layers stay out of the way: read-only, and never made active by being added.

napari makes every added layer the active one, and the active layer's keys come first (R on a
Shapes layer adds rectangles, 1-5 on a Labels layer pick paint tools) and its tool tips fill the
status bar. The browser's helper layers (the overview's names, crosses and frames, the well's
segmentations, the review's calls) are for looking at: they are made non-editable, again each
time napari resets ``editable`` (it does on new data), and when napari activates one because it
was just added, the layer active before (or a channel image) is made active again. People can
still select them in the layer list. Which layers are helpers is read from their tag, not their
type: every layer of ours except the channel images.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .layer_tags import is_ours, tag_of

if TYPE_CHECKING:
    import napari

    from .viewer_link import ViewerLink


def is_channel_image(layer: Any) -> bool:
    """A channel's image layer of ours: an overview mosaic or a well-view channel."""
    tag = tag_of(layer) or {}
    return tag.get("role") == "overview" or (tag.get("role") == "well" and tag.get("kind") == "image")


def is_helper(layer: Any) -> bool:
    """One of our layers that is not a channel image (names, crosses, labels, calls, ...)."""
    return is_ours(layer) and not is_channel_image(layer)


def _keep_read_only(event: Any) -> None:
    layer = event.source
    if layer.editable:
        layer.editable = False


def make_read_only(layer: Any) -> None:
    """Not editable from the viewer, now and after napari resets it (connecting twice is a no-op)."""
    layer.editable = False
    layer.events.editable.connect(_keep_read_only)


def activate_channel_image(viewer: napari.Viewer, layers: Iterable[Any]) -> None:
    """Make one of ``layers`` (channel images of the view on screen) active, unless one already is;
    a visible one first."""
    candidates = [layer for layer in layers if layer in viewer.layers]
    if not candidates or viewer.layers.selection.active in candidates:
        return
    visible = [layer for layer in candidates if layer.visible]
    viewer.layers.selection.active = (visible or candidates)[0]


class LayerGuard:
    """Watches one viewer's layers: helpers read-only, not active on arrival."""

    def __init__(self, link: ViewerLink) -> None:
        self.link = link
        viewer = link.viewer
        self._arrived: Any = None  # weak reference to the helper just added: napari activates it next
        self._before: Any = None  # weak reference to the layer active before
        for layer in viewer.layers:
            if is_helper(layer):
                make_read_only(layer)
        viewer.layers.events.inserted.connect(self._inserted)
        viewer.layers.selection.events.active.connect(self._activated)

    def _inserted(self, event: Any) -> None:
        layer = event.value
        self._arrived = weakref.ref(layer) if is_helper(layer) else None
        if self._arrived is not None:
            make_read_only(layer)

    def _activated(self, event: Any) -> None:
        layer, arrived = event.value, self._arrived() if self._arrived is not None else None
        if layer is None:  # napari clears the active layer before activating a new one: keep the one before
            return
        if layer is not arrived:  # (a listener of the insertion may activate another first)
            self._before = weakref.ref(layer)
            return
        self._arrived = None
        from qtpy.QtCore import QTimer

        # after napari's own listeners: changing the selection inside its event leaves the
        # layer list showing both layers selected
        QTimer.singleShot(0, functools.partial(self._restore, weakref.ref(layer), self._before))

    def _restore(self, helper: weakref.ref[Any], before: weakref.ref[Any] | None) -> None:
        if not self.link.alive:
            return
        layers = self.link.viewer.layers
        if helper() is None or layers.selection.active is not helper():
            return  # someone chose meanwhile
        previous = before() if before is not None else None
        if previous is None or previous not in layers or is_helper(previous):
            previous = next((x for x in reversed(layers) if is_channel_image(x) and x.visible), None)
        if previous is not None:
            layers.selection.active = previous
