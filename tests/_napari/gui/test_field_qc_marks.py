"""Fields that image QC left out are crossed out on the overview (one image layer, the overview
only) and named in the hover text; the flags come from the plate's hit calling."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui

REASON = "out of focus (0.31 of the plate's median)"


def test_flagged_fields_are_crossed_and_named(make_napari_viewer, small_plate, open_plate_in, wait_for_well,
                                               monkeypatch, qtbot) -> None:
    from imaging_explorer._napari.browser.field_qc_marks import LAYER_NAME
    from imaging_explorer._napari.browser.layer_tags import tag_of
    from imaging_explorer.overview.decorations import QC_COLOR

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    marks, layout = ctrl.field_marks, ctrl.layout
    assert marks.layer is None  # no analysis: no hits, no marks
    (path, (well, index)), (other, _) = list(layout.fields.items())[:2]  # two fields of the first well
    active = viewer.layers.selection.active
    monkeypatch.setattr(ctrl.hits, "flagged_fields", lambda: {(well, index): REASON})
    ctrl.hits.changed.emit()

    layer = marks.layer
    assert layer is not None and layer in viewer.layers and layer.name == LAYER_NAME and layer.visible
    assert tag_of(layer)["role"] == "field_qc"
    qtbot.waitUntil(lambda: viewer.layers.selection.active is active, timeout=2000)  # the guard gives it back
    overlay = ctrl.overview.overlay
    np.testing.assert_allclose(layer.translate, overlay.translate)
    yellow = np.all(layer.data == QC_COLOR, axis=-1)
    r0, c0, r1, c1 = overlay.box(layout.field_box(path))
    assert yellow[r0:r1, c0:c1].any() and yellow.sum() == yellow[r0:r1, c0:c1].sum()  # the flagged field only
    ink = layer.data[r0:r1, c0:c1, 3] > 0
    h, w = ink.shape
    assert ink[h // 2 - 1 : h // 2 + 2, w // 2 - 1 : w // 2 + 2].any()  # a cross: its middle ...
    assert all(ink[y : y + 3, x : x + 3].any() for y in (0, h - 3) for x in (0, w - 3))  # ... and its four ends
    assert not ink[h // 2 - 1 : h // 2 + 2, :3].any()  # not a frame

    y0, x0, y1, x1 = layout.field_box(path)
    assert f"image QC: {REASON}" in ctrl.describe(((y0 + y1) / 2, (x0 + x1) / 2))
    o0, p0, o1, p1 = layout.field_box(other)
    assert "image QC" not in ctrl.describe(((o0 + o1) / 2, (p0 + p1) / 2))

    ctrl.show_well(well)  # the well view hides the marks, Home brings them back
    wait_for_well(ctrl, well)
    assert not layer.visible and "image QC" not in ctrl.describe(((y0 + y1) / 2, (x0 + x1) / 2))
    ctrl.show_overview()
    assert layer.visible

    monkeypatch.setattr(ctrl.hits, "flagged_fields", dict)
    ctrl.hits.changed.emit()
    assert marks.layer is None and layer not in viewer.layers
