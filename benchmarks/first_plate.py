"""The first plate of a session: a FRESH process, napari started, a plate opened, the overview drawn.

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python benchmarks/first_plate.py [--wells 96,384] [--repeat 3]

Unlike benchmarks/overview.py, nothing is warmed up: napari's one-time costs (shader compiles,
the font atlas of the first text, the first Shapes layer) fall on whichever reader needs them,
as they do for a user. Each run is a new process with an empty thumbnail cache. Prints per
plate (median of ``--repeat`` runs, seconds):

  start         import napari + napari.Viewer(show=True) until the window is up (same for both)
  ie            viewer.open(plate) -> every well drawn and the screenshot not blank
  noz           viewer.open(plate, plugin="napari-ome-zarr") -> its first non-blank screenshot
  noz/ie        the speed-up (goal, issue 17: >= 10x on 384 wells)

``--src DIR`` runs imaging-explorer from another source tree (e.g. an export of an older
commit: ``git archive HEAD src | tar -x -C /tmp/old``) to compare before and after.
Needs napari-ome-zarr (a benchmark-only tool: ``pip install napari-ome-zarr``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
POLL = 0.02


def _child(tool: str, plate: str) -> dict[str, float]:
    t0 = time.perf_counter()
    import warnings

    warnings.simplefilter("ignore")
    import napari
    import numpy as np
    from qtpy.QtWidgets import QApplication

    viewer = napari.Viewer(show=True)
    app = QApplication.instance()
    app.processEvents()
    started = time.perf_counter()

    def drawn() -> bool:
        shot = viewer.screenshot(canvas_only=True, flash=False)
        return float(np.asarray(shot)[..., :3].std()) > 1.0

    ctrl = None
    viewer.open(plate, plugin="napari-ome-zarr" if tool == "noz" else "imaging-explorer")
    if tool == "ie":
        from imaging_explorer._napari.session import browser_for

        ctrl = browser_for(viewer)
    while time.perf_counter() - started < 300:
        app.processEvents()
        if (ctrl is None or ctrl.overview_loaded) and drawn():
            break
        time.sleep(POLL)
    out = {"start": started - t0, "open": time.perf_counter() - started}
    if ctrl is not None:
        out["layers"] = sorted({type(layer).__name__ for layer in viewer.layers})  # type: ignore[assignment]
    viewer.close()
    return out


def _run(tool: str, plate: Path, src: str | None) -> dict:
    env = {**os.environ, "IMAGING_EXPLORER_CACHE": tempfile.mkdtemp(prefix="ie-first-cache-")}
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    try:
        done = subprocess.run([sys.executable, __file__, "--child", tool, str(plate)], capture_output=True,
                              text=True, check=False, timeout=900, env=env)
    finally:
        shutil.rmtree(env["IMAGING_EXPLORER_CACHE"], ignore_errors=True)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"{tool} on {plate} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3])), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ie-bench"))
    parser.add_argument("--wells", default="96,384", help="plate sizes: 96, 384 (2 fields, 3 channels, 512 px)")
    parser.add_argument("--version", default="0.4", choices=["0.4", "0.5"], help="NGFF version of the plates")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--src", help="run imaging-explorer from this source tree (its src/ folder)")
    parser.add_argument("--skip-noz", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        sys.exit("needs a screen: run under xvfb-run -a")
    sys.path.insert(0, str(HERE))
    from overview_floor import make_plates

    layouts = {"96": (8, 12), "384": (16, 24)}
    print(f"{'plate':<16}{'start':>8}{'ie':>8}{'noz':>8}{'noz/ie':>8}  ie runs / noz runs", flush=True)
    for wells in args.wells.split(","):
        rows, columns = layouts[wells]
        plate = make_plates(args.dir, rows, columns, 2, 512)[args.version]
        ie_runs = [_run("ie", plate, args.src) for _ in range(args.repeat)]
        noz_runs = [] if args.skip_noz else [_run("noz", plate, None) for _ in range(args.repeat)]
        ie_s = statistics.median(r["open"] for r in ie_runs)
        noz_s = statistics.median(r["open"] for r in noz_runs) if noz_runs else float("nan")
        start = statistics.median(r["start"] for r in ie_runs + noz_runs)
        runs = " ".join(f"{r['open']:.2f}" for r in ie_runs) + " / " + " ".join(f"{r['open']:.2f}" for r in noz_runs)
        print(f"{wells + ' NGFF ' + args.version:<16}{start:>8.2f}{ie_s:>8.2f}{noz_s:>8.2f}{noz_s / ie_s:>8.1f}  "
              f"{runs}  layers: {ie_runs[0].get('layers')}", flush=True)


if __name__ == "__main__":
    main()
