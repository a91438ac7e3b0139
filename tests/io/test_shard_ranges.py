"""Sharded v3 arrays are read by byte ranges (io/ranges.py): the shard index, then only the inner
chunks asked for, never the whole shard file; locally and over HTTP (tests/http_server.py)."""

from __future__ import annotations

import os
import threading

import numcodecs
import numpy as np
import pytest
import zarr
from builders import hand_plate
from zarr.codecs import ZstdCodec

import imaging_explorer as ie
from imaging_explorer.errors import PlateError
from imaging_explorer.io import ranges, remote
from imaging_explorer.io.location import Location
from imaging_explorer.overview.thumbnails import read_thumbnails

pytest.importorskip("aiohttp", reason="fsspec's HTTP file system needs aiohttp (a dev dependency)")
from http_server import serve

pytestmark = pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")

SHAPE = (2, 512, 512)
CHUNKS = (1, 64, 64)
SHARD_KEY = "A/1/0/0/c/0/0/0"
INDEX_BYTES = 2 * 8 * 8 * 16 + 4  # 128 inner chunks of (offset, length) uint64, crc32c


@pytest.fixture(autouse=True)
def _no_metadata_cache(monkeypatch):
    monkeypatch.setenv("IMAGING_EXPLORER_METADATA_CACHE", "off")


def _plate(tmp_path, index_location="end", sparse=False, compressors=None):
    """A plate whose field A/1/0 is one 2x512x512 uint16 shard of 64x64 inner chunks (random values:
    the shard is ~1 MiB); ``sparse``: only some inner chunks written, the others absent (fill 7)."""
    path = hand_plate(tmp_path / "p.zarr", version="0.5", shape=SHAPE, levels=("0",))
    arr = zarr.create_array(str(path / "A/1/0/0"), shape=SHAPE, dtype="uint16", chunks=CHUNKS,
                            shards={"shape": SHAPE, "index_location": index_location},
                            compressors=compressors, fill_value=7, overwrite=True)
    rng = np.random.default_rng(0)
    if sparse:
        arr[0, :64, :64] = rng.integers(0, 5000, (64, 64))
        arr[1, 100:200, 300:400] = rng.integers(0, 5000, (100, 100))
    else:
        arr[...] = rng.integers(0, 5000, SHAPE)
    return path, zarr.open_array(str(path / "A/1/0/0"), mode="r")[...]


class Spy:
    """Records what Location reads: ranges asked and the bytes they returned, whole keys asked."""

    def __init__(self, monkeypatch):
        self.ranges: list[tuple[str, int, int | None]] = []
        self.range_bytes = 0
        self.whole: list[str] = []
        read_ranges, read_bytes_many = Location.read_ranges, Location.read_bytes_many
        spy = self

        def ranged(loc, requests, max_bytes=None):
            out = read_ranges(loc, requests, max_bytes)
            spy.ranges += requests
            spy.range_bytes += sum(len(v) for v in out.values() if isinstance(v, bytes))
            return out

        def whole(loc, keys, max_bytes=None):
            spy.whole += keys
            return read_bytes_many(loc, keys, max_bytes)

        monkeypatch.setattr(Location, "read_ranges", ranged)
        monkeypatch.setattr(Location, "read_bytes_many", whole)


@pytest.mark.parametrize("index_location", ["end", "start"])
def test_one_inner_chunk_over_http_reads_the_index_and_that_chunk_only(tmp_path, monkeypatch, index_location):
    path, values = _plate(tmp_path, index_location)
    shard_size = (path / SHARD_KEY).stat().st_size
    assert shard_size > 2**20
    spy = Spy(monkeypatch)
    with serve(tmp_path) as url:
        plate = ie.open_plate(f"{url}/p.zarr")
        level = plate.wells["A/1"].fields[0].levels[0]
        spy.ranges.clear()
        got = level[1, 64:128, 128:192].compute()
        assert url.requests[f"p.zarr/{SHARD_KEY}"] == 2  # the index, then the one chunk
    assert np.array_equal(got, values[1, 64:128, 128:192])
    assert SHARD_KEY not in [k.rsplit("p.zarr/", 1)[-1] for k in spy.whole]
    index = (SHARD_KEY, -INDEX_BYTES, None) if index_location == "end" else (SHARD_KEY, 0, INDEX_BYTES)
    assert spy.ranges[0] == index
    assert len(spy.ranges) == 2 and spy.ranges[1][2] - spy.ranges[1][1] == 64 * 64 * 2  # uncompressed
    assert spy.range_bytes == INDEX_BYTES + 64 * 64 * 2  # 10 kB of a 1 MB shard


