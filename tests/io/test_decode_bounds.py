"""Decompression bombs and lying headers are refused before allocation, for every codec read.

Each bomb is built streaming (compressobj / hand-made frame headers), so the test itself stays
small; ``tracemalloc`` shows that refusing one never allocates much more than the chunk's size.
"""

from __future__ import annotations

import bz2
import dataclasses
import json
import lzma
import os
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zlib

import numcodecs
import numpy as np
import pytest

from imaging_explorer.io.bounded_codecs import bounded_decode, chain_limits, zstd_bound
from imaging_explorer.io.chunks import ArrayChunks
from imaging_explorer.io.documents import parse_array_doc
from imaging_explorer.io.limits import set_read_limits

LIMIT = 1024 * 1024 * 2  # a 1024 x 1024 uint16 chunk
ZEROS = bytes(1 << 24)


def gzip_bomb(members: int = 96) -> bytes:
    """``members`` x 16 MiB of zeros as a multi-member gzip stream (96: 1.5 GiB from ~1.5 MB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = c.compress(ZEROS) + c.flush()
    return member * members


def stream_bomb(make, pieces: int = 4) -> bytes:
    """One stream of ``pieces`` x 16 MiB zeros through a compressor object."""
    c = make()
    return b"".join([c.compress(ZEROS) for _ in range(pieces)] + [c.flush()])


def zstd_frame(declared: int | None, blocks: int = 1, block: int = 1 << 17) -> bytes:
    """A zstd frame of RLE blocks, with an 8-byte content size field (or none)."""
    out = struct.pack("<I", 0xFD2FB528)
    out += bytes([0x00, 0x58]) if declared is None else bytes([0xC0, 0x58]) + struct.pack("<Q", declared)
    for i in range(blocks):
        header = (1 if i == blocks - 1 else 0) | (1 << 1) | (block << 3)
        out += header.to_bytes(3, "little") + b"\x07"
    return out


def blosc_claiming(nbytes: int) -> bytes:
    good = bytearray(numcodecs.Blosc(cname="zstd").encode(np.zeros(1024, "u2")))
    good[4:8] = struct.pack("<I", nbytes)
    return bytes(good)


def lz4_claiming(nbytes: int) -> bytes:
    good = bytearray(numcodecs.LZ4().encode(np.zeros(1024, "u2")))
    good[0:4] = struct.pack("<I", nbytes)
    return bytes(good)


BOMBS = {
    "gzip-1.5GiB": (numcodecs.GZip(), lambda: gzip_bomb()),
    "gzip-one-member": (numcodecs.GZip(), lambda: stream_bomb(lambda: zlib.compressobj(1, zlib.DEFLATED, 31))),
    "zlib": (numcodecs.Zlib(), lambda: stream_bomb(lambda: zlib.compressobj(1))),
    "bz2": (numcodecs.BZ2(), lambda: stream_bomb(bz2.BZ2Compressor, pieces=1)),
    "lzma": (numcodecs.LZMA(), lambda: stream_bomb(lzma.LZMACompressor, pieces=1)),
    "zstd-16GB-header": (numcodecs.Zstd(), lambda: zstd_frame(16 * 10**9)),
    "zstd-no-size-1.5GiB": (numcodecs.Zstd(), lambda: zstd_frame(None, blocks=12288)),
    "zstd-two-frames": (numcodecs.Zstd(), lambda: zstd_frame(LIMIT - 10) + zstd_frame(LIMIT - 10)),
    "blosc-2GB-header": (numcodecs.Blosc(), lambda: blosc_claiming(2 * 10**9)),
    "lz4-2GB-header": (numcodecs.LZ4(), lambda: lz4_claiming(2 * 10**9)),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_bomb_is_refused_with_bounded_memory(name):
    codec, make = BOMBS[name]
    data = make()
    assert len(data) < 8 * 2**20  # small on disk ...
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"more than the 2\.1 MB this chunk can hold"):
            bounded_decode(codec, data, LIMIT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    dictionary = 16 * 2**20 if name == "lzma" else 0  # liblzma's own state (8 MiB dictionary at preset 6)
    assert peak < 2 * LIMIT + len(data) + 2**20 + dictionary  # ... and never inflated beyond the chunk's size


def test_lzma_header_claiming_a_huge_dictionary_is_refused():
    codec = numcodecs.LZMA(format=lzma.FORMAT_ALONE)
    data = bytearray(codec.encode(np.zeros(1000, "u2")))
    data[1:5] = struct.pack("<I", 0xFFFFFFFF)  # .lzma header: dictionary size
    with pytest.raises(ValueError, match="lzma data is corrupt"):
        bounded_decode(codec, bytes(data), LIMIT)


@pytest.mark.parametrize("codec", [numcodecs.GZip(), numcodecs.Zlib(), numcodecs.BZ2(), numcodecs.LZMA(),
                                   numcodecs.Zstd(), numcodecs.Blosc(), numcodecs.LZ4()], ids=lambda c: c.codec_id)
def test_honest_data_decodes_exactly_as_numcodecs(codec):
    values = (np.arange(1024 * 1024) % 1000).astype("u2")
    encoded = codec.encode(values)
    got = bounded_decode(codec, encoded, values.nbytes)
    assert bytes(got) == bytes(codec.decode(encoded)) == values.tobytes()
    with pytest.raises(ValueError, match="this chunk can hold"):  # one byte less is too little
        bounded_decode(codec, encoded, values.nbytes - 1)


def test_multi_member_gzip_and_zstd_frames_without_size_decode():
    assert bounded_decode(numcodecs.GZip(), gzip_bomb(2), 2 * len(ZEROS)) == 2 * ZEROS
    assert bytes(bounded_decode(numcodecs.Zstd(), zstd_frame(None, blocks=4), 4 << 17)) == b"\x07" * (4 << 17)
    assert zstd_bound(memoryview(zstd_frame(None, blocks=4)), 10**9) == 4 << 17


def test_corrupt_data_is_a_value_error_whatever_the_library_raises():
    for codec, data in [(numcodecs.GZip(), b"\x1f\x8b" + b"x" * 30), (numcodecs.Zlib(), b"nonsense"),
                        (numcodecs.BZ2(), b"BZh9" + b"x" * 20), (numcodecs.LZMA(), b"\xfd7zXZ\x00" + b"x" * 20),
                        (numcodecs.Zstd(), zstd_frame(100)[:-2]), (numcodecs.Blosc(), b"\x02\x01" + b"\x00" * 30)]:
        with pytest.raises(ValueError):
            bounded_decode(codec, data, LIMIT)


def test_truncated_gzip_is_refused_not_returned_short():
    data = numcodecs.GZip().encode(np.arange(1000, dtype="u2"))
    with pytest.raises(ValueError, match="truncated"):
        bounded_decode(numcodecs.GZip(), data[:-12], LIMIT)


def test_codecs_without_a_size_bound_are_refused():
    with pytest.raises(ValueError, match="cannot be checked"):
        bounded_decode(numcodecs.PackBits(), b"\x00\x01", LIMIT)
    with pytest.raises(ValueError, match="cannot be checked"):
        chain_limits([numcodecs.PackBits()], LIMIT)


def test_filter_chain_limits_follow_each_encoding_step():
    # delta u2 -> u1 halves the bytes before compression; crc32c adds 4
    codecs = [numcodecs.Delta("u2", astype="u1"), numcodecs.CRC32C(), numcodecs.GZip()]
    limits, encoded = chain_limits(codecs, 2000)
    assert limits == [2000, 1000, 1004] and encoded > 1004


V2_DOC = {"zarr_format": 2, "shape": [1024, 1024], "chunks": [1024, 1024], "dtype": "<u2", "order": "C",
          "fill_value": 0, "filters": None, "dimension_separator": "/"}


def _v3_doc(codecs, shard=None):
    doc = {"zarr_format": 3, "node_type": "array", "shape": [1024, 1024], "data_type": "uint16",
           "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [1024, 1024]}},
           "chunk_key_encoding": {"name": "default"}, "fill_value": 0, "codecs": codecs}
    if shard:
        doc["codecs"] = [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": shard, "codecs": codecs, "index_codecs": [{"name": "bytes"}, {"name": "crc32c"}]}}]
    return doc


def _shard_of(chunks: list[bytes]) -> bytes:
    """A shard file: the chunks, then the index (offset, nbytes per chunk) and its crc32c."""
    index, offset = [], 0
    for c in chunks:
        index += [offset, len(c)]
        offset += len(c)
    raw = np.array(index, "<u8").tobytes()
    return b"".join(chunks) + bytes(numcodecs.CRC32C().encode(raw))


@pytest.mark.parametrize("fmt", ["v2", "v3", "v3-sharded"])
@pytest.mark.parametrize("bomb", ["gzip", "zstd"])
def test_array_chunks_refuse_bombs_in_both_formats(fmt, bomb):
    data = gzip_bomb(8) if bomb == "gzip" else zstd_frame(16 * 10**9)
    if fmt == "v2":
        info = parse_array_doc("a", {**V2_DOC, "compressor": {"id": bomb}}, 2)
    else:
        codecs = [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": bomb, "configuration": {}}]
        info = parse_array_doc("a", _v3_doc(codecs, shard=[512, 1024] if "sharded" in fmt else None), 3)
    arr = ArrayChunks(info)
    if arr.shard is not None:
        data = _shard_of([data, data])
    with pytest.raises(ValueError, match="this chunk can hold"):
        arr.decode_unit(arr.open_file(data), (0, 0))


def test_a_chunk_larger_than_max_decoded_bytes_is_refused_before_decoding():
    arr = ArrayChunks(parse_array_doc("a", {**V2_DOC, "compressor": {"id": "zstd"}}, 2))
    previous = set_read_limits(max_decoded_bytes=LIMIT - 1)
    try:
        with pytest.raises(ValueError, match="max_decoded_bytes"):
            arr.decode_unit(zstd_frame(None), (0, 0))
    finally:
        set_read_limits(**dataclasses.asdict(previous))


@pytest.mark.parametrize("chunks", [[0, 1024], [1024], [1024, -1], [1024, 1.5], [True, 1024]])
def test_bad_chunk_shapes_are_value_errors(chunks):
    doc = {**V2_DOC, "chunks": chunks, "compressor": None}
    with pytest.raises(ValueError, match="chunk"):
        ArrayChunks(parse_array_doc("a", doc, 2))
    info = parse_array_doc("a", V2_DOC, 2)  # the model checks too; this reader must not rely on it
    with pytest.raises(ValueError, match="chunk shape"):
        ArrayChunks(dataclasses.replace(info, doc=doc))


def test_whole_shard_compression_is_bounded_by_the_shard_size():
    inner = [{"name": "bytes", "configuration": {"endian": "little"}}]
    doc = _v3_doc(inner, shard=[512, 1024])
    doc["codecs"].append({"name": "gzip", "configuration": {"level": 1}})
    arr = ArrayChunks(parse_array_doc("a", doc, 3))
    with pytest.raises(ValueError, match="this chunk can hold"):
        arr.open_file(gzip_bomb(8))  # 128 MiB from a 2 MiB shard of two 1 MiB chunks: refused


def test_refusal_holds_under_a_memory_cap_in_a_subprocess(tmp_path):
    """The 1.5 GiB gzip bomb and the 16 GB zstd claim, decoded with 1.5 GiB of address space."""
    (tmp_path / "gzip").write_bytes(gzip_bomb())
    (tmp_path / "zstd").write_bytes(zstd_frame(16 * 10**9))
    doc = json.dumps({**V2_DOC, "compressor": None})
    script = textwrap.dedent(f"""
        import json, resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**29, 3 * 2**29))
        from imaging_explorer.io.chunks import ArrayChunks
        from imaging_explorer.io.documents import parse_array_doc
        doc = json.loads({doc!r})
        for codec in ("gzip", "zstd"):
            arr = ArrayChunks(parse_array_doc("a", dict(doc, compressor={{"id": codec}}), 2))
            try:
                arr.decode_unit(open(sys.argv[1] + "/" + codec, "rb").read(), (0, 0))
            except ValueError as e:
                print(codec, "refused:", e)
    """)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "gzip refused:" in done.stdout and "zstd refused:" in done.stdout
