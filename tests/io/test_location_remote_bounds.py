"""Remote reads are bounded in size and time, retried when transient, and cost only their key.

Against a keep-alive aiohttp server on loopback (tests/http_server.py) that hangs, drip-feeds,
streams forever or fails the first requests. Time limits here only catch hangs (generous).
"""

from __future__ import annotations

import dataclasses
import json
import socket
import time

import numpy as np
import pytest
import zarr
from builders import hand_plate
from http_server import serve

import imaging_explorer as ie
from imaging_explorer.errors import PlateError
from imaging_explorer.io import Location, read_limits, set_read_limits

HANG_LIMIT = 20.0  # seconds: far above the 1 s timeouts set below, far below "forever"


@pytest.fixture
def limits():
    """Short timeouts and small sizes for the tests; the previous limits restored after."""
    previous = set_read_limits(connect_timeout=1, read_timeout=1, deadline=60, retries=2, max_document_bytes=2**20)
    yield
    set_read_limits(**dataclasses.asdict(previous))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    # these tests count requests per document: no HEAD of the root for the metadata cache
    monkeypatch.setenv("IMAGING_EXPLORER_METADATA_CACHE", "off")
    (tmp_path / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {}}))
    (tmp_path / "other.json").write_text(json.dumps({"fine": True}))
    return tmp_path


def _timed(read):
    start = time.monotonic()
    result = read()
    return result, time.monotonic() - start


@pytest.mark.parametrize("mode", ["hang", "drip"])
def test_a_server_that_never_finishes_answering_costs_its_key_within_the_timeout(folder, limits, mode):
    with serve(folder, mode=mode, paths={"zarr.json"}, drip_interval=0.1) as url:
        got, took = _timed(lambda: Location(url).read_json_many(["zarr.json", "other.json"]))
    assert took < HANG_LIMIT
    assert got["other.json"] == {"fine": True}
    error = got["zarr.json"]
    assert isinstance(error, PlateError) and error.location == f"{url}/zarr.json"
    assert ("read timeout" if mode == "hang" else "drip-fed") in error.reason


def test_opening_a_plate_on_a_hanging_server_is_a_plate_error_naming_it(folder, limits):
    with serve(folder, mode="hang") as url:
        start = time.monotonic()
        with pytest.raises(PlateError) as info:
            ie.open_plate(f"{url}/p.zarr")
        assert time.monotonic() - start < HANG_LIMIT
    assert info.value.location.startswith(f"{url}/p.zarr")


@pytest.mark.parametrize("fake_length", [None, 10**12])
def test_an_endless_response_stops_at_the_limit(folder, limits, fake_length):
    with serve(folder, mode="endless", paths={"zarr.json", "chunk"}, fake_length=fake_length) as url:
        loc = Location(url)
        docs, took = _timed(lambda: loc.read_json_many(["zarr.json", "other.json"]))
        chunks = loc.read_bytes_many(["chunk", "other.json"], max_bytes=3 * 2**20)
    assert took < HANG_LIMIT
    assert isinstance(docs["zarr.json"], PlateError) and "larger than the limit of 1,048,576" in docs["zarr.json"].reason
    assert docs["other.json"] == {"fine": True}
    assert isinstance(chunks["chunk"], PlateError) and "3,145,728" in chunks["chunk"].reason
    assert chunks["other.json"] == b'{"fine": true}'


@pytest.mark.parametrize("fail_with", ["503", "reset"])
def test_transient_failures_are_retried(folder, limits, fail_with):
    with serve(folder, fail_first_n=2, fail_with=fail_with) as url:
        got = Location(url).read_json_many(["zarr.json", "other.json"])
        assert url.requests["zarr.json"] >= 3  # two failures, then the answer
    assert got["other.json"] == {"fine": True} and got["zarr.json"]["node_type"] == "group"


def test_what_stays_unreadable_costs_its_keys_only(folder, limits):
    with serve(folder, fail_first_n=100, paths={"zarr.json"}) as url:
        got = Location(url).read_json_many(["zarr.json", "other.json", "absent.json"])
        tries = url.requests["zarr.json"]
    assert tries == read_limits().retries + 1  # bounded: no endless retrying
    assert isinstance(got["zarr.json"], PlateError) and "503" in got["zarr.json"].reason
    assert got["other.json"] == {"fine": True} and got["absent.json"] is None


def test_the_batch_deadline_bounds_a_slow_server(folder, limits):
    set_read_limits(deadline=0.5, read_timeout=30)
    with serve(folder, latency=3) as url:
        got, took = _timed(lambda: Location(url).read_bytes_many(["zarr.json", "other.json"]))
    assert took < HANG_LIMIT
    assert all(isinstance(v, PlateError) and "deadline of 0.5 s" in v.reason for v in got.values())


def test_an_unreachable_location_raises(limits):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PlateError, match="cannot connect") as info:
        Location(f"http://127.0.0.1:{port}/p.zarr").read_bytes_many(["zarr.json", "A/zarr.json"])
    assert info.value.location == f"http://127.0.0.1:{port}/p.zarr"


def test_zarr_store_gets_the_same_bounds(tmp_path, limits):
    hand_plate(tmp_path / "p.zarr")
    set_read_limits(max_chunk_bytes=2**20)
    with serve(tmp_path, mode="endless", paths={"p.zarr/A/1/0/0/c/0/0/0"}) as url:
        store = Location(f"{url}/p.zarr").zarr_store()
        timeout = store.fs.client_kwargs["timeout"]
        assert (timeout.sock_connect, timeout.sock_read) == (1, 1)
        fine = zarr.open_array(store=store, path="B/2/0/0", mode="r")
        np.testing.assert_array_equal(fine[0, 0, :4], [0, 1, 2, 3])
        endless = zarr.open_array(store=store, path="A/1/0/0", mode="r")
        start = time.monotonic()
        with pytest.raises(PlateError, match="larger than the limit"):
            endless[...]
        assert time.monotonic() - start < HANG_LIMIT


def test_latency_server_serves_a_plate(tmp_path, limits):
    hand_plate(tmp_path / "p.zarr")
    with serve(tmp_path, latency=0.02) as url:
        plate = ie.open_plate(f"{url}/p.zarr")
        assert sorted(plate.wells) == ["A/1", "B/2"]
        assert url.requests["p.zarr/zarr.json"] >= 1 and url.requests.total() > 5
