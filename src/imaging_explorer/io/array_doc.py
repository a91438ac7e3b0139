"""Check one zarr array document (v2 ``.zarray`` or v3 ``zarr.json``) before anything decodes it.

Whatever the JSON holds, :func:`parse_array_doc` returns an :class:`ArrayInfo` or raises
``ValueError`` saying what is wrong: a shape or chunk shape that is not a list of whole numbers
(booleans, fractions, ``Infinity``, negative sizes, zero chunk sizes), a data type zarr-python
cannot read or that is not numeric, pickle-style codecs, a chunk whose decoded size exceeds
``read_limits().max_decoded_bytes``. A huge array is fine: it is read lazily, a chunk at a time.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from .bounded_codecs import is_read
from .limits import read_limits

# Codecs that can run code or produce Python objects (pickle), or only make
# sense for object / string data: never decode these (GHSA-jqc8-qjfv-5m6r).
UNSAFE_CODEC_WORDS = ("pickle", "vlen", "json", "msgpack", "categorize", "object")
_NUMERIC_KINDS = "biuf"
_MAX_DIM = 2**62  # sizes zarr and numpy hold in int64, with room for arithmetic
_SHARD_INDEX_ENTRY = 16  # bytes per inner chunk in a shard index (offset, length)

ZarrFormat = Literal[2, 3]


@dataclass(frozen=True)
class ArrayInfo:
    """What the model needs of one array, without opening it."""

    key: str
    shape: tuple[int, ...]
    dtype: np.dtype
    chunks: tuple[int, ...]
    zarr_format: ZarrFormat
    doc: dict[str, Any] = field(repr=False, compare=False)

    @property
    def ndim(self) -> int:
        return len(self.shape)


def parse_array_doc(key: str, doc: dict[str, Any], zarr_format: ZarrFormat) -> ArrayInfo:
    """Check an array document is safe and sensible to decode, and summarise it.

    Raises ValueError (without the location; the caller adds it) saying what is wrong.
    """
    try:
        return _parse(key, doc, zarr_format)
    except ValueError:
        raise
    except Exception as e:  # any other shape of bad JSON: one message
        raise ValueError(f"array {key!r} has malformed metadata ({type(e).__name__}: {e})") from e


def _parse(key: str, doc: dict[str, Any], zarr_format: ZarrFormat) -> ArrayInfo:
    if not isinstance(doc, dict):
        raise ValueError(f"array {key!r}: metadata is not a JSON object")  # noqa: TRY004 - bad JSON is a ValueError here
    for name in codec_names(doc, zarr_format):
        if any(word in name.lower() for word in UNSAFE_CODEC_WORDS):
            raise ValueError(f"array {key!r} declares codec {name!r}, which is refused (it can decode to Python objects)")
        if not is_read(name):
            raise ValueError(f"array {key!r} declares codec {name!r}, which imaging-explorer does not read "
                             "(its decoded size cannot be checked before decoding)")
    if "shape" not in doc:
        raise ValueError(f"array {key!r} has incomplete metadata (no 'shape')")
    shape = _sizes(key, "shape", doc["shape"], minimum=0)
    if zarr_format == 3:
        dtype = _dtype(key, doc, 3)
        chunks = _v3_chunks(key, doc, shape, dtype)
    else:
        dtype = _dtype(key, doc, 2)
        chunks = _sizes(key, "chunk shape", doc.get("chunks"), minimum=1)
        if doc.get("order", "C") not in ("C", "F"):
            raise ValueError(f"array {key!r} has an unknown chunk order {doc.get('order')!r}")
    if len(chunks) != len(shape):
        raise ValueError(f"array {key!r} has {len(chunks)} chunk sizes for {len(shape)} dimensions")
    _check_fill(key, doc, zarr_format)
    _check_decoded(key, chunks, dtype)
    return ArrayInfo(key, shape, dtype, chunks, zarr_format, doc)


def codec_names(doc: dict[str, Any], zarr_format: int) -> list[str]:
    """Every codec an array declares, nested sharding codecs included."""
    names: list[str] = []
    if zarr_format == 2:
        filters = doc.get("filters") or []
        if not isinstance(filters, list):
            raise ValueError("'filters' is not a list")
        for spec in [doc.get("compressor"), *filters]:
            if isinstance(spec, dict):
                names.append(str(spec.get("id", "")))
            elif spec is not None:
                raise ValueError(f"codec {spec!r} is not a JSON object")
        return names

    def walk(codecs: Any, depth: int = 0) -> None:
        if codecs is None:
            return
        if not isinstance(codecs, list) or depth > 8:
            raise ValueError(f"codecs {codecs!r} are not a list" if depth <= 8 else "codecs nested too deeply")
        for spec in codecs:
            if isinstance(spec, str):
                names.append(spec)
            elif isinstance(spec, dict):
                names.append(str(spec.get("name", "")))
                conf = spec.get("configuration") or {}
                if isinstance(conf, dict):
                    walk(conf.get("codecs"), depth + 1)
                    walk(conf.get("index_codecs"), depth + 1)
            else:
                raise ValueError(f"codec {spec!r} is neither a name nor a JSON object")  # noqa: TRY004 - bad JSON is a ValueError here

    walk(doc.get("codecs"))
    return names


def _sizes(key: str, what: str, value: Any, minimum: int) -> tuple[int, ...]:
    """A list of whole numbers >= minimum (JSON true/false, fractions, Infinity and NaN refused)."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"array {key!r} has a {what} that is not a list: {value!r:.80}")  # noqa: TRY004 - bad JSON is a ValueError here
    for n in value:
        if isinstance(n, bool) or not isinstance(n, int):
            raise ValueError(f"array {key!r} has a {what} with {n!r:.40}, not a whole number")  # noqa: TRY004 - bad JSON is a ValueError here
        if not minimum <= n <= _MAX_DIM:
            bound = "negative" if n < 0 else ("zero" if n < minimum else "absurdly large")
            raise ValueError(f"array {key!r} has a {what} with a {bound} size ({n})")
    return tuple(value)


