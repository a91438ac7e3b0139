"""The compound-review issue's "done when", as a user would do it: ten wells reviewed with hotkeys
only, napari restarted, every call still there with its history; a second reviewer's calls give
conflicts and a kappa; the export opens in pandas."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.gui

KEYS = "HCRUHCRUHR"  # hit, candidate, reject, unsure, ...
CALL_OF_KEY = {"H": "hit", "C": "candidate", "R": "reject", "U": "unsure"}


def test_review_ten_wells_restart_second_reviewer_export(
    make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well, tmp_path, monkeypatch, review_dock, press
) -> None:
    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(tmp_path / "calls.db"))
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(tmp_path / "config"))

    # --- first session: reviewer "ana", keyboard only, auto-advance through the wells
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    dock = review_dock(viewer)
    review = dock.model
    dock.set_reviewer("ana")  # asked once, remembered
    dock.auto_advance.setChecked(True)
    press(viewer, "N")  # the first well of the queue
    reviewed: dict[str, str] = {}
    for key in KEYS:
        qtbot.waitUntil(lambda: ctrl.state.mode == "well" and not ctrl.state.loading and not review.busy, timeout=20000)
        reviewed[ctrl.state.well] = CALL_OF_KEY[key]
        press(viewer, key)
        qtbot.waitUntil(lambda: not review.busy, timeout=10000)
    assert len(reviewed) == 10
    viewer.close()

    # --- napari restarted: the same store, the reviewer remembered, every call and its history there
    viewer2 = make_napari_viewer()
    ctrl2 = open_plate_in(viewer2, small_plate.plate)
    dock2 = review_dock(viewer2)
    review2 = dock2.model
    assert review2.options.reviewer == "ana" and dock2.reviewer_edit.text() == "ana"
    store = review2.store
    current = store.current(ctrl2.plate).set_index("well")
    assert {w: current.at[w, "call"] for w in reviewed} == reviewed
    assert all(len(store.history(ctrl2.plate, w)) == 1 for w in reviewed)
    first = next(iter(reviewed))
    ctrl2.show_well(first)
    wait_for_well(ctrl2, first)
    qtbot.waitUntil(lambda: dock2.history.count() == 1, timeout=10000)
    assert f"ana: {reviewed[first]}" in dock2.history.item(0).text()

    # --- a second reviewer (another process, another institute) disagrees on some wells
    from imaging_explorer.annotations import AnnotationStore

    other = AnnotationStore(tmp_path / "calls.db")
    wells = list(reviewed)
    for i, well in enumerate(wells):
        call = reviewed[well] if i % 3 else ("reject" if reviewed[well] != "reject" else "hit")
        other.annotate(ctrl2.plate, well, call=call, reviewer="ben")
    other.close()
    consensus = store.consensus(ctrl2.plate)  # indexed by well
    disagree = {w for i, w in enumerate(wells) if i % 3 == 0}
    assert {w for w in wells if consensus.at[w, "conflict"]} == disagree
    agreement = store.agreement(ctrl2.plate)
    assert -1.0 <= agreement["kappa"] < 1.0
    review2.refresh()
    qtbot.waitUntil(lambda: "κ" in dock2.agreement.text() or "kappa" in dock2.agreement.text().lower(), timeout=10000)
    assert f"{agreement['kappa']:.2f}" in dock2.agreement.text()

    # --- the export for the chemists opens in pandas
    out = tmp_path / "calls.csv"
    store.export(ctrl2.plate, out)
    exported = pd.read_csv(out)
    assert len(exported) == 20 and set(exported["reviewer"]) == {"ana", "ben"}
    assert set(exported.loc[exported["reviewer"] == "ana", "well"]) == set(wells)
