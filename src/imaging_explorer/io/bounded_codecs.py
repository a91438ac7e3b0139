"""Undo one numcodecs codec without allocating more than the chunk can hold.

numcodecs' gzip, zlib, bz2 and lzma decode to whatever size the stream says (a 1.5 MB gzip
chunk of zeros inflates to 1.5 GB), and its zstd, blosc and lz4 allocate the size their header
declares. Each decode here gets a ``limit`` in bytes (from the chunk's shape x itemsize, see
:func:`chain_limits`) and refuses with a ValueError before allocating more than that:

- gzip / zlib / bz2 / lzma: decompressed here, streaming, at most ``limit + 1`` bytes;
- zstd: every frame's declared content size, or, without one, a bound from its block headers;
- blosc: the header's ``nbytes`` (and ``blocksize``, ``cbytes``); lz4: its 4-byte size prefix;
- filters that cannot grow a buffer much (shuffle, checksums, delta, ...): decoded, then checked.

Any other codec is refused: its size cannot be known before it runs.
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
from numcodecs.compat import ensure_contiguous_ndarray

_ZSTD_MAGIC = 0xFD2FB528
_ZSTD_BLOCK_MAX = 128 * 1024  # a zstd block never decodes to more (RFC 8878, Block_Maximum_Size)
_LZMA_MEMLIMIT = 160 * 2**20  # decoder memory of an xz/lzma stream (dictionary and state)
_STREAMING = ("gzip", "zlib", "bz2", "lzma")
_HEADER_CHECKED = ("zstd", "blosc", "lz4")
_SAME_SIZE = ("shuffle", "bitround")
_CHECKSUMS = ("crc32c", "adler32", "fletcher32")  # 4 bytes added on encode
_DTYPE_FILTERS = ("delta", "fixedscaleoffset", "quantize", "astype")
_STRUCTURE = ("bytes", "transpose", "sharding_indexed")  # zarr v3 codecs that only lay bytes out


def is_read(name: str) -> bool:
    """Whether pixels encoded with this codec (a v2 id, a v3 name, ``numcodecs.<id>``) are read
    here: those whose decoded size can be checked before decoding."""
    codec_id = name.lower().removeprefix("numcodecs.")
    return codec_id in (*_STREAMING, *_HEADER_CHECKED, *_SAME_SIZE, *_CHECKSUMS, *_DTYPE_FILTERS, *_STRUCTURE)


def describe(n: int) -> str:
    """A byte count for people: ``1.5 GB``."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def _refuse(codec_id: str, claimed: str, limit: int) -> ValueError:
    return ValueError(f"{codec_id} data {claimed}, more than the {describe(limit)} this chunk can hold: refused")


def _dtype_ratio(codec: Any) -> tuple[int, int]:
    """(decoded itemsize, encoded itemsize) of a filter that changes the dtype."""
    if codec.codec_id == "astype":
        dec, enc = codec.decode_dtype, codec.encode_dtype
    else:
        dec, enc = codec.dtype, getattr(codec, "astype", codec.dtype)
    dec, enc = np.dtype(dec), np.dtype(enc)
    if dec.kind not in "biuf" or enc.kind not in "biuf":
        raise ValueError(f"{codec.codec_id} filter with dtypes {dec} / {enc} is not read")
    return dec.itemsize, enc.itemsize


