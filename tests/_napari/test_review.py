"""Compound review in napari: the plate map on the dock and in the hover text, the Review
dock (calls by button and hotkey, undo, auto-advance, read-only store) and the calls layer."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def _browser(viewer):
    from imaging_explorer._napari.browser_widget import PlateBrowser

    found = viewer.window._qt_window.findChildren(PlateBrowser)
    assert found, "the Plate browser dock did not open"
    return found[0]


def test_platemap_on_dock_and_hover(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well) -> None:
    from imaging_explorer._napari.interaction import describe

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    browser = _browser(viewer)
    qtbot.waitUntil(lambda: ctrl.platemap is not None, timeout=10000)
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
    hover = describe(ctrl, ((y0 + y1) / 2, (x0 + x1) / 2))
    assert hover.startswith("A4") and "REF-INH 10 µM (positive control)" in hover
