"""Plates on S3 (moto's S3 server on loopback): opened read-only through fsspec/s3fs."""

from __future__ import annotations

import urllib.request

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
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))  # moto's state is per process
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


@pytest.fixture
def no_aws_credentials(monkeypatch, tmp_path):
    """No credentials anywhere botocore looks (variables, files, instance metadata)."""
    from imaging_explorer.io import remote

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    remote.aws_credentials_configured.cache_clear()
    s3fs.S3FileSystem.clear_instance_cache()
    yield
    remote.aws_credentials_configured.cache_clear()
    s3fs.S3FileSystem.clear_instance_cache()


def test_public_bucket_without_credentials(tmp_path, s3_bucket, no_aws_credentials):
    local = omezarr_plate(tmp_path / "p.zarr", wells=("A/1",), fields=1, labels=False)
    s3_bucket.mkdir("public", acl="public-read")
    s3_bucket.put(str(local), "public/p.zarr", recursive=True, ACL="public-read")
    plate = ie.open_plate("s3://public/p.zarr")  # unsigned requests: no NoCredentialsError
    assert sorted(plate.wells) == ["A/1"]
    assert plate.wells["A/1"].fields[0].levels[2].compute().shape == (2, 16, 16)


def test_endpoint_by_the_documented_variable(tmp_path, s3_bucket, monkeypatch):
    local = omezarr_plate(tmp_path / "p.zarr", wells=("A/1",), fields=1, labels=False)
    s3_bucket.put(str(local), "plates/p.zarr", recursive=True)
    endpoint = s3_bucket.client_kwargs.get("endpoint_url") or s3_bucket.endpoint_url
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("IMAGING_EXPLORER_S3_ENDPOINT", endpoint)
    s3fs.S3FileSystem.clear_instance_cache()
    assert sorted(ie.open_plate("s3://plates/p.zarr").wells) == ["A/1"]
