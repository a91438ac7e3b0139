"""How fast is ``make_sample_plate``? Seconds and megabytes for 96 and 384 wells at 1024 px.

    python benchmarks/sample_write.py                 # both NGFF versions, 96 and 384 wells
    python benchmarks/sample_write.py --workers 1     # everything in this process
    python benchmarks/sample_write.py --wells 96 --versions 0.5 --repeat 3

Each plate has 2 fields per well, 3 channels (uint16) and the nuclei labels, written to a
temporary folder (or ``--out``) that is removed afterwards. The target is < 60 s for the
384-well plate on a 2-core machine; for comparison ome-zarr-py's writer needs ~2 minutes for
96 such wells. MB is what lands on disk (sum of file sizes: chunks and metadata).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import imaging_explorer.sample as sample  # noqa: E402

LAYOUTS = {96: (8, 12), 384: (16, 24), 1536: (32, 48)}


def disk_usage(root: Path) -> tuple[int, int]:
    total = count = 0
    for folder, _, names in os.walk(root):
        for name in names:
            total += os.path.getsize(os.path.join(folder, name))
            count += 1
    return total, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wells", type=int, nargs="+", default=[96, 384], choices=sorted(LAYOUTS))
    parser.add_argument("--versions", nargs="+", default=["0.5", "0.4"], choices=sample.SUPPORTED_VERSIONS)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--fields", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="report the best of N runs")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: one per CPU)")
    parser.add_argument("--out", type=Path, default=None, help="folder for the plates (default: a temp folder)")
    args = parser.parse_args()

    sample.WORKERS = args.workers
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"make_sample_plate: {args.fields} fields x 3 channels x {args.size}^2 px uint16 + labels; "
          f"{cpus} CPUs, workers={args.workers or 'auto'}")
    print(f"{'version':>7} {'wells':>5} {'fields':>6} {'seconds':>8} {'MB':>8} {'files':>7} {'MB/s':>6}")
    base = Path(tempfile.mkdtemp(prefix="sample-bench-", dir=args.out))
    try:
        for version in args.versions:
            for wells in args.wells:
                rows, columns = LAYOUTS[wells]
                best = float("inf")
                for _ in range(args.repeat):
                    target = base / f"bench-{version}-{wells}.zarr"
                    start = time.perf_counter()
                    sample.make_sample_plate(target, rows=rows, columns=columns, fields=args.fields,
                                             size=args.size, version=version, overwrite=True)
                    best = min(best, time.perf_counter() - start)
                size, count = disk_usage(target)
                shutil.rmtree(target)
                print(f"{version:>7} {wells:>5} {wells * args.fields:>6} {best:>8.1f} {size / 1e6:>8.0f} "
                      f"{count:>7} {size / 1e6 / best:>6.0f}", flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
