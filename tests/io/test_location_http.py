"""Plates served over HTTP (a server on loopback): the same model as from disk, read-only."""

from __future__ import annotations

import numpy as np
import pytest
from builders import omezarr_plate, serve_folder

import imaging_explorer as ie

pytest.importorskip("aiohttp", reason="fsspec's HTTP file system needs aiohttp (a dev dependency)")


@pytest.fixture
def http_root(tmp_path):
    with serve_folder(tmp_path) as url:
        yield tmp_path, url


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_plate_over_http_matches_local(http_root, version):
    root, url = http_root
    omezarr_plate(root / "p.zarr", version=version, wells=("A/1", "B/2"), columns=("1", "2"))
    local = ie.open_plate(root / "p.zarr")
    remote = ie.open_plate(f"{url}/p.zarr")
    assert sorted(remote.wells) == sorted(local.wells) == ["A/1", "B/2"]
    lf, rf = local.wells["B/2"].fields[1], remote.wells["B/2"].fields[1]
    assert rf.axes == lf.axes and [a.shape for a in rf.arrays] == [a.shape for a in lf.arrays]
    np.testing.assert_array_equal(rf.levels[1].compute(), lf.levels[1].compute())
    assert rf.labels["nuclei"].levels[0].shape == lf.labels["nuclei"].levels[0].shape
    assert ie.validate(f"{url}/p.zarr") == []


def test_missing_remote_plate_is_a_clear_error(http_root):
    _, url = http_root
    with pytest.raises(ie.PlateError, match="no zarr group"):
        ie.open_plate(f"{url}/nothing.zarr")
