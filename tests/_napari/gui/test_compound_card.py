"""The compound card in napari: the top hit's thumbnails and curves, a compound call by key and by
button (stored with history, read back by a new store), undo, next compound by rank, K on a well."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def analysed_plate(analysed_sample):
    """The sample plate (8 x 12, one field per well) with its analysis beside it (the browser finds it)."""
    return analysed_sample.made.plate


@pytest.fixture
def card_env(tmp_path, monkeypatch):
    """A temporary annotation DB and config folder; returns the DB path."""
    db = tmp_path / "annotations.db"
    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(db))
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(tmp_path / "config"))
    return db


def _stored(db, plate) -> list[tuple[str, str, str]]:
    """(compound, reviewer, call) in force, read by a new store: as napari would after a restart."""
    from imaging_explorer.annotations import AnnotationStore

    store = AnnotationStore(db)
    try:
        current = store.compound_current(plate)
        return list(zip(current["compound"], current["reviewer"], current["call"]))
    finally:
        store.close()


def test_compound_card_shows_calls_and_steps(make_napari_viewer, analysed_plate, open_plate_in, qtbot, card_env,
                                             wait_for_well, press) -> None:
    from qtpy.QtCore import Qt

    from imaging_explorer._napari._qt.compound_card import (
        CompoundCardDock,
        show_compound_card,
    )
    from imaging_explorer._napari.session import session_for

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, analysed_plate)
    qtbot.waitUntil(lambda: bool(ctrl.hits.ranked_compounds()), timeout=20000)
    ranked = ctrl.hits.ranked_compounds()

    card = show_compound_card(viewer)  # no well on screen: the top hit
    assert isinstance(card, CompoundCardDock) and card.compound == ranked[0]
    qtbot.waitUntil(lambda: card.loaded is not None, timeout=20000)
    loaded = card.loaded
    assert card.title.text() == f"{ranked[0]} · hit rank 1 of {len(ranked)}" and "IC50" in card.summary.text()
    assert list(card.strip.buttons) == [w.key for w in loaded.card.wells]
    assert all(not b.icon().isNull() for b in card.strip.buttons.values()) and len(loaded.images) == len(loaded.card.wells)
    n_samples = len(loaded.card.sample_wells)
    points = [c.get_offsets() for c in card.plot.axes.collections]
    assert sum(len(p) for p in points) == 2 * n_samples  # activity and viability of every sample well
    assert len(card.plot.axes.lines) >= 3  # the 50 % line and two fitted curves
    assert show_compound_card(viewer, ranked[0]) is card  # one card per viewer
    before = card.images
    ctrl.settings.update("Pathogen", visible=False)  # the plate's channels change: the thumbnails follow
    qtbot.waitUntil(lambda: card.images is not before, timeout=10000)
    assert all(not img[..., 1].any() for img in card.images.values())  # no green without Pathogen
    ctrl.settings.update("Pathogen", visible=True)

    review = session_for(viewer).review  # the card opened the Review dock: its store takes the calls
    assert review is not None
    qtbot.waitUntil(lambda: review.store is not None and not review.busy, timeout=10000)
    review.options.reviewer = "ana"
    qtbot.waitUntil(lambda: card.panel.buttons["hit"].isEnabled(), timeout=5000)

    card.setFocus()
    qtbot.keyClick(card, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: "your call: <b>hit</b>" in card.panel.calls_label.text(), timeout=10000)
    assert "consensus: <b>hit</b>" in card.panel.calls_label.text() and "ana: hit" in card.panel.history.text()
    plate = ctrl.plate
    assert _stored(card_env, plate) == [(ranked[0], "ana", "hit")]

    qtbot.keyClick(card, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "your call: <b>—</b>" in card.panel.calls_label.text(), timeout=10000)
    assert _stored(card_env, plate) == []
    qtbot.mouseClick(card.panel.buttons["candidate"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "your call: <b>candidate</b>" in card.panel.calls_label.text(), timeout=10000)
    assert _stored(card_env, plate) == [(ranked[0], "ana", "candidate")]
    assert "undo" in card.panel.history.text()  # the history keeps the undone call

    qtbot.keyClick(card, Qt.Key.Key_N)  # next compound in hit-rank order
    assert card.compound == ranked[1]
    qtbot.waitUntil(lambda: card.title.text().startswith(f"{ranked[1]} · hit rank 2"), timeout=20000)
    qtbot.waitUntil(lambda: "no calls on this compound yet" in card.panel.history.text(), timeout=10000)
    qtbot.keyClick(card, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert card.compound == ranked[0]
    qtbot.waitUntil(lambda: card.loaded.card.compound_id == ranked[0], timeout=20000)

    # a thumbnail opens its well; K on the canvas opens the card of the well on screen
    third = ctrl.hits.compound_wells(ranked[2]).index[0]
    qtbot.mouseClick(card.strip.buttons[loaded.card.wells[1].key], Qt.MouseButton.LeftButton)
    wait_for_well(ctrl, loaded.card.wells[1].key)
    ctrl.show_well(third)
    wait_for_well(ctrl, third)
    press(viewer, "k")
    assert card.compound == ranked[2]
    qtbot.waitUntil(lambda: card.loaded.card.compound_id == ranked[2], timeout=20000)
    # the Review dock's button: the card of the well on screen
    ctrl.show_well(ctrl.hits.compound_wells(ranked[1]).index[0])
    wait_for_well(ctrl, ctrl.hits.compound_wells(ranked[1]).index[0])
    session_for(viewer).review_dock.card_button.click()  # (the dock may be scrolled: no mouse on it)
    assert card.compound == ranked[1]
