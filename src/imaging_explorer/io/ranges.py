"""Fetch the chunk files a read needs; sharded arrays by byte ranges, not whole shards.

A sharded v3 array without whole-shard compression is read in two rounds of
``Location.read_ranges``: the shard index of every shard touched (the file's last or first
bytes), then only the inner chunks asked for (neighbouring ranges of one shard merged into one
request). Other arrays (unsharded, or whole-shard compressed) are read whole with
``Location.read_bytes_many``. Both readers use it: the overview's thumbnails and the well
view's pixel reads; :func:`~.chunk_region.read_region` decodes what comes back.

On a local disk a ranged read costs an extra open and stat per shard; a shard no more than
``LOCAL_RANGE_FACTOR`` times the bytes a read needs (estimated from the chunks' decoded size)
is read whole there (measurements in :func:`use_ranges`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ..errors import PlateError
from .chunks import ArrayChunks, ShardParts
from .limits import read_limits

if TYPE_CHECKING:
    from .location import Location

Fetched = bytes | ShardParts | PlateError | None
Want = tuple[ArrayChunks, Mapping[tuple[int, ...], str]]  # an array, and unit chunk -> store key
LOCAL_RANGE_FACTOR = 4
_MERGE_GAP = 64 * 1024  # ranges of one shard closer than this are read as one


def use_ranges(loc: Location, array: ArrayChunks, key: str, n_units: int) -> bool:
    """Whether to read this shard by ranges rather than whole.

    Never when the read needs every inner chunk of the shard (the same bytes in one request
    instead of two); otherwise always remote, and locally when the shard file is more than
    ``LOCAL_RANGE_FACTOR`` times the (decoded) bytes of the ``n_units`` chunks needed.
    Measured (48 fields, 20 ms latency for HTTP): thumbnails needing all of 64 KiB shards take
    35 ms locally whole, 37 ms by ranges; 119 ms whole over HTTP, 190 ms by ranges (two rounds).
    """
    if not array.ranged or n_units >= array.units_per_shard:
        return False
    if loc.local_root is None:
        from .remote import ignores_ranges

        return not ignores_ranges(loc.fs)  # a server that sends whole files: read each once
    try:
        size = os.stat(os.path.join(loc.root, key)).st_size
    except (OSError, ValueError):
        return True  # absent or odd: read_ranges gives the answer (None, or why not)
    return size > LOCAL_RANGE_FACTOR * n_units * array.chunk_bytes


def fetch(loc: Location, wants: Iterable[Want], max_bytes: int | None = None) -> dict[str, Fetched]:
    """Per store key: the whole file's bytes, a :class:`ShardParts` (a shard read by ranges),
    None (absent: the fill value), or a PlateError value naming why it cannot be read.

    Raises PlateError only when the whole location is gone or cannot be reached.
    """
    limit = read_limits().max_chunk_bytes if max_bytes is None else max_bytes
    whole: dict[str, None] = {}  # ordered set: a read may name a million chunk files
    shards: dict[str, tuple[ArrayChunks, set[tuple[int, ...]]]] = {}
    for array, files in wants:
        per_key: dict[str, set[tuple[int, ...]]] = {}
        for unit, key in files.items():
            per_key.setdefault(key, set()).add(unit)
        for key, units in per_key.items():
            if key in shards:
                shards[key][1].update(units)
            elif key not in whole and use_ranges(loc, array, key, len(units)):
                shards[key] = (array, units)
            elif key not in whole:
                whole[key] = None
    out: dict[str, Fetched] = dict(loc.read_bytes_many(list(whole), max_bytes=limit)) if whole else {}
    if shards:
        out.update(_fetch_shards(loc, shards, limit))
    return out


def _fetch_shards(loc: Location, shards: dict[str, tuple[ArrayChunks, set[tuple[int, ...]]]],
                  limit: int) -> dict[str, Fetched]:
    out: dict[str, Fetched] = {}
    index_of = {key: (key, *array.index_range()) for key, (array, _) in shards.items()}
    raw_index = loc.read_ranges(list(index_of.values()), max_bytes=limit)
    if loc.local_root is None:
        from .remote import ignores_ranges

        if ignores_ranges(loc.fs):  # the index round got whole files: read the rest whole, once each
            keys = [k for k in shards if isinstance(raw_index[index_of[k]], bytes)]
            out.update((k, raw_index[index_of[k]]) for k in shards if k not in keys)
            out.update(loc.read_bytes_many(keys, max_bytes=limit) if keys else {})
            return out
    wanted: dict[str, tuple[ShardParts, list[tuple[int, int]]]] = {}
    for key, (array, units) in shards.items():
        raw = raw_index[index_of[key]]
        if raw is None or isinstance(raw, PlateError):
            out[key] = raw  # absent shard: fill; unreadable: why
            continue
        try:
            index = array.read_index(raw)
            spans = sorted({r for u in units if (r := array.unit_range(index, u)) is not None})
        except Exception as e:  # noqa: BLE001 - a corrupt index raises anything; name the shard
            out[key] = PlateError(f"{loc}/{key}", str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}")
            continue
        wanted[key] = (ShardParts(index, {}), spans)
    requests: list[tuple[str, int, int | None]] = []
    merged_of: dict[str, list[tuple[int, int, list[tuple[int, int]]]]] = {}
    for key, (_, spans) in wanted.items():
        merged_of[key] = _merge(spans, limit)
        requests += [(key, a, b) for a, b, _ in merged_of[key]]
    got = loc.read_ranges(requests, max_bytes=limit) if requests else {}
    for key, (parts, _) in wanted.items():
        out[key] = parts
        for a, b, members in merged_of[key]:
            data = got[(key, a, b)]
            if data is None:  # the shard went away between the two rounds
                out[key] = PlateError(f"{loc}/{key}", "the shard file disappeared while read")
                break
            if isinstance(data, PlateError):
                out[key] = data
                break
            for offset, nbytes in members:
                parts.parts[(offset, nbytes)] = data[offset - a : offset - a + nbytes]  # short past the end
    return out


def _merge(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Sorted (offset, length) spans as [start, end) reads, neighbours merged (each read <= limit)."""
    out: list[tuple[int, int, list[tuple[int, int]]]] = []
    for offset, nbytes in spans:
        end = offset + nbytes
        if out and offset - out[-1][1] <= _MERGE_GAP and max(end, out[-1][1]) - out[-1][0] <= limit:
            a, b, members = out[-1]
            out[-1] = (a, max(b, end), [*members, (offset, nbytes)])
        else:
            out.append((offset, end, [(offset, nbytes)]))
    return out
