"""Plates with the axes real converters write, in napari: iohub's upper-case T, C, Z, Y, X and
acquire-zarr style t, c, z, y, x with two time points. Every channel shows, z and t get sliders."""

from __future__ import annotations

import numpy as np
import pytest
import real_layouts

pytestmark = [pytest.mark.gui, pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")]

CHANNELS = ["Channel 0", "Channel 1", "Channel 2"]


@pytest.mark.parametrize(("layout", "t_z"), [("iohub", (1, 2)), ("tczyx", (2, 3))])
def test_real_axes_plate_overview_and_wells(make_napari_viewer, tmp_path, layout, t_z, open_plate_in,
                                            wait_for_well) -> None:
    path = real_layouts.LAYOUTS[layout](tmp_path / "p.zarr")
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, path)
    notices: list[tuple[str, str]] = []
    ctrl.notice.connect(lambda level, text: notices.append((level, text)))
    plate = ctrl.plate
    assert ctrl.state.failed_fields == {}

    # the overview: one layer per channel, each with pixels in every well's tile
    assert list(ctrl.overview.layers) == CHANNELS
    for layer in ctrl.overview.layers.values():
        mosaic = np.asarray(layer.data)
        for field_path in (f.path for w in plate.wells.values() for f in w.fields):
            y0, x0, y1, x1 = (int(v) for v in ctrl.layout.field_box(field_path))
            assert mosaic[y0:y1, x0:x1].max() > 0, (layer.name, field_path)

    # a well: three channel images over t, z, y, x; t and z get sliders where they have steps
    ctrl.show_well("A/1")
    wait_for_well(ctrl, "A/1")
    images = ctrl.well_layers.images
    assert list(images) == CHANNELS and all(layer.visible for layer in images.values())
    data = np.asarray(plate.wells["A/1"].fields[0].levels[0])
    for i, layer in enumerate(images.values()):
        assert tuple(layer.axis_labels) == ("t", "z", "y", "x")
        np.testing.assert_array_equal(np.asarray(layer.data[0]), data[:, i])
    assert viewer.dims.ndisplay == 2 and tuple(viewer.dims.nsteps[:2]) == t_z
    sliders = viewer.window._qt_viewer.dims._displayed_sliders
    assert sliders[:2] == [t_z[0] > 1, True]
    viewer.dims.set_current_step(1, t_z[1] - 1)  # the last z plane: the layer shows it
    viewer.dims.set_current_step(0, t_z[0] - 1)
    layer = images["Channel 1"]
    np.testing.assert_array_equal(np.asarray(layer._slice.image.raw), data[t_z[0] - 1, 1, t_z[1] - 1])

    # the next well, into the same layers
    assert ctrl.next_well() == "A/2"
    wait_for_well(ctrl, "A/2")
    assert ctrl.well_layers.images["Channel 1"] is layer
    np.testing.assert_array_equal(np.asarray(layer.data[0]), np.asarray(plate.wells["A/2"].fields[0].levels[0])[:, 1])
    assert ctrl.state.failed_wells == {} and [n for n in notices if n[0] == "error"] == []
