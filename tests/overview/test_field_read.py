"""The lean chunk reader of the overview gives exactly what zarr-python reads, for every encoding."""

from __future__ import annotations

import json

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, ShardingCodec, TransposeCodec, ZstdCodec

from imaging_explorer.overview.thumbnails import FieldRead
from imaging_explorer.io.location import Location
from imaging_explorer.io.documents import parse_array_doc


def _data(shape, dtype="uint16", seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.normal(size=shape).astype(dtype)
    return rng.integers(1, 5000, size=shape).astype(dtype)


def _lean(root, names, z="middle", t=0, key="arr"):
    """Read array ``key`` under ``root`` with the overview's reader; return (c, y, x)."""
    fmt = 3 if (root / key / "zarr.json").exists() else 2
    doc = json.loads((root / key / ("zarr.json" if fmt == 3 else ".zarray")).read_text())
    read = FieldRead(key, parse_array_doc(key, doc, fmt), list(names), z, t)
    loc = Location(root)
    return read.assemble(loc.read_bytes_many(list(set(read.files.values()))))


def _ref(arr, names, z="middle", t=0):
    """What the overview should show, computed from zarr-python's read of the whole array."""
    a = arr[...]
    names = list(names)
    for i in reversed(range(len(names))):
        if names[i] == "t":
            a = a.take(t, axis=i)
        elif names[i] == "z":
            a = a.max(axis=i) if z == "max" else a.take(a.shape[i] // 2, axis=i)
        else:
            continue
        del names[i]
    if "c" not in names:
        a, names = a[None], ["c", *names]
    return a.transpose([names.index(n) for n in "cyx"])


V3_CASES = {
    "edge-chunks": dict(chunks=(1, 16, 24)),
    "gzip+crc": dict(chunks=(2, 32, 32), compressors=[GzipCodec(level=3), Crc32cCodec()]),
    "zstd": dict(chunks=(3, 20, 20), compressors=[ZstdCodec(level=1)]),
    "big-endian": dict(chunks=(1, 32, 32), serializer=BytesCodec(endian="big")),
    "transpose": dict(chunks=(3, 16, 32), filters=[TransposeCodec(order=(2, 0, 1))]),
    "dot-keys": dict(chunks=(1, 32, 32), chunk_key_encoding={"name": "default", "separator": "."}),
    "v2-keys": dict(chunks=(1, 32, 32), chunk_key_encoding={"name": "v2", "separator": "/"}),
    "sharded": dict(chunks=(1, 16, 16), shards=(2, 32, 48)),
    "sharded-edge": dict(chunks=(1, 10, 10), shards=(1, 20, 30)),
    "uncompressed": dict(chunks=(1, 50, 70), compressors=None),
}


@pytest.mark.parametrize("case", list(V3_CASES))
def test_v3_encodings_match_zarr(tmp_path, case):
    data = _data((3, 50, 70))
    arr = zarr.create_array(str(tmp_path / "arr"), shape=data.shape, dtype=data.dtype, **V3_CASES[case])
    arr[...] = data
    assert np.array_equal(_lean(tmp_path, "cyx"), _ref(arr, "cyx"))


def test_v3_shard_index_at_start_and_missing_inner_chunks(tmp_path):
    inner = ShardingCodec(chunk_shape=(8, 8), codecs=[BytesCodec(), BloscCodec()], index_location="start")
    arr = zarr.create_array(str(tmp_path / "arr"), shape=(40, 36), dtype="int32", chunks=(16, 16),
                            serializer=inner, fill_value=-3)
    data = _data((40, 36), "int32")
    data[:8, :] = -3  # whole inner chunks of fill: zarr leaves them out of the shard
    arr[...] = data
    assert json.loads((tmp_path / "arr/zarr.json").read_text())["codecs"][0]["configuration"]["index_location"] == "start"
    got = _lean(tmp_path, "yx")
    assert got.shape == (1, 40, 36) and np.array_equal(got, _ref(arr, "yx"))


def test_v3_missing_chunks_and_shards_read_as_fill_value(tmp_path):
    for key, shards in (("plain", None), ("sharded", (20, 20))):
        arr = zarr.create_array(str(tmp_path / key), shape=(40, 40), dtype="float32", chunks=(10, 10),
                                shards=shards, fill_value=float("nan"))
        arr[:10, :25] = 1.5  # most chunks and three of the four shards are never written
        got = _lean(tmp_path, "yx", key=key)
        np.testing.assert_array_equal(got, _ref(arr, "yx"))
        assert np.isnan(got[0, 30, 30]) and got[0, 0, 0] == 1.5


V2_CASES = {
    "F-order": dict(order="F", chunks=(2, 16, 24)),
    "dot-separator": dict(chunks=(1, 16, 24), chunk_key_encoding={"name": "v2", "separator": "."}),
    "slash-separator": dict(chunks=(1, 16, 24), chunk_key_encoding={"name": "v2", "separator": "/"}),
    "zlib+delta": dict(chunks=(3, 20, 20), compressors=numcodecs.Zlib(level=1), filters=[numcodecs.Delta(dtype="<u2")]),
    "big-endian": dict(chunks=(1, 32, 32), dtype=">u2"),
    "no-compressor": dict(chunks=(1, 50, 70), compressors=None),
}


@pytest.mark.parametrize("case", list(V2_CASES))
def test_v2_encodings_match_zarr(tmp_path, case):
    kw = dict(V2_CASES[case])
    dtype = kw.pop("dtype", "<u2")
    data = _data((3, 50, 70)).astype(dtype)
    arr = zarr.create_array(str(tmp_path / "arr"), shape=data.shape, dtype=dtype, zarr_format=2, **kw)
    arr[...] = data
    got = _lean(tmp_path, "cyx")
    assert got.dtype.isnative and np.array_equal(got, _ref(arr, "cyx"))


def test_v2_missing_chunks_fill_value(tmp_path):
    arr = zarr.create_array(str(tmp_path / "arr"), shape=(30, 30), dtype="uint8", chunks=(10, 10),
                            zarr_format=2, fill_value=7)
    arr[10:20, 10:20] = 200
    assert np.array_equal(_lean(tmp_path, "yx"), _ref(arr, "yx"))


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("z", ["middle", "max"])
def test_tczyx_plane_selection(tmp_path, version, z):
    data = _data((3, 2, 5, 24, 20))
    arr = zarr.create_array(str(tmp_path / "arr"), shape=data.shape, dtype=data.dtype, chunks=(1, 1, 2, 16, 16),
                            zarr_format=version)
    arr[...] = data
    for t in (0, 2):
        got = _lean(tmp_path, "tczyx", z=z, t=t)
        assert got.shape == (2, 24, 20)
        assert np.array_equal(got, _ref(arr, "tczyx", z=z, t=t))
    # a t beyond this field's range shows its last time point (plates are not uniform)
    assert np.array_equal(_lean(tmp_path, "tczyx", z=z, t=9), _ref(arr, "tczyx", z=z, t=2))


def test_zyx_without_channel_axis(tmp_path):
    arr = zarr.create_array(str(tmp_path / "arr"), shape=(4, 30, 30), dtype="uint16", chunks=(1, 30, 30))
    arr[...] = _data((4, 30, 30))
    got = _lean(tmp_path, "zyx", z="max")
    assert got.shape == (1, 30, 30) and np.array_equal(got, _ref(arr, "zyx", z="max"))


def test_only_chunks_of_the_shown_plane_are_read(tmp_path):
    arr = zarr.create_array(str(tmp_path / "arr"), shape=(2, 7, 32, 32), dtype="uint16", chunks=(1, 1, 32, 32))
    arr[...] = 1
    doc = json.loads((tmp_path / "arr/zarr.json").read_text())
    read = FieldRead("arr", parse_array_doc("arr", doc, 3), ["c", "z", "y", "x"], "middle", 0)
    assert sorted(read.files.values()) == ["arr/c/0/3/0/0", "arr/c/1/3/0/0"]


def test_unsupported_codec_is_refused_when_planning(tmp_path):
    doc = {"zarr_format": 3, "node_type": "array", "shape": [4, 4], "data_type": "uint8",
           "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4, 4]}},
           "chunk_key_encoding": {"name": "default"}, "fill_value": 0,
           "codecs": [{"name": "bytes"}, {"name": "mystery"}]}
    with pytest.raises(ValueError, match="mystery"):
        FieldRead("arr", parse_array_doc("arr", doc, 3), ["y", "x"], "middle", 0)


def test_object_codecs_are_refused_even_past_the_model(tmp_path):
    from imaging_explorer.io.chunks import ArrayChunks
    from imaging_explorer.io.documents import ArrayInfo

    doc = {"zarr_format": 2, "shape": [4], "chunks": [4], "dtype": "<u2", "order": "C", "fill_value": 0,
           "compressor": None, "filters": [{"id": "pickle"}]}
    with pytest.raises(ValueError, match="refused"):
        ArrayChunks(ArrayInfo("arr", (4,), np.dtype("<u2"), (4,), 2, doc))
