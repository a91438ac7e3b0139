"""Local reads: only regular files (symlinks followed), bounded in size; a bad file costs its key only."""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading

import pytest

from imaging_explorer.errors import PlateError
from imaging_explorer.io import Location, local_files, set_read_limits

HANG_LIMIT = 20.0  # seconds: only catches a read that blocks


@pytest.fixture
def limits():
    previous = set_read_limits(max_document_bytes=1000, max_chunk_bytes=5000)
    yield
    set_read_limits(**dataclasses.asdict(previous))


@pytest.fixture
def plate(tmp_path):
    root = tmp_path / "p.zarr"
    root.mkdir()
    (root / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    return root


def _read(loc, keys, **kw):
    """read_bytes_many in a thread, so that a read that blocks fails the test instead of hanging it."""
    out = {}
    thread = threading.Thread(target=lambda: out.update(loc.read_bytes_many(keys, **kw)), daemon=True)
    thread.start()
    thread.join(HANG_LIMIT)
    assert not thread.is_alive(), "the read blocked"
    return out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_blocking(plate):
    os.mkfifo(plate / "fifo.json")
    got = _read(Location(plate), ["fifo.json", "zarr.json"])
    assert isinstance(got["fifo.json"], PlateError) and "named pipe" in got["fifo.json"].reason
    assert got["zarr.json"].startswith(b"{")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_a_device_is_refused(plate):
    (plate / "zero").symlink_to("/dev/zero")
    got = _read(Location(plate), ["zero"])
    assert isinstance(got["zero"], PlateError) and "a device" in got["zero"].reason


def test_symlinks_are_followed_and_loops_refused(plate, tmp_path):
    (tmp_path / "elsewhere.json").write_text('{"linked": 1}')
    (plate / "linked.json").symlink_to(tmp_path / "elsewhere.json")
    (plate / "loop").symlink_to(plate / "loop")
    got = Location(plate).read_json_many(["linked.json", "loop"])
    assert got["linked.json"] == {"linked": 1}
    assert isinstance(got["loop"], PlateError) and "loop" in got["loop"].reason


def test_a_folder_and_an_unreadable_file_cost_their_key(plate, monkeypatch):
    (plate / "folder.json").mkdir()
    (plate / "secret.json").write_text("{}")
    real = local_files._read_regular

    def denied(path, max_bytes):
        if path.endswith("secret.json"):  # as chmod 000 would, also when the tests run as root
            raise PermissionError(13, "Permission denied", path)
        return real(path, max_bytes)

    monkeypatch.setattr(local_files, "_read_regular", denied)
    got = Location(plate).read_bytes_many(["folder.json", "secret.json", "zarr.json", "absent", "zarr.json/x"])
    assert isinstance(got["folder.json"], PlateError) and "folder" in got["folder.json"].reason
    assert isinstance(got["secret.json"], PlateError) and got["secret.json"].reason == "permission denied"
    assert got["secret.json"].location.endswith("p.zarr/secret.json")
    assert got["absent"] is None and got["zarr.json/x"] is None and got["zarr.json"] is not None


def test_sizes_are_bounded_per_key(plate, limits):
    (plate / "big.json").write_text('{"a": "' + "x" * 2000 + '"}')
    (plate / "chunk").write_bytes(b"\1" * 4000)
    docs = Location(plate).read_json_many(["big.json", "zarr.json"])
    assert isinstance(docs["big.json"], PlateError) and "limit of 1,000" in docs["big.json"].reason
    assert docs["zarr.json"]["node_type"] == "group"
    loc = Location(plate)
    assert loc.read_bytes_many(["chunk"])["chunk"] == b"\1" * 4000  # default: the chunk limit (5000)
    small = loc.read_bytes_many(["chunk"], max_bytes=100)["chunk"]
    assert isinstance(small, PlateError) and "limit of 100" in small.reason


def test_unsafe_keys_cost_their_key(plate):
    got = Location(plate).read_json_many(["A%2f/zarr.json", "zarr.json", "../p.zarr/zarr.json"])
    assert isinstance(got["A%2f/zarr.json"], PlateError) and "leave the plate" in got["A%2f/zarr.json"].reason
    assert isinstance(got["../p.zarr/zarr.json"], PlateError)
    assert got["zarr.json"]["node_type"] == "group"


def test_a_plate_folder_gone_while_open_raises(plate):
    loc = Location(plate)
    shutil.rmtree(plate)
    with pytest.raises(PlateError, match="gone") as info:
        loc.read_bytes_many(["zarr.json"])
    assert info.value.location == str(plate)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"zarr_format": 3, "node', "not valid JSON"),
        (b'{"name": "\xff\xfe"}', "not UTF-8"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b"[1, 2]", "not a JSON object"),
        (b"", "not valid JSON"),
        ('{"a": 1}'.encode("utf-16"), "not UTF-8"),
    ],
)
def test_a_bad_document_costs_its_key(plate, content, reason):
    (plate / "bad.json").write_bytes(content)
    got = Location(plate).read_json_many(["bad.json", "zarr.json"])
    assert isinstance(got["bad.json"], PlateError) and reason in got["bad.json"].reason
    assert got["bad.json"].location.endswith("p.zarr/bad.json")
    assert got["zarr.json"]["node_type"] == "group"


def test_json_that_is_odd_but_parses_is_returned(plate):
    (plate / "odd.json").write_bytes(b'\xef\xbb\xbf{"shape": [Infinity, NaN, -Infinity]}')
    doc = Location(plate).read_json_many(["odd.json"])["odd.json"]
    assert isinstance(doc, dict) and doc["shape"][0] == float("inf")  # the model judges the values
