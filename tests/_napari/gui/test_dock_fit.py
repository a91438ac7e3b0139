"""The docks fit a 1600 x 1000 window: the well grid of 96, 384 and 1536 wells shrinks to the dock
without scroll bars (clicks still open wells, colours and the current well still show), and
opening the Review dock does not grow the window past the screen's height."""

from __future__ import annotations

from pathlib import Path

import pytest
import real_layouts

import imaging_explorer as ie

pytestmark = pytest.mark.gui

WINDOW = (1600, 1000)  # the window of the issue, which was also its screen


def _plate(kind: str, folder: Path) -> Path:
    if kind == "1536":
        return real_layouts.wells_1536(folder / "p1536.zarr")
    rows, columns = (8, 12) if kind == "96" else (16, 24)
    return Path(ie.make_sample_plate(folder / f"p{kind}.zarr", rows=rows, columns=columns, fields=1, size=64).plate)


def _window(make_napari_viewer, qtbot):
    from qtpy.QtWidgets import QApplication

    viewer = make_napari_viewer(show=True)
    window = viewer.window._qt_window
    window.resize(*WINDOW)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == WINDOW, timeout=5000)
    QApplication.processEvents()
    return viewer, window


def _settle(qtbot) -> None:
    """Let the docks lay out (the dock takes its room, then the grid its height)."""
    qtbot.wait(300)


@pytest.mark.parametrize("kind", ["96", "384", "1536"])
def test_well_grid_fits_without_scrolling(kind, tmp_path, make_napari_viewer, qtbot, open_plate_in,
                                          browser_dock, wait_for_well) -> None:
    from qtpy.QtCore import Qt
    from qtpy.QtWidgets import QScrollBar

    path = _plate(kind, tmp_path)
    viewer, window = _window(make_napari_viewer, qtbot)
    ctrl = open_plate_in(viewer, path)
    dock = browser_dock(viewer)
    _settle(qtbot)
    grid = dock.grid
    plate = ctrl.plate
    far_well = max(plate.wells, key=lambda k: (plate.wells[k].row_index, plate.wells[k].column_index))

    # no scroll bar anywhere in the dock, and the grid got the height it asks for
    shown = [bar for bar in dock.findChildren(QScrollBar) if bar.isVisible()]
    assert not shown, f"{len(shown)} scroll bar(s) visible in the Plate browser dock"
    assert grid.height() >= grid.sizeHint().height() - 1
    assert grid.width() <= dock.width()
    # every cell is inside the widget: the last row and column are painted, not scrolled away
    last = grid.cell_rect(len(plate.rows) - 1, len(plate.columns) - 1)
    assert last.right() <= grid.width() + 0.5 and last.bottom() <= grid.height() + 0.5
    assert grid.cell_size() >= 3
    assert grid.text_shown() == (grid.cell_size() >= 12)

    # a click on the far well opens it, and the grid frames it as the current well
    centre = grid.well_rect(far_well).center().toPoint()
    qtbot.mouseClick(grid, Qt.LeftButton, pos=centre)
    wait_for_well(ctrl, far_well)
    assert grid.current_well == far_well

    # a call / readout colour shows even in a small cell
    grid.set_well_color(far_well, "#ff0000")
    pixel = grid.grab().toImage().pixelColor(centre)
    assert (pixel.red(), pixel.green(), pixel.blue()) == (255, 0, 0)
    assert window.height() == WINDOW[1]


def test_review_dock_keeps_the_window_on_screen(small_plate, make_napari_viewer, qtbot, open_plate_in,
                                                review_dock) -> None:
    from qtpy.QtWidgets import QApplication

    viewer, window = _window(make_napari_viewer, qtbot)
    open_plate_in(viewer, small_plate.plate)
    _settle(qtbot)

    dock = review_dock(viewer)
    _settle(qtbot)

    screen = max(WINDOW[1], QApplication.primaryScreen().availableGeometry().height())
    assert window.frameGeometry().height() <= screen, "opening the Review dock grew the window"
    assert window.height() == WINDOW[1]
    # the dock scrolls instead of growing: it asks for little height, and its hotkey help is there
    assert dock.minimumSizeHint().height() < WINDOW[1] // 2
    assert dock.visibleRegion().boundingRect().height() > 100  # it was not squeezed to a sliver
    assert dock.history.parent() is not None
