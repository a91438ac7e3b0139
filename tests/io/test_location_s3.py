"""Plates on S3 (moto's S3 server on loopback): opened read-only through fsspec/s3fs."""

from __future__ import annotations

import numpy as np
import pytest
import s3fs
from builders import omezarr_plate
from moto.server import ThreadedMotoServer

import imaging_explorer as ie


@pytest.fixture
def s3_bucket(monkeypatch):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,  # botocore and s3fs both honour it
    }.items():
        monkeypatch.setenv(name, value)
    fs = s3fs.S3FileSystem(endpoint_url=endpoint)
    fs.mkdir("plates")
    yield fs
    server.stop()


def test_plate_on_s3_matches_local(tmp_path, s3_bucket):
    local = omezarr_plate(tmp_path / "p.zarr", wells=("A/1", "B/2"), fields=1)
    s3_bucket.put(str(local), "plates/p.zarr", recursive=True)
    s3fs.S3FileSystem.clear_instance_cache()
    plate = ie.open_plate("s3://plates/p.zarr")
    assert sorted(plate.wells) == ["A/1", "B/2"]
    field = plate.wells["B/2"].fields[0]
    np.testing.assert_array_equal(field.levels[1].compute(), ie.open_plate(local).wells["B/2"].fields[0].levels[1].compute())
    assert field.labels["nuclei"].levels[0].shape == (64, 64)
    with pytest.raises(ie.PlateError, match="no zarr group"):
        ie.open_plate("s3://plates/missing.zarr")
