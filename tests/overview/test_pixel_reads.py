"""Pixel reads of the well view (``field.levels``): equal to zarr-python, bounded, PlateError per chunk."""

from __future__ import annotations

import os
import struct
import threading

import dask.array as da
import numpy as np
import pytest
import zarr
from builders import hand_plate
from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, TransposeCodec, ZstdCodec

import imaging_explorer as ie
from imaging_explorer.errors import PlateError

pytestmark = pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")

SHAPE = (3, 50, 70)
V3 = {
    "zstd": dict(chunks=(1, 16, 24), compressors=[ZstdCodec(level=1)]),
    "gzip+crc": dict(chunks=(2, 32, 32), compressors=[GzipCodec(level=3), Crc32cCodec()]),
    "big-endian-transpose": dict(chunks=(3, 16, 32), serializer=BytesCodec(endian="big"),
                                 filters=[TransposeCodec(order=(2, 0, 1))]),
    "sharded": dict(chunks=(1, 16, 16), shards=(2, 32, 48), compressors=[BloscCodec()]),
    "uncompressed": dict(chunks=(1, 50, 70), compressors=None),
}
V2 = {
    "blosc": dict(chunks=(1, 16, 24)),
    "gzip-F-order": dict(chunks=(2, 32, 32), compressors=None, order="F"),
    "zlib+delta": dict(chunks=(1, 50, 70), compressors=None),
}


def _plate(tmp_path, version, **array_kw):
    """A hand-made plate whose field A/1/0 level 0 is written with ``array_kw``; returns (plate, values)."""
    path = hand_plate(tmp_path / "p.zarr", version=version, shape=SHAPE, levels=("0",))
    values = np.random.default_rng(0).integers(0, 5000, SHAPE).astype("uint16")
    fmt = 3 if version == "0.5" else 2
    arr = zarr.create_array(str(path / "A/1/0/0"), shape=SHAPE, dtype="uint16", overwrite=True,
                            zarr_format=fmt, **array_kw)
    arr[...] = values
    return ie.open_plate(path), values, path


def _v2_kw(case):
    kw = dict(V2[case])
    if case == "gzip-F-order":
        from numcodecs import GZip
        kw["compressors"] = GZip(level=1)
    if case == "zlib+delta":
        from numcodecs import Delta, Zlib
        kw["compressors"], kw["filters"] = Zlib(level=1), [Delta("u2")]
    return kw


@pytest.mark.parametrize("case", [f"v3-{c}" for c in V3] + [f"v2-{c}" for c in V2])
def test_levels_read_what_zarr_reads(tmp_path, case):
    fmt, name = case.split("-", 1)
    kw = V3[name] if fmt == "v3" else _v2_kw(name)
    plate, values, path = _plate(tmp_path, "0.5" if fmt == "v3" else "0.4", **kw)
    level = plate.wells["A/1"].fields[0].levels[0]
    assert isinstance(level, da.Array) and level.dtype == np.uint16 and level.shape == SHAPE
    expected_chunks = kw.get("shards") or kw["chunks"]
    assert level.chunksize == tuple(min(c, n) for c, n in zip(expected_chunks, SHAPE))
    assert level.name == f"imaging-explorer-{plate.store_location}/A/1/0/0"
    assert np.array_equal(level.compute(), values)
    assert np.array_equal(level[1, 5:40:3, ::-2].compute(), values[1, 5:40:3, ::-2])
    assert np.array_equal(level[:, 7, [3, 60, 1]].compute(), values[:, 7, [3, 60, 1]])
    assert np.array_equal(level[..., 69].compute(), values[..., 69])


def _zstd_claiming(n):
    return struct.pack("<I", 0xFD2FB528) + bytes([0xC0, 0x58]) + struct.pack("<Q", n) + b"\x0b\x00\x10\x07"


