"""Find and decode the chunks of one zarr array from its metadata document alone.

zarr-python's codec pipeline costs ~260 us per chunk (async hops) and building its array
metadata ~75 us per array (measured here); numcodecs decodes a 64x64 uint16 blosc chunk in
~13 us. The overview decodes thousands of small chunks, so it uses the array's own codecs
through numcodecs and builds each distinct pipeline once (plates repeat the same metadata).
Every codec runs through :mod:`.bounded_codecs`: a chunk never decodes to more bytes than its
shape x itemsize (nor more than ``max_decoded_bytes``), whatever its headers claim.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

import numcodecs
import numpy as np
from numcodecs.compat import ensure_contiguous_ndarray

from .bounded_codecs import bounded_decode, chain_limits, describe
from .documents import _UNSAFE_CODEC_WORDS, ArrayInfo
from .limits import read_limits

_EMPTY = 2**64 - 1  # shard index entry of an absent inner chunk
# zarr v3 bytes-to-bytes codec names -> numcodecs ids (decode needs no configuration for these)
_V3_BYTES_CODECS = {"blosc": "blosc", "gzip": "gzip", "zstd": "zstd", "crc32c": "crc32c"}

Decode = Callable[[bytes], np.ndarray]


class ShardParts:
    """A shard read by byte ranges (io/ranges.py): its decoded index and the inner chunks fetched,
    by their (offset, length) in the shard file. :meth:`ArrayChunks.decode_unit` reads it as an
    opened whole shard."""

    def __init__(self, index: np.ndarray, parts: dict[tuple[int, int], bytes]) -> None:
        self.index, self.parts = index, parts


def fill_scalar(value: object, dtype: np.dtype) -> Any:
    """The fill value of a zarr document as a numpy scalar (None means 0, as zarr-python reads it)."""
    if value is None:
        return dtype.type(0)
    if isinstance(value, str):
        if value.startswith("0x"):  # v3: the value's bits, big-endian hex
            raw = int(value, 16).to_bytes(dtype.itemsize, "big")
            return np.frombuffer(raw, dtype.newbyteorder(">"))[0].astype(dtype)
        value = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}.get(value, value)
    return np.asarray(value).astype(dtype)[()]


@lru_cache(maxsize=256)
def _numcodec(spec_json: str) -> Any:
    return numcodecs.get_codec(json.loads(spec_json))


def _codec(spec: dict[str, Any]) -> Any:
    codec_id = str(spec.get("id", "")).lower()
    if any(word in codec_id for word in _UNSAFE_CODEC_WORDS):  # the model refuses these too; never rely on one check
        raise ValueError(f"codec {codec_id!r} is refused (it can decode to Python objects)")
    return _numcodec(json.dumps(spec, sort_keys=True))


def _bytes_to_array(raw: Any, dtype: np.dtype, shape: tuple[int, ...], order: str = "C") -> np.ndarray:
    flat = ensure_contiguous_ndarray(raw).reshape(-1)
    if flat.dtype != dtype:
        flat = flat.view(np.uint8).view(dtype)
    if flat.size != math.prod(shape):
        raise ValueError(f"chunk decodes to {flat.size} values, expected {math.prod(shape)}")
    return flat.reshape(shape, order=order)


def _sides(values: Any, what: str, least: int) -> tuple[int, ...]:
    """A shape from a document: whole numbers >= ``least`` (ValueError, never ZeroDivisionError later)."""
    if not isinstance(values, (list, tuple)) or not all(type(v) is int and v >= least for v in values):
        raise ValueError(f"{what} {values!r} is not a list of whole numbers >= {least}")
    return tuple(values)


def _unbytes(codecs: list[Any], limits: list[int]) -> Callable[[Any], Any]:
    """Undo bytes-to-bytes ``codecs`` (encode order), each bounded by its limit."""
    pairs = list(zip(codecs, limits))[::-1]  # last on write, so first on read

    def undo(raw: Any) -> Any:
        buf = raw
        for codec, limit in pairs:
            buf = bounded_decode(codec, buf, limit)
        return buf

    return undo


@lru_cache(maxsize=256)
def _v2_decoder(doc_json: str, chunks: tuple[int, ...]) -> Decode:
    doc = json.loads(doc_json)
    dtype = np.dtype(doc["dtype"])
    codecs = [_codec(f) for f in doc.get("filters") or []]
    if doc.get("compressor"):
        codecs.append(_codec(doc["compressor"]))
    order = doc.get("order", "C")
    if order not in ("C", "F"):
        raise ValueError(f"unknown chunk order {order!r}")
    undo = _unbytes(codecs, chain_limits(codecs, math.prod(chunks) * dtype.itemsize)[0])

    def decode(raw: bytes) -> np.ndarray:
        return _bytes_to_array(undo(raw), dtype, chunks, order)

    return decode


def _v3_spec(spec: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(spec, str):
        return spec, {}
    return str(spec.get("name", "")), dict(spec.get("configuration") or {})


def _bytes_codecs(specs: list[Any]) -> list[Any]:
    """numcodecs codecs for a list of v3 bytes-to-bytes codecs."""
    out = []
    for spec in specs:
        name, conf = _v3_spec(spec)
        if name in _V3_BYTES_CODECS:
            out.append(_codec({**conf, "id": _V3_BYTES_CODECS[name]}))
        elif name.startswith("numcodecs."):
            out.append(_codec({**conf, "id": name.split(".", 1)[1]}))
        else:
            raise ValueError(f"codec {name!r} is not supported by the overview reader here")
    return out


def _v3_decoder(codecs: list[Any], dtype: np.dtype, chunks: tuple[int, ...]) -> Decode:
    """Decoder of a v3 codec chain without sharding: array->array, array->bytes, bytes->bytes."""
    return _v3_decoder_of(json.dumps(codecs, sort_keys=True), dtype.str, chunks)


@lru_cache(maxsize=256)
def _v3_decoder_of(codecs_json: str, dtype_str: str, chunks: tuple[int, ...]) -> Decode:
    codecs, dtype = json.loads(codecs_json), np.dtype(dtype_str)
    perms: list[tuple[int, ...]] = []
    shape = chunks
    endian: Literal["<", ">"] = "<"
    post: list[Any] | None = None
    for i, spec in enumerate(codecs):
        name, conf = _v3_spec(spec)
        if name == "transpose":
            order = tuple(int(k) for k in conf["order"])
            perms.append(order)
            shape = tuple(shape[k] for k in order)
        elif name == "bytes":
            endian = ">" if conf.get("endian") == "big" else "<"
            post = _bytes_codecs(codecs[i + 1 :])
            break
        else:
            raise ValueError(f"codec {name!r} is not supported by the overview reader here")
    if post is None:
        raise ValueError("the codec chain has no 'bytes' codec")
    stored = dtype.newbyteorder(endian) if dtype.itemsize > 1 else dtype
    inverse = [tuple(np.argsort(p)) for p in reversed(perms)]
    undo = _unbytes(post, chain_limits(post, math.prod(shape) * dtype.itemsize)[0])

    def decode(raw: bytes) -> np.ndarray:
        arr = _bytes_to_array(undo(raw), stored, shape)
        for inv in inverse:
            arr = arr.transpose(inv)
        return arr

    return decode


def _chunk_key(conf: dict[str, Any], zarr_format: int) -> Callable[[tuple[int, ...]], str]:
    """Key of a (outer) chunk index under the array's chunk key encoding."""
    if zarr_format == 2:
        sep = conf.get("dimension_separator") or "."
        return lambda idx: sep.join(map(str, idx)) if idx else "0"
    enc = conf.get("chunk_key_encoding") or {"name": "default"}
    name, econf = _v3_spec(enc)
    if name == "v2":
        sep = econf.get("separator", ".")
        return lambda idx: sep.join(map(str, idx)) if idx else "0"
    if name != "default":
        raise ValueError(f"unknown chunk key encoding {name!r}")
    sep = econf.get("separator", "/")
    return lambda idx: "c" + "".join(sep + str(i) for i in idx)


