"""Remote plates against the same plates on disk: the overview's reads (metadata + thumbnails).

    python benchmarks/remote.py [--dir /tmp/ie-bench] [--wells 96,384,1536] [--latency 0.02]

The plates are served over HTTP by the tests' keep-alive aiohttp server (tests/http_server.py)
in a process of its own, with ``--latency`` seconds before every answer. Measured in one run,
each the median of ``--repeat`` opens in this process (imports paid before the clock starts):

  local cold     open_plate + read_thumbnails from disk, no thumbnail cache
  local warm     the same with the thumbnail cache filled (a plate seen before)
  remote cold    over HTTP, no metadata cache, no thumbnail cache
  remote warm    over HTTP, the metadata cache and the thumbnail cache filled

Goals (issue 9): remote cold within 2x of local cold; remote warm within 1.2x of local warm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import imaging_explorer as ie
from imaging_explorer.overview import ThumbnailCache, read_thumbnails

_SERVER = """
import sys, time
sys.path.insert(0, {tests!r})
from http_server import serve
with serve({folder!r}, latency={latency!r}) as url:
    print(url, flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
"""


def _server(folder: Path, latency: float) -> tuple[subprocess.Popen[str], str]:
    code = _SERVER.format(tests=str(HERE.parent / "tests"), folder=str(folder), latency=latency)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _overview(location: str, cache: ThumbnailCache | None) -> float:
    t0 = time.perf_counter()
    plate = ie.open_plate(location)
    thumbs = read_thumbnails(plate, cache=cache)
    elapsed = time.perf_counter() - t0
    assert sum(v is not None for v in thumbs.values()) > 0, f"no thumbnail of {location}"
    return elapsed


def _median(repeat: int, run) -> float:
    return statistics.median(run() for _ in range(repeat))


def measure(plate: Path, url: str, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        meta = Path(tmp) / "metadata"
        out = {
            "local cold": _median(repeat, lambda: _overview(str(plate), None)),
            "remote cold": _median(repeat, lambda: _cold_remote(url, meta)),
        }
        thumbs = ThumbnailCache(Path(tmp) / "thumbs")
        _overview(str(plate), thumbs)
        out["local warm"] = _median(repeat, lambda: _overview(str(plate), thumbs))
        os.environ["IMAGING_EXPLORER_CACHE"] = str(meta)
        _overview(url, thumbs)  # fills both caches
        out["remote warm"] = _median(repeat, lambda: _overview(url, thumbs))
    return out


def _cold_remote(url: str, meta: Path) -> float:
    os.environ["IMAGING_EXPLORER_CACHE"] = str(meta / f"cold-{time.perf_counter_ns()}")  # never seen before
    return _overview(url, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ie-bench"))
    parser.add_argument("--wells", default="96,384")
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from overview_floor import make_plates

    shapes = {96: (8, 12), 384: (16, 24), 1536: (32, 48)}
    args.dir.mkdir(parents=True, exist_ok=True)
    proc, url = _server(args.dir, args.latency)
    try:
        print(f"server {url}, {args.latency * 1000:.0f} ms per request; medians of {args.repeat}")
        print(f"{'plate':<34}{'local cold':>11}{'remote cold':>12}{'ratio':>7}{'local warm':>12}{'remote warm':>12}{'ratio':>7}")
        for wells in (int(w) for w in args.wells.split(",")):
            rows, cols = shapes[wells]
            plate = make_plates(args.dir, rows, cols, 2, 512)["0.5"]
            t = measure(plate, f"{url}/{plate.name}", args.repeat)
            print(f"{plate.name:<34}{t['local cold']:>10.2f}s{t['remote cold']:>11.2f}s{t['remote cold'] / t['local cold']:>6.1f}x"
                  f"{t['local warm']:>11.2f}s{t['remote warm']:>11.2f}s{t['remote warm'] / t['local warm']:>6.1f}x")
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