@pytest.mark.parametrize("version", ["0.5", "0.4"])
def test_a_bomb_chunk_raises_plate_error_naming_it(tmp_path, version):
    compressor = ZstdCodec() if version == "0.5" else __import__("numcodecs").Zstd()
    plate, values, path = _plate(tmp_path, version, chunks=(1, 50, 70), compressors=compressor)
    key = "A/1/0/0/c/1/0/0" if version == "0.5" else "A/1/0/0/1.0.0"
    if version == "0.4" and not (path / key).exists():
        key = "A/1/0/0/1/0/0"
    (path / key).write_bytes(_zstd_claiming(16 * 10**9))
    level = plate.wells["A/1"].fields[0].levels[0]
    with pytest.raises(PlateError) as info:
        level.compute()
    assert info.value.location.endswith(key) and "this chunk can hold" in info.value.reason
    assert np.array_equal(level[0].compute(), values[0])  # other chunks still read


def test_a_sharded_bomb_raises_plate_error(tmp_path):
    plate, values, path = _plate(tmp_path, "0.5", chunks=(1, 16, 16), shards=(1, 32, 32),
                                 compressors=[GzipCodec(level=1)])
    shard = path / "A/1/0/0/c/0/0/0"
    raw = bytearray(shard.read_bytes())
    index = np.frombuffer(bytes(raw[-(4 * 16 + 4) : -4]), "<u8").reshape(4, 2)
    import zlib

    c = zlib.compressobj(1, zlib.DEFLATED, 31)
    bomb = c.compress(bytes(2**26)) + c.flush()  # 64 MiB of zeros where 512 bytes belong
    index = index.copy()
    index[0] = (len(raw) - 68, len(bomb))  # first inner chunk -> the bomb, placed before the index
    new_index = index.astype("<u8").tobytes()
    import numcodecs

    shard.write_bytes(bytes(raw[:-68]) + bomb + new_index + bytes(numcodecs.CRC32C().encode(new_index))[-4:])
    with pytest.raises(PlateError, match=r"A/1/0/0/c/0/0/0: .*this chunk can hold"):
        plate.wells["A/1"].fields[0].levels[0][0, :16, :16].compute()


def test_garbage_chunk_is_plate_error_not_bad_gzip_file(tmp_path):
    plate, values, path = _plate(tmp_path, "0.5", chunks=(1, 50, 70), compressors=[GzipCodec()])
    (path / "A/1/0/0/c/2/0/0").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(PlateError, match=r"A/1/0/0/c/2/0/0: gzip data is (corrupt|truncated)"):
        plate.wells["A/1"].fields[0].levels[0].compute()


def test_bad_array_metadata_is_plate_error_naming_the_array(tmp_path):
    import dataclasses

    plate, values, path = _plate(tmp_path, "0.5", chunks=(1, 50, 70))
    f = plate.wells["A/1"].fields[0]
    info = f.arrays[0]
    grid = {"name": "regular", "configuration": {"chunk_shape": [1, 0, 70]}}
    f._arrays = (dataclasses.replace(info, doc={**info.doc, "chunk_grid": grid}),)
    with pytest.raises(PlateError, match=r"A/1/0/0: .*chunk shape"):
        f.levels[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_chunk_is_refused_without_hanging(tmp_path):
    plate, values, path = _plate(tmp_path, "0.5", chunks=(1, 50, 70))
    chunk = path / "A/1/0/0/c/0/0/0"
    chunk.unlink()
    os.mkfifo(chunk)
    level = plate.wells["A/1"].fields[0].levels[0]
    errors: list[BaseException] = []

    def read():
        try:
            level[0].compute()
        except BaseException as e:  # noqa: BLE001 - inspected below
            errors.append(e)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "the read waits on a FIFO"
    assert len(errors) == 1 and isinstance(errors[0], PlateError) and errors[0].location.endswith("A/1/0/0/c/0/0/0")
    assert np.array_equal(level[1].compute(), values[1])