def _v3_chunks(key: str, doc: dict[str, Any], shape: tuple[int, ...], dtype: np.dtype) -> tuple[int, ...]:
    grid = doc.get("chunk_grid")
    if not isinstance(grid, dict) or grid.get("name") != "regular" or not isinstance(grid.get("configuration"), dict):
        raise ValueError(f"array {key!r} has no regular chunk grid (zarr-python reads only those)")
    chunks = _sizes(key, "chunk shape", grid["configuration"].get("chunk_shape"), minimum=1)
    for codec in doc.get("codecs") or []:
        if isinstance(codec, dict) and codec.get("name") == "sharding_indexed":
            conf = codec.get("configuration")
            inner = _sizes(key, "inner chunk shape", conf.get("chunk_shape") if isinstance(conf, dict) else None, minimum=1)
            if len(inner) != len(chunks) or any(s % c for s, c in zip(chunks, inner)):
                raise ValueError(f"array {key!r}: shard shape {list(chunks)} is not a multiple of its inner chunks {list(inner)}")
            index_bytes = math.prod(s // c for s, c in zip(chunks, inner)) * _SHARD_INDEX_ENTRY
            _check_bytes(key, "shard index", index_bytes)
            chunks = inner  # sharded arrays are read by their inner chunks
    return chunks


@lru_cache(maxsize=256)
def _zdtype(spec_json: str, zarr_format: ZarrFormat) -> Any:
    """zarr-python's own data type (plates repeat a few specs thousands of times: parsed once)."""
    from zarr.core.dtype import get_data_type_from_json

    try:
        return get_data_type_from_json(json.loads(spec_json), zarr_format=zarr_format)
    except Exception as e:  # zarr raises ValueError or TypeError
        raise ValueError(f"a data type zarr-python cannot read ({spec_json:.80})") from e


def _spec_json(doc: dict[str, Any], zarr_format: ZarrFormat) -> str:
    spec = doc.get("data_type") if zarr_format == 3 else {"name": doc.get("dtype"), "object_codec_id": None}
    return json.dumps(spec, sort_keys=True)


def _dtype(key: str, doc: dict[str, Any], zarr_format: ZarrFormat) -> np.dtype:
    try:  # what zarr-python cannot read is refused here, not at the first pixel
        dtype = np.dtype(_zdtype(_spec_json(doc, zarr_format), zarr_format).to_native_dtype())
    except ValueError as e:
        raise ValueError(f"array {key!r} has {e}") from None
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None:
        raise ValueError(f"array {key!r} has data type {dtype}; only numeric images are read (object, string and structured arrays are refused)")
    return dtype


def _check_fill(key: str, doc: dict[str, Any], zarr_format: ZarrFormat) -> None:
    fill = doc.get("fill_value")
    if fill is None and zarr_format == 2:
        return
    try:
        _zdtype(_spec_json(doc, zarr_format), zarr_format).from_json_scalar(fill, zarr_format=zarr_format)
    except Exception as e:  # zarr raises TypeError, ValueError or OverflowError
        raise ValueError(f"array {key!r} has a fill value {fill!r:.40} that does not fit its data type") from e


def _check_decoded(key: str, chunks: tuple[int, ...], dtype: np.dtype) -> None:
    _check_bytes(key, "chunk", math.prod(chunks) * dtype.itemsize)


def _check_bytes(key: str, what: str, size: int) -> None:
    limit = read_limits().max_decoded_bytes
    if size > limit:
        raise ValueError(
            f"array {key!r}: one {what} decodes to {size:,} bytes, more than the limit of {limit:,}"
            " (IMAGING_EXPLORER_MAX_DECODED_MB)"
        )
