"""Where the sample plate lives: one copy per user, made once, in the user cache folder.

Shared by the CLI (``imaging-explorer demo``) and the napari sample-data command, so both
use the same plate. No Qt, no napari.

The plate is written into a temporary folder beside its final place and renamed into
place when complete, so an interrupted run never leaves a half-made plate that later runs
would take for a good one.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TypedDict, Unpack

from .._dirs import cache_dir


class SampleParams(TypedDict, total=False):
    """The shape of a sample plate: keyword arguments of ``make_sample_plate``."""

    rows: int
    columns: int
    fields: int
    size: int


# The sample the demo and the napari "Sample screening plate" show.
SAMPLE_PARAMS: SampleParams = {"rows": 8, "columns": 12, "fields": 2, "size": 512}

# Name of the file (inside the cache folder) that holds the plate's path relative to it.
_MARKER = "plate-path.txt"


def sample_cache_path(**params: Unpack[SampleParams]) -> Path:
    """The cache folder that holds the sample plate made with ``params``.

    ``params`` default to :data:`SAMPLE_PARAMS`; other values get their own folder,
    so a plate of another shape never stands in for the default one.
    """
    p: SampleParams = {**SAMPLE_PARAMS, **params}
    tag = "-".join(f"{k}{v}" for k, v in sorted(p.items()))
    return cache_dir() / f"sample-{tag}"


def cached_sample_plate(**params: Unpack[SampleParams]) -> Path | None:
    """The plate path of an already made sample, or None when there is none yet."""
    folder = sample_cache_path(**params)
    marker = folder / _MARKER
    if not marker.is_file():
        return None
    plate = folder / marker.read_text(encoding="utf-8").strip()
    return plate if plate.is_dir() else None


def ensure_sample_plate(**params: Unpack[SampleParams]) -> Path:
    """Make the sample plate in the cache if absent; return the plate's path.

    Safe against interruption and against two processes doing it at once: the plate is
    made in a temporary folder and renamed into place in one step.
    """
    from .make import make_sample_plate  # core module, imported only when needed

    existing = cached_sample_plate(**params)
    if existing is not None:
        return existing
    folder = sample_cache_path(**params)
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.exists():  # left over from an older layout or a broken copy: start again
        shutil.rmtree(folder, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        shape: SampleParams = {**SAMPLE_PARAMS, **params}
        result = make_sample_plate(tmp / "sample.zarr", **shape)
        relative = Path(result.plate).resolve().relative_to(tmp.resolve())
        (tmp / _MARKER).write_text(f"{relative.as_posix()}\n", encoding="utf-8")
        try:
            tmp.rename(folder)
        except OSError:
            # someone else finished first: use theirs
            if cached_sample_plate(**params) is None:
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    plate = cached_sample_plate(**params)
    if plate is None:  # pragma: no cover - only on a broken filesystem
        raise RuntimeError(f"could not make the sample plate in {folder}")
    return plate
