"""The pointer on the screen view: a click (press and release without moving) opens the plate under
it, the hover text names the plate, its status, the well and its value (as the overview's does)."""

from __future__ import annotations

import weakref
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..browser.pointer import CLICK_TOLERANCE, patch_status

if TYPE_CHECKING:
    import napari

    from .view import ScreenView

__all__ = ["install_screen_pointer"]


def install_screen_pointer(viewer: napari.Viewer, ref: weakref.ref[ScreenView]) -> None:
    """Mouse callbacks and status-bar text for one viewer's screen view (active while it is shown)."""

    def on_drag(_viewer: Any, event: Any) -> Generator[None, None, None]:
        view = ref()
        if view is None or event.button != 1 or not view.shown:
            return
        start = np.asarray(event.pos, dtype=float)
        moved = False
        yield
        while event.type == "mouse_move":
            moved = moved or float(np.hypot(*(np.asarray(event.pos) - start))) > CLICK_TOLERANCE
            yield
        if not moved:
            view.click(tuple(event.position))

    def on_move(viewer: Any, event: Any) -> None:
        view = ref()
        if view is None:
            return
        text = view.describe(tuple(event.position))
        if text != view.hover:
            view.hover = text
            patch_status(viewer, text)

    def on_status(_event: Any) -> None:
        view = ref()
        if view is not None and view.shown:
            patch_status(viewer, view.hover)

    viewer.mouse_drag_callbacks.append(on_drag)
    viewer.mouse_move_callbacks.append(on_move)
    viewer.events.status.connect(on_status)