def encoded_bound(codec: Any, size: int) -> int:
    """Most bytes ``codec.encode`` makes of ``size`` bytes; ValueError for a codec not read here."""
    codec_id = getattr(codec, "codec_id", None)
    if codec_id in _STREAMING or codec_id in _HEADER_CHECKED:
        return size + size // 64 + 1024  # worst-case expansion of incompressible data, all of them
    if codec_id in _SAME_SIZE:
        return size
    if codec_id in _CHECKSUMS:
        return size + 4
    if codec_id in _DTYPE_FILTERS:
        dec, enc = _dtype_ratio(codec)
        return -(-size // dec) * enc
    raise ValueError(f"codec {codec_id!r} is not read: its decoded size cannot be checked before decoding")


def chain_limits(codecs: list[Any], decoded: int) -> tuple[list[int], int]:
    """Decode-output limit of each codec (``codecs`` in encode order) and the largest encoded size.

    ``decoded`` is the byte size the whole chain decodes to (a chunk's shape x itemsize).
    """
    limits = []
    size = decoded
    for codec in codecs:
        limits.append(size)
        size = encoded_bound(codec, size)
    return limits, size


def _as_bytes(buf: Any) -> memoryview:
    if isinstance(buf, (bytes, bytearray)):  # the usual case, without numcodecs' checks (~5 us)
        return memoryview(buf)
    return memoryview(ensure_contiguous_ndarray(buf)).cast("B")


def _stream(make: Callable[[], Any], data: memoryview, limit: int, codec_id: str) -> bytes:
    """Decompress concatenated streams (gzip members, bz2/xz streams) up to ``limit`` bytes."""
    parts: list[bytes] = []
    total = 0
    rest: bytes | memoryview = data
    while True:
        d = make()
        out = d.decompress(rest, limit + 1 - total)
        total += len(out)
        parts.append(out)
        if total > limit:
            raise _refuse(codec_id, f"inflates to more than {describe(limit)}", limit)
        if not d.eof:
            raise ValueError(f"{codec_id} data is truncated (the stream does not end)")
        rest = d.unused_data.lstrip(b"\x00") if codec_id == "gzip" else d.unused_data
        if not rest or codec_id == "zlib":  # zlib.decompress ignores trailing bytes too
            return b"".join(parts)


def _decompressor(codec: Any) -> Callable[[], Any]:
    codec_id = codec.codec_id
    if codec_id == "gzip":
        return lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)
    if codec_id == "zlib":
        return lambda: zlib.decompressobj(zlib.MAX_WBITS)
    if codec_id == "bz2":
        return bz2.BZ2Decompressor
    if codec.format == lzma.FORMAT_RAW:  # the dictionary size is in the array's document
        return lambda: lzma.LZMADecompressor(format=codec.format, filters=codec.filters)
    # the dictionary size is in the stream's header: cap it (preset 9 needs 64 MiB)
    return lambda: lzma.LZMADecompressor(format=codec.format, memlimit=_LZMA_MEMLIMIT)


def _zstd_frame_header(data: memoryview, pos: int) -> tuple[int, int | None, bool]:
    """(position after the header, declared content size or None, has a checksum)."""
    if pos + 5 > len(data):
        raise ValueError("zstd frame header is truncated")
    fhd = data[pos + 4]
    fcs_flag, single, checksum, dict_flag = fhd >> 6, (fhd >> 5) & 1, (fhd >> 2) & 1, fhd & 3
    if fhd & 0x08:
        raise ValueError("zstd frame header has its reserved bit set")
    pos += 5 + (0 if single else 1) + (0, 1, 2, 4)[dict_flag]
    fcs_len = (1 if single else 0, 2, 4, 8)[fcs_flag]
    if pos + fcs_len > len(data):
        raise ValueError("zstd frame header is truncated")
    size = int.from_bytes(data[pos : pos + fcs_len], "little") if fcs_len else None
    if fcs_len == 2:
        size = (size or 0) + 256
    return pos + fcs_len, size, bool(checksum)


