"""A plate with broken wells: crossed out, framed, and every reason listed in the Plate browser dock."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def plate_with_broken_wells(plate_with_bad_field):
    """The bad-field plate (A/2/0 unreadable) with well B/4 gone and field B/2/1 gone too
    (C/3 is missing in the sample plate already)."""
    shutil.rmtree(plate_with_bad_field / "B" / "4")
    shutil.rmtree(plate_with_bad_field / "B" / "2" / "1")
    return plate_with_bad_field


def test_reasons_of_broken_wells_are_listed(make_napari_viewer, plate_with_broken_wells, open_plate_in,
                                            browser_dock, qtbot) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, plate_with_broken_wells)
    dock = browser_dock(viewer)
    panel = dock.problems
    qtbot.waitUntil(lambda: any("A2" in line for line in panel.lines), timeout=10000)  # the overview's failures

    assert not panel.isHidden()
    text = panel.toggle.text()
    assert "2 wells cannot be read" in text and "1 well with fields dropped" in text and "1 field unreadable" in text
    by_well = {line.partition(":")[0]: line for line in panel.lines}
    assert set(by_well) == {"B4", "C3", "B2", "A2"}
    assert "not found" in by_well["B4"] and "not found" in by_well["C3"]
    assert "B/2/1" in by_well["B2"]  # B/2's second field is gone
    assert "A/2/0" in by_well["A2"]
    assert panel.list.isHidden()  # folded until asked for
    panel.toggle.click()
    assert not panel.list.isHidden() and panel.list.toPlainText().count("\n") == 3

    # a well whose only field shown cannot be read adds its reason too, naming the field
    ctrl.show_well("A/2")
    qtbot.waitUntil(lambda: "A/2" in ctrl.state.failed_wells and not ctrl.state.loading, timeout=20000)
    assert "field 1 cannot be read" in ctrl.state.failed_wells["A/2"]
    assert any("could not be loaded" in line and "field 1" in line for line in panel.lines)

    # tiled, the other field of A2 shows; the unreadable one is blank and the user is told why
    notices: list[tuple[str, str]] = []
    ctrl.notice.connect(lambda level, text: notices.append((level, text)))
    ctrl.show_well("A/2", tiled=True)
    qtbot.waitUntil(lambda: ctrl.state.shown_well == "A/2", timeout=20000)
    assert any(level == "warning" and "field 1 (A/2/0)" in text and "shown blank" in text for level, text in notices)
