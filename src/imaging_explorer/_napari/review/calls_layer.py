"""Calls on the plate overview: one small Shapes layer, a coloured frame per reviewed well.

hit red, candidate orange, reject grey, unsure blue; drawn from the reviewer's current calls
(``store.current(plate)``) and redrawn after each call. One layer for the whole plate, never
per-well layers and never recolouring labels (napari#6732).

The consensus view draws the same layer from all reviewers: the majority call's colour per
well, and under it, on wells where reviewers disagree, a magenta frame three times as wide (a
magenta border on both sides of the call's colour; magenta alone on a tie).

The layer is for looking at: not editable (R would add rectangles) and never left active.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..browser.layer_guard import is_helper, make_read_only
from ..browser.layer_tags import META_KEY

if TYPE_CHECKING:
    import napari

    from imaging_explorer.overview import OverviewLayout

CALL_COLORS = {"hit": "#ff3030", "candidate": "#ff9a00", "reject": "#9a9a9a", "unsure": "#3a8cff"}
CONFLICT_COLOR = "#ff00ff"
LAYER_NAME = "overview calls"
CONSENSUS_LAYER_NAME = "overview calls (consensus)"


def _frame(layout: OverviewLayout, key: str) -> np.ndarray | None:
    try:
        y0, x0, y1, x1 = (float(v) for v in layout.well_box(key))
    except (KeyError, ValueError):
        return None
    return np.array([[y0, x0], [y0, x1 - 1], [y1 - 1, x1 - 1], [y1 - 1, x0]])


def _width(layout: OverviewLayout) -> float:
    return max(1.5, layout.tile[0] / 16)


def call_frames(layout: OverviewLayout, calls: dict[str, str | None]) -> tuple[list[np.ndarray], list[str], list[str]]:
    """Rectangles (4 corners, just inside each well's box), their colours and their wells."""
    boxes, colors, wells = [], [], []
    for key, call in calls.items():
        if call not in CALL_COLORS:
            continue
        frame = _frame(layout, key)
        if frame is None:
            continue
        boxes.append(frame)
        colors.append(CALL_COLORS[call])
        wells.append(key)
    return boxes, colors, wells


def consensus_calls(consensus: Any) -> dict[str, str | None]:
    """Well -> majority call from a consensus table (None: a tie, no frame)."""
    if consensus is None or not len(consensus):
        return {}
    return {str(k): (c if isinstance(c, str) else None) for k, c in zip(consensus.index, consensus["call"])}


def draw_calls(viewer: napari.Viewer, layout: OverviewLayout, calls: dict[str, str | None], layer: Any = None,
               visible: bool = True, conflicts: Any = (), consensus: bool = False) -> Any:
    """Make or update the calls layer; returns it. ``calls``: well key -> call (None: no frame,
    e.g. a tie); ``conflicts``: wells to frame in magenta under their call; ``consensus``: the
    layer shows all reviewers (its name says so)."""
    boxes, colors, wells = call_frames(layout, calls)
    width = _width(layout)
    marked = []
    under: list[np.ndarray] = []
    for key in conflicts:
        frame = _frame(layout, key)
        if frame is not None:
            under.append(frame)
            marked.append(key)
    shapes = under + boxes  # conflict frames first: the call's colour is drawn on top
    edge_colors = [CONFLICT_COLOR] * len(under) + colors
    widths = [3 * width] * len(under) + [width] * len(boxes)
    meta = {"role": "calls", "mode": "consensus" if consensus else "mine", "wells": wells,
            "calls": [calls[w] for w in wells], "conflicts": marked}
    name = CONSENSUS_LAYER_NAME if consensus else LAYER_NAME
    if layer is None or layer not in viewer.layers:
        active = viewer.layers.selection.active
        layer = viewer.add_shapes(
            shapes or None, shape_type="rectangle", edge_color=edge_colors or "red", face_color="transparent",
            edge_width=widths or width, name=name, visible=visible, metadata={META_KEY: meta},
        )
        make_read_only(layer)
        if active is not None and active in viewer.layers:
            viewer.layers.selection.active = active  # keep the user's layer active (its keys)
        elif viewer.layers.selection.active is layer:
            viewer.layers.selection.active = next(
                (x for x in reversed(viewer.layers) if x.visible and not is_helper(x)), None)
        return layer
    layer.metadata[META_KEY] = meta
    layer.data = shapes
    if shapes:
        layer.shape_type = ["rectangle"] * len(shapes)
        layer.edge_color = edge_colors
        layer.edge_width = widths
        layer.face_color = "transparent"
    if layer.name != name:
        layer.name = name
    layer.visible = visible
    layer.refresh()
    return layer
