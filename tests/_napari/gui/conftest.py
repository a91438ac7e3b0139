"""Fixtures of the GUI tests (a viewer under Xvfb): a plate opened in napari, its docks, key presses."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def open_plate_in(qtbot):
    """open_plate_in(viewer, path) -> the viewer's plate browser (controller), once the overview is filled."""
    from imaging_explorer._napari.session import browser_for

    def run(viewer, path, wait=True):
        viewer.open(str(path), plugin="imaging-explorer")
        ctrl = browser_for(viewer)
        if wait:
            qtbot.waitUntil(lambda: ctrl.overview_loaded, timeout=20000)
        return ctrl

    return run


@pytest.fixture
def wait_for_well(qtbot):
    """wait_for_well(ctrl, key): until the well is on screen and nothing is loading."""

    def run(ctrl, key: str, timeout: int = 20000) -> None:
        qtbot.waitUntil(lambda: ctrl.state.shown_well == key, timeout=timeout)

    return run


@pytest.fixture
def browser_dock():
    """browser_dock(viewer): the Plate browser dock the reader opened."""
    from imaging_explorer._napari._qt.browser_dock import BrowserDock

    def find(viewer):
        found = viewer.window._qt_window.findChildren(BrowserDock)
        assert found, "the Plate browser dock did not open"
        return found[0]

    return find


@pytest.fixture
def review_dock(qtbot):
    """review_dock(viewer): the Review dock, opened, once its store is open and idle."""
    from imaging_explorer._napari._qt.review_dock import show_review_dock

    def open_(viewer):
        dock = show_review_dock(viewer)
        qtbot.waitUntil(lambda: dock.model.store is not None and not dock.model.busy, timeout=10000)
        return dock

    return open_


@pytest.fixture
def press():
    """press(viewer, key): a key press as the canvas delivers it (the active layer's keys first)."""

    def run(viewer, key: str) -> None:
        viewer.window._qt_viewer.canvas._key_map_handler.press_key(key)

    return run


@pytest.fixture
def plate_with_bad_field(small_plate, tmp_path):
    """A copy of the small plate whose field A/2/0 has a corrupt first chunk at full resolution and
    at the overview's level (the rest of the plate reads fine)."""
    import shutil

    copy = tmp_path / "plate.zarr"
    shutil.copytree(small_plate.plate, copy)
    for level in ("0", "2"):
        (copy / "A" / "2" / "0" / level / "c" / "0" / "0" / "0").write_bytes(b"not a chunk at all" * 3)
    return copy
