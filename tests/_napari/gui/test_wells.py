"""Well view: click / type / hotkeys load wells into the same layers; labels aligned;
stale loads dropped; a corrupted chunk costs only its well."""

from __future__ import annotations

import numpy as np
import pytest

import imaging_explorer as ie

pytestmark = pytest.mark.gui


def test_click_type_and_hotkeys(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well, browser_dock) -> None:
    from napari.utils.key_bindings import KeyBinding

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    plate = ctrl.plate
    browser = browser_dock(viewer)
    n_overview = len(viewer.layers)

    # a click on the second field of A/2 in the overview opens that well and field
    field = plate.wells["A/2"].fields[1]
    y0, x0, y1, x1 = ctrl.layout.field_box(field.path)
    assert ctrl.on_overview_click(((y0 + y1) / 2, (x0 + x1) / 2)) == "A/2"
    wait_for_well(ctrl, "A/2")
    assert ctrl.state.field == 1 and browser.current_well == "A/2" and browser.current_field == 1
    names = [layer.name for layer in viewer.layers if layer.visible]
    assert names == ["A2 DAPI", "A2 Cell", "A2 Pathogen", "A2 nuclei"]
    assert not any(layer.visible for layer in ctrl.overview.layers.values())
    image = ctrl.well_layers.images["DAPI"]
    assert image.multiscale and len(image.data) == len(field.levels)
    assert tuple(image.scale) == field.scale(0)[1:]
    assert tuple(image.contrast_limits) == tuple(field.channels[0].window)
    n_layers = len(viewer.layers)

    # typed names, in the forms people type them
    for text, key in (("B1", "B/1"), ("a03", "A/3"), ("A/4", "A/4")):
        assert browser.show_well(text) == key
        wait_for_well(ctrl, key)
        assert len(viewer.layers) == n_layers  # layers reused, not piled up
    assert browser.show_well("Z9") is None and "no row" in browser.message.text()
    missing = next(iter(plate.missing_wells)).replace("/", "")
    assert browser.show_well(missing) is None and "cannot be shown" in browser.message.text()

    # hotkeys, called as napari would call them
    def press(key: str) -> None:
        viewer.keymap[KeyBinding.from_str(key)](viewer)

    press("PageDown")  # A/4 -> B/1 (row-major)
    wait_for_well(ctrl, "B/1")
    press("PageUp")
    wait_for_well(ctrl, "A/4")
    press(".")
    qtbot.waitUntil(lambda: ctrl.state.field == 1 and not ctrl.state.loading, timeout=20000)
    press(",")
    qtbot.waitUntil(lambda: ctrl.state.field == 0 and not ctrl.state.loading, timeout=20000)
    press("Home")
    assert ctrl.state.mode == "overview" and browser.current_well is None
    assert all(layer.visible for layer in ctrl.overview.layers.values())
    assert not any(layer.visible for layer in ctrl.well_layers.layers())
    assert len(viewer.layers) == n_layers >= n_overview


def test_next_well_skips_missing_wells(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well) -> None:
    from imaging_explorer.plate.names import well_order

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    order = well_order(ctrl.plate)
    missing = next(iter(ctrl.plate.missing_wells))
    r, _, c = missing.partition("/")
    before = max(k for k in order if (ctrl.plate.wells[k].row_index, ctrl.plate.wells[k].column_index)
                 < (ctrl.plate.rows.index(r), ctrl.plate.columns.index(c)))
    ctrl.show_well(before)
    wait_for_well(ctrl, before)
    nxt = ctrl.next_well()
    assert nxt == order[order.index(before) + 1] and nxt != missing
    wait_for_well(ctrl, nxt)


