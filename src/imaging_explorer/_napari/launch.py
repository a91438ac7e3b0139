"""Start napari on a plate: the window, or a screenshot where there is no screen."""

from __future__ import annotations

import time
from pathlib import Path


def open_in_napari(location: str, screenshot: Path | None = None) -> int:
    """Open ``location`` with this plugin; with ``screenshot``, save one and exit instead."""
    import napari
    from qtpy.QtWidgets import QApplication

    viewer = napari.Viewer(show=True)  # multiscale layers render blank with show=False
    if screenshot is not None:
        viewer.window.resize(1600, 1000)  # a workstation-sized window, not napari's small default
    viewer.open(location, plugin="imaging-explorer")
    if screenshot is None:
        napari.run()
        return 0
    # let the multiscale layers fetch and draw their tiles before the picture is taken
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.05)
    viewer.screenshot(str(screenshot), canvas_only=False)
    viewer.close()
    print(f"screenshot saved to {screenshot}")
    return 0
