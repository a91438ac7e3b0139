"""A synthetic infection screen on an OME-Zarr HCS plate, with a plate map and ground truth.

``make_sample_plate("demo.zarr")`` writes three things side by side::

    demo.zarr              the plate (NGFF 0.5 on zarr v3, or 0.4 on zarr v2)
    demo_platemap.csv      well, row, column, compound_id, concentration_uM, role
    demo_truth.csv         well, field, nuclei_count, infected_count, infection_rate,
                           is_hit, cytotoxic, missing_from_store, ic50_uM, cc50_uM

The assay: host cells (channel "Cell") with nuclei ("DAPI") are infected by a pathogen
("Pathogen": a diffuse reporter plus bright spots in infected cells). Negative controls (DMSO,
first column(s)) are 60-80 % infected, positive controls (REF-INH 10 uM, last column(s))
0-4 %. Sample wells hold 8-point dose series (30 uM, 1:3 dilutions) running down the columns:
every fourth series is an active compound (known IC50; ``is_hit`` where concentration > IC50),
series 2 is cytotoxic (CC50 1 uM: few nuclei at the top doses, ``cytotoxic`` where viability
< 50 %), the rest are inactive. The last sample well is listed in the plate metadata and plate
map but missing from the store; the one before it is ``empty`` (no cells). Each field has a
``labels/nuclei`` image: the ground-truth nuclei, ids 1..N, not overlapping.

Layout. Rows are named A..Z, AA..AF, columns "1".."48" (strings); a well's path is "B/3" and
its name in the CSVs is "B03" (row letters + two-digit column; ``row`` and ``column`` columns
hold the plate-metadata names). Each field is ``c, y, x`` uint16 (DAPI 0000FF, Cell FF00FF,
Pathogen 00FF00), 0.65 um pixels, datasets "0", "1", ... halving y and x (2 x 2 integer mean)
while the side is above 64 px (1024 -> 64: 5 levels); labels/nuclei is uint32 ``y, x`` with
the same levels (every second pixel). Chunks are (1, 256, 256) / (256, 256), or the whole side
when smaller; blosc lz4, clevel 5, byte shuffle; chunk keys use "/" (v3 ``0/c/1/0/0``, v2
``0/1/0/0``). As zarr-python does by default, all-zero label chunks are not written (they read
as the fill value 0), and empty zarr v2 ``.zattrs`` files are left out.

Same arguments, same bytes: every pixel, chunk and CSV is a function of the arguments only.
Big plates are written by one worker process per CPU (see :data:`WORKERS`), small ones in
this process; the bytes are the same either way.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from . import meta as _meta
from . import writer as _writer
from .layout import MAX_COLUMNS, MAX_ROWS, WellPlan, column_names, plan_plate, row_names

__all__ = ["SUPPORTED_VERSIONS", "SamplePlate", "make_sample_plate"]

SUPPORTED_VERSIONS = _meta.VERSIONS
MIN_SIZE = 32
#: Worker processes for big plates; None = one per CPU. 1 = write in this process.
WORKERS: int | None = None
#: Plates with fewer pixels (wells x fields x size^2) are written in this process.
PARALLEL_MIN_PIXELS = 16 * 1024 * 1024


class SamplePlate(NamedTuple):
    """Where :func:`make_sample_plate` put its output."""

    plate: Path  # the .zarr folder
    platemap: Path  # {stem}_platemap.csv beside it
    truth: Path  # {stem}_truth.csv beside it


def _stem(path: Path) -> str:
    return path.name.removesuffix(".zarr")


def _outputs(path: Path) -> SamplePlate:
    stem = _stem(path)
    return SamplePlate(path, path.with_name(f"{stem}_platemap.csv"), path.with_name(f"{stem}_truth.csv"))


def _check_args(rows: int, columns: int, fields: int, size: int, version: str, seed: int) -> None:
    for value in (rows, columns, fields, size, seed):
        operator.index(value)  # TypeError for floats and the like
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unsupported NGFF version {version!r}; supported: {', '.join(SUPPORTED_VERSIONS)}")
    if not 1 <= rows <= MAX_ROWS or not 1 <= columns <= MAX_COLUMNS:
        raise ValueError(f"rows must be 1..{MAX_ROWS} and columns 1..{MAX_COLUMNS}, got {rows} x {columns}")
    if fields < 1:
        raise ValueError(f"fields must be at least 1, got {fields}")
    if size < MIN_SIZE:
        raise ValueError(f"size must be at least {MIN_SIZE} px, got {size}")


def _is_zarr_group(path: Path) -> bool:
    return path.is_dir() and ((path / "zarr.json").is_file() or (path / ".zgroup").is_file())


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _platemap_csv(plans: list[WellPlan]) -> str:
    return _csv(["well", "row", "column", "compound_id", "concentration_uM", "role"],
                [[p.name, p.row, p.column, p.compound_id, _num(p.concentration_um), p.role] for p in plans])


def _truth_csv(plans: list[WellPlan], counts: dict[str, list[tuple[int, int]]], fields: int) -> str:
    rows = []
    for p in plans:
        for f in range(fields):
            if p.missing:
                nuclei = infected = rate = ""
            else:
                n, i = counts[p.path][f]
                nuclei, infected, rate = str(n), str(i), (f"{i / n:.6f}" if n else "")
            rows.append([p.name, str(f), nuclei, infected, rate, str(p.is_hit).lower(),
                         str(p.cytotoxic).lower(), str(p.missing).lower(), _num(p.ic50_um), _num(p.cc50_um)])
    return _csv(["well", "field", "nuclei_count", "infected_count", "infection_rate", "is_hit", "cytotoxic",
                 "missing_from_store", "ic50_uM", "cc50_uM"], rows)


def _worker_count(wells: int, fields: int, size: int) -> int:
    """Processes to use: one per CPU for big plates; small ones are not worth the start-up."""
    if wells * fields * size * size < PARALLEL_MIN_PIXELS or getattr(sys, "frozen", False) or not sys.executable:
        return 1
    if WORKERS:
        return max(1, min(WORKERS, wells))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, wells))


# Runs this very copy of the package (a source checkout may not be on the child's sys.path).
_WORKER = ("import sys; root = sys.argv[1]; sys.path.insert(0, root) if root not in sys.path else None; "
           "from imaging_explorer.sample.writer import main; sys.exit(main(sys.argv[2:]))")


def _run_workers(work: Path, root: Path, plans: list[WellPlan], fields: int, size: int, seed: int,
                 version: str, docs: dict, n: int) -> dict[str, list[tuple[int, int]]]:
    """Write ``plans`` with ``n`` worker processes (round-robin split); return their counts."""
    package_root = str(Path(__file__).resolve().parents[2])
    procs = []
    try:
        for i in range(n):
            job = work / f"job-{i}.json"
            _writer.dump_job(job, root, plans[i::n], fields, size, seed, version, docs)
            with open(work / f"job-{i}.log", "wb") as log:
                procs.append(subprocess.Popen([sys.executable, "-c", _WORKER, package_root, str(job)],
                                              stdin=subprocess.DEVNULL, stdout=log, stderr=log))
        counts: dict[str, list[tuple[int, int]]] = {}
        for i, proc in enumerate(procs):
            if proc.wait():
                output = (work / f"job-{i}.log").read_text(errors="replace")
                raise RuntimeError(f"sample plate worker {i} failed (exit {proc.returncode}):\n{output}")
            result = json.loads((work / f"job-{i}.json.result").read_text(encoding="utf-8"))
            counts.update({k: [tuple(c) for c in v] for k, v in result.items()})
        return counts
    finally:
        for proc in procs:  # still running only when another failed or we were interrupted
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _write_plate(work: Path, name: str, rows: int, columns: int, fields: int, size: int,
                 version: str, seed: int, control_spread: float = 1.0) -> tuple[list[WellPlan], dict]:
    root = work / "plate"
    plans = plan_plate(rows, columns, seed, control_spread)
    writer = _writer.ChunkWriter(version)
    attrs = _meta.plate_attrs(name, plans, row_names(rows), column_names(columns), fields, version)
    writer.write_documents(root, _meta.group_documents(attrs, version))
    present = [p for p in plans if not p.missing]
    row_doc = _meta.group_documents({}, version)
    for r in sorted({p.row for p in present}):
        writer.write_documents(root / r, row_doc)
    docs = {"well": _meta.group_documents(_meta.well_attrs(fields, version), version),
            "field": _meta.field_documents(size, version)}
    n = _worker_count(len(present), fields, size)
    if n > 1:
        counts = _run_workers(work, root, present, fields, size, seed, version, docs, n)
    else:
        counts = _writer.write_wells(root, present, fields, size, seed, version, docs)
    return plans, counts


def make_sample_plate(path: str | os.PathLike, rows: int = 8, columns: int = 12, fields: int = 2,
                      size: int = 512, version: str = "0.5", seed: int = 0,
                      overwrite: bool = False, control_spread: float = 1.0) -> SamplePlate:
    """Write a synthetic infection-screen plate with its plate map and ground truth.

    Parameters
    ----------
    path
        The plate folder to create (conventionally ``*.zarr``). The CSVs go beside it, named
        after its stem: ``{stem}_platemap.csv`` and ``{stem}_truth.csv``.
    rows, columns
        Plate layout: up to 32 rows (A..Z, AA..AF) and 48 columns ("1".."48").
    fields
        Fields (images) per well, each ``3 x size x size`` uint16 (DAPI, Cell, Pathogen).
    size
        Field side in pixels (0.65 um each), at least 32.
    version
        OME-NGFF version: "0.5" (zarr v3) or "0.4" (zarr v2).
    seed
        The same seed gives byte-identical output.
    control_spread
        Well-to-well variation of the assay relative to a good one (1): 4 makes a plate that
        fails QC (Z′ below 0.5), for trying a screen with a bad plate in it.
    overwrite
        Replace an existing plate (and its CSVs). Without it an existing target raises
        FileExistsError. A folder that is not a zarr group is never replaced.

    The plate is built in a hidden temporary folder beside ``path`` and renamed into place
    only when complete, so a failure or crash never leaves a half-written plate at ``path``.
    """
    _check_args(rows, columns, fields, size, version, seed)
    out = _outputs(Path(path).absolute())
    existing = [p for p in out if p.exists() or p.is_symlink()]
    if existing and not overwrite:
        raise FileExistsError(f"{existing[0]} already exists; pass overwrite=True to replace it")
    if overwrite and out.plate.exists() and not _is_zarr_group(out.plate):
        raise FileExistsError(f"{out.plate} exists and is not a zarr group; refusing to replace it")
    for p in out[1:]:
        if p.is_dir():
            raise FileExistsError(f"{p} is a folder; refusing to replace it")
    out.plate.parent.mkdir(parents=True, exist_ok=True)

    work = Path(tempfile.mkdtemp(prefix=f".{out.plate.name}.", suffix=".partial", dir=out.plate.parent))
    try:
        plans, counts = _write_plate(work, _stem(out.plate), rows, columns, fields, size, version, seed,
                                     control_spread)
        (work / "platemap.csv").write_text(_platemap_csv(plans), encoding="utf-8")
        (work / "truth.csv").write_text(_truth_csv(plans, counts, fields), encoding="utf-8")
        if out.plate.exists():
            os.rename(out.plate, work / "replaced")
        try:
            os.rename(work / "plate", out.plate)
        except BaseException:
            if (work / "replaced").exists():
                os.rename(work / "replaced", out.plate)
            raise
        os.replace(work / "platemap.csv", out.platemap)
        os.replace(work / "truth.csv", out.truth)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
