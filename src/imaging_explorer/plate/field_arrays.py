"""The array documents a plate's overview needs at open: one level per field, not every level.

Over a network each document is a request (a 384-well plate with 4 levels: 3,072 array
documents; measured ~1 ms each over HTTP here). Fields of a plate share their pyramid layout,
so all levels are read for one field per distinct layout (axes, level paths and scales), the
thumbnail level is chosen from it, and only that level is read for the other fields. A field
whose level does not fit (missing, damaged, smaller than the thumbnail size) is read whole, as
before, so its reason or its own level comes out the same. Every level of a field is read when
it is first shown (:meth:`PlateSource.load_arrays`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..io.documents import ArrayInfo, ZarrDocs
from ..io.location import join_key
from ..ngff import Multiscale, axis_roles
from ..ngff.isolate import read_isolated
from .source import check_array, levels_of

#: Smallest useful thumbnail side in pixels: the overview reads the lowest level at least this big.
THUMBNAIL_MIN_SIZE = 64

Thumbnail = tuple[Multiscale, int, ArrayInfo]  # checked multiscale, thumbnail level, its array document


def thumbnail_level(ms: Multiscale, shapes: Sequence[tuple[int, ...]], min_size: int = THUMBNAIL_MIN_SIZE) -> int:
    """The lowest-resolution level whose y and x sides are both at least ``min_size``.

    0 when even the full resolution is smaller, or when there are no y and x axes (reading
    the thumbnail then fails with the reason).
    """
    roles = axis_roles(ms.axes)
    iy, ix = roles.y, roles.x
    if iy is None or ix is None:
        return 0
    best, best_area = 0, math.inf
    for k, shape in enumerate(shapes):
        h, w = shape[iy], shape[ix]
        if h >= min_size and w >= min_size and h * w <= best_area:
            best, best_area = k, h * w
    return best


def read_thumbnail_arrays(docs: ZarrDocs, parsed: dict[str, Multiscale], warnings: list[str]) -> dict[str, Thumbnail | str]:
    """Per field key: its thumbnail level and array document, or the reason the field cannot be read."""
    checked: dict[int, Any] = {}
    layouts: dict[tuple[Any, ...], list[str]] = {}
    for key, ms in parsed.items():
        layouts.setdefault((ms.axes, ms.datasets), []).append(key)
    out = _read_whole(docs, {keys[0]: parsed[keys[0]] for keys in layouts.values()}, warnings, checked)
    one_level: dict[str, tuple[int, str]] = {}  # field -> (level, array key)
    for keys in layouts.values():
        first = out[keys[0]]
        for key in keys[1:]:
            if isinstance(first, str):  # the first field of this layout is damaged: read each whole
                one_level[key] = (-1, "")
            else:
                level = first[1]
                one_level[key] = (level, join_key(key, parsed[key].datasets[level].path))
    arrays = read_isolated(docs.arrays_many, [a for level, a in one_level.values() if level >= 0], docs.location)
    again: dict[str, Multiscale] = {}
    for key, (level, array_key) in one_level.items():
        info = arrays.get(array_key) if level >= 0 else None
        if isinstance(info, ArrayInfo) and _fits(key, parsed[key], level, info, warnings, checked):
            out[key] = (parsed[key], level, info)
        else:
            again[key] = parsed[key]
    out.update(_read_whole(docs, again, warnings, checked))
    return out


def _fits(key: str, ms: Multiscale, level: int, info: ArrayInfo, warnings: list[str], checked: dict[int, Any]) -> bool:
    """Whether one level read alone serves as this field's thumbnail (else the field is read whole)."""
    if info.ndim != len(ms.axes):
        return False
    try:
        check_array(key, ms.datasets[level].path, info, warnings, checked)
    except ValueError:
        return False
    roles = axis_roles(ms.axes)
    if level == 0 or roles.y is None or roles.x is None:
        return True
    return min(info.shape[roles.y], info.shape[roles.x]) >= THUMBNAIL_MIN_SIZE


def _read_whole(docs: ZarrDocs, parsed: dict[str, Multiscale], warnings: list[str], checked: dict[int, Any]) -> dict[str, Thumbnail | str]:
    """Every level of each field, checked; the thumbnail level chosen from their shapes."""
    keys = [join_key(k, ds.path) for k, ms in parsed.items() for ds in ms.datasets]
    arrays = read_isolated(docs.arrays_many, keys, docs.location)
    out: dict[str, Thumbnail | str] = {}
    for key, ms in parsed.items():
        try:
            ms, infos = levels_of(key, ms, arrays, warnings, checked)
        except ValueError as e:
            out[key] = str(e)
            continue
        level = thumbnail_level(ms, [a.shape for a in infos])
        out[key] = (ms, level, infos[level])
    return out

