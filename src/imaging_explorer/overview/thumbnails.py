"""Thumbnails of every field, read from one low-resolution level on a lean batched path.

Opening arrays through zarr-python costs 3-4 ms each (DESIGN.md), seconds for a plate. Here
the chunk keys of every field are computed from the metadata the plate model already holds,
their bytes are fetched in a few batches (io/ranges.py: whole chunk files, shards by byte
ranges; concurrent for remote stores) and decoded with the arrays' own codecs, within the read limits (``io.limits``: a
chunk file's size, a chunk's decoded size, one thumbnail's size). A field that cannot be read
gets ``None`` and a reason; the other fields still come back.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np

from ..errors import PlateError
from ..io.chunk_region import (
    ChunkError,
    RegionTooLarge,
    check_region,
    read_region,
    units_of,
)
from ..io.chunks import ArrayChunks, ShardParts
from ..io.limits import read_limits
from ..io.location import join_key
from ..io.ranges import fetch
from ..ngff import axis_roles
from ..plate.field_arrays import THUMBNAIL_MIN_SIZE, thumbnail_level

if TYPE_CHECKING:
    from ..io.documents import ArrayInfo
    from ..io.location import Location
    from ..plate import Field, Plate
    from .thumbnail_cache import ThumbnailCache

ZMode = Literal["middle", "max"]
Fetched = bytes | ShardParts | None  # a chunk file, a shard read by ranges, or absent
# after this many failed single-key retries in a row the store is taken to be gone
_MAX_RETRY_FAILURES = 8


class Thumbnails(dict):
    """Field path -> thumbnail (c, y, x), or None where the field could not be read.

    ``errors`` holds the reason per failed field path, ``levels`` the pyramid level read.
    """

    def __init__(self) -> None:
        super().__init__()
        self.errors: dict[str, str] = {}
        self.levels: dict[str, int] = {}

    def merge(self, other: Thumbnails) -> None:
        """Take over the images, errors and levels of ``other``."""
        self.update(other)
        self.errors.update(other.errors)
        self.levels.update(other.levels)
        for path in other:
            if other[path] is not None:
                self.errors.pop(path, None)


class ThumbnailBatch(NamedTuple):
    """One step of :func:`iter_thumbnails`: fields finished so far, all fields, this batch."""

    done: int
    total: int
    thumbnails: Thumbnails


def axis_names(field: Field) -> list[str]:
    """Canonical axis names of a field (``T, C, Z, Y, X`` -> ``["t", "c", "z", "y", "x"]``)."""
    return list(axis_roles(field.multiscale.axes).names)


def choose_level(field: Field, min_size: int = THUMBNAIL_MIN_SIZE) -> int:
    """The lowest-resolution level whose y and x sides are both at least ``min_size``.

    Parameters
    ----------
    field
        A field of the plate model.
    min_size
        Smallest useful thumbnail side in pixels. The default's level was chosen at open
        (no array document read); another size reads every level's.

    Returns
    -------
    int
        Level index; 0 when even the full resolution is smaller than ``min_size`` or the
        field has no y and x axes (reading it then fails with the reason).
    """
    if min_size == THUMBNAIL_MIN_SIZE:
        return field.thumbnail[0]
    return thumbnail_level(field.multiscale, [a.shape for a in field.arrays], min_size)


class FieldRead:
    """The chunks one field's thumbnail needs, and how to put them together.

    ``names`` are the field's canonical axis names (:func:`axis_names`: t, c, z, y, x whatever
    the file calls them); other axes give their first plane.
    """

    def __init__(self, path: str, info: ArrayInfo, names: list[str], z: ZMode, t: int) -> None:
        if z not in ("middle", "max"):
            raise ValueError(f"z must be 'middle' or 'max', got {z!r}")
        if "y" not in names or "x" not in names:
            raise ValueError(f"no y and x axes in {names}")
        self.path, self.names, self.z = path, names, z
        self.array = ArrayChunks(info)
        self.prefix = info.key
        region = []
        for name, n in zip(names, info.shape):
            if name == "t":
                i = min(max(t if t >= 0 else n + t, 0), n - 1)  # other t counts: clamp
                region.append((i, i + 1))
            elif name == "z" and z == "middle":
                region.append((n // 2, n // 2 + 1))
            elif name in ("c", "y", "x", "z"):
                region.append((0, n))
            else:  # an axis the overview does not show: its first plane
                region.append((0, min(n, 1)))
        self.region = region
        check_region(self.array, region, "the thumbnail read")  # RegionTooLarge before any allocation
        self.units = units_of(self.array, region)
        self.files = {u: join_key(self.prefix, self.array.file_of(u)) for u in self.units}

    def assemble(self, data: Mapping[str, bytes | ShardParts | PlateError | None]) -> np.ndarray:
        """Decode the fetched chunk files into the thumbnail, shaped (c, y, x).

        Raises :class:`~imaging_explorer.io.chunk_region.ChunkError` naming a bad chunk file.
        """
        return self._to_cyx(read_region(self.array, self.region, self.files, data))

    def _to_cyx(self, out: np.ndarray) -> np.ndarray:
        names = list(self.names)
        for i in reversed(range(len(names))):
            if names[i] in ("c", "y", "x"):
                continue
            out = out.max(axis=i) if names[i] == "z" and self.z == "max" else out.take(0, axis=i)
            del names[i]
        if "c" not in names:
            out, names = out[np.newaxis], ["c", *names]
        out = out.transpose([names.index(a) for a in "cyx"])
        if not out.dtype.isnative:
            out = out.astype(out.dtype.newbyteorder("="))
        return np.ascontiguousarray(out)


def _fetch(loc: Location, batch: list[FieldRead]) -> tuple[dict[str, Fetched], dict[str, str]]:
    """The chunk files of a batch of fields (shards by byte ranges: io/ranges.py), and the reason
    per key that could not be read."""
    limit = read_limits().max_chunk_bytes
    try:
        return _split(fetch(loc, [(p.array, p.files) for p in batch], max_bytes=limit))
    except Exception:  # noqa: BLE001 - one bad field fails a whole batch: find which
        got: dict[str, Fetched] = {}
        failed: dict[str, str] = {}
        streak = 0
        for p in batch:
            keys = list(dict.fromkeys(p.files.values()))
            if streak >= _MAX_RETRY_FAILURES:
                failed.update((k, f"not read: the store failed {streak} times in a row") for k in keys)
                continue
            try:
                one, bad = _split(fetch(loc, [(p.array, p.files)], max_bytes=limit))
                got.update(one)
                failed.update(bad)
                streak = 0
            except Exception as e:  # noqa: BLE001 - reported per field
                failed.update((k, f"cannot read {k}: {e}") for k in keys)
                streak += 1
        return got, failed


def _split(values: Mapping[str, Fetched | PlateError]) -> tuple[dict[str, Fetched], dict[str, str]]:
    """Readable values, and a reason per key whose value is a PlateError (too big, a FIFO, ...)."""
    got: dict[str, Fetched] = {}
    bad: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, PlateError):
            bad[key] = f"cannot read {key}: {value.reason}"
        else:
            got[key] = value
    return got, bad


def _all_fields(plate: Plate, fields: Iterable[Field | str] | None) -> list[Field]:
    every = {f.path: f for w in plate.wells.values() for f in w.fields}
    if fields is None:
        return list(every.values())
    return [every[f] if isinstance(f, str) else f for f in fields]


def _plan(f: Field, min_size: int, z: ZMode, t: int, levels: dict[str, int]) -> FieldRead:
    """The read of one field's thumbnail; ValueError (or anything) with the reason when it cannot be."""
    level = levels[f.path] = choose_level(f, min_size)
    info = f.array(level)
    try:
        return FieldRead(f.path, info, axis_names(f), z, t)
    except RegionTooLarge as e:
        names = axis_names(f)
        h, w = (info.shape[names.index(a)] for a in "yx")
        raise ValueError(f"level {level} ({info.key}) is {w}×{h} px: too large for a thumbnail ({e}); "
                         f"the field has no smaller pyramid level of at least {min_size} px") from e
    except Exception as e:  # noqa: BLE001 - damaged metadata raises anything (ZeroDivisionError, ...)
        raise ValueError(f"cannot decode {info.key}: {e}") from e


