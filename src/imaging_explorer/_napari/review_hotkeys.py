"""Key bindings of the Review dock: H / C / R / U, Ctrl+Z, N / Shift+N on the viewer and on the plate browser's layers.

This lives apart from :mod:`.review_widget` so the dock module keeps one job (the dock's widgets
and its store round trips) while the napari key-binding machinery sits here: napari gives the
*active layer's* keys precedence over the viewer's, and some layer types use these keys (Image:
C = auto-contrast once; Shapes: R = rectangle; Labels: Ctrl+Z = undo paint), so the same keys are
also bound on the plate browser's own layers (overview, well images and labels, calls), where
review wins. A key press looks up the viewer's Review dock at that moment
(:func:`.review_widget.review_for`) and does nothing when none is open.
"""

from __future__ import annotations

import weakref
from typing import Any

from .overview_layers import META_KEY

#: key, action, what it does
REVIEW_HOTKEYS = (
    ("H", "hit", "call the well: hit"),
    ("C", "candidate", "call the well: candidate"),
    ("R", "reject", "call the well: reject"),
    ("U", "unsure", "call the well: unsure"),
    ("Control-Z", "undo", "undo your latest call on the well"),
    ("N", "next", "next well of the review queue"),
    ("Shift-N", "previous", "previous well of the review queue"),
)
_KEYED_VIEWERS: weakref.WeakSet[Any] = weakref.WeakSet()


def _action(viewer_ref: Any, action: str) -> Any:
    def run(_owner: Any) -> None:
        from .review_widget import review_for  # the dock module imports this one

        viewer = viewer_ref()
        widget = review_for(viewer) if viewer is not None else None
        if widget is None:
            return
        if action == "undo":
            widget.undo()
        elif action in ("next", "previous"):
            widget.step_queue(1 if action == "next" else -1)
        else:
            widget.call(action)

    run.__name__ = f"review_{action}"
    run.__doc__ = f"review: {action}"
    return run


def _bind_layer_keys(viewer: Any, layer: Any) -> None:
    ref = weakref.ref(viewer)
    for key, action, _ in REVIEW_HOTKEYS:
        layer.bind_key(key, _action(ref, action), overwrite=True)


def install_hotkeys(viewer: Any) -> None:
    """H / C / R / U / Ctrl+Z on the viewer, and on the plate browser's layers (once per viewer)."""
    if viewer in _KEYED_VIEWERS:
        return
    _KEYED_VIEWERS.add(viewer)
    ref = weakref.ref(viewer)
    for key, action, _ in REVIEW_HOTKEYS:
        viewer.bind_key(key, _action(ref, action), overwrite=True)

    def ours(layer: Any) -> bool:
        return isinstance(layer.metadata, dict) and META_KEY in layer.metadata

    for layer in viewer.layers:
        if ours(layer):
            _bind_layer_keys(viewer, layer)

    def on_inserted(event: Any) -> None:
        if ours(event.value):
            _bind_layer_keys(viewer, event.value)

    viewer.layers.events.inserted.connect(on_inserted)
