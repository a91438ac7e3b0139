"""Batch analysis speed per scheduler, and peak memory against plate size.

    python benchmarks/analysis_speed.py [--dir /tmp/ie-bench] [--size 512] [--wells 48] [--rss 96,384]

Writes sample plates (or reuses them from --dir), then prints:

  fields/s     ``analyze_plate`` from scratch (read, segment, measure, write labels and parts,
               assemble the tables) on a plate of --wells wells x 1 field, with 1 and 2 local
               threads, 2 local processes, and a dask ``LocalCluster`` of 2 single-thread worker
               processes (its start-up not counted; spawned workers' imports are), with dask's
               default worker environment and without its MALLOC_TRIM_THRESHOLD_
  peak RSS     of a process that opens a 96- and a 384-well plate (1 field, --size px) and
               analyses it with 2 threads; memory should be bounded by the fields in flight,
               not by the plate, so both should be close

Goals (issue 10): >= 10 fields/s of 512 px on 2 cores (a plain scikit-image pipeline's speed).
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

import imaging_explorer as ie
from imaging_explorer.analysis.batch import analyze_plate
from imaging_explorer.analysis.channel_roles import resolve_roles

ENVIRON = dict(os.environ)  # before dask changes it (see cluster_speed)
LAYOUTS = {24: (4, 6), 48: (4, 12), 96: (8, 12), 384: (16, 24)}


def sample(folder: Path, wells: int, size: int) -> Path:
    rows, columns = LAYOUTS[wells]
    plate = folder / f"speed-{rows}x{columns}-{size}.zarr"
    if not plate.exists():
        ie.make_sample_plate(plate, rows=rows, columns=columns, fields=1, size=size)
    return plate


def open_quiet(path: Path) -> ie.Plate:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ie.open_plate(path)


def timed(path: Path, out: Path, **options) -> tuple[int, float]:
    plate = open_quiet(path)
    roles = resolve_roles(plate.wells[next(iter(plate.wells))].fields[0].channels)
    shutil.rmtree(out, ignore_errors=True)
    run = analyze_plate(plate, roles, out=out, **options)
    assert not run.failed, run.failed
    return run.computed, run.seconds


def cluster_speed(path: Path, work: Path, label: str, trim_unset: bool) -> None:
    import dask
    from distributed import LocalCluster

    # dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in the workers (and leave it in this
    # process' environment): glibc then returns every freed array to the OS and maps it again
    unset = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None} if trim_unset else {}
    try:
        with dask.config.set(unset), LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                  dashboard_address=None) as cluster:
            n, seconds = timed(path, work / "out", scheduler=cluster.scheduler_address)
    finally:
        os.environ.clear()
        os.environ.update(ENVIRON)
    print(f"  {label:<44} {n / seconds:6.1f} fields/s  ({n} fields in {seconds:.1f} s)", flush=True)


def speeds(path: Path, work: Path) -> None:
    timed(path, work / "warm-up", workers=2)  # imports and first calls
    for label, options in (("1 thread", {"workers": 1}), ("2 threads", {"workers": 2}),
                           ("2 processes", {"workers": 2, "processes": True})):
        n, seconds = timed(path, work / "out", **options)
        print(f"  {label:<44} {n / seconds:6.1f} fields/s  ({n} fields in {seconds:.1f} s)", flush=True)
    cluster_speed(path, work, "LocalCluster 2 x 1 thread (dask's defaults)", trim_unset=False)
    cluster_speed(path, work, "LocalCluster 2 x 1 thread, MALLOC_TRIM unset", trim_unset=True)


def rss_child(path: Path, out: Path) -> None:
    """Run in a fresh process: analyse with 2 threads, print JSON with the RSS before and the
    largest RSS seen during the run (sampled every 20 ms)."""
    import threading

    import psutil

    me, peak, done = psutil.Process(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], me.memory_info().rss)

    before = me.memory_info().rss
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    n, seconds = timed(path, out, workers=2)
    done.set()
    sampler.join()
    print(json.dumps({"fields": n, "seconds": seconds, "before_mb": before / 2**20, "peak_mb": peak[0] / 2**20,
                      "wells": len(open_quiet(path).wells)}))


def rss(path: Path, work: Path) -> None:
    cmd = [sys.executable, __file__, "--rss-child", str(path), str(work / "rss-out")]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=ENVIRON)
    got = json.loads(done.stdout.splitlines()[-1])
    print(f"  {got['wells']:>4} wells: peak RSS {got['peak_mb']:.0f} MB during the run (before it "
          f"{got['before_mb']:.0f} MB); {got['fields']} fields at {got['fields'] / got['seconds']:.1f} fields/s",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "ie-bench")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--wells", type=int, default=48, choices=sorted(LAYOUTS))
    ap.add_argument("--rss", default="96,384", help="plate sizes (wells) for the memory runs; '' = none")
    ap.add_argument("--rss-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        rss_child(*args.rss_child)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="speed-", dir=args.dir))
    try:
        print(f"analyze_plate, {args.size} px fields, {args.wells} wells x 1 field:", flush=True)
        speeds(sample(args.dir, args.wells, args.size), work)
        for wells in [int(w) for w in args.rss.split(",") if w]:
            start = time.perf_counter()
            path = sample(args.dir, wells, args.size)
            print(f"  ({wells}-well plate ready in {time.perf_counter() - start:.0f} s)", flush=True)
            rss(path, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
