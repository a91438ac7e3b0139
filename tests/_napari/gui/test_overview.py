"""The plate overview: reader -> one mosaic layer per channel, filled in a worker."""

from __future__ import annotations

import numpy as np
import pytest

import imaging_explorer as ie
from imaging_explorer.overview import plate_layout

pytestmark = pytest.mark.gui


def _rgb(hexcode: str) -> np.ndarray:
    return np.array([int(hexcode[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def test_reader_opens_overview_and_fills_it(make_napari_viewer, small_plate, open_plate_in) -> None:
    from napari.layers import Image

    plate = ie.open_plate(str(small_plate.plate))
    layout = plate_layout(plate)
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)

    images = [layer for layer in viewer.layers if isinstance(layer, Image) and not layer.rgb]  # rgb: the names overlay
    channels = next(iter(plate.wells.values())).fields[0].channels
    assert [layer.name for layer in images] == [f"overview {c.name}" for c in channels]
    for layer, channel in zip(images, channels):
        assert layer.data.shape == layout.shape
        assert layer.blending == "additive"
        np.testing.assert_allclose(layer.colormap.colors[-1][:3], _rgb(channel.color), atol=1e-2)
        # every existing well has pixels, the missing one has none
        for key in plate.wells:
            y0, x0, y1, x1 = layout.well_box(key)
            assert layer.data[y0:y1, x0:x1].any(), key
        for key in plate.missing_wells:
            y0, x0, y1, x1 = layout.cell_box(*layout.missing[key])
            assert not layer.data[y0:y1, x0:x1].any()
    names = ctrl.overview.helpers["names"]  # names and missing-well crosses, drawn into one RGBA image
    assert isinstance(names, Image) and names.rgb and names.data is ctrl.overview.overlay.data
    for key in plate.missing_wells:
        r0, c0, r1, c1 = ctrl.overview.overlay.box(layout.cell_box(*layout.missing[key]))
        assert names.data[r0:r1, c0:c1, 3].any()
    assert ctrl.state.failed_fields == {}


def test_hover_names_well_and_field(make_napari_viewer, small_plate, open_plate_in) -> None:
    
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    key = next(iter(ctrl.plate.wells))
    field = ctrl.plate.wells[key].fields[1]
    y0, x0, y1, x1 = ctrl.layout.field_box(field.path)
    text = ctrl.describe(((y0 + y1) / 2, (x0 + x1) / 2))  # + " · compound" once the plate map is read
    assert text == f"{key.replace('/', '')} · field 2/2" or text.startswith(f"{key.replace('/', '')} · field 2/2 · ")
    missing = next(iter(ctrl.layout.missing))
    y0, x0, _, _ = ctrl.layout.cell_box(*ctrl.layout.missing[missing])
    assert "missing" in ctrl.describe((y0 + 1, x0 + 1))
    assert ctrl.describe((-50.0, -50.0)) == ""


def test_screenshot_of_overview_is_not_blank(make_napari_viewer, small_plate, open_plate_in, qtbot) -> None:
    viewer = make_napari_viewer(show=True)
    ctrl = open_plate_in(viewer, small_plate.plate)
    qtbot.wait(100)
    shot = viewer.screenshot(canvas_only=True, flash=False)
    rgb = shot[..., :3].astype(float)
    assert rgb.max() > 0 and rgb.std() > 1, "the screenshot is blank"
    assert ctrl.state.mode == "overview"
