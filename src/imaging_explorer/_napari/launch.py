"""Start napari on a plate or a screen: the window, or a screenshot where there is no screen."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from imaging_explorer.plate import ViewAddress, parse_view_address

if TYPE_CHECKING:
    import napari

WELL_TIMEOUT_S = 60.0  # a screenshot of an address waits at most this long for its plate and well
SCREEN_TIMEOUT_S = 300.0  # a screenshot of a screen waits at most this long for its plates


def open_in_napari(location: str | ViewAddress, screenshot: Path | None = None) -> int:
    """Open ``location`` with this plugin; with ``screenshot``, save one and exit instead.

    ``location`` may be a view address (``plate.zarr#C07/2``): the plate opens, then the browser
    shows that well and field (a well the plate lacks is an error notification, not a crash).
    """
    import napari

    from .browser.view_address_link import show_when_opened, waits_for_plate
    from .session import browser_for

    address = location if isinstance(location, ViewAddress) else parse_view_address(location)
    viewer = napari.Viewer(show=True)  # multiscale layers render blank with show=False
    if screenshot is not None:
        viewer.window.resize(1600, 1000)  # a workstation-sized window, not napari's small default
    ctrl = browser_for(viewer)
    if address.well is not None:  # before the plate can be open: its metadata is read in a worker
        show_when_opened(ctrl, address)
    viewer.open(address.location, plugin="imaging-explorer")
    if screenshot is None:
        napari.run()
        return 0

    if address.well is not None:  # the picture is of the well asked for, not of "loading C07…"
        wait(WELL_TIMEOUT_S, lambda: not ctrl.opener.busy and (ctrl.plate is None or (
            not waits_for_plate(ctrl) and ctrl.state.pending is None)))
    wait(3.0)  # let the multiscale layers fetch and draw their tiles before the picture is taken
    return _save_screenshot(viewer, screenshot)


def open_screen_in_napari(source: str, screenshot: Path | None = None) -> int:
    """Open the screen at ``source`` (a folder of plates or a CSV index) in the screen view;
    with ``screenshot``, save one once every plate is there and exit instead."""
    from .screen.view import prestart_readers_for

    prestart_readers_for(source)  # the plates' readers import while napari starts
    import napari

    from ._qt.screen_dock import show_screen_dock

    viewer = napari.Viewer(show=True)
    if screenshot is not None:
        viewer.window.resize(1600, 1000)
    dock = show_screen_dock(viewer, source)
    if screenshot is None:
        napari.run()
        return 0
    wait(SCREEN_TIMEOUT_S, lambda: dock is None or not dock.view.loading)
    wait(1.0)
    return _save_screenshot(viewer, screenshot)


def wait(seconds: float, done: Callable[[], bool] = lambda: False) -> None:
    """Run Qt's events until ``done()`` or ``seconds`` have passed."""
    from qtpy.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done():
        QApplication.processEvents()
        time.sleep(0.05)


def _save_screenshot(viewer: napari.Viewer, screenshot: Path) -> int:
    viewer.screenshot(str(screenshot), canvas_only=False)
    viewer.close()
    print(f"screenshot saved to {screenshot}")
    return 0