@pytest.mark.parametrize("index_location", ["end", "start"])
def test_values_equal_zarr_with_absent_inner_chunks_locally_and_over_http(tmp_path, monkeypatch, index_location):
    path, values = _plate(tmp_path, index_location, sparse=True, compressors=[ZstdCodec(level=1)])
    monkeypatch.setattr(ranges, "LOCAL_RANGE_FACTOR", 0)  # ranges on the local disk too
    spy = Spy(monkeypatch)
    boxes = [np.s_[...], np.s_[0, :64, :64], np.s_[1, 90:210, 250:450], np.s_[:, 400:, 400:]]
    with serve(tmp_path) as url:
        for where in (path, f"{url}/p.zarr"):
            level = ie.open_plate(where).wells["A/1"].fields[0].levels[0]
            for box in boxes:
                assert np.array_equal(level[box].compute(), values[box]), (where, box)
    assert (values == 7).mean() > 0.9 and spy.ranges  # the whole array ([...]) reads the shard whole


def test_an_absent_shard_is_fill(tmp_path, monkeypatch):
    path = hand_plate(tmp_path / "p.zarr", version="0.5", shape=SHAPE, levels=("0",))
    arr = zarr.create_array(str(path / "A/1/0/0"), shape=SHAPE, dtype="uint16", chunks=CHUNKS,
                            shards=(2, 256, 256), fill_value=3, overwrite=True)
    arr[:, :256, :256] = 9  # one of four shards
    spy = Spy(monkeypatch)
    with serve(tmp_path) as url:
        level = ie.open_plate(f"{url}/p.zarr").wells["A/1"].fields[0].levels[0]
        assert np.array_equal(level[:, 200:300, 200:300].compute(), arr[:, 200:300, 200:300])  # 4 shards
        assert spy.ranges and not [k for k in spy.whole if "/c/" in k]
        assert np.array_equal(level.compute(), arr[...])


ZSHAPE = (2, 8, 256, 256)


def _zplate(tmp_path, index_location):
    """A z-stack field A/1/0 in one shard of 1x1x64x64 chunks, some absent: the thumbnail (middle z)
    needs an eighth of the shard."""
    path = hand_plate(tmp_path / "p.zarr", version="0.5", shape=ZSHAPE, axes="czyx", levels=("0",))
    arr = zarr.create_array(str(path / "A/1/0/0"), shape=ZSHAPE, dtype="uint16", chunks=(1, 1, 64, 64),
                            shards={"shape": ZSHAPE, "index_location": index_location},
                            compressors=None, fill_value=7, overwrite=True)
    rng = np.random.default_rng(1)
    arr[:, :, :128, :] = rng.integers(0, 5000, (2, 8, 128, 256))  # the lower half: absent chunks
    return path, zarr.open_array(str(path / "A/1/0/0"), mode="r")[...]


@pytest.mark.parametrize("index_location", ["end", "start"])
@pytest.mark.parametrize("merge_gap", [0, ranges._MERGE_GAP])
def test_thumbnails_over_http_equal_zarr_and_read_no_whole_shard(tmp_path, monkeypatch, index_location, merge_gap):
    path, values = _zplate(tmp_path, index_location)
    monkeypatch.setattr(ranges, "_MERGE_GAP", merge_gap)
    spy = Spy(monkeypatch)
    with serve(tmp_path) as url:
        thumbs = read_thumbnails(ie.open_plate(f"{url}/p.zarr"), ["A/1/0"])
    assert thumbs.errors == {}
    assert np.array_equal(thumbs["A/1/0"], values[:, 4])
    assert spy.ranges[0][0] == f"{SHARD_KEY}/0" and not [k for k in spy.whole if "/c/" in k]
    needed = 2 * 8 * 4 * 4 * 16 + 4 + 2 * 8 * 64 * 64 * 2  # the index and the 16 chunks written of z = 4
    if merge_gap == 0:
        assert spy.range_bytes == needed
    else:  # neighbours merged: a few chunks between them read too, far from the whole shard
        assert needed <= spy.range_bytes < (path / f"{SHARD_KEY}/0").stat().st_size / 2


