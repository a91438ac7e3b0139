"""How long ie.open_plate takes: 96 and 384 wells x 4 fields, local and over HTTP with latency.

    python benchmarks/open_plate.py [--dir /tmp/ie-bench] [--latency-ms 20]

Prints seconds per open (first and best of three) and the number of metadata
documents read; the HTTP server sleeps --latency-ms per request, as a remote
store would (napari's own benchmarks simulate slow stores the same way).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
import time
import warnings
from pathlib import Path

import imaging_explorer as ie
from imaging_explorer.io.location import Location


def _plate(folder: Path, rows: int, columns: int, version: str) -> Path:
    path = folder / f"open-{rows * columns}-{version}.zarr"
    if not path.exists():
        ie.make_sample_plate(path, rows=rows, columns=columns, fields=4, size=128, version=version)
    return path


class _SlowHandler(http.server.SimpleHTTPRequestHandler):
    latency = 0.0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        time.sleep(self.latency)
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


def _serve(folder: Path, latency: float) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = type("Handler", (_SlowHandler,), {"latency": latency})
    http.server.ThreadingHTTPServer.request_queue_size = 128  # fsspec opens many connections at once
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _time_open(location: str, repeats: int = 3) -> tuple[float, float, int, int]:
    reads = []
    original = Location.read_bytes_many

    def counting(self: Location, keys: list[str]) -> dict[str, bytes | None]:
        reads.append(len(keys))
        return original(self, keys)

    Location.read_bytes_many = counting  # type: ignore[method-assign]
    times = []
    try:
        for _ in range(repeats):
            reads.clear()
            start = time.perf_counter()
            plate = ie.open_plate(location)
            times.append(time.perf_counter() - start)
    finally:
        Location.read_bytes_many = original  # type: ignore[method-assign]
    n_fields = sum(len(w.fields) for w in plate.wells.values())
    return times[0], min(times), sum(reads), n_fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ie-bench"))
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("ignore")
    server, url = _serve(args.dir, args.latency_ms / 1000)
    print(f"{'plate':<22}{'where':<16}{'first s':>9}{'best s':>9}{'docs':>7}{'fields':>8}")
    for version in ("0.5", "0.4"):
        for rows, columns in ((8, 12), (16, 24)):
            path = _plate(args.dir, rows, columns, version)
            name = f"{rows * columns} wells, NGFF {version}"
            for where, loc in (("local", str(path)), (f"http {args.latency_ms:g} ms", f"{url}/{path.name}")):
                first, best, docs, fields = _time_open(loc, repeats=3 if where == "local" else 1)
                print(f"{name:<22}{where:<16}{first:>9.3f}{best:>9.3f}{docs:>7}{fields:>8}", flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
