"""Store keys never leave the plate root."""

from __future__ import annotations

import pytest

from imaging_explorer.errors import PlateError
from imaging_explorer.io.location import Location, check_key, is_url


@pytest.mark.parametrize(
    "key", ["../outside/zarr.json", "A/../../x", "/etc/passwd", "A\\1", "", "A//1", "./A", "C:/x", "A/%2e%2e/x", "A?x", "A#x", "A\x00"]
)
def test_unsafe_keys_are_refused(key):
    with pytest.raises(ValueError, match="leave the plate"):
        check_key(key)


@pytest.mark.parametrize("key", ["zarr.json", "A/1/0/s0/zarr.json", "AF/07/.zattrs", "B/3/0/labels/nuclei/0/.zarray"])
def test_ordinary_keys_pass(key):
    assert check_key(key) == key


def test_reading_outside_the_root_is_impossible(tmp_path):
    (tmp_path / "secret.json").write_text("{}")
    (tmp_path / "plate.zarr").mkdir()
    loc = Location(tmp_path / "plate.zarr")
    got = loc.read_json_many(["../secret.json", "A/%2e%2e/x"])  # a bad key costs that key only
    assert all(isinstance(v, PlateError) and "leave the plate" in v.reason for v in got.values())
    assert got["../secret.json"].location.startswith(str(tmp_path / "plate.zarr"))
    with pytest.raises(PlateError, match="leave the plate"):
        loc.list_dirs("A/%2e%2e")


def test_locations():
    assert is_url("http://host/p.zarr") and is_url("s3://bucket/p.zarr")
    assert not is_url("C:\\data\\p.zarr") and not is_url("/data/p.zarr")
    with pytest.raises(PlateError, match="not a folder"):
        Location(__file__)
