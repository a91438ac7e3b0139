"""The plate browser's keys: wells, fields and back to the overview (keys napari leaves free)."""

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
    KeyBinding("Home", "show_overview", "back to the plate overview"),
)


def install_browser_keys(viewer: napari.Viewer, ctrl: PlateController) -> None:
    ref = weakref.ref(ctrl)

    def run(action: str) -> None:
        target = ref()
        if target is not None and target.plate is not None:
            getattr(target, action)()

    install_keys(viewer, BROWSER_KEYS, run, is_ours)