def zstd_bound(data: memoryview, limit: int) -> int:
    """Most bytes the zstd frames in ``data`` decode to; ValueError beyond ``limit`` or when malformed.

    A frame's declared content size counts; a frame without one is bounded by its blocks
    (raw and RLE blocks say their size, a compressed block decodes to at most 128 KiB).
    """
    total, pos = 0, 0
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("zstd data is truncated")
        magic = struct.unpack_from("<I", data, pos)[0]
        if magic & 0xFFFFFFF0 == 0x184D2A50:  # skippable frame: no content
            pos += 8 + struct.unpack_from("<I", data, pos + 4)[0]
            continue
        if magic != _ZSTD_MAGIC:
            raise ValueError("not zstd data (wrong frame magic number)")
        pos, declared, checksum = _zstd_frame_header(data, pos)
        if declared is not None and total + declared > limit:
            raise _refuse("zstd", f"declares {describe(total + declared)} decompressed", limit)
        blocks = 0
        while True:
            if pos + 3 > len(data):
                raise ValueError("zstd data is truncated (a block header is missing)")
            header = int.from_bytes(data[pos : pos + 3], "little")
            last, kind, size = header & 1, (header >> 1) & 3, header >> 3
            if kind == 3:
                raise ValueError("zstd block of a reserved type")
            blocks += _ZSTD_BLOCK_MAX if kind == 2 else size
            pos += 3 + (1 if kind == 1 else size)
            if declared is None and total + blocks > limit:
                raise _refuse("zstd", f"blocks decode to more than {describe(limit)}", limit)
            if last:
                break
        pos += 4 if checksum else 0
        if pos > len(data):
            raise ValueError("zstd data is truncated")
        total += declared if declared is not None else blocks
    return total


def check_header(codec_id: str, data: memoryview, limit: int) -> None:
    """Refuse ``data`` whose header declares more than ``limit`` decoded bytes (zstd, blosc, lz4)."""
    if codec_id == "zstd":
        zstd_bound(data, limit)
    elif codec_id == "blosc":
        if len(data) < 16:
            raise ValueError("blosc data is shorter than its 16-byte header")
        nbytes, blocksize, cbytes = struct.unpack_from("<III", data, 4)
        if nbytes > limit:
            raise _refuse("blosc", f"declares {describe(nbytes)} decompressed", limit)
        if blocksize > max(nbytes, 1) or cbytes > len(data) or cbytes < 16:
            raise ValueError("blosc header is inconsistent (block size or compressed size)")
    elif codec_id == "lz4":
        if len(data) < 4:
            raise ValueError("lz4 data is shorter than its 4-byte size prefix")
        (nbytes,) = struct.unpack_from("<I", data, 0)
        if nbytes > limit:
            raise _refuse("lz4", f"declares {describe(nbytes)} decompressed", limit)


def bounded_decode(codec: Any, data: Any, limit: int) -> Any:
    """``codec.decode(data)``, refused with a ValueError before it would exceed ``limit`` bytes.

    Corrupt data raises ValueError too, whatever the codec's library raises (zlib.error,
    OSError, LZMAError, RuntimeError...), so callers need to handle one type.
    """
    try:
        return _decode(codec, _as_bytes(data), limit)
    except ValueError:
        raise
    except MemoryError as e:
        raise ValueError(f"{getattr(codec, 'codec_id', codec)}: out of memory decoding this chunk") from e
    except Exception as e:
        raise ValueError(f"{getattr(codec, 'codec_id', codec)} data is corrupt: {type(e).__name__}: {e}") from e


def _decode(codec: Any, raw: memoryview, limit: int) -> Any:
    codec_id = getattr(codec, "codec_id", None)
    if codec_id in _STREAMING:
        return _stream(_decompressor(codec), raw, limit, codec_id)
    if codec_id in _HEADER_CHECKED:
        check_header(codec_id, raw, limit)
        return codec.decode(raw)
    if codec_id in _SAME_SIZE or codec_id in _CHECKSUMS or codec_id in _DTYPE_FILTERS:
        # output size is fixed by the input size (at most 8x); check it after decoding
        out = codec.decode(raw)
        if ensure_contiguous_ndarray(out).nbytes > limit:
            raise _refuse(str(codec_id), "decodes to too many bytes", limit)
        return out
    raise ValueError(f"codec {codec_id!r} is not read: its decoded size cannot be checked before decoding")