@pytest.mark.parametrize("index_location", ["end", "start"])
def test_local_thumbnails_by_ranges_equal_zarr(tmp_path, index_location):
    path, values = _zplate(tmp_path, index_location)
    thumbs = read_thumbnails(ie.open_plate(path), ["A/1/0"])
    assert thumbs.errors == {} and np.array_equal(thumbs["A/1/0"], values[:, 4])


def test_local_small_shards_are_read_whole_large_ones_by_ranges(tmp_path, monkeypatch):
    path, values = _plate(tmp_path)
    spy = Spy(monkeypatch)
    level = ie.open_plate(path).wells["A/1"].fields[0].levels[0]
    assert np.array_equal(level[0, :64, :64].compute(), values[0, :64, :64])  # 8 kB of a 1 MB shard
    assert spy.ranges and SHARD_KEY not in spy.whole
    spy.ranges.clear()
    assert np.array_equal(level.compute(), values)  # all of it: one whole read
    assert SHARD_KEY in spy.whole and not spy.ranges
    assert np.array_equal(level[:, :320, :].compute(), values[:, :320, :])  # 80 of 128 chunks: the shard
    assert SHARD_KEY in spy.whole and not spy.ranges                      # is < 4x that: read whole
    thumbs = read_thumbnails(ie.open_plate(path), ["A/1/0"])
    assert np.array_equal(thumbs["A/1/0"], values)


def _rewrite_index(path, entry, offset, nbytes):
    shard = path / SHARD_KEY
    raw = shard.read_bytes()
    index = np.frombuffer(raw[-INDEX_BYTES:-4], "<u8").reshape(-1, 2).copy()
    index[entry] = (offset, nbytes)
    body = index.astype("<u8").tobytes()
    shard.write_bytes(raw[:-INDEX_BYTES] + body + bytes(numcodecs.CRC32C().encode(body))[-4:])
    return len(raw)


def test_an_index_past_the_end_is_plate_error_naming_the_shard(tmp_path, monkeypatch):
    path, values = _plate(tmp_path)
    size = _rewrite_index(path, 0, 2**20 + 2**19, 8192)  # inner chunk (0, 0, 0): past the end
    with serve(tmp_path) as url:
        for where in (path, f"{url}/p.zarr"):
            level = ie.open_plate(where).wells["A/1"].fields[0].levels[0]
            with pytest.raises(PlateError, match="past the end") as info:
                level[0, :64, :64].compute()
            assert info.value.location.endswith(SHARD_KEY)
            assert np.array_equal(level[0, 64:128, :64].compute(), values[0, 64:128, :64])  # others read
        thumbs = read_thumbnails(ie.open_plate(f"{url}/p.zarr"), ["A/1/0"])
    assert thumbs["A/1/0"] is None and SHARD_KEY in thumbs.errors["A/1/0"]
    assert "past the end" in thumbs.errors["A/1/0"] and size > 2**20


def test_an_inner_chunk_larger_than_its_values_allow_is_refused_before_reading(tmp_path, monkeypatch):
    path, _ = _plate(tmp_path)
    _rewrite_index(path, 0, 0, 2**30)  # 1 GiB claimed for 8 kB of values
    spy = Spy(monkeypatch)
    with serve(tmp_path) as url:
        level = ie.open_plate(f"{url}/p.zarr").wells["A/1"].fields[0].levels[0]
        with pytest.raises(PlateError, match="this chunk can hold") as info:
            level[0, :64, :64].compute()
    assert info.value.location.endswith(SHARD_KEY)
    assert spy.range_bytes <= INDEX_BYTES  # only the index was read


def test_a_corrupt_index_checksum_is_plate_error(tmp_path):
    path, _ = _plate(tmp_path)
    shard = path / SHARD_KEY
    raw = bytearray(shard.read_bytes())
    raw[-10] ^= 0xFF
    shard.write_bytes(bytes(raw))
    with serve(tmp_path) as url:
        level = ie.open_plate(f"{url}/p.zarr").wells["A/1"].fields[0].levels[0]
        with pytest.raises(PlateError) as info:
            level[0, :64, :64].compute()
    assert info.value.location.endswith(SHARD_KEY)


