"""The pointer in the viewer: hover text in the status bar, a click on the overview opens a well."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import napari

    from .controller import PlateController

CLICK_TOLERANCE = 4  # canvas pixels a click may move and still be a click


def install_pointer(viewer: napari.Viewer, ctrl: PlateController) -> None:
    """Mouse callbacks and status-bar text for one viewer's controller."""

    def on_move(viewer: Any, event: Any) -> None:
        text = ctrl.describe(tuple(event.position))
        if text != ctrl.state.hover_text:
            ctrl.state.hover_text = text
            patch_status(viewer, text)

    viewer.mouse_move_callbacks.append(on_move)
    viewer.mouse_drag_callbacks.append(click_callback(lambda: ctrl.state.mode == "overview", ctrl.on_overview_click))
    viewer.events.status.connect(lambda event: patch_status(viewer, ctrl.state.hover_text))


def click_callback(active: Callable[[], bool],
                   clicked: Callable[[tuple[float, ...]], Any]) -> Callable[[Any, Any], Generator[None, None, None]]:
    """A napari drag callback that calls ``clicked(world position)`` on a left press and release
    without moving (a drag pans the camera instead), while ``active()``."""

    def on_drag(_viewer: Any, event: Any) -> Generator[None, None, None]:
        if event.button != 1 or not active():
            return
        start = np.asarray(event.pos, dtype=float)
        moved = False
        yield
        while event.type == "mouse_move":
            moved = moved or float(np.hypot(*(np.asarray(event.pos) - start))) > CLICK_TOLERANCE
            yield
        if not moved:
            clicked(tuple(event.position))

    return on_drag


def patch_status(viewer: Any, text: str) -> None:
    """Append the hover text to napari's status (its status thread rewrites it often)."""
    if not text:
        return
    status = viewer.status
    if isinstance(status, dict):
        coords = str(status.get("coordinates", ""))
        if text not in coords:
            viewer.status = {**status, "coordinates": f"{coords} · {text}" if coords else text}
    elif text not in str(status):
        viewer.status = f"{text} · {status}" if status and status != "Ready" else text
