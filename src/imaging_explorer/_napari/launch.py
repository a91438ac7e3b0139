"""Start napari on a plate: the window, or a screenshot where there is no screen."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from imaging_explorer.plate import ViewAddress, parse_view_address

WELL_TIMEOUT_S = 60.0  # a screenshot of an address waits at most this long for its plate and well


def open_in_napari(location: str | ViewAddress, screenshot: Path | None = None) -> int:
    """Open ``location`` with this plugin; with ``screenshot``, save one and exit instead.

    ``location`` may be a view address (``plate.zarr#C07/2``): the plate opens, then the browser
    shows that well and field (a well the plate lacks is an error notification, not a crash).
    """
    import napari
    from qtpy.QtWidgets import QApplication

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

    def wait(seconds: float, done: Callable[[], bool] = lambda: False) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not done():
            QApplication.processEvents()
            time.sleep(0.05)

    if address.well is not None:  # the picture is of the well asked for, not of "loading C07…"
        wait(WELL_TIMEOUT_S, lambda: not ctrl.opener.busy and (ctrl.plate is None or (
            not waits_for_plate(ctrl) and ctrl.state.pending is None)))
    wait(3.0)  # let the multiscale layers fetch and draw their tiles before the picture is taken
    viewer.screenshot(str(screenshot), canvas_only=False)
    viewer.close()
    print(f"screenshot saved to {screenshot}")
    return 0