def _in_thread(fn, timeout=30):
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "hung"
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_in_place_of_a_shard_is_refused_without_hanging(tmp_path, monkeypatch):
    path, _ = _plate(tmp_path)
    monkeypatch.setattr(ranges, "LOCAL_RANGE_FACTOR", 0)
    (path / SHARD_KEY).unlink()
    os.mkfifo(path / SHARD_KEY)
    loc = Location(path)
    got = _in_thread(lambda: loc.read_ranges([(SHARD_KEY, -INDEX_BYTES, None), (SHARD_KEY, 0, 10)]))
    assert all(isinstance(v, PlateError) and "named pipe" in v.reason for v in got.values())
    level = ie.open_plate(path).wells["A/1"].fields[0].levels[0]

    def read():
        try:
            level[0, :64, :64].compute()
        except PlateError as e:
            return e
        return None

    error = _in_thread(read)
    assert isinstance(error, PlateError) and "named pipe" in error.reason and error.location.endswith(SHARD_KEY)


def test_local_read_ranges(tmp_path):
    (tmp_path / "f").write_bytes(bytes(range(100)))
    (tmp_path / "link").symlink_to(tmp_path / "f")
    loc = Location(tmp_path)
    asks = [("f", -10, None), ("f", 5, 8), ("f", 95, 120), ("f", 200, 210), ("f", 90, None),
            ("link", 0, 3), ("gone", 0, 3), ("f", 0, 51), ("../f", 0, 3), ("f", -200, None)]
    got = loc.read_ranges(asks, max_bytes=50)
    assert got[("f", -10, None)] == bytes(range(90, 100))
    assert got[("f", 5, 8)] == bytes([5, 6, 7])
    assert got[("f", 95, 120)] == bytes(range(95, 100))  # short past the end
    assert got[("f", 200, 210)] == b""
    assert got[("f", 90, None)] == bytes(range(90, 100))
    assert got[("link", 0, 3)] == bytes([0, 1, 2])  # symlinks followed
    assert got[("gone", 0, 3)] is None
    assert isinstance(got[("f", 0, 51)], PlateError) and "limit" in got[("f", 0, 51)].reason
    assert isinstance(got[("../f", 0, 3)], PlateError)
    assert isinstance(got[("f", -200, None)], PlateError)  # a suffix longer than the limit
    assert loc.read_ranges([("f", 0, 100)], max_bytes=100)[("f", 0, 100)] == bytes(range(100))  # file > limit is fine


def test_http_read_ranges_suffix_and_past_the_end(tmp_path):
    (tmp_path / "f").write_bytes(bytes(range(100)))
    with serve(tmp_path) as url:
        loc = Location(url)
        asks = [("f", -10, None), ("f", 5, 8), ("f", 95, 120), ("f", 200, 210), ("gone", 0, 3), ("f", 0, 51)]
        got = loc.read_ranges(asks, max_bytes=50)
    assert got[("f", -10, None)] == bytes(range(90, 100))
    assert got[("f", 5, 8)] == bytes([5, 6, 7])
    assert got[("f", 95, 120)] == bytes(range(95, 100))
    assert got[("f", 200, 210)] == b""  # 416 Range Not Satisfiable: empty, not an error
    assert got[("gone", 0, 3)] is None
    assert isinstance(got[("f", 0, 51)], PlateError)


def test_a_server_ignoring_range_is_cut_to_the_range():
    whole = bytes(range(100))
    assert remote._cut(whole, -10, None) == whole[-10:]
    assert remote._cut(whole, 5, 8) == whole[5:8]
    assert remote._cut(whole[5:8], 5, 8) == whole[5:8]  # a proper 206 answer is kept


def test_a_server_ignoring_range_headers_gives_the_same_values(tmp_path, monkeypatch):
    """Python's http.server answers every Range with the whole file: values still right, and
    the shards are then read whole (not once per range)."""
    from builders import serve_folder

    _, values = _zplate(tmp_path, "end")
    spy = Spy(monkeypatch)
    with serve_folder(tmp_path) as url:
        plate = ie.open_plate(f"{url}/p.zarr")
        level = plate.wells["A/1"].fields[0].levels[0]
        assert np.array_equal(level[0, 4, :64, :64].compute(), values[0, 4, :64, :64])
        spy.ranges.clear()
        assert np.array_equal(level[1, 3, 64:200, 10:20].compute(), values[1, 3, 64:200, 10:20])
        thumbs = read_thumbnails(plate, ["A/1/0"])
    assert not spy.ranges  # learnt: whole files from then on
    assert thumbs.errors == {} and np.array_equal(thumbs["A/1/0"], values[:, 4])