def test_stale_loads_are_dropped(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    applied = []
    ctrl.view_changed.connect(lambda: applied.append(ctrl.state.well) if ctrl.state.mode == "well" else None)
    for key in ("A/1", "A/2", "A/3"):
        ctrl.show_well(key)
    wait_for_well(ctrl, "A/3")
    qtbot.wait(300)  # the older workers finish, their results must not be applied
    assert ctrl.state.well == "A/3" and set(applied) == {"A/3"}
    assert ctrl.well_layers.images["DAPI"].name == "A3 DAPI"


def test_labels_aligned_at_two_levels(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well) -> None:
    viewer = make_napari_viewer(show=True)
    ctrl = open_plate_in(viewer, small_plate.plate)
    ctrl.show_well("B/1")
    wait_for_well(ctrl, "B/1")
    field = ctrl.plate.wells["B/1"].fields[0]
    nuclei = field.labels["nuclei"]
    full = np.asarray(nuclei.levels[0])
    ids, counts = np.unique(full[full > 0], return_counts=True)
    label = int(ids[np.argmax(counts)])  # the biggest nucleus: its centre is inside it at every level
    ys, xs = np.nonzero(full == label)
    cy, cx = float(np.median(ys)), float(np.median(xs))
    assert full[round(cy), round(cx)] == label
    scale, shift = nuclei.scale(0), nuclei.translation(0)
    world = (cy * scale[0] + shift[0], cx * scale[1] + shift[1])
    layer = ctrl.well_layers.labels["nuclei"]
    assert layer.multiscale and len(layer.data) >= 2
    for level in (0, 1):
        layer.locked_data_level = level
        layer.refresh()
        qtbot.waitUntil(lambda level=level: layer.data_level == level, timeout=5000)
        assert layer.get_value(world, world=True) == (level, label)
        # and the image pixel at that point lies in the same nucleus (aligned, not just present)
    # hover: label id with its measurements once the worker measured the field
    
    layer.locked_data_level = None
    qtbot.waitUntil(lambda: (field.path, "nuclei") in ctrl.stats, timeout=20000)
    text = ctrl.describe(world)
    assert text.startswith("B1 · field 1") and f"nuclei {label}: area" in text and "DAPI" in text


def test_tiled_fields(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    ctrl.set_tiled(True)
    ctrl.show_well("A/1")
    wait_for_well(ctrl, "A/1")
    fields = ctrl.plate.wells["A/1"].fields
    image = ctrl.well_layers.images["DAPI"]
    h, w = fields[0].levels[0].shape[-2:]
    assert image.data[0].shape == (h, 2 * w)  # two fields side by side
    assert ctrl.view.field_at(0.0, (w + 1) * fields[0].scale(0)[-1]) is fields[1]
    ctrl.next_field()  # one field at a time again
    qtbot.waitUntil(lambda: not ctrl.state.tiled and ctrl.state.field == 1 and not ctrl.state.loading, timeout=20000)
    assert ctrl.well_layers.images["DAPI"].data[0].shape == (h, w)


def test_corrupted_chunk_costs_only_its_well(make_napari_viewer, plate_with_bad_field, open_plate_in, qtbot, wait_for_well) -> None:
    from imaging_explorer.overview import plate_layout

    copy = plate_with_bad_field
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, copy)
    assert set(ctrl.state.failed_fields) == {"A/2/0"}
    assert "A/2/0" in ctrl.overview.failed  # framed on the overview
    layout = plate_layout(ie.open_plate(str(copy)))
    mosaic = ctrl.overview.layers["DAPI"].data
    for key in ctrl.plate.wells:
        y0, x0, y1, x1 = layout.well_box(key)
        assert mosaic[y0:y1, x0:x1].any(), key  # A/2 still shows its second field
    ctrl.show_well("A/2")
    qtbot.waitUntil(lambda: "A/2" in ctrl.state.failed_wells and not ctrl.state.loading, timeout=20000)
    ctrl.show_well("A/3")  # the rest keeps working
    wait_for_well(ctrl, "A/3")


def test_next_well_is_read_ahead(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    ctrl.show_well("A/1")
    wait_for_well(ctrl, "A/1")
    # while A1 is on screen, A2 is read in the background ...
    qtbot.waitUntil(lambda: ctrl.prefetch._view is not None, timeout=20000)
    assert ctrl.prefetch._target == ("A/2", 0, False)
    # ... so stepping on shows it at once, without another read
    assert ctrl.next_well() == "A/2"
    assert ctrl.state.well == "A/2" and not ctrl.state.loading
    assert viewer.layers["A2 DAPI"].visible
    np.testing.assert_array_equal(
        np.asarray(viewer.layers["A2 DAPI"].data[-1]), ctrl.plate.wells["A/2"].fields[0].levels[-1][0].compute()
    )
    # a jump elsewhere drops the read-ahead of A3 and reads the requested well
    ctrl.show_well("C/1")
    assert ctrl.prefetch._target is None
    wait_for_well(ctrl, "C/1")


def test_closing_the_viewer_while_a_well_loads(make_napari_viewer, small_plate, open_plate_in, qtbot,
                                               wait_for_well) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    ctrl.show_well("A/1")
    wait_for_well(ctrl, "A/1")
    ctrl.next_well()  # served by the read-ahead of A2, which has only just started
    assert ctrl.state.loading
    viewer.close()  # the read finishes after the window is gone: its result must be dropped quietly
    qtbot.wait(1500)
    assert ctrl.state.well == "A/1"