def iter_thumbnails(
    plate: Plate,
    fields: Iterable[Field | str] | None = None,
    min_size: int = THUMBNAIL_MIN_SIZE,
    z: ZMode = "middle",
    t: int = 0,
    batch_size: int = 192,
) -> Iterator[ThumbnailBatch]:
    """Read thumbnails batch by batch (for progress bars and cancelling between batches).

    Parameters are those of :func:`read_thumbnails`; ``batch_size`` is the number of fields
    whose chunks are fetched in one ``read_bytes_many`` call.

    Yields
    ------
    ThumbnailBatch
        Fields done so far, the total, and the thumbnails of this batch.
    """
    todo = _all_fields(plate, fields)
    loc = plate.store_location
    planned: list[FieldRead] = []
    failed = Thumbnails()
    for f in todo:
        try:
            planned.append(_plan(f, min_size, z, t, failed.levels))
        except Exception as e:  # noqa: BLE001 - bad metadata of one field costs that field only
            failed[f.path] = None
            failed.errors[f.path] = str(e)
    done = len(failed)
    if failed or not planned:
        yield ThumbnailBatch(done, len(todo), failed)
    for start in range(0, len(planned), batch_size):
        batch = planned[start : start + batch_size]
        data, bad = _fetch(loc, batch)
        out = Thumbnails()
        for p in batch:
            out.levels[p.path] = failed.levels[p.path]
            reasons = [bad[k] for k in p.files.values() if k in bad]
            try:
                if reasons:
                    raise OSError(reasons[0])
                out[p.path] = p.assemble(data)
            except ChunkError as e:
                out[p.path] = None
                out.errors[p.path] = f"cannot decode chunk {e.key}: {e.reason}"
            except Exception as e:  # noqa: BLE001 - corrupt data raises anything; report, go on
                out[p.path] = None
                out.errors[p.path] = str(e) if reasons else f"cannot decode {p.prefix}: {type(e).__name__}: {e}"
        done += len(batch)
        yield ThumbnailBatch(done, len(todo), out)


