"""View addresses in napari: typed into the go-to box, copied with "Copy address", and handed to a
viewer before its plate is open (as ``imaging-explorer open plate.zarr#C07/2`` does)."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.gui


def test_go_to_an_address_then_copy_it(make_napari_viewer, small_plate, open_plate_in, browser_dock, wait_for_well,
                                      qtbot) -> None:
    from qtpy.QtCore import Qt
    from qtpy.QtWidgets import QApplication

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    dock = browser_dock(viewer)
    assert len(ctrl.plate.wells["B/2"].fields) == 2
    address = f"{os.path.abspath(small_plate.plate)}#B02/2"

    dock.goto.setText(address)
    qtbot.keyClick(dock.goto, Qt.Key_Return)
    wait_for_well(ctrl, "B/2")
    assert ctrl.state.field == 1 and dock.current_well == "B/2" and dock.current_field == 1
    assert dock.field_box.value() == 2

    QApplication.clipboard().setText("something else")
    qtbot.mouseClick(dock.copy_button, Qt.LeftButton)
    assert QApplication.clipboard().text() == address
    assert address in dock.message.text()

    # a bare well name still works, and the copied address follows the view
    dock.goto.setText("a1")
    qtbot.keyClick(dock.goto, Qt.Key_Return)
    wait_for_well(ctrl, "A/1")
    assert dock.copy_address() == f"{os.path.abspath(small_plate.plate)}#A01/1"
    # a well this plate does not have: the reason under the box, the view unchanged
    dock.goto.setText(f"{small_plate.plate}#D01")
    qtbot.keyClick(dock.goto, Qt.Key_Return)
    assert "no row 'D'" in dock.message.text() and ctrl.state.shown_well == "A/1"


def test_an_address_of_another_plate_opens_it_first(make_napari_viewer, small_plate, tiny_plate, open_plate_in,
                                                    browser_dock, wait_for_well, qtbot) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    dock = browser_dock(viewer)
    assert dock.go_to(f"{tiny_plate}#B3") is None  # not there yet: the plate opens first
    wait_for_well(ctrl, "B/3")
    assert os.path.samefile(ctrl.plate.location, tiny_plate) and ctrl.state.field == 0


def test_an_address_given_before_the_plate_opens(make_napari_viewer, tiny_plate, qtbot, wait_for_well) -> None:
    """What ``open_in_napari`` does: the address waits for the plate, then shows its well; a well the
    plate lacks becomes an error notice (no exception, the overview stays)."""
    from imaging_explorer._napari.browser.view_address_link import show_when_opened
    from imaging_explorer._napari.session import browser_for
    from imaging_explorer.plate import ViewAddress

    viewer = make_napari_viewer()
    ctrl = browser_for(viewer)
    notices: list[tuple[str, str]] = []
    ctrl.notice.connect(lambda level, text: notices.append((level, text)))
    show_when_opened(ctrl, ViewAddress(str(tiny_plate), "A2"))
    viewer.open(str(tiny_plate), plugin="imaging-explorer")
    wait_for_well(ctrl, "A/2")

    ctrl.close_plate()
    show_when_opened(ctrl, ViewAddress(str(tiny_plate), "A2", 3))  # the tiny plate has 1 field per well
    viewer.open(str(tiny_plate), plugin="imaging-explorer")
    qtbot.waitUntil(lambda: bool(notices), timeout=20000)
    assert notices == [("error", (f"Cannot show {tiny_plate}#A02/3: well A2 has 1 field(s); "
                                  "the address asks for field 3"))]
    assert ctrl.state.mode == "overview" and ctrl.plate is not None
