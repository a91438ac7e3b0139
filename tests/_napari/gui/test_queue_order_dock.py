"""The Review dock's "order by": a readout of the plate's analysis orders the review queue."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def test_review_queue_by_a_readout_through_the_dock(make_napari_viewer, open_plate_in, qtbot, wait_for_well,
                                                    review_dock, tmp_path, monkeypatch) -> None:
    import imaging_explorer as ie
    from imaging_explorer.analysis.batch import analyze_plate
    from imaging_explorer.analysis.channel_roles import resolve_roles
    from imaging_explorer.sample import make_sample_plate

    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(tmp_path / "annotations.db"))
    made = make_sample_plate(tmp_path / "plate.zarr", rows=2, columns=3, fields=1, size=128, version="0.5")
    plate = ie.open_plate(str(made.plate))
    roles = resolve_roles(next(iter(plate.wells.values())).fields[0].channels)
    wells = analyze_plate(plate, roles, workers=1).results.wells.set_index("well")
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, made.plate)
    dock = review_dock(viewer)
    qtbot.waitUntil(lambda: dock.order_box.findData("cell_count") >= 0, timeout=20000)  # the readouts came
    assert dock.order_box.findData("t") < 0 and dock.order_box.itemText(0).startswith("queue order")
    plate_order = dock.model.queue()

    dock.order_box.setCurrentIndex(dock.order_box.findData("cell_count"))
    dock.descending_box.setChecked(True)
    queue = dock.model.queue()
    counts = [wells.loc[k, "cell_count"] for k in queue]
    assert counts == sorted(counts, reverse=True) and sorted(queue) == sorted(plate_order) and queue != plate_order
    assert dock.model.step_queue(1) == queue[0]
    wait_for_well(ctrl, queue[0])
    assert dock.queue_label.text() == f"1/{len(queue)}"

    dock.order_box.setCurrentIndex(0)  # back to the queue's own order
    assert dock.model.queue() == plate_order
