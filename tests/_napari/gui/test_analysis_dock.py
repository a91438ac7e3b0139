"""The Analysis dock and the plate heatmap: a run from the form fills the heatmap, the readout
chooser recolours it, a click on a cell opens the well, a cancelled run writes no tables."""

from __future__ import annotations

import numpy as np
import pytest
from qtpy.QtCore import QTimer

from imaging_explorer._napari.analysis.value_grid import value_grid, well_values


@pytest.fixture
def tiny_plate(tmp_path):
    import imaging_explorer as ie

    return ie.make_sample_plate(tmp_path / "tiny.zarr", rows=2, columns=3, fields=1, size=128).plate


def _open_dock(viewer):
    from imaging_explorer._napari._qt.analysis_dock import (
        AnalysisDock,
        show_analysis_dock,
    )

    dock = show_analysis_dock(viewer)
    assert isinstance(dock, AnalysisDock)
    return dock


def _click(viewer, wy: float, wx: float) -> None:
    """A left click on the canvas at a world point (through napari's camera transform)."""
    scene = viewer.window._qt_viewer.canvas._scene_canvas
    center, zoom = np.asarray(viewer.camera.center[-2:]), viewer.camera.zoom
    w, h = scene.size
    pos = ((wx - center[1]) * zoom + w / 2, (wy - center[0]) * zoom + h / 2)
    scene.events.mouse_press(pos=pos, button=1, modifiers=())
    scene.events.mouse_release(pos=pos, button=1, modifiers=())


def test_run_fills_the_heatmap_and_clicks_open_wells(make_napari_viewer, tiny_plate, open_plate_in, qtbot,
                                                     wait_for_well) -> None:
    viewer = make_napari_viewer(show=True)
    ctrl = open_plate_in(viewer, tiny_plate)
    dock = _open_dock(viewer)
    form = dock.form
    assert [form.nuclei.value, form.cell.value, form.pathogen.value] == [0, 1, 2]  # guessed from DAPI, Cell, Pathogen
    steps = []
    dock.analysis.run.step.connect(steps.append)
    dock.start()
    assert dock.cancel_button.enabled and not dock.run_button.enabled
    qtbot.waitUntil(lambda: dock.analysis.run.last is not None, timeout=40000)
    assert "Done: 5 field(s)" in dock.status.text()
    assert any(s.wells is not None for s in steps)  # partial tables reached the heatmap during the run
    results = ctrl.analysis.results
    assert results is not None and len(results.wells) == 5
    heatmap = dock.analysis.heatmap
    layer = heatmap.layer
    assert layer is not None and layer in viewer.layers and layer.visible
    expected = value_grid(ctrl.layout, well_values(results.wells, "infected_fraction"))
    np.testing.assert_allclose(layer.data, expected.data)
    missing = [rc for rc in np.argwhere(np.isnan(layer.data)).tolist()]
    assert missing == [list(rc) for rc in ctrl.layout.missing.values()]  # only the plate's missing well has none
    assert tuple(layer.contrast_limits) == pytest.approx(expected.contrast_limits())
    assert not any(x.visible for x in ctrl.overview.layers.values())  # the images give way to the heatmap
    assert viewer.layers.index(layer) < viewer.layers.index(ctrl.overview.helpers["names"])
    assert dock.legend.low.text() == f"{expected.limits[0]:.4g}"

    # another readout recolours the same layer
    dock.readout.value = "nuclei_count"
    counts = results.wells.set_index("well")["nuclei_count"]
    r, c = ctrl.layout.wells["B/3"]
    assert layer.data[r, c] == counts["B/3"] and heatmap.layer is layer
    assert dock.legend.high.text() == f"{float(counts.max()):.4g}"
    y0, x0, y1, x1 = ctrl.layout.well_box("B/3")
    assert f"nuclei_count {counts['B/3']:.4g}" in ctrl.describe(((y0 + y1) / 2, (x0 + x1) / 2))

    qtbot.waitUntil(lambda: viewer.layers.selection.active is not layer, timeout=2000)  # a helper, not made active

    # a click on a heatmap cell opens its well; the well view hides the heatmap; Home brings it back
    qtbot.waitUntil(lambda: ctrl._fitted, timeout=10000)
    _click(viewer, (y0 + y1) / 2, (x0 + x1) / 2)
    wait_for_well(ctrl, "B/3")
    assert not layer.visible and "nuclei_count" not in ctrl.describe((y0 + 1.0, x0 + 1.0))  # well coordinates now
    ctrl.show_overview()
    assert layer.visible and not any(x.visible for x in ctrl.overview.layers.values())

    # toggled off: the images are back
    dock.show_heatmap.value = False
    assert not layer.visible and any(x.visible for x in ctrl.overview.layers.values())

    # other parameters than the store's: refused, shown in the dock, the results kept
    notices = []
    ctrl.notice.connect(lambda level, text: notices.append(level))
    form.diameter_min.value = 6.0
    dock.start()
    qtbot.waitUntil(lambda: not dock.analysis.run.running, timeout=20000)
    assert "other parameters" in dock.status.text() and notices == ["error"]
    assert ctrl.analysis.results is results and dock.run_button.enabled


