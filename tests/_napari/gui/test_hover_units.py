"""The hover text in napari: label areas in µm² (or px without units), and no stale text in the
status bar after the view changes under a resting cursor (another well by key, Home)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from imaging_explorer.sample.meta import PIXEL_UM


def _biggest_nucleus(field):
    """World (y, x) inside the field's biggest nucleus, its id and its area in pixels."""
    nuclei = field.labels["nuclei"]
    full = np.asarray(nuclei.levels[0])
    ids, counts = np.unique(full[full > 0], return_counts=True)
    label = int(ids[np.argmax(counts)])
    ys, xs = np.nonzero(full == label)
    cy, cx = int(np.median(ys)), int(np.median(xs))
    assert full[cy, cx] == label
    scale, shift = nuclei.scale(0), nuclei.translation(0)
    return (cy * scale[-2] + shift[-2], cx * scale[-1] + shift[-1]), label, int(counts.max())


def _hover_of_nucleus(viewer, ctrl, qtbot, wait_for_well, key):
    ctrl.show_well(key)
    wait_for_well(ctrl, key)
    field = ctrl.plate.wells[key].fields[0]
    world, label, pixels = _biggest_nucleus(field)
    qtbot.waitUntil(lambda: (field.path, "nuclei") in ctrl.stats, timeout=20000)
    return ctrl.describe(world), label, pixels


def test_label_area_in_square_micrometres(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well):
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    key = next(iter(ctrl.plate.wells))
    text, label, pixels = _hover_of_nucleus(viewer, ctrl, qtbot, wait_for_well, key)
    area = pixels * PIXEL_UM**2  # the sample plate's axes are in micrometer, 0.65 µm pixels
    expected = f"{area:.0f} µm²" if area >= 100 else f"{area:.3g} µm²"
    assert f"nuclei {label}: area {expected}," in text


def _without_units(src: Path, dst: Path, unit: str | None) -> Path:
    """A copy of a plate whose images (and labels) say ``unit`` for their space axes (None: no unit)."""
    shutil.copytree(src, dst)
    for doc in dst.rglob("zarr.json"):
        meta = json.loads(doc.read_text())
        ome = meta.get("attributes", {}).get("ome", {})
        for ms in ome.get("multiscales", []):
            for axis in ms["axes"]:
                if axis.get("type") == "space":
                    axis.pop("unit", None)
                    if unit is not None:
                        axis["unit"] = unit
        doc.write_text(json.dumps(meta))
    return dst


@pytest.mark.parametrize(("unit", "per_pixel", "suffix"), [(None, 1.0, "px"), ("nanometer", 0.65e-3**2, "µm²")])
def test_label_area_without_units_or_in_nanometres(make_napari_viewer, small_plate, open_plate_in, qtbot,
                                                   wait_for_well, tmp_path, unit, per_pixel, suffix):
    plate = _without_units(Path(small_plate.plate), tmp_path / "plate.zarr", unit)
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, plate)
    key = next(iter(ctrl.plate.wells))
    text, label, pixels = _hover_of_nucleus(viewer, ctrl, qtbot, wait_for_well, key)
    area = pixels * per_pixel
    number = f"{area:.0f}" if suffix == "px" or area >= 100 else f"{area:.3g}"
    assert f"nuclei {label}: area {number} {suffix}," in text


def _status_text(viewer) -> str:
    status = viewer.status
    return str(status.get("coordinates", "")) if isinstance(status, dict) else str(status)


def test_hover_text_follows_the_view_under_a_resting_cursor(make_napari_viewer, small_plate, open_plate_in,
                                                           wait_for_well):
    viewer = make_napari_viewer(show=True)
    ctrl = open_plate_in(viewer, small_plate.plate)
    wells = list(ctrl.plate.wells)
    first, other = wells[0], wells[1]
    y0, x0, y1, x1 = ctrl.layout.field_box(ctrl.plate.wells[other].fields[0].path)
    point = ((y0 + y1) / 2, (x0 + x1) / 2)
    viewer.mouse_over_canvas = True  # as when the pointer rests on the canvas
    viewer.cursor.position = point
    on_move = viewer.mouse_move_callbacks[-1]
    on_move(viewer, SimpleNamespace(position=point))
    over_other = f"{other.replace('/', '')} · field 1/2"
    assert over_other in _status_text(viewer)

    ctrl.show_well(first)  # a key press: the pointer did not move
    wait_for_well(ctrl, first)
    in_well = f"{first.replace('/', '')} · field 1"
    assert ctrl.state.hover_text.startswith(in_well)
    assert over_other not in _status_text(viewer) and in_well in _status_text(viewer)

    ctrl.show_overview()  # Home
    assert ctrl.state.hover_text.startswith(over_other)
    assert in_well not in _status_text(viewer) and over_other in _status_text(viewer)

    viewer.mouse_over_canvas = False  # the pointer is on a dock: nothing is under it
    ctrl.show_well(first)
    wait_for_well(ctrl, first)
    assert ctrl.state.hover_text == "" and over_other not in _status_text(viewer)
