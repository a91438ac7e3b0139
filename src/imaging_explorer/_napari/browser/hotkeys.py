"""The plate browser's keys: wells, fields, back to the overview and up to the screen (keys napari leaves free)."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from ..keys import KeyBinding, install_keys
from .layer_tags import is_ours

if TYPE_CHECKING:
    import napari

    from .controller import PlateController

BROWSER_KEYS = (
    KeyBinding("PageDown", "next_well", "next well (row by row, skipping missing wells)"),
    KeyBinding("PageUp", "previous_well", "previous well"),
    KeyBinding(".", "next_field", "next field"),
    KeyBinding(",", "previous_field", "previous field"),
    KeyBinding("Home", "home", "back to the plate overview (from the overview: up to the screen)"),
)


def install_browser_keys(viewer: napari.Viewer, ctrl: PlateController) -> None:
    ref = weakref.ref(ctrl)

    def run(action: str) -> None:
        target = ref()
        if target is not None and target.plate is not None:
            go_home(target) if action == "home" else getattr(target, action)()

    install_keys(viewer, BROWSER_KEYS, run, is_ours)


def go_home(ctrl: PlateController) -> None:
    """Home: back to the plate overview; from the overview, up a level (the screen view) when
    there is one (``ctrl.above_overview`` returns False when there is not)."""
    up = ctrl.above_overview
    if ctrl.state.mode == "overview" and ctrl.state.pending is None and up is not None and up():
        return
    ctrl.show_overview()
