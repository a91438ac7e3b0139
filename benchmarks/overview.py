"""Plate overview in napari: imaging-explorer against napari-ome-zarr and the raw-read floor.

    xvfb-run -a python benchmarks/overview.py [--dir /tmp/ie-bench] [--wells 96,384]

Needs napari-ome-zarr installed beside imaging-explorer (a benchmark-only dependency:
`pip install napari-ome-zarr psutil`). Each measurement runs in a fresh process with a
real window on the (virtual) screen, because napari draws multiscale layers blank with
show=False. Prints per plate, all measured in one run:

  floor         metadata documents + lowest-level chunks read with open()/json, decoded with numcodecs
  napari        napari's own floor: adding the overview's layers, pixels already in memory, until drawn
  ie cold       viewer.open(plate) -> the first screenshot with every well drawn (no thumbnail cache)
  ie cached     the same, the plate's thumbnails already in the user cache
  noz           viewer.open(plate, plugin="napari-ome-zarr") -> its first non-blank screenshot
  jump          show_well(a well far away) -> its first full-resolution field on screen (median of 9)
  next          PageDown after half a second on a well -> the next well on screen (median of 8)
  rss MB        growth of the process's resident memory across the open (napari: its own floor's;
                with software OpenGL, as here, textures live in the process's memory too)

Goals (issue 3): >= 10x faster than napari-ome-zarr, within 3x of the floor, cached within 2x,
well switch < 0.3 s, RSS growth from 96 to 384 wells < 50 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
POLL = 0.05


def _child(tool: str, plate: str, cache_dir: str) -> dict[str, float]:
    """One open in this process; returns timings (seconds) and RSS growth (MB)."""
    os.environ["IMAGING_EXPLORER_CACHE"] = cache_dir
    warnings.simplefilter("ignore")
    import napari
    import numpy as np
    import psutil
    from qtpy.QtWidgets import QApplication

    proc = psutil.Process()
    viewer = napari.Viewer(show=True)
    app = QApplication.instance()
    # napari's one-time costs (imports, shader compiles, font atlas) are paid by every tool
    # alike: pay them before the clock starts so the numbers compare the readers
    viewer.add_image(np.zeros((64, 64), np.uint16), multiscale=False)
    viewer.add_labels(np.zeros((64, 64), np.uint32))
    viewer.add_points([[0, 0]], text={"string": ["A"]})
    viewer.add_shapes([[[0, 0], [8, 8]]], shape_type="rectangle")
    for _ in range(20):
        app.processEvents()
    viewer.layers.clear()
    for _ in range(20):
        app.processEvents()
    rss0 = proc.memory_info().rss
    plugin = "napari-ome-zarr" if tool == "noz" else "imaging-explorer"

    def drawn() -> bool:
        shot = viewer.screenshot(canvas_only=True, flash=False)
        return float(np.asarray(shot)[..., :3].std()) > 1.0

    ctrl = None
    ready = _ready_layers(plate) if tool == "napari-floor" else None
    start = time.perf_counter()
    if ready is not None:
        for array, kwargs, kind in ready:
            getattr(viewer, f"add_{kind}")(array, **kwargs)
    else:
        viewer.open(plate, plugin=plugin)
    if tool.startswith("ie"):
        from imaging_explorer._napari.session import browser_for

        ctrl = browser_for(viewer)
    deadline = start + 300
    while time.perf_counter() < deadline:
        app.processEvents()
        if (ctrl is None or ctrl.overview_loaded) and drawn():
            break
        time.sleep(POLL)
    out = {"open": time.perf_counter() - start, "rss_mb": (proc.memory_info().rss - rss0) / 2**20}
    if ctrl is not None and tool == "ie-cold":
        def timed_switch(go: object) -> float:
            t0 = time.perf_counter()
            go()
            while ctrl.state.loading and time.perf_counter() - t0 < 30:
                app.processEvents()
                time.sleep(0.005)
            app.processEvents()
            return time.perf_counter() - t0

        keys = list(ctrl.plate.wells)
        # jumps: wells far apart, nothing read ahead
        out["jump"] = float(np.median([timed_switch(lambda k=k: ctrl.show_well(k)) for k in keys[5:80:9]]))
        # stepping on (PageDown) after a look at each well, as a reviewer does: read ahead
        steps = []
        for _ in range(8):
            t_look = time.perf_counter()
            while time.perf_counter() - t_look < 0.5:  # half a second on each well
                app.processEvents()
                time.sleep(0.01)
            steps.append(timed_switch(ctrl.next_well))
        out["switch"] = float(np.median(steps))
    viewer.close()
    return out


def _ready_layers(plate: str) -> list:
    """The overview's layer data with every thumbnail already read (napari's own floor)."""
    import imaging_explorer as ie
    from imaging_explorer._napari.browser.overview_layers import overview_layer_data
    from imaging_explorer.channel_settings import ChannelSettings
    from imaging_explorer.overview import build_mosaic, plate_layout, read_thumbnails

    opened = ie.open_plate(plate)
    layout = plate_layout(opened)
    mosaics, _, data = overview_layer_data(opened, layout, ChannelSettings.for_plate(opened), "bench")
    build_mosaic(layout, read_thumbnails(opened), out=mosaics)
    return data


def _run(tool: str, plate: Path, cache_dir: str) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", tool, str(plate), cache_dir]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"{tool} on {plate} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def _floor(plate: Path) -> float:
    sys.path.insert(0, str(HERE))
    from overview_floor import floor  # the same floor as benchmarks/overview_floor.py

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        floor(str(plate))
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_child(*sys.argv[2:5])), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ie-bench"))
    parser.add_argument("--wells", default="96,384", help="plate sizes: 96, 384 (2 fields, 3 channels, 512 px)")
    parser.add_argument("--skip-noz", action="store_true", help="do not run napari-ome-zarr")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        sys.exit("needs a screen: run under xvfb-run -a")
    sys.path.insert(0, str(HERE))
    from overview_floor import make_plates

    layouts = {"96": (8, 12), "384": (16, 24)}
    print(f"{'plate':<16}{'floor':>8}{'napari':>8}{'ie cold':>9}{'ie cache':>9}{'noz':>8}{'jump':>7}{'next':>7}{'rss MB':>8}{'(napari)':>9}"
          f"{'noz/ie':>8}{'ie/floor':>9}{'cache/floor':>12}", flush=True)
    for wells in args.wells.split(","):
        rows, columns = layouts[wells]
        for version, plate in make_plates(args.dir, rows, columns, 2, 512).items():
            cache = tempfile.mkdtemp(prefix="ie-bench-cache-")
            try:
                floor = _floor(plate)
                napari_run = _run("napari-floor", plate, cache)
                napari_floor = napari_run["open"]
                cold = _run("ie-cold", plate, cache)
                cached = _run("ie-cached", plate, cache)
                noz = None if args.skip_noz else _run("noz", plate, cache)
            finally:
                shutil.rmtree(cache, ignore_errors=True)
            noz_s = noz["open"] if noz else float("nan")
            print(f"{wells + ' NGFF ' + version:<16}{floor:>8.3f}{napari_floor:>8.3f}{cold['open']:>9.3f}{cached['open']:>9.3f}"
                  f"{noz_s:>8.2f}{cold['jump']:>7.3f}{cold['switch']:>7.3f}{cold['rss_mb']:>8.0f}{napari_run['rss_mb']:>9.0f}{noz_s / cold['open']:>8.1f}"
                  f"{cold['open'] / floor:>9.1f}{cached['open'] / floor:>12.1f}", flush=True)


if __name__ == "__main__":
    main()
