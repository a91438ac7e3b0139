"""A box of one array's values, put together from its decoded chunks, within the read limits.

Both readers use it: the overview's thumbnails (a field's low level, many fields per batch)
and the pixel reads of the well view (one dask block at a time).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import PlateError
from .bounded_codecs import describe
from .chunks import ArrayChunks, ShardParts
from .limits import read_limits

Region = list[tuple[int, int]]  # [start, stop) per dimension
_MAX_UNITS = 2**20  # chunks in one read: more is a damaged or hostile grid, not an image


class ChunkError(ValueError):
    """One chunk file cannot be used; ``key`` is its store key, ``reason`` says why."""

    def __init__(self, key: str, reason: str) -> None:
        self.key, self.reason = key, reason
        super().__init__(f"{key}: {reason}")


class RegionTooLarge(ValueError):
    """A read would exceed ``max_decoded_bytes`` or touch too many chunks."""


def check_region(array: ArrayChunks, region: Region, what: str = "the region") -> None:
    """Refuse a box whose values exceed ``max_decoded_bytes`` or that needs too many chunks."""
    sides = [b - a for a, b in region]
    n = math.prod(sides) * array.dtype.itemsize
    limit = read_limits().max_decoded_bytes
    if n > limit:
        box = "×".join(map(str, sides))
        raise RegionTooLarge(f"{what} is {box} {array.dtype} values ({describe(n)}), more than the limit of "
                         f"{describe(limit)} (max_decoded_bytes)")
    units = math.prod(-(-b // c) - a // c for (a, b), c in zip(region, array.chunks))
    if units > _MAX_UNITS:
        raise RegionTooLarge(f"{what} needs {units} chunks of {'×'.join(map(str, array.chunks))}: too many to read")


def units_of(array: ArrayChunks, region: Region) -> list[tuple[int, ...]]:
    """Indices of the unit chunks a box touches (call :func:`check_region` first)."""
    return list(itertools.product(*(range(a // c, -(-b // c)) for (a, b), c in zip(region, array.chunks))))


def read_region(array: ArrayChunks, region: Region, files: Mapping[tuple[int, ...], str],
                data: Mapping[str, bytes | ShardParts | PlateError | None]) -> np.ndarray:
    """The values of ``region`` from the fetched files (``files``: unit -> key, ``data``: key -> bytes,
    or a shard read by ranges, as :func:`~.ranges.fetch` returns them).

    A file that cannot be read or decoded raises :class:`ChunkError` naming it.
    """
    check_region(array, region)
    out = np.full([b - a for a, b in region], array.fill, array.dtype)
    opened: dict[str, Any] = {}  # a shard is opened (index decoded) once for all its chunks
    for u, key in files.items():
        try:
            if key not in opened:
                raw = data[key]
                if isinstance(raw, PlateError):
                    raise ChunkError(key, raw.reason)
                opened[key] = None if raw is None else array.open_file(raw)
            values = array.decode_unit(opened[key], u)
        except ChunkError:
            raise
        except Exception as e:
            raise ChunkError(key, _reason(e)) from e
        if values is None:
            continue  # absent chunk: fill value, as zarr-python reads it
        src, dst = [], []
        for i, (a, b), c in zip(u, region, array.chunks):
            lo, hi = max(i * c, a), min(i * c + c, b)
            src.append(slice(lo - i * c, hi - i * c))
            dst.append(slice(lo - a, hi - a))
        out[tuple(dst)] = values[tuple(src)]
    return out


def _reason(e: BaseException) -> str:
    if isinstance(e, MemoryError):
        return "out of memory decoding this chunk"
    return str(e) if isinstance(e, ValueError) and str(e) else f"{type(e).__name__}: {e}"
