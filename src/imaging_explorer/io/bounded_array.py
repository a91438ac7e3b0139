"""A read-only, numpy-indexable view of one zarr array for ``dask.array.from_array``.

The well view's pixel reads go through the same bounded path as the overview: chunk files
are fetched with ``Location.read_bytes_many``, shards by byte ranges (io/ranges.py: the index,
then the inner chunks asked for; size limit, regular files only, remote timeouts) and decoded by :class:`~.chunks.ArrayChunks` (decoded size checked before
allocating). zarr-python is not used here: its codecs allocate what a chunk's header
claims, its LocalStore opens a FIFO and waits, and its errors name no chunk. Every failure
is a :class:`PlateError` naming the chunk's full location.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import PlateError
from .chunk_region import ChunkError, Region, check_region, read_region, units_of
from .chunks import ArrayChunks
from .limits import read_limits
from .location import join_key
from .ranges import fetch

if TYPE_CHECKING:
    from .documents import ArrayInfo
    from .location import Location

_MAX_BLOCKS = 2**16  # dask blocks of one array: beyond, graphs cost seconds (a 1e5-px square in 512-px chunks has 4e4)


def _bounds(key: Any, n: int) -> tuple[tuple[int, int], Any]:
    """The [start, stop) a one-axis index touches, and the index relative to ``start``."""
    if isinstance(key, slice):
        r = range(*key.indices(n))
        if not r:
            return (0, 0), slice(0, 0)
        lo, hi = min(r[0], r[-1]), max(r[0], r[-1]) + 1
        stop = r.stop - lo
        return (lo, hi), slice(r.start - lo, stop if stop >= 0 else None, r.step)
    idx = np.asarray(key)
    if idx.dtype == bool:
        idx = np.flatnonzero(idx)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"cannot index an array with {key!r}")
    idx = np.where(idx < 0, idx + n, idx)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"index {key!r} is out of bounds for an axis of size {n}")
    lo = int(idx.min()) if idx.size else 0
    hi = int(idx.max()) + 1 if idx.size else 0
    return (lo, hi), (idx - lo) if idx.ndim else int(idx) - lo


class BoundedArray:
    """``shape``, ``dtype``, ``ndim`` and ``[...]`` of the array ``info`` at ``location``."""

    def __init__(self, location: Location, info: ArrayInfo) -> None:
        self.location, self.key = location, info.key
        try:
            self.chunks = ArrayChunks(info)
        except Exception as e:
            raise PlateError(f"{location}/{info.key}", f"cannot read this array: {e}") from e
        self.shape, self.dtype, self.ndim = self.chunks.shape, self.chunks.dtype, len(self.chunks.shape)

    @property
    def block_shape(self) -> tuple[int, ...]:
        """The stored file's shape (shard, or chunk): the natural dask chunking."""
        return self.chunks.shard or self.chunks.chunks

    def dask_chunks(self, max_blocks: int = _MAX_BLOCKS) -> tuple[int, ...]:
        """Dask's chunks: the stored files, grouped (whole multiples) until at most ``max_blocks``.

        An array claiming shape [2, 1e6, 1e6] in small chunks would give dask a graph of 1e10
        tasks (memory and minutes before the first read); grouped, the graph stays small and
        each block read is still refused when too large (:func:`check_region`).
        """
        block = list(self.block_shape)
        grid = [-(-n // b) for n, b in zip(self.shape, block)]
        while math.prod(grid) > max_blocks:
            axis = max(range(self.ndim), key=lambda i: grid[i])
            block[axis] *= 2
            grid[axis] = -(-self.shape[axis] // block[axis])
        return tuple(block)

    def __getitem__(self, key: Any) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        if any(k is Ellipsis for k in key):
            i = next(i for i, k in enumerate(key) if k is Ellipsis)
            key = key[:i] + (slice(None),) * (self.ndim - len(key) + 1) + key[i + 1 :]
        key = key + (slice(None),) * (self.ndim - len(key))
        if len(key) != self.ndim:
            raise IndexError(f"{len(key)} indices for an array of {self.ndim} dimensions")
        bounds = [_bounds(k, n) for k, n in zip(key, self.shape)]
        region = [b for b, _ in bounds]
        out = self.read(region)
        return out[tuple(rel for _, rel in bounds)]

    def read(self, region: Region) -> np.ndarray:
        """The values of a box [start, stop) per dimension; PlateError naming the chunk on failure."""
        where = f"{self.location}/{self.key}"
        try:
            check_region(self.chunks, region, "this read")
        except ValueError as e:
            raise PlateError(where, str(e)) from e
        if any(b <= a for a, b in region):
            return np.full([max(b - a, 0) for a, b in region], self.chunks.fill, self.dtype)
        units = units_of(self.chunks, region)
        files = {u: join_key(self.key, self.chunks.file_of(u)) for u in units}
        try:
            data = fetch(self.location, [(self.chunks, files)], max_bytes=read_limits().max_chunk_bytes)
            return read_region(self.chunks, region, files, data)
        except ChunkError as e:
            raise PlateError(f"{self.location}/{e.key}", e.reason) from e
        except PlateError:
            raise
        except Exception as e:
            raise PlateError(where, f"cannot read its chunks: {type(e).__name__}: {e}") from e
