"""The napari screen view on a screen of many 384-well plates: how soon it is on screen, and
whether the window stays usable while the plates load.

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python benchmarks/screen_view.py [--dir /tmp/ie-screen]

Uses the screen of benchmarks/screen_speed.py (built there once, reused from --dir). napari is
started and warmed up first (a viewer shown, the screen's modules imported, as
``imaging-explorer open`` has them when it checks the source), then the Screen dock opens the
index; Qt's own event loop runs meanwhile. Prints (seconds):

  first plate    open -> the first plate drawn in the values layer (``--dock``: the reader
                 processes start at open; default: before napari, as ``imaging-explorer open
                 SCREEN`` does, and the Screen dock while a source is typed or chosen)
  all plates     open -> every plate loaded, the hit list filled
  GUI stall      the longest gap between two ticks of a 10 ms timer on the GUI thread while
                 the plates load (what a user feels as a frozen window)

Goal (issue 12): the screen view on screen in under 5 s for 50 plates of 384 wells, the
window live meanwhile.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from screen_speed import build  # noqa: E402 - the same screen as the core benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ie-screen"))
    parser.add_argument("--plates", type=int, default=50)
    parser.add_argument("--dock", action="store_true",
                        help="no reader processes started ahead, as a source handed to the Screen dock at once "
                             "(default: as `imaging-explorer open SCREEN`, which starts them before napari; the "
                             "dock starts them while a source is typed or chosen)")
    parser.add_argument("--readers", type=int, help="reader processes (default: every core but one, at most 4)")
    args = parser.parse_args()
    index = build(args.dir, args.plates, 16, 24)

    import napari
    import numpy as np
    from qtpy.QtCore import QTimer
    from qtpy.QtWidgets import QApplication

    import imaging_explorer.screen  # noqa: F401 - as `imaging-explorer open` has, checking the source

    from imaging_explorer._napari._qt.screen_dock import show_screen_dock
    from imaging_explorer._napari.screen import view as screen_view

    if args.readers:
        screen_view.reader_processes = lambda: args.readers

    def wait(seconds: float, done=lambda: False) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not done():
            QApplication.processEvents()
            time.sleep(0.002)

    if not args.dock:
        screen_view.prestart_readers_for(str(index))
    viewer = napari.Viewer(show=True)
    viewer.window.resize(1600, 1000)
    wait(2.0)
    app = QApplication.instance()
    ticks: list[float] = []
    state: dict[str, float] = {}

    def tick() -> None:  # on the GUI thread, as Qt's own loop runs it (napari.run())
        now = time.perf_counter()
        ticks.append(now)
        layer = dock.view.layers.layers.get("values")
        if "first" not in state and layer is not None and np.isfinite(layer.data).any():
            state["first"] = now - started
        if dock.view.screen is not None or now - started > 120:
            state["loaded"] = now - started
            app.quit()

    started = time.perf_counter()
    dock = show_screen_dock(viewer, str(index))
    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    app.exec_()
    timer.stop()
    gaps = np.diff(ticks) if len(ticks) > 2 else np.array([float("nan")])
    mosaic = dock.view.mosaic
    print(f"{len(mosaic.plates) if mosaic else 0} plates of 384 wells, {screen_view.reader_processes()} reader "
          f"process(es), {'started at open' if args.dock else 'started ahead'}")
    print(f"first plate    {state.get('first', float('nan')):6.2f} s")
    print(f"all plates     {state.get('loaded', float('nan')):6.2f} s")
    print(f"GUI stall      {gaps.max():6.3f} s longest, {np.median(gaps) * 1000:.0f} ms median tick "
          f"({len(gaps)} ticks)")
    viewer.close()


if __name__ == "__main__":
    main()
