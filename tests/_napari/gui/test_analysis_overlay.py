"""The analysis in the well view: its segmentations as label layers after the plate's own, lined
up with the field (cyx sample plate; a t,c,z,y,x plate whose results arrive while a well is on
screen), a cell's readouts in the hover text and the well's readouts in the browser dock."""

from __future__ import annotations

import numpy as np
import pytest
from real_layouts import tczyx

from imaging_explorer.analysis.batch import analyze_plate
from imaging_explorer.analysis.channel_roles import resolve_roles
from imaging_explorer.analysis.units import area_text
from imaging_explorer.sample import make_sample_plate

pytestmark = pytest.mark.gui


def _analyse(plate, **roles):
    first = next(w for w in plate.wells.values() if w.fields).fields[0]
    return analyze_plate(plate, resolve_roles(first.channels, **roles), workers=1).results


def _inside_biggest(layer):
    """World (y, x) inside the biggest object of a 2-D labels layer, and its id."""
    data = np.asarray(layer.data)
    ids, counts = np.unique(data[data > 0], return_counts=True)
    label = int(ids[np.argmax(counts)])
    ys, xs = np.nonzero(data == label)
    i = int(np.argmin((ys - ys.mean()) ** 2 + (xs - xs.mean()) ** 2))  # the pixel nearest its centre
    scale, shift = layer.scale[-2:], layer.translate[-2:]
    return (ys[i] * scale[0] + shift[0], xs[i] * scale[1] + shift[1]), label


def test_analysis_outlines_hover_and_dock_readouts(make_napari_viewer, open_plate_in, qtbot, wait_for_well,
                                                   browser_dock, tmp_path) -> None:
    import imaging_explorer as ie

    made = make_sample_plate(tmp_path / "plate.zarr", rows=2, columns=3, fields=1, size=128, version="0.5")
    results = _analyse(ie.open_plate(str(made.plate)))
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, made.plate)
    qtbot.waitUntil(lambda: ctrl.analysis_view.wells is not None, timeout=20000)  # found beside the plate
    ctrl.show_well("A2")
    wait_for_well(ctrl, "A/2")
    names = [layer.name for layer in viewer.layers]
    assert names.index("A2 nuclei") < names.index("A2 nuclei (analysis)") < names.index("A2 cells (analysis)")
    image, cells = viewer.layers["A2 DAPI"], viewer.layers["A2 cells (analysis)"]
    np.testing.assert_allclose(cells.extent.world[:, -2:], image.extent.world[:, -2:])
    plate_labels = viewer.layers["A2 nuclei"]
    assert cells.contour == plate_labels.contour >= 1 and cells.opacity == plate_labels.opacity  # styled alike

    world, label = _inside_biggest(cells)
    row = results.objects[(results.objects["well"] == "A/2") & (results.objects["label"] == label)].iloc[0]
    text = ctrl.describe(world)
    area = area_text(row["area_px"], 0.65**2)
    infected = "infected" if row["infected"] else "not infected"
    assert f"cell {label} · {infected} · area {area} · mean DAPI " in text
    assert f"mean Pathogen {row['mean_Pathogen']:.0f}" in text and text.count(f"cell {label}") == 1

    dock = browser_dock(viewer)
    well = results.wells.set_index("well").loc["A/2"]
    counts = f"readouts: {int(well['nuclei_count'])} nuclei · {int(well['cell_count'])} cells"
    assert dock.readouts.text().startswith(counts)
    assert not dock.readouts.isHidden()
    ctrl.show_overview()
    assert dock.readouts.isHidden()


def test_tczyx_results_arriving_reshow_the_well(make_napari_viewer, open_plate_in, qtbot, wait_for_well,
                                                tmp_path) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, tczyx(tmp_path / "t.zarr"))
    ctrl.show_well("B3")
    wait_for_well(ctrl, "B/3")
    assert not [layer for layer in viewer.layers if layer.name.endswith("(analysis)")]
    ctrl.analysis.set(ctrl.plate, _analyse(ctrl.plate, nuclei=0))  # a run finished
    qtbot.waitUntil(lambda: "B3 cells (analysis)" in viewer.layers and ctrl.state.shown_well == "B/3",
                    timeout=20000)
    image, cells = viewer.layers["B3 Channel 0"], viewer.layers["B3 cells (analysis)"]
    assert image.ndim == 4 and cells.ndim == 2  # t, z, y, x beside y, x: napari aligns the last axes
    np.testing.assert_allclose(cells.extent.world[:, -2:], image.extent.world[:, -2:])
    (y, x), label = _inside_biggest(cells)
    text = ctrl.describe((1.0, 2.0, y, x))  # any time point and plane: the analysis' 2-D labels
    assert f"cell {label} · area " in text and "mean Channel 0 " in text and "infected" not in text


def test_every_time_point_follows_the_t_slider(make_napari_viewer, open_plate_in, qtbot, wait_for_well,
                                               tmp_path) -> None:
    from imaging_explorer.analysis.field_analysis import AnalysisParams

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, tczyx(tmp_path / "t.zarr"))
    plate = ctrl.plate
    first = plate.wells["B/3"].fields[0]
    results = analyze_plate(plate, resolve_roles(first.channels, nuclei=0), AnalysisParams(t="all"), workers=1).results
    ctrl.analysis.set(plate, results)
    ctrl.show_well("B3")
    qtbot.waitUntil(lambda: "B3 cells (analysis)" in viewer.layers and ctrl.state.shown_well == "B/3",
                    timeout=20000)
    image, cells = viewer.layers["B3 Channel 0"], viewer.layers["B3 cells (analysis)"]
    assert cells.ndim == image.ndim == 4 and cells.data.shape == image.data[0].shape  # t, z, y, x each
    np.testing.assert_allclose(cells.extent.world, image.extent.world)
    stored = np.asarray(results.labels("B/3/0")["cells"])
    objects = results.objects[results.objects["well"] == "B/3"]
    for t in (0, 1):
        for z in (0, 2):
            np.testing.assert_array_equal(cells.data[t, z], stored[t])  # each time point at every z
        frame = stored[t]
        ids, counts = np.unique(frame[frame > 0], return_counts=True)
        label = int(ids[np.argmax(counts)])
        ys, xs = np.nonzero(frame == label)
        y, x = ys[len(ys) // 2] * cells.scale[-2], xs[len(xs) // 2] * cells.scale[-1]
        text = ctrl.describe((t * image.scale[0], 0.0, y, x))
        row = objects[(objects["t"] == t) & (objects["label"] == label)].iloc[0]
        assert f"cell {label} · area {area_text(row['area_px'], 0.65**2)}" in text and f"· t {t}" in text
