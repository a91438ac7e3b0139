"""Overview <-> well view on real plates: Home fits the overview on every axis layout without a z/t
slider, napari's reset view fits the view on screen, helper layers cannot be edited or end up
active, a click on a missing well says why, stale go-to text goes, label outlines stay visible
when zoomed out."""

from __future__ import annotations

import numpy as np
import pytest
import real_layouts

import imaging_explorer as ie
from imaging_explorer._napari.browser.view_fit import camera_of

pytestmark = [pytest.mark.gui, pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")]

STACKED = {"iohub", "tczyx", "tcyx", "faim"}  # layouts whose wells have z or t steps


def _box(layers) -> np.ndarray:
    """(2, 2) y/x pixel-edge box of 2-D or more-D layers (the last two axes)."""
    lo = [np.asarray(x.extent.world)[0, -2:] - np.asarray(x.extent.step)[-2:] / 2 for x in layers]
    hi = [np.asarray(x.extent.world)[1, -2:] + np.asarray(x.extent.step)[-2:] / 2 for x in layers]
    return np.vstack([np.min(lo, axis=0), np.max(hi, axis=0)])


def _assert_fitted(viewer, layers) -> None:
    """The camera is centred on the layers and they fill 95 % of the canvas on their tight side."""
    box = _box(layers)
    size = box[1] - box[0]
    seen = np.asarray(viewer.canvas.size, float) / camera_of(viewer).zoom  # world units on screen (y, x)
    np.testing.assert_allclose(camera_of(viewer).center[-2:], (box[0] + box[1]) / 2, rtol=1e-6, atol=1e-6)
    assert np.max(size / seen) == pytest.approx(0.95, abs=0.01)


def _no_stack_slider(viewer) -> bool:
    return all(viewer.dims.nsteps[axis] <= 1 for axis in viewer.dims.not_displayed)


@pytest.mark.parametrize("layout", sorted(real_layouts.LAYOUTS))
def test_home_fits_the_overview_on_every_layout(layout, tmp_path, make_napari_viewer, open_plate_in, wait_for_well,
                                                browser_dock, press) -> None:
    path = real_layouts.LAYOUTS[layout](tmp_path / "p.zarr")
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, path)
    browser = browser_dock(viewer)
    key = next(iter(ctrl.plate.wells))
    ctrl.show_well(key)
    wait_for_well(ctrl, key)
    assert _no_stack_slider(viewer) == (layout not in STACKED)
    if layout in STACKED:  # somewhere in the stack, to come back to
        axis = viewer.dims.not_displayed[-1]
        viewer.dims.set_current_step(axis, viewer.dims.nsteps[axis] - 1)
    point = viewer.dims.point
    n_layers = len(viewer.layers)

    press(viewer, "Home")
    assert ctrl.state.mode == "overview" and browser.current_well is None
    assert "plate overview" in browser.where.text()
    assert _no_stack_slider(viewer)  # the hidden well's z/t do not count
    _assert_fitted(viewer, ctrl.overview.all_layers())
    assert len(viewer.layers) == n_layers  # kept for the next well

    # back to the well: its pixels, its slider and the plane it was on
    ctrl.show_well(key)
    wait_for_well(ctrl, key)
    field = ctrl.plate.wells[key].fields[0]
    image = next(iter(ctrl.well_layers.images.values()))
    assert image.visible and image.data.shape[-2:] == field.levels[0].shape[-2:]
    assert _no_stack_slider(viewer) == (layout not in STACKED)
    assert viewer.dims.point == point
    _assert_fitted(viewer, ctrl.well_layers.layers())


def test_napari_reset_view_fits_the_view_on_screen(make_napari_viewer, small_plate, open_plate_in,
                                                   wait_for_well) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    ctrl.show_well("B/1")
    wait_for_well(ctrl, "B/1")
    camera_of(viewer).zoom *= 3
    viewer.reset_view()  # napari's "home" button: every layer, the hidden overview's too
    _assert_fitted(viewer, ctrl.well_layers.layers())

    ctrl.show_overview()
    camera_of(viewer).zoom *= 3
    viewer.reset_view()
    _assert_fitted(viewer, ctrl.overview.all_layers())


