"""Fields that image QC left out, crossed out on the plate overview, and named in the hover text.

When the plate's hits are called (:class:`~.plate_hits.PlateHits`) with its analysis' fields, each
flagged field gets a yellow cross on one RGBA image layer over the overview (the names overlay's
geometry, :func:`~imaging_explorer.overview.decorations.cross_fields`): one layer for the plate,
drawn again when the hits change, shown on the overview only. Over a flagged field the hover
text adds "image QC: out of focus (0.31 of the plate's median)". Qt-free (psygnal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from imaging_explorer.overview.decorations import Overlay, cross_fields

from .layer_tags import META_KEY, tag_of

if TYPE_CHECKING:
    from .controller import PlateController

ROLE = "field_qc"
LAYER_NAME = "overview field QC"


class FieldQCMarks:
    """The crossed-out fields of one viewer's plate overview (``layer``; ``flagged``: (well key,
    field index) -> reason)."""

    def __init__(self, ctrl: PlateController) -> None:
        self.ctrl = ctrl
        self.layer: Any = None
        self.flagged: dict[tuple[str, int], str] = {}
        ctrl.hits.changed.connect(self.redraw)
        ctrl.view_changed.connect(self._apply_visibility)
        ctrl.hover_parts.append(self.describe)

    def redraw(self) -> None:
        """Cross out the flagged fields of the hits shown (none: no layer)."""
        ctrl = self.ctrl
        overview, layout = ctrl.overview, ctrl.layout
        self.flagged = ctrl.hits.flagged_fields() if overview is not None and layout is not None else {}
        if not self.flagged or overview is None or layout is None or not ctrl.link.alive:
            self._remove_layer()
            return
        paths = {(well, i): path for path, (well, i) in layout.fields.items()}
        base = overview.overlay
        overlay = Overlay(np.zeros_like(base.data), base.scale, base.top, base.left, base.font_size)
        cross_fields(overlay, layout, [paths[k] for k in self.flagged if k in paths])
        self._draw(overlay, overview.token)

    def _draw(self, overlay: Overlay, token: str) -> None:
        layers = self.ctrl.viewer.layers
        if self.layer is not None and ((tag_of(self.layer) or {}).get("token") != token or self.layer not in layers):
            self._remove_layer()  # another plate's, or deleted by the user
        if self.layer is None:
            self.layer = self.ctrl.viewer.add_image(
                overlay.data, name=LAYER_NAME, rgb=True, scale=(overlay.scale, overlay.scale),
                translate=overlay.translate, blending="translucent_no_depth", interpolation2d="linear",
                visible=self._visible(), metadata={META_KEY: {"role": ROLE, "token": token}})
            return  # napari made it active: the layer guard gives that back (it is tagged as ours)
        self.layer.data = overlay.data
        self._apply_visibility()

    def _visible(self) -> bool:
        return self.ctrl.state.mode == "overview"

    def _apply_visibility(self) -> None:
        if self.layer is not None and self.ctrl.link.alive and self.layer in self.ctrl.viewer.layers:
            self.layer.visible = self._visible()

    def _remove_layer(self) -> None:
        layer, self.layer = self.layer, None
        if layer is not None and self.ctrl.link.alive and layer in self.ctrl.viewer.layers:
            self.ctrl.viewer.layers.remove(layer)

    def describe(self, position: tuple[float, ...]) -> str:
        """"image QC: <reason>" over a flagged field of the overview, else ""."""
        layout = self.ctrl.layout
        if not self.flagged or layout is None or self.ctrl.state.mode != "overview" or len(position) < 2:
            return ""
        hit = layout.well_at(float(position[-2]), float(position[-1]))
        reason = self.flagged.get((hit[0], hit[1])) if hit is not None and hit[1] is not None else None
        return f"image QC: {reason}" if reason else ""
