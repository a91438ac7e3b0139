"""The pointer on the screen view: a click (press and release without moving) opens the plate under
it, the hover text names the plate, its status, the well and its value (as the overview's does)."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from ..browser.pointer import click_callback, patch_status

if TYPE_CHECKING:
    import napari

    from .view import ScreenView

__all__ = ["install_screen_pointer"]


def install_screen_pointer(viewer: napari.Viewer, ref: weakref.ref[ScreenView]) -> None:
    """Mouse callbacks and status-bar text for one viewer's screen view (active while it is shown)."""

    def active() -> bool:
        view = ref()
        return view is not None and view.shown

    def clicked(position: tuple[float, ...]) -> None:
        view = ref()
        if view is not None:
            view.click(position)

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

    viewer.mouse_drag_callbacks.append(click_callback(active, clicked))
    viewer.mouse_move_callbacks.append(on_move)
    viewer.events.status.connect(on_status)
