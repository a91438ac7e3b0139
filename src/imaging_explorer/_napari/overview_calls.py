"""Calls on the plate overview: one small Shapes layer, a coloured frame per reviewed well.

hit red, candidate orange, reject grey, unsure blue; drawn from the reviewer's current calls
(``store.current(plate)``) and redrawn after each call. One layer for the whole plate, never
per-well layers and never recolouring labels (napari#6732).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .overview_layers import META_KEY

if TYPE_CHECKING:
    from .controller import PlateController

CALL_COLORS = {"hit": "#ff3030", "candidate": "#ff9a00", "reject": "#9a9a9a", "unsure": "#3a8cff"}
LAYER_NAME = "overview calls"


def call_frames(ctrl: PlateController, calls: dict[str, str]) -> tuple[list[np.ndarray], list[str], list[str]]:
    """Rectangles (4 corners, just inside each well's box), their colours and their wells."""
    boxes, colors, wells = [], [], []
    for key, call in calls.items():
        if call not in CALL_COLORS or ctrl.layout is None:
            continue
        try:
            y0, x0, y1, x1 = (float(v) for v in ctrl.layout.well_box(key))
        except (KeyError, ValueError):
            continue
        boxes.append(np.array([[y0, x0], [y0, x1 - 1], [y1 - 1, x1 - 1], [y1 - 1, x0]]))
        colors.append(CALL_COLORS[call])
        wells.append(key)
    return boxes, colors, wells


def draw_calls(ctrl: PlateController, calls: dict[str, str], layer: Any = None, visible: bool = True) -> Any:
    """Make or update the calls layer; returns it. ``calls``: well key -> call."""
    boxes, colors, wells = call_frames(ctrl, calls)
    viewer = ctrl.viewer
    meta = {"role": "calls", "wells": wells, "calls": [calls[w] for w in wells]}
    if layer is None or layer not in viewer.layers:
        active = viewer.layers.selection.active
        width = max(1.5, ctrl.layout.tile[0] / 16) if ctrl.layout is not None else 2.0
        layer = viewer.add_shapes(
            boxes or None, shape_type="rectangle", edge_color=colors or "red", face_color="transparent",
            edge_width=width, name=LAYER_NAME, visible=visible, metadata={META_KEY: meta},
        )
        if active is not None and active in viewer.layers:  # keep the user's layer active (its keys)
            viewer.layers.selection.active = active
        return layer
    layer.metadata[META_KEY] = meta
    layer.data = boxes
    if boxes:
        layer.shape_type = ["rectangle"] * len(boxes)
        layer.edge_color = colors
        layer.face_color = "transparent"
    layer.visible = visible
    layer.refresh()
    return layer