def test_cancel_writes_no_tables_and_the_gui_stays_responsive(make_napari_viewer, tmp_path, open_plate_in,
                                                              qtbot, monkeypatch) -> None:
    import time

    import imaging_explorer as ie
    from imaging_explorer.analysis import field_task

    real = field_task.analyze_times

    def slow(*args, **kwargs):  # small fields finish in ~0.1 s: the cancel must land mid-run on any machine
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(field_task, "analyze_times", slow)

    plate = ie.make_sample_plate(tmp_path / "cancel.zarr", rows=2, columns=3, fields=4, size=128).plate
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, plate)
    dock = _open_dock(viewer)
    run = dock.analysis.run
    ticks, bars = [], []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(run.running))
    timer.start(10)

    def first_field_done(step) -> None:  # cancel as soon as one field is done
        if step.done >= 1 and not run.cancelling:
            bars.append((run.bar.n, run.bar.total))
            dock.cancel()

    run.step.connect(first_field_done)
    dock.start()
    qtbot.waitUntil(lambda: run.last is not None, timeout=40000)
    timer.stop()
    assert sum(ticks) >= 2  # the event loop ran (timers fired) while the analysis ran
    assert bars and bars[0][0] >= 1 and bars[0][1] == 20  # napari's progress bar: fields done of 20
    assert run.last.cancelled and run.last.results is None
    assert run.last.computed < 20  # stopped before the end
    assert not any(run.last.folder.glob("*.parquet"))  # no finished tables
    assert ctrl.analysis.results is None and dock.analysis.heatmap.layer is None
    assert "Cancelled" in dock.status.text() and dock.run_button.enabled


def test_a_role_that_cannot_be_resolved_is_shown_not_raised(make_napari_viewer, tiny_plate, open_plate_in) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, tiny_plate)
    dock = _open_dock(viewer)
    notices = []
    ctrl.notice.connect(lambda level, text: notices.append((level, text)))
    dock.form.cell.value = 0  # the nuclei channel again
    dock.start()
    assert not dock.analysis.run.running
    assert "both nuclei and cell" in dock.status.text()
    assert notices and notices[-1][0] == "error"


def test_the_dock_and_the_command_line_run_the_same_analysis(make_napari_viewer, tiny_plate, open_plate_in,
                                                             qtbot) -> None:
    import pandas as pd

    from imaging_explorer.cli import main

    assert main(["analyze", str(tiny_plate)]) == 0
    wells = pd.read_parquet(tiny_plate.parent / "tiny.analysis" / "wells.parquet")
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, tiny_plate)
    qtbot.waitUntil(lambda: ctrl.analysis.results is not None, timeout=20000)  # found when the plate opened
    dock = _open_dock(viewer)
    dock.start()  # the form's defaults
    qtbot.waitUntil(lambda: dock.analysis.run.last is not None, timeout=40000)
    run = dock.analysis.run.last
    assert (run.computed, run.skipped, run.failed) == (0, 5, [])  # the same parameters: every field was done
    pd.testing.assert_frame_equal(ctrl.analysis.results.wells, wells)


def test_the_form_offers_every_time_point_of_a_time_series(tmp_path) -> None:
    from real_layouts import tczyx

    import imaging_explorer as ie
    from imaging_explorer._napari._qt.analysis_form import AnalysisForm

    form = AnalysisForm()
    form.set_plate(ie.open_plate(str(tczyx(tmp_path / "t.zarr"))))
    assert list(form.t.choices) == [0, 1, "all"] and form.t.enabled
    form.t.value = "all"
    assert form.values().t == "all"
    form.set_plate(ie.open_plate(str(ie.make_sample_plate(tmp_path / "s.zarr", rows=1, columns=3, fields=1,
                                                          size=96).plate)))
    assert list(form.t.choices) == [0] and not form.t.enabled  # no time series: nothing to choose
