"""Checks of one zarr array document (``.zarray`` or an array's ``zarr.json``) for what zarr and
numpy need: a shape of non-negative integers, chunks of at least one element per axis, a data
type zarr can read. ``validate`` lists every problem; opening refuses the array on an
``unreadable`` one and warns about the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .axes import AxisLike, axis_roles
from .common import is_int, show

if TYPE_CHECKING:
    import numpy as np


def array_doc_problems(doc: dict[str, Any], zarr_format: int) -> list[tuple[bool, str]]:
    """(unreadable, "field: sentence") for each problem of an array document."""
    problems: list[tuple[bool, str]] = []
    shape = doc.get("shape")
    problems += _sizes(shape, "shape", minimum=0)
    problems += _sizes(_chunk_shape(doc, zarr_format), _chunks_field(zarr_format), minimum=1)
    codecs = doc.get("codecs") if zarr_format == 3 else None
    for i, codec in enumerate(codecs if isinstance(codecs, list) else []):
        conf = codec.get("configuration") if isinstance(codec, dict) else None
        if isinstance(conf, dict) and codec.get("name") == "sharding_indexed":
            problems += _sizes(conf.get("chunk_shape"), f"codecs[{i}].configuration.chunk_shape", minimum=1)
    problems += _data_type(doc, zarr_format)
    return problems


def _chunks_field(zarr_format: int) -> str:
    return "chunk_grid.configuration.chunk_shape" if zarr_format == 3 else "chunks"


def _chunk_shape(doc: dict[str, Any], zarr_format: int) -> object:
    if zarr_format == 2:
        return doc.get("chunks")
    grid = doc.get("chunk_grid")
    conf = grid.get("configuration") if isinstance(grid, dict) else None
    return conf.get("chunk_shape") if isinstance(conf, dict) else None


def _sizes(values: object, where: str, minimum: int) -> list[tuple[bool, str]]:
    """A list of integers >= minimum; a boolean is flagged (zarr would read true as 1)."""
    if not isinstance(values, list):
        return [(True, f"{where}: expected a list of integers, got {show(values)}")]
    out: list[tuple[bool, str]] = []
    for i, n in enumerate(values):
        if isinstance(n, bool):
            out.append((False, f"{where}[{i}]: {show(n)} is a boolean, not an integer"))
        elif not is_int(n):
            out.append((True, f"{where}[{i}]: {show(n)} is not an integer"))
        elif n < minimum:
            what = "a chunk needs at least one element per axis" if minimum else "sizes cannot be negative"
            out.append((True, f"{where}[{i}]: {n} is below {minimum}; {what}"))
    return out


def _data_type(doc: dict[str, Any], zarr_format: int) -> list[tuple[bool, str]]:
    """The data type zarr-python would read, numeric only."""
    key = "data_type" if zarr_format == 3 else "dtype"
    value = doc.get(key)
    spec = value if zarr_format == 3 else {"name": value, "object_codec_id": None}
    try:
        problem = _dtype_problem(json.dumps(spec, sort_keys=True), zarr_format)
    except (TypeError, ValueError, RecursionError):  # not even JSON (NaN is, nesting may not be)
        problem = "is not a data type zarr can read"
    return [(True, f"{key}: {show(value)} {problem}")] if problem else []


@lru_cache(maxsize=256)
def _dtype_problem(spec_json: str, zarr_format: int) -> str | None:
    """Parsed once per distinct spec: a plate repeats a few thousands of times (measured: 0.7 s at 16k fields)."""
    from zarr.core.dtype import get_data_type_from_json

    try:
        dtype = get_data_type_from_json(json.loads(spec_json), zarr_format=3 if zarr_format == 3 else 2).to_native_dtype()
    except Exception:  # noqa: BLE001 - zarr raises ValueError / TypeError / KeyError on odd specs
        return "is not a data type zarr can read"
    return None if dtype.kind in "biuf" else "is not a numeric data type"


def label_array_problems(image_axes: Sequence[AxisLike], image_shape: Sequence[int], label_axes: Sequence[AxisLike],
                         label_shape: Sequence[int], dtype: np.dtype) -> list[str]:
    """What is odd about a label image's full-resolution array beside its image's: a float data
    type (label values are whole numbers), another y/x size (the labels would not overlay it)."""
    problems = []
    if dtype.kind == "f":
        problems.append(f"data type {dtype} is not an integer type; label values are whole numbers")
    own, theirs = axis_roles(label_axes), axis_roles(image_axes)
    size, wanted = _yx(own.y, own.x, label_shape), _yx(theirs.y, theirs.x, image_shape)
    if size and wanted and size != wanted:
        problems.append(f"its y/x size {size[0]} x {size[1]} differs from its image's {wanted[0]} x {wanted[1]}")
    return problems


def _yx(y: int | None, x: int | None, shape: Sequence[int]) -> tuple[int, int] | None:
    if y is None or x is None or max(y, x) >= len(shape):
        return None
    return shape[y], shape[x]
