"""Compound review in napari: the plate map on the dock and in the hover text, the Review
dock (calls by button and hotkey, undo, auto-advance, read-only store), the calls layer, and the
consensus view, conflict list and live updates from other reviewers."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def test_platemap_on_dock_and_hover(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well,
                                    browser_dock) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    browser = browser_dock(viewer)
    qtbot.waitUntil(lambda: ctrl.state.platemap is not None, timeout=10000)
    assert "12 wells" in browser.compound.text()

    ctrl.show_well("A2")
    wait_for_well(ctrl, "A/2")
    text = browser.compound.text()
    assert "CPD-001" in text and "30 µM" in text and "sample" in text
    ctrl.show_well("A1")
    wait_for_well(ctrl, "A/1")
    text = browser.compound.text()
    assert "DMSO" in text and "negative control" in text and "replicates: B1, C1" in text

    ctrl.show_overview()
    y0, x0, y1, x1 = ctrl.layout.well_box("A/4")
    hover = ctrl.describe(((y0 + y1) / 2, (x0 + x1) / 2))
    assert hover.startswith("A4") and "REF-INH 10 µM (positive control)" in hover


@pytest.fixture
def review_env(tmp_path, monkeypatch):
    """A temporary annotation DB and config folder; returns the DB path."""
    db = tmp_path / "annotations.db"
    config = tmp_path / "config"
    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(db))
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(config))
    return db


def test_review_calls_hotkeys_undo_advance_and_layer(make_napari_viewer, small_plate, open_plate_in, qtbot,
                                                     wait_for_well, review_env, review_dock, press, browser_dock) -> None:
    import json

    from imaging_explorer._napari.review.config import config_path

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    dock = review_dock(viewer)
    review = dock.model
    assert browser_dock(viewer).open_review() is dock  # one dock per viewer
    store = review.store
    assert not store.read_only and str(store.path) == str(review_env)
    assert all(b.isEnabled() for b in dock.buttons.values())
    dock.set_reviewer("ana")
    assert json.loads(config_path().read_text())["reviewer"] == "ana"
    dock.auto_advance.setChecked(False)

    # on the overview there is no well to call
    assert review.call("hit") is False and "open a well" in dock.status.text()

    # the model's method
    ctrl.show_well("A2")
    wait_for_well(ctrl, "A/2")
    dock.form.tags["cytotoxic"].value = True  # the magicgui form that goes with a call
    dock.form.confidence.value = 4
    dock.form.note.value = "dim nuclei"
    assert review.call("hit")
    qtbot.waitUntil(lambda: not review.busy, timeout=5000)
    hist = store.history(ctrl.plate, "A/2")
    assert list(hist["call"]) == ["hit"] and list(hist["reviewer"]) == ["ana"]
    assert hist["tags"].iat[0] == ["cytotoxic"] and hist["confidence"].iat[0] == 4 and hist["note"].iat[0] == "dim nuclei"
    assert dock.history.count() == 1 and "ana: hit" in dock.history.item(0).text()

    # the bound hotkey, through napari's key dispatch with a well image layer active (Image's own
    # "C" = auto-contrast must not win over the review key on the browser's layers)
    viewer.layers.selection.active = ctrl.well_layers.images["DAPI"]
    press(viewer, "C")
    qtbot.waitUntil(lambda: not review.busy, timeout=5000)
    cur = store.current(ctrl.plate)
    assert cur.set_index("well").loc["A/2", "call"] == "candidate"
    # and the viewer-level binding itself (no layer active)
    viewer.layers.selection.active = None
    press(viewer, "U")
    qtbot.waitUntil(lambda: not review.busy, timeout=5000)
    assert store.current(ctrl.plate).set_index("well").loc["A/2", "call"] == "unsure"

    # undo (Ctrl+Z) goes back one call at a time
    press(viewer, "Control-Z")
    qtbot.waitUntil(lambda: not review.busy, timeout=5000)
    assert store.current(ctrl.plate).set_index("well").loc["A/2", "call"] == "candidate"
    assert list(store.history(ctrl.plate, "A/2")["kind"]) == ["call", "call", "call", "undo"]

    # auto-advance: a call opens the next well
    dock.auto_advance.setChecked(True)
    press(viewer, "R")
    wait_for_well(ctrl, "A/3")
    qtbot.waitUntil(lambda: not review.busy, timeout=5000)
    assert store.current(ctrl.plate).set_index("well").loc["A/2", "call"] == "reject"

    # calls layer: a frame at each called well's box, coloured by call, shown on the overview
    ctrl.show_overview()
    layer = review.calls_layer
    assert layer is not None and layer in viewer.layers and layer.visible
    meta = layer.metadata["imaging_explorer"]
    assert meta["wells"] == ["A/2"] and meta["calls"] == ["reject"]
    y0, x0, y1, x1 = ctrl.layout.well_box("A/2")
    frame = layer.data[0]
    assert frame[:, 0].min() == y0 and frame[:, 1].min() == x0
    assert frame[:, 0].max() == y1 - 1 and frame[:, 1].max() == x1 - 1
    dock.show_calls.setChecked(False)
    assert not layer.visible
    dock.show_calls.setChecked(True)
    assert layer.visible


def test_read_only_store_disables_calls(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well,
                                        review_env, review_dock) -> None:
    import os
    import stat

    from imaging_explorer.annotations import AnnotationStore

    AnnotationStore(review_env).close()  # a database that exists ...
    for suffix in ("", "-wal", "-shm"):
        p = str(review_env) + suffix
        if os.path.exists(p):
            os.chmod(p, stat.S_IRUSR | stat.S_IRGRP)  # ... and is read-only
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    dock = review_dock(viewer)
    review = dock.model
    assert review.store.read_only
    assert not any(b.isEnabled() for b in dock.buttons.values()) and not dock.undo_button.isEnabled()
    assert "read-only" in dock.status.text()
    dock.set_reviewer("ana")
    ctrl.show_well("B2")
    wait_for_well(ctrl, "B/2")
    assert review.call("hit") is False and "read-only" in dock.status.text()


def test_review_queue_steps_unreviewed_samples(make_napari_viewer, small_plate, open_plate_in, qtbot,
                                               wait_for_well, review_env, review_dock, press) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    dock = review_dock(viewer)
    review = dock.model
    dock.set_reviewer("ana")
    qtbot.waitUntil(lambda: ctrl.state.platemap is not None, timeout=10000)
    dock.queue_box.setCurrentText("unreviewed samples")
    samples = [k for k in review.queue() if k in ctrl.plate.wells]
    assert samples and all(ctrl.state.platemap.at[k, "role"] == "sample" for k in samples)
    press(viewer, "N")  # from the overview: the first well of the queue
    wait_for_well(ctrl, samples[0])
    dock.auto_advance.setChecked(True)
    assert review.call("hit")  # called wells leave the queue; auto-advance opens the next one
    wait_for_well(ctrl, samples[1])
    qtbot.waitUntil(lambda: not review.busy, timeout=5000)
    assert samples[0] not in review.queue()


def test_consensus_conflicts_and_live_updates(make_napari_viewer, small_plate, open_plate_in, qtbot,
                                              wait_for_well, review_env, review_dock, press) -> None:
    """Calls written by another process (a second store on the same file) reach the dock by its
    poll: the consensus layer, the conflict list, the kappa line and the well's history."""
    from imaging_explorer._napari._qt.review_dock import POLL_INTERVAL_MS
    from imaging_explorer._napari.review.calls_layer import (
        CONFLICT_COLOR,
        CONSENSUS_LAYER_NAME,
        LAYER_NAME,
    )
    from imaging_explorer.annotations import AnnotationStore

    assert POLL_INTERVAL_MS <= 2500
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    dock = review_dock(viewer)
    review = dock.model
    dock.set_reviewer("ana")
    dock.auto_advance.setChecked(False)
    assert not review.options.consensus_view
    assert dock.poll_timer.isActive() and dock.poll_timer.interval() == POLL_INTERVAL_MS
    qtbot.waitUntil(lambda: dock.agreement.text() == "no calls on this plate yet", timeout=5000)
    assert dock.conflicts.count() == 0

    other = AnnotationStore(review_env)  # "another process": its own connections to the same file
    try:
        plate = ctrl.plate
        for well, call in (("A/1", "hit"), ("A/2", "hit"), ("A/3", "reject")):
            other.annotate(plate, well, call=call, reviewer="ana")
        qtbot.waitUntil(lambda: dock.agreement.text().startswith("3 wells called by 1 reviewer"),
                        timeout=3 * POLL_INTERVAL_MS)
        assert "κ" not in dock.agreement.text()
        assert review.calls_layer.metadata["imaging_explorer"]["wells"] == ["A/1", "A/2", "A/3"]

        for well, call in (("A/1", "hit"), ("A/2", "reject"), ("A/3", "reject")):
            other.annotate(plate, well, call=call, reviewer="ben")
        # Cohen: p_o 2/3, p_e (2*1 + 1*2)/9 = 4/9 -> kappa 0.40
        qtbot.waitUntil(lambda: "Cohen's κ 0.40 over 3 wells" in dock.agreement.text(),
                        timeout=3 * POLL_INTERVAL_MS)
        assert "1 conflict" in dock.agreement.text()
        assert review.conflict_wells() == ["A/2"] and dock.conflicts.count() == 1
        entry = dock.conflicts.item(0)
        assert entry.text().startswith("A2 · tie") and "ana: hit" in entry.text() and "ben: reject" in entry.text()
        assert "1 well" in dock.conflicts_label.text()

        # my calls (ana's) until the consensus view is switched on
        layer = review.calls_layer
        assert layer.name == LAYER_NAME and layer.metadata["imaging_explorer"]["mode"] == "mine"
        dock.show_consensus.setChecked(True)
        assert review.calls_layer is layer and layer.name == CONSENSUS_LAYER_NAME and layer.visible
        meta = layer.metadata["imaging_explorer"]
        assert meta["mode"] == "consensus" and meta["conflicts"] == ["A/2"]
        assert dict(zip(meta["wells"], meta["calls"])) == {"A/1": "hit", "A/3": "reject"}  # A2: a tie, no majority
        assert len(layer.data) == 3
        conflict_frame = layer.data[0]
        y0, x0, y1, x1 = ctrl.layout.well_box("A/2")
        assert conflict_frame[:, 0].min() == y0 and conflict_frame[:, 1].max() == x1 - 1
        assert tuple(layer.edge_color[0][:3]) == (1.0, 0.0, 1.0)  # magenta
        assert CONFLICT_COLOR == "#ff00ff" and layer.edge_width[0] == 3 * layer.edge_width[1]

        # activating the entry shows that well, with both reviewers' calls in its history
        dock.conflicts.itemActivated.emit(entry)
        wait_for_well(ctrl, "A/2")
        qtbot.waitUntil(lambda: dock.history.count() == 2, timeout=5000)
        assert "others: ben reject" in dock.where.text()

        # ben changes his mind while A2 is on screen: history, conflicts, kappa follow by the poll
        dock.form.note.value = "being typed"  # what ana is editing is not reset by others' calls
        other.annotate(plate, "A/2", call="hit", reviewer="ben")
        qtbot.waitUntil(lambda: dock.history.count() == 3, timeout=3 * POLL_INTERVAL_MS)
        assert "ben: hit" in dock.history.item(2).text()
        assert dock.form.note.value == "being typed" and review.draft.note == "being typed"
        assert "Cohen's κ 1.00" in dock.agreement.text() and "0 conflicts" in dock.agreement.text()
        assert dock.conflicts.count() == 0 and "none" in dock.conflicts_label.text()
        ctrl.show_overview()
        meta = review.calls_layer.metadata["imaging_explorer"]
        assert meta["conflicts"] == [] and dict(zip(meta["wells"], meta["calls"]))["A/2"] == "hit"
        assert review.calls_layer.visible

        dock.show_consensus.setChecked(False)  # back to my calls
        assert review.calls_layer.name == LAYER_NAME and review.calls_layer.metadata["imaging_explorer"]["mode"] == "mine"
    finally:
        other.close()
