"""The metadata cache of remote plates: kept per location and root version, never trusted blindly."""

from __future__ import annotations

import json
import os

import pytest
from builders import omezarr_plate
from http_server import serve

import imaging_explorer as ie
from imaging_explorer.io.metadata_cache import MetadataCache, root_validator


def test_documents_come_back_for_the_same_root_version_only(tmp_path):
    cache = MetadataCache(tmp_path)
    docs = {"zarr.json": b'{"node_type": "group"}', "A/1/zarr.json": None}
    assert cache.save("http://h/p.zarr", "v1", docs)
    assert cache.load("http://h/p.zarr", "v1") == docs
    assert cache.load("http://h/p.zarr", "v2") is None  # the root changed: everything is read again
    assert cache.load("http://h/other.zarr", "v1") is None


def test_validator_needs_more_than_a_size():
    assert root_validator({"size": 120}) is None  # a same-length rewrite would go unnoticed
    assert root_validator({"size": 120, "ETag": '"abc"'}) == root_validator({"ETag": '"abc"', "size": 120})
    assert root_validator({"size": 120, "ETag": '"abc"'}) != root_validator({"size": 120, "ETag": '"abd"'})
    assert root_validator({"LastModified": "2026-01-01", "size": 3}) is not None  # S3's spelling


def test_a_damaged_or_foreign_cache_file_is_a_miss(tmp_path):
    cache = MetadataCache(tmp_path)
    cache.save("http://h/p.zarr", "v1", {"zarr.json": b"{}"})
    cache.path("http://h/p.zarr").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    assert cache.load("http://h/p.zarr", "v1") is None


def test_a_fifo_in_the_cache_folder_does_not_hang(tmp_path):
    cache = MetadataCache(tmp_path)
    os.mkfifo(cache.path("http://h/p.zarr"))
    assert cache.load("http://h/p.zarr", "v1") is None  # returns at once: no writer will ever come


def test_an_unwritable_cache_costs_only_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    assert MetadataCache(blocker / "metadata").save("http://h/p.zarr", "v1", {"zarr.json": b"{}"}) is False


def test_old_plates_are_evicted(tmp_path):
    cache = MetadataCache(tmp_path, max_plates=2)
    for i in range(4):
        cache.save(f"http://h/{i}.zarr", "v", {"zarr.json": b"{}"})
        os.utime(cache.path(f"http://h/{i}.zarr"), (1000 + i, 1000 + i))  # distinct ages, however fast the disk
    assert sorted(p.name for p in tmp_path.glob("*.docs")) == sorted(
        cache.path(f"http://h/{i}.zarr").name for i in (2, 3))


# -- a remote plate opened twice --------------------------------------------------------------

@pytest.fixture
def served_plate(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGING_EXPLORER_CACHE", str(tmp_path / "cache"))
    omezarr_plate(tmp_path / "p.zarr", version="0.5", wells=("A/1", "A/2", "B/1"))
    with serve(tmp_path) as url:
        yield tmp_path / "p.zarr", url


def _metadata_requests(url) -> int:
    return sum(n for path, n in url.requests.items() if path.endswith(("zarr.json", ".zattrs", ".zgroup", ".zmetadata")))


def test_a_remote_plate_seen_before_opens_from_the_kept_documents(served_plate):
    _, url = served_plate
    first = ie.open_plate(f"{url}/p.zarr")
    cold = _metadata_requests(url)
    again = ie.open_plate(f"{url}/p.zarr")
    warm = _metadata_requests(url) - cold
    assert cold >= 3 + 6  # root, wells, fields and their arrays
    # the root-level probes (zarr.json, .zattrs, .zgroup, .zmetadata) and the root's HEAD, nothing else
    assert warm <= 5, f"{warm} metadata requests on reopen"
    assert sorted(again.wells) == sorted(first.wells)
    assert [f.arrays for w in again.wells.values() for f in w.fields] == [f.arrays for w in first.wells.values() for f in w.fields]


def test_a_rewritten_root_reads_everything_again(served_plate):
    root, url = served_plate
    ie.open_plate(f"{url}/p.zarr")
    doc = json.loads((root / "zarr.json").read_text())
    doc["attributes"]["ome"]["plate"]["name"] = "renamed by the converter"
    (root / "zarr.json").write_text(json.dumps(doc) + " " * 7)  # new size and mtime
    os.utime(root / "zarr.json", (2e9, 2e9))
    before = _metadata_requests(url)
    again = ie.open_plate(f"{url}/p.zarr")
    assert again.name == "renamed by the converter"
    assert _metadata_requests(url) - before >= 3 + 6


def test_the_cache_can_be_turned_off(served_plate, monkeypatch):
    _, url = served_plate
    ie.open_plate(f"{url}/p.zarr")
    monkeypatch.setenv("IMAGING_EXPLORER_METADATA_CACHE", "off")
    before = _metadata_requests(url)
    ie.open_plate(f"{url}/p.zarr")
    assert _metadata_requests(url) - before >= 3 + 6
