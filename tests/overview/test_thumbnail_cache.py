"""The thumbnail cache: hit, miss, new key on new metadata, atomic files outside the dataset."""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import threading

import numpy as np
import pytest

import imaging_explorer as ie
from imaging_explorer._dirs import cache_dir
from imaging_explorer.overview import ThumbnailCache, read_thumbnails

pytestmark = pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")


@pytest.fixture
def plate_copy(tiny_plate, tmp_path):
    return shutil.copytree(tiny_plate, tmp_path / "plate.zarr")


def _count_reads(monkeypatch, plate):
    loc = plate.store_location
    real, seen = loc.read_bytes_many, []

    def counting(keys, **kw):
        seen.extend(keys)
        return real(keys, **kw)

    monkeypatch.setattr(loc, "read_bytes_many", counting)
    return seen


def test_default_folder_is_the_user_cache():
    assert ThumbnailCache().folder == cache_dir() / "thumbnails"


def test_miss_then_hit(plate_copy, tmp_path, monkeypatch):
    cache = ThumbnailCache(tmp_path / "cache")
    plate = ie.open_plate(plate_copy)
    before = sorted(p.relative_to(plate_copy) for p in plate_copy.rglob("*"))
    cold = read_thumbnails(plate, cache=cache)
    files = list((tmp_path / "cache").iterdir())
    assert [f.suffix for f in files] == [".npz"]  # no temporary file left behind
    assert sorted(p.relative_to(plate_copy) for p in plate_copy.rglob("*")) == before  # dataset untouched

    plate = ie.open_plate(plate_copy)
    seen = _count_reads(monkeypatch, plate)
    warm = read_thumbnails(plate, cache=cache)
    assert seen == []  # every thumbnail came from the cache
    assert set(warm) == set(cold) and warm.levels == cold.levels and warm.errors == {}
    for key, img in cold.items():
        assert warm[key].dtype == img.dtype and np.array_equal(warm[key], img)
        assert warm[key].flags.writeable
    # other parameters are another entry
    read_thumbnails(plate, cache=cache, z="max", min_size=100)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 2


def test_changed_metadata_gives_a_new_key(plate_copy, tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    key = cache.key(ie.open_plate(plate_copy))
    assert cache.key(ie.open_plate(plate_copy)) == key
    assert cache.key(ie.open_plate(plate_copy), z="max") != key
    doc_path = plate_copy / "A/1/0/2/zarr.json"
    doc = json.loads(doc_path.read_text())
    doc["fill_value"] = 1
    doc_path.write_text(json.dumps(doc))
    assert cache.key(ie.open_plate(plate_copy)) != key
    other = shutil.copytree(plate_copy, tmp_path / "other.zarr")
    assert cache.key(ie.open_plate(other)) != cache.key(ie.open_plate(plate_copy))


def test_partial_hit_reads_only_the_rest_and_failures_are_not_cached(plate_copy, tmp_path, monkeypatch):
    cache = ThumbnailCache(tmp_path / "cache")
    plate = ie.open_plate(plate_copy)
    fields = sorted(f.path for w in plate.wells.values() for f in w.fields)
    read_thumbnails(plate, fields=fields[:2], cache=cache)
    (plate_copy / "B/1/0/2/c/0/0/0").write_bytes(b"broken")
    seen = _count_reads(monkeypatch, plate)
    got = read_thumbnails(plate, cache=cache)
    assert not any(k.startswith(tuple(fields[:2])) for k in seen)
    assert set(got.errors) == {"B/1/0"} and got["B/1/0"] is None
    assert set(cache.load(cache.key(plate))) == set(fields) - {"B/1/0"}  # retried next time


def test_broken_cache_file_is_a_miss(plate_copy, tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    plate = ie.open_plate(plate_copy)
    key = cache.key(plate)
    read_thumbnails(plate, cache=cache)
    cache.path(key).write_bytes(b"not a zip file")
    assert len(cache.load(key)) == 0
    assert read_thumbnails(plate, cache=cache).errors == {}
    assert len(cache.load(key)) == len(plate.wells)  # rewritten (one field per well)


def test_old_files_are_evicted(plate_copy, tmp_path):
    cache = ThumbnailCache(tmp_path / "cache", max_files=2)
    plate = ie.open_plate(plate_copy)
    for t in range(4):
        read_thumbnails(plate, cache=cache, t=t, min_size=64 + t)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 2


def _check_thumbnails(plate, got):
    assert got.errors == {} and len(got) == sum(len(w.fields) for w in plate.wells.values())
    assert all(v is not None for v in got.values())


def test_a_folder_where_the_file_should_be_does_not_abort(plate_copy, tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    plate = ie.open_plate(plate_copy)
    cache.path(cache.key(plate)).mkdir(parents=True)
    with pytest.warns(RuntimeWarning, match="thumbnail cache not written"):
        got = read_thumbnails(plate, cache=cache)
    _check_thumbnails(plate, got)
    assert len(cache.load(cache.key(plate))) == 0  # and the folder is a miss, not an error


def test_permission_denied_does_not_abort(plate_copy, tmp_path, monkeypatch):
    # a read-only folder, simulated: the tests may run as root, who can write anywhere
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    plate = ie.open_plate(plate_copy)
    with pytest.warns(RuntimeWarning, match="Permission denied"):
        _check_thumbnails(plate, read_thumbnails(plate, cache=ThumbnailCache(tmp_path / "cache")))


def test_a_cache_folder_that_is_a_file_does_not_abort(plate_copy, tmp_path):
    (tmp_path / "cache").write_text("not a folder")
    plate = ie.open_plate(plate_copy)
    with pytest.warns(RuntimeWarning):
        _check_thumbnails(plate, read_thumbnails(plate, cache=ThumbnailCache(tmp_path / "cache")))


def test_disk_full_does_not_abort(plate_copy, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    cache = ThumbnailCache(tmp_path / "cache")
    plate = ie.open_plate(plate_copy)
    with pytest.warns(RuntimeWarning, match="No space left"):
        _check_thumbnails(plate, read_thumbnails(plate, cache=cache))
    assert list((tmp_path / "cache").iterdir()) == []  # no temporary file left behind


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_in_the_cache_folder_is_never_waited_on(plate_copy, tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    plate = ie.open_plate(plate_copy)
    key = cache.key(plate)
    cache.folder.mkdir()
    os.mkfifo(cache.path(key))
    os.mkfifo(cache.folder / "other.npz")  # eviction must not open it either
    result: list = []
    worker = threading.Thread(target=lambda: result.append(read_thumbnails(plate, cache=cache)), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "read_thumbnails hangs on a FIFO in the cache folder"
    _check_thumbnails(plate, result[0])
    assert len(cache.load(key)) == len(result[0])  # the FIFO was replaced by the real file


def test_a_blob_whose_header_disagrees_with_the_index_is_a_miss(plate_copy, tmp_path):
    cache = ThumbnailCache(tmp_path / "cache")
    plate = ie.open_plate(plate_copy)
    key = cache.key(plate)
    read_thumbnails(plate, cache=cache)
    with np.load(cache.path(key)) as npz:
        members = {k: npz[k] for k in npz.files}
    index = json.loads(members["index"].tobytes())
    index["parts"][0]["size"] = 2**40  # would allocate a TB for the part
    members["index"] = np.frombuffer(json.dumps(index).encode(), np.uint8)
    np.savez(cache.path(key), **members)
    assert len(cache.load(key)) == 0