def test_helper_layers_are_read_only_and_never_active(tmp_path, make_napari_viewer, open_plate_in, wait_for_well,
                                                      press) -> None:
    from imaging_explorer._napari.browser.layer_guard import is_channel_image, is_helper
    from imaging_explorer._napari.review.calls_layer import draw_calls

    # 64 px fields: one level, so napari would let its labels be painted
    plate = ie.make_sample_plate(tmp_path / "p.zarr", rows=2, columns=3, fields=1, size=64).plate
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, plate)

    def modes() -> set[str]:
        return {str(getattr(x, "mode", "pan_zoom")) for x in viewer.layers}

    helpers = [x for x in viewer.layers if is_helper(x)]
    assert helpers and not any(x.editable for x in helpers)
    assert viewer.layers.selection.active in ctrl.overview.layers.values()
    press(viewer, "R")
    assert modes() == {"pan_zoom"}

    # the review's calls layer: drawn, not editable, not active, R does not draw rectangles
    calls = draw_calls(viewer, ctrl.layout, {"A/1": "hit"})
    assert not calls.editable and viewer.layers.selection.active in ctrl.overview.layers.values()
    calls = draw_calls(viewer, ctrl.layout, {"A/1": "hit", "A/2": "reject"}, calls)  # new data: still read-only
    viewer.layers.selection.active = calls  # even when the user selects it
    press(viewer, "R")
    assert not calls.editable and calls.mode == "pan_zoom"

    # the well view: a channel image active, labels not paintable (1-5 pick paint tools)
    for key in ("A/1", "A/2"):
        ctrl.show_well(key)
        wait_for_well(ctrl, key)
        active = viewer.layers.selection.active
        assert is_channel_image(active) and active in ctrl.well_layers.images.values()
    labels = ctrl.well_layers.labels["nuclei"]
    assert not labels.multiscale and not labels.editable
    viewer.layers.selection.active = labels
    for key in "12345":
        press(viewer, key)
    assert labels.mode == "pan_zoom" and modes() == {"pan_zoom"}
    ctrl.next_well()
    wait_for_well(ctrl, "A/3")
    assert not labels.editable and is_channel_image(viewer.layers.selection.active)
    ctrl.show_overview()
    assert viewer.layers.selection.active in ctrl.overview.layers.values()


def test_click_on_a_missing_well_says_why(make_napari_viewer, small_plate, open_plate_in) -> None:
    from imaging_explorer.plate import well_name

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    notices: list[tuple[str, str]] = []
    ctrl.notice.connect(lambda level, text: notices.append((level, text)))
    missing = next(iter(ctrl.plate.missing_wells))
    y0, x0, y1, x1 = ctrl.layout.cell_box(*ctrl.layout.missing[missing])
    assert ctrl.on_overview_click(((y0 + y1) / 2, (x0 + x1) / 2)) is None
    assert notices == [("info", f"Well {well_name(missing)} cannot be shown: {ctrl.plate.missing_wells[missing]}")]
    assert ctrl.state.mode == "overview" and not ctrl.state.loading
    notices.clear()
    assert ctrl.on_overview_click((-1000.0, -1000.0)) is None  # outside the plate: nothing to say
    assert notices == []


def test_goto_text_cleared_on_home_and_new_plate(tmp_path, make_napari_viewer, small_plate, open_plate_in,
                                                 wait_for_well, browser_dock, press) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    browser = browser_dock(viewer)
    browser.goto.setText("A1")
    browser.show_well("A1")
    wait_for_well(ctrl, "A/1")
    browser.goto.setText("Z9")
    assert browser.show_well("Z9") is None and "no row" in browser.message.text()
    press(viewer, "Home")
    assert browser.goto.text() == "" and browser.message.text() == ""

    browser.goto.setText("Z9")
    assert browser.show_well("Z9") is None and browser.message.text()
    open_plate_in(viewer, real_layouts.tcyx(tmp_path / "other.zarr"))
    assert ctrl.plate.name == "other"
    assert browser.goto.text() == "" and browser.message.text() == ""


def test_outlines_thicker_when_zoomed_out(make_napari_viewer, small_plate, open_plate_in, wait_for_well, qtbot,
                                          browser_dock) -> None:
    from imaging_explorer._napari.browser.well_layers import MAX_CONTOUR, outline_width

    assert outline_width(1, 2.0) == 1 and outline_width(1, 0.5) == 3 and outline_width(1, 0.01) == MAX_CONTOUR
    assert outline_width(0, 0.1) == 0 and outline_width(2, 0.5) == 6
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    browser = browser_dock(viewer)
    ctrl.show_well("B/1")
    wait_for_well(ctrl, "B/1")
    labels = ctrl.well_layers.labels["nuclei"]
    coarsest = float(labels.downsample_factors[-1][-1] * labels.scale[-1])  # world units per pixel

    camera_of(viewer).zoom = 10.0  # zoomed in: the user's width
    qtbot.waitUntil(lambda: labels.contour == 1, timeout=5000)
    camera_of(viewer).zoom = 0.2 / coarsest  # a pixel of the coarsest level is 1/5 screen pixel
    qtbot.waitUntil(lambda: labels.contour == MAX_CONTOUR, timeout=5000)
    browser.contour_box.setChecked(False)  # filled labels stay filled at any zoom
    assert labels.contour == 0
    camera_of(viewer).zoom *= 0.5
    qtbot.wait(300)
    assert labels.contour == 0
    browser.contour_box.setChecked(True)
    assert labels.contour > 1
    camera_of(viewer).zoom = 10.0
    qtbot.waitUntil(lambda: labels.contour == 1, timeout=5000)