def read_thumbnails(
    plate: Plate,
    fields: Iterable[Field | str] | None = None,
    min_size: int = THUMBNAIL_MIN_SIZE,
    z: ZMode = "middle",
    t: int = 0,
    cache: ThumbnailCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Thumbnails:
    """Thumbnails of fields from their lowest level with both sides >= ``min_size``.

    Parameters
    ----------
    plate
        An opened plate.
    fields
        Fields (or field paths) to read; all fields of all wells by default.
    min_size
        Smallest useful thumbnail side (see :func:`choose_level`).
    z
        ``"middle"``: the middle z plane; ``"max"``: maximum projection over z.
    t
        Time index (clamped to each field's t range; negative counts from the end).
    cache
        A :class:`ThumbnailCache`: fields found there are not read; new ones are stored.
    progress
        Called with (fields done, total) after each batch.

    Returns
    -------
    Thumbnails
        Field path -> array (c, y, x) in the data's dtype, or None with ``errors[path]``.
    """
    todo = _all_fields(plate, fields)
    result = Thumbnails()
    key = None
    if cache is not None:
        key = cache.key(plate, min_size=min_size, z=z, t=t)
        result.merge(cache.load(key, [f.path for f in todo]))
        todo = [f for f in todo if f.path not in result]
    fresh = False
    for step in iter_thumbnails(plate, todo, min_size, z, t):
        result.merge(step.thumbnails)
        fresh = fresh or any(v is not None for v in step.thumbnails.values())
        if progress is not None:
            progress(step.done, step.total)
    if cache is not None and key is not None and fresh:
        try:
            cache.save(key, result)
        except Exception as e:  # noqa: BLE001 - a cache is an optimisation: never lose the thumbnails to it
            warnings.warn(f"thumbnail cache not written ({cache.folder}): {e}", RuntimeWarning, stacklevel=2)
    return result
