"""Which plate the browser opened is the screen plate asked for: locations compared as places."""

from __future__ import annotations

from imaging_explorer._napari.screen.plate_link import same_location


def test_same_location_compares_local_paths_resolved_and_urls_as_written(tmp_path, monkeypatch) -> None:
    plate = tmp_path / "p1.zarr"
    plate.mkdir()
    (tmp_path / "link.zarr").symlink_to(plate)
    monkeypatch.chdir(tmp_path)
    assert same_location(str(plate), "p1.zarr/")
    assert same_location(str(plate), str(tmp_path / "link.zarr"))
    assert not same_location(str(plate), str(tmp_path / "p2.zarr"))
    assert same_location("https://example.org/s/p1.zarr/", "https://example.org/s/p1.zarr")
    assert not same_location("https://example.org/s/p1.zarr", "p1.zarr")
