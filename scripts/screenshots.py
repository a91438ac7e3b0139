"""Make the user guide's screenshots from a fresh sample plate, so they are never stale.

    .venv/bin/python scripts/screenshots.py [OUTDIR]      # default: docs/images/

Writes overview.png (the plate overview and the Plate browser dock), well.png (a well with its
nuclei outlined) and review.png (the Review dock, with calls framed on the overview). Without a
display it runs itself again under xvfb-run. Everything it writes besides the PNGs (the plate,
thumbnail cache, settings, annotation store) goes to a temporary folder that is removed at the
end: your own folders, IMAGING_EXPLORER_* variables and napari settings are never used.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "images"
WINDOW = (1600, 1000)
TIMEOUT_S = 120.0
DRAW_S = 2.0  # time for multiscale layers to fetch and draw their tiles
WELL = "C5"  # plenty of nuclei (B3 is the sample's cytotoxic well: no cells left)
CALLS = {"E/6": "hit", "C/5": "candidate", "B/3": "reject", "D/8": "unsure"}


def ensure_display() -> None:
    """Run again under a virtual X server when there is no display."""
    if os.environ.get("DISPLAY"):
        return
    if os.environ.get("IMAGING_EXPLORER_SCREENSHOTS_XVFB"):
        sys.exit("no display even under xvfb-run")
    if shutil.which("xvfb-run") is None:
        sys.exit("no display and no xvfb-run (apt-get install xvfb xauth)")
    os.environ["IMAGING_EXPLORER_SCREENSHOTS_XVFB"] = "1"
    argv = ["xvfb-run", "-a", "-s", "-screen 0 1920x1200x24", sys.executable, *sys.argv]
    os.execvp("xvfb-run", argv)


def private_folders(tmp: Path) -> None:
    """Point every user folder, the annotation store and napari's settings into ``tmp``."""
    for name in ("CACHE", "CONFIG", "DATA"):
        folder = tmp / name.lower()
        folder.mkdir()
        os.environ[f"IMAGING_EXPLORER_{name}"] = str(folder)
    os.environ["IMAGING_EXPLORER_DB"] = str(tmp / "data" / "annotations.db")
    os.environ["NAPARI_CONFIG"] = str(tmp / "napari" / "settings.yaml")
    # no notification toasts over the canvas (e.g. napari's PyQt5 deprecation notice)
    os.environ["NAPARI_APPLICATION_GUI_NOTIFICATION_LEVEL"] = "error"


def wait_until(what: str, done: Callable[[], bool], timeout: float = TIMEOUT_S) -> None:
    """Process Qt events until ``done()``; fail after ``timeout`` seconds."""
    from qtpy.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.02)


def settle(seconds: float = DRAW_S) -> None:
    """Process Qt events for a while (tiles drawn, docks laid out)."""
    end = time.monotonic() + seconds
    wait_until("nothing", lambda: time.monotonic() > end, timeout=seconds + 5)


def dock_of(widget):
    """The QDockWidget around one of our docks (napari's documented way to reach it)."""
    from qtpy.QtWidgets import QDockWidget

    while widget is not None and not isinstance(widget, QDockWidget):
        widget = widget.parentWidget()
    return widget


def save(viewer, path: Path) -> None:
    viewer.screenshot(str(path), canvas_only=False)
    print(f"{path} ({path.stat().st_size // 1024} KiB)")


def take(out: Path, tmp: Path) -> None:
    import napari

    import imaging_explorer
    from imaging_explorer._napari._qt.review_dock import show_review_dock
    from imaging_explorer._napari.session import browser_for

    plate = imaging_explorer.make_sample_plate(tmp / "screen.zarr", rows=8, columns=12, fields=2, size=256).plate
    viewer = napari.Viewer(show=True)  # multiscale layers render blank with show=False
    viewer.window.resize(*WINDOW)
    viewer.open(str(plate), plugin="imaging-explorer")
    ctrl = browser_for(viewer)
    wait_until("the plate overview", lambda: ctrl.overview_loaded)
    settle()
    save(viewer, out / "overview.png")

    key = ctrl.show_well(WELL)
    wait_until(f"well {WELL}", lambda: ctrl.state.shown_well == key)
    settle()
    save(viewer, out / "well.png")

    browser_dock = next(w for name, w in viewer.window.dock_widgets.items() if name.startswith("Plate browser"))
    dock = show_review_dock(viewer)
    # stacked, the two docks would need a window taller than the screen: make them tabs
    dock_of(dock).parentWidget().tabifyDockWidget(dock_of(browser_dock), dock_of(dock))
    viewer.window.resize(*WINDOW)
    dock.auto_advance.setChecked(False)  # stay on the well just called
    dock.set_reviewer("ana")
    wait_until("the annotation store", lambda: dock.model.store is not None and not dock.model.busy)
    for well, call in CALLS.items():
        ctrl.show_well(well)
        wait_until(f"well {well}", lambda well=well: ctrl.state.shown_well == well)
        if not dock.model.call(call):
            sys.exit(f"could not call {well}: {dock.status.text()}")
        wait_until(f"the call on {well}", lambda: not dock.model.busy)
    ctrl.show_overview()
    settle(0.5)
    dock_of(dock).raise_()  # the Review tab in front
    settle()
    save(viewer, out / "review.png")
    viewer.close()


def main() -> int:
    ensure_display()
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ie-screenshots-") as name:
        tmp = Path(name)
        private_folders(tmp)
        take(out, tmp)
    print(f"done in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
