"""Thumbnails over HTTP (a server on loopback): batched remote reads give the same pixels."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from builders import serve_folder

import imaging_explorer as ie
from imaging_explorer.overview import ThumbnailCache, read_thumbnails

pytest.importorskip("aiohttp", reason="fsspec's HTTP file system needs aiohttp (a dev dependency)")
pytestmark = pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")


@pytest.fixture
def served(tmp_path, tiny_plate):
    shutil.copytree(tiny_plate, tmp_path / "p.zarr")
    with serve_folder(tmp_path) as url:
        yield tmp_path / "p.zarr", f"{url}/p.zarr"


def test_remote_thumbnails_match_local_and_cache_apart(served, tmp_path):
    local_path, url = served
    (local_path / "A/2/0/2/c/0/0/0").write_bytes(b"corrupt")
    local = read_thumbnails(ie.open_plate(local_path))
    remote_plate = ie.open_plate(url)
    remote = read_thumbnails(remote_plate)
    assert set(remote.errors) == set(local.errors) == {"A/2/0"}
    for key, img in local.items():
        if img is not None:
            assert np.array_equal(remote[key], img)
    cache = ThumbnailCache(tmp_path / "cache")
    assert cache.key(remote_plate) != cache.key(ie.open_plate(local_path))