class ArrayChunks:
    """Chunk grid, keys and decoding of one array; sharded arrays are read by their inner chunks.

    ``chunks`` is the unit chunk (inner chunk when sharded); ``file_of(i)`` names the store key
    (relative to the array) of the file holding unit chunk ``i``; ``open_file(bytes)`` prepares a
    fetched file once, and ``decode_unit(opened, i)`` returns the chunk's values (full chunk
    shape) or None when it is absent (then it reads as ``fill``). Bad metadata raises ValueError
    here, a bad or oversized chunk raises ValueError when decoded.
    """

    def __init__(self, info: ArrayInfo) -> None:
        doc = info.doc
        self.shape = _sides(list(info.shape), "shape", 0)
        self.dtype = info.dtype
        self.fill = fill_scalar(doc.get("fill_value"), info.dtype)
        self._key = _chunk_key(doc, info.zarr_format)
        self.shard: tuple[int, ...] | None = None
        self._shard_bytes = 0  # decoded size bound of a whole-shard-compressed file
        if info.zarr_format == 2:
            self.chunks = self._grid(doc.get("chunks"))
            plain = {k: doc.get(k) for k in ("dtype", "filters", "compressor", "order")}
            self._decode = _v2_decoder(json.dumps(plain, sort_keys=True), self.chunks)
            return
        grid = _v3_spec(doc.get("chunk_grid") or {})
        if grid[0] != "regular":
            raise ValueError(f"chunk grid {grid[0]!r} is not supported")
        outer = self._grid(grid[1].get("chunk_shape"))
        codecs = list(doc.get("codecs") or [])
        names = [_v3_spec(c)[0] for c in codecs]
        if "sharding_indexed" not in names:
            self.chunks = outer
            self._decode = _v3_decoder(codecs, info.dtype, outer)
            return
        if names.index("sharding_indexed") != 0:
            raise ValueError("array-to-array codecs before 'sharding_indexed' are not supported")
        self._init_shard(outer, _v3_spec(codecs[0])[1], codecs[1:])

    def _grid(self, chunks: Any) -> tuple[int, ...]:
        out = _sides(chunks, "chunk shape", 1)
        if len(out) != len(self.shape):
            raise ValueError(f"chunk shape {list(out)} has {len(out)} dimensions, the array {len(self.shape)}")
        return out

    def _init_shard(self, outer: tuple[int, ...], conf: dict[str, Any], post: list[Any]) -> None:
        self.shard = outer
        self.chunks = self._grid(conf.get("chunk_shape"))
        if any(s % c for s, c in zip(outer, self.chunks)):
            raise ValueError("shard shape is not a multiple of the inner chunk shape")
        inner = conf.get("codecs") or [{"name": "bytes"}]
        if "sharding_indexed" in [_v3_spec(c)[0] for c in inner]:
            raise ValueError("nested sharding is not supported")
        self._decode = _v3_decoder(inner, self.dtype, self.chunks)
        self._per_shard = tuple(s // c for s, c in zip(outer, self.chunks))
        index_codecs = conf.get("index_codecs") or [{"name": "bytes"}, {"name": "crc32c"}]
        n_index = math.prod(self._per_shard)
        self._index_decode = _v3_decoder(index_codecs, np.dtype("uint64"), (*self._per_shard, 2))
        n_crc = sum(_v3_spec(c)[0] == "crc32c" for c in index_codecs)
        self._index_bytes = n_index * 16 + 4 * n_crc
        self._index_at_end = conf.get("index_location", "end") == "end"
        self._shard_post = _bytes_codecs(post)  # whole-shard compression, undone once per file
        if self._shard_post:
            inner_raw = self.chunk_bytes
            # every inner chunk stored as its (at most slightly expanded) encoding, plus the index
            self._shard_bytes = n_index * (inner_raw + inner_raw // 32 + 4096) + self._index_bytes
            self._undo_shard = _unbytes(self._shard_post, chain_limits(self._shard_post, self._shard_bytes)[0])

    @property
    def chunk_bytes(self) -> int:
        """Decoded bytes of one unit chunk."""
        return math.prod(self.chunks) * self.dtype.itemsize

    def _check_size(self, n: int, what: str) -> None:
        limit = read_limits().max_decoded_bytes
        if n > limit:
            raise ValueError(f"{what} would decode to {describe(n)}, more than the limit of "
                             f"{describe(limit)} (max_decoded_bytes): refused")

    def file_of(self, idx: tuple[int, ...]) -> str:
        if self.shard is None:
            return self._key(idx)
        return self._key(tuple(i // p for i, p in zip(idx, self._per_shard)))

    # -- sharded arrays read by byte ranges (io/ranges.py) --------------------------
    @property
    def ranged(self) -> bool:
        """Sharded without whole-shard compression: the index and each inner chunk can be read
        by byte range instead of reading the whole shard file."""
        return self.shard is not None and not self._shard_post

    @property
    def units_per_shard(self) -> int:
        """Inner chunks in one shard (1 when unsharded)."""
        return math.prod(self._per_shard) if self.shard is not None else 1

    def index_range(self) -> tuple[int, int | None]:
        """(start, end) of the shard index in a shard file (a negative start: the file's last bytes)."""
        return (-self._index_bytes, None) if self._index_at_end else (0, self._index_bytes)

    def read_index(self, raw: bytes) -> np.ndarray:
        """The decoded shard index from the bytes of :meth:`index_range`."""
        if len(raw) < self._index_bytes:
            raise ValueError("shard is shorter than its index")
        return self._index_decode(bytes(raw))

    def unit_range(self, index: np.ndarray, idx: tuple[int, ...]) -> tuple[int, int] | None:
        """(offset, length) of unit chunk ``idx`` in its shard file, None when absent.

        ValueError when the entry cannot be right: longer than any encoding of the chunk's
        decoded size, or an offset beyond any file.
        """
        offset, nbytes = (int(v) for v in index[tuple(i % p for i, p in zip(idx, self._per_shard))])
        if offset == _EMPTY and nbytes == _EMPTY:
            return None
        raw = self.chunk_bytes
        bound = raw + raw // 32 + 4096  # an encoding expands incompressible data slightly, no more
        if nbytes > bound:
            raise ValueError(f"shard index gives an inner chunk of {nbytes:,} bytes stored, more than the "
                             f"{describe(bound)} this chunk can hold (encoded): refused")
        if offset + nbytes > 2**63:
            raise ValueError("shard index points past the end of the shard")
        return offset, nbytes

    def open_file(self, data: bytes | ShardParts) -> Any:
        """Prepare a fetched file once for :meth:`decode_unit` (a shard: outer codecs undone, index decoded)."""
        if self.shard is None or isinstance(data, ShardParts):
            return data
        raw = memoryview(data).cast("B")
        if self._shard_post:
            self._check_size(self._shard_bytes, "a shard with whole-shard compression")
            raw = memoryview(ensure_contiguous_ndarray(self._undo_shard(data))).cast("B")
        if len(raw) < self._index_bytes:
            raise ValueError("shard is shorter than its index")
        where = raw[-self._index_bytes :] if self._index_at_end else raw[: self._index_bytes]
        return raw, self._index_decode(bytes(where))

    def decode_unit(self, opened: Any, idx: tuple[int, ...]) -> np.ndarray | None:
        """Values of unit chunk ``idx`` from its file (as :meth:`open_file` returns it); None when absent."""
        if opened is None:
            return None
        self._check_size(self.chunk_bytes, f"a chunk of {'x'.join(map(str, self.chunks))} {self.dtype} values")
        if self.shard is None:
            return self._decode(opened)
        if isinstance(opened, ShardParts):
            where = self.unit_range(opened.index, idx)
            if where is None:
                return None
            part = opened.parts[where]
            if len(part) < where[1]:
                raise ValueError("shard index points past the end of the shard")
            return self._decode(part)
        raw, index = opened
        offset, nbytes = (int(v) for v in index[tuple(i % p for i, p in zip(idx, self._per_shard))])
        if offset == _EMPTY and nbytes == _EMPTY:
            return None
        if offset + nbytes > len(raw):
            raise ValueError("shard index points past the end of the shard")
        return self._decode(raw[offset : offset + nbytes])
