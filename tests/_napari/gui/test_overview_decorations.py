"""Names, crosses and frames of the overview are pixels of one image layer: no Points or Shapes
layer (their first use costs ~2 s each), names scale with the zoom and never run together."""

from __future__ import annotations

import numpy as np
import pytest
from real_layouts import wells_1536  # tests/ is on the path (pyproject: pythonpath)
from scipy import ndimage

from imaging_explorer.overview.decorations import ERROR_COLOR

pytestmark = pytest.mark.gui


def _kinds(viewer) -> set[str]:
    return {type(layer).__name__ for layer in viewer.layers}


def test_no_points_or_shapes_and_names_where_names_are(make_napari_viewer, small_plate, open_plate_in) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    assert _kinds(viewer) == {"Image"}
    assert all(type(layer).__name__ == "Image" for layer in ctrl.overview.all_layers())
    names, overlay = ctrl.overview.helpers["names"], ctrl.overview.overlay
    np.testing.assert_allclose(names.scale, (overlay.scale, overlay.scale))
    np.testing.assert_allclose(names.translate, overlay.translate)
    assert names.blending == "translucent_no_depth" and names.rgb
    alpha, layout = names.data[..., 3], ctrl.layout
    k, top, left = overlay.scale, overlay.top, overlay.left
    for i, _ in enumerate(layout.rows):  # ink left of every row, in that row's band
        r0, r1 = top + i * layout.pitch[0] / k, top + (i + 1) * layout.pitch[0] / k
        assert alpha[int(r0) : int(r1), :left].any(), layout.rows[i]
    for j, _ in enumerate(layout.columns):
        c0, c1 = left + j * layout.pitch[1] / k, left + (j + 1) * layout.pitch[1] / k
        assert alpha[:top, int(c0) : int(c1)].any(), layout.columns[j]
    assert not alpha[:top, :left].any()  # the corner stays empty
    # the overlay's name bands are left of and above the plate in world coordinates
    assert names.data_to_world((top - 1, left))[0] < 0 and names.data_to_world((top, left - 1))[1] < 0


def test_1536_column_names_are_48_separate_blobs(make_napari_viewer, open_plate_in, tmp_path) -> None:
    path = wells_1536(tmp_path / "wells_1536.zarr")
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, path)
    assert _kinds(viewer) == {"Image"}
    overlay, layout = ctrl.overview.overlay, ctrl.layout
    k, top, left = overlay.scale, overlay.top, overlay.left
    band = ctrl.overview.helpers["names"].data[:top, left:, 3] > 0
    labels, n = ndimage.label(band)
    assert n >= 48
    owners = set()
    for _, xs in ndimage.find_objects(labels):  # no blob crosses from one column's pitch into the next
        first, last = int(xs.start * k // layout.pitch[1]), int((xs.stop - 1) * k // layout.pitch[1])
        assert first == last, f"a name spans columns {layout.columns[first]}..{layout.columns[last]}"
        owners.add(first)
    assert owners == set(range(48))
    rows = ctrl.overview.helpers["names"].data[top:, :left, 3] > 0  # AA..AF do not run together either
    labels, n = ndimage.label(rows)
    spans = {(int(ys.start * k // layout.pitch[0]), int((ys.stop - 1) * k // layout.pitch[0]))
             for ys, _ in ndimage.find_objects(labels)}
    assert all(a == b for a, b in spans) and {a for a, _ in spans} == set(range(32))


def test_failed_field_is_framed_in_the_overlay(make_napari_viewer, plate_with_bad_field, open_plate_in) -> None:
    copy = plate_with_bad_field
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, copy)
    assert set(ctrl.state.failed_fields) == {"A/2/0"}
    assert _kinds(viewer) == {"Image"}  # no shapes layer for the frames
    names, overlay = ctrl.overview.helpers["names"], ctrl.overview.overlay
    r0, c0, r1, c1 = ctrl.overview.failed["A/2/0"]
    assert (r0, c0, r1, c1) == overlay.box(ctrl.layout.field_box("A/2/0"))
    orange = np.all(names.data == ERROR_COLOR, axis=-1)
    assert orange[r0, c0:c1].all() and orange[r1 - 1, c0:c1].all() and orange[r0:r1, c0].all()
    n0, m0, n1, m1 = overlay.box(ctrl.layout.field_box("A/2/1"))  # its readable neighbour: no frame
    assert not orange[n0 + 2 : n1 - 2, m0 + 2 : m1 - 2].any()
    assert orange.sum() == (orange[r0:r1, c0:c1]).sum()  # nothing else is orange


def test_a_click_through_the_overlay_opens_the_well(make_napari_viewer, small_plate, open_plate_in, qtbot,
                                                    wait_for_well) -> None:
    viewer = make_napari_viewer(show=True)
    ctrl = open_plate_in(viewer, small_plate.plate)
    names = ctrl.overview.helpers["names"]
    assert viewer.layers[-1] is names  # the overlay is on top of the mosaics ...
    viewer.layers.selection.active = names  # ... and even as the active layer it lets clicks through
    qtbot.waitUntil(lambda: ctrl._fitted, timeout=10000)
    y0, x0, y1, x1 = ctrl.layout.well_box("B/3")
    canvas = viewer.window._qt_viewer.canvas
    scene = canvas._scene_canvas
    # world -> canvas pixels through napari's own transform (camera centre and zoom)
    center, zoom = np.asarray(viewer.camera.center[-2:]), viewer.camera.zoom
    h, w = scene.size[1], scene.size[0]
    wy, wx = (y0 + y1) / 2, (x0 + x1) / 2
    pos = ((wx - center[1]) * zoom + w / 2, (wy - center[0]) * zoom + h / 2)
    ctrl.describe((wy, wx))  # the hover text is computed from the layout, not from a layer
    scene.events.mouse_press(pos=pos, button=1, modifiers=())
    scene.events.mouse_release(pos=pos, button=1, modifiers=())
    wait_for_well(ctrl, "B/3")
