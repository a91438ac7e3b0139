"""Plates with the axes real converters write (iohub's upper-case T, C, Z, Y, X; tczyx; custom names
with types) open with all their channels and give thumbnails and a layout."""

from __future__ import annotations

import json

import numpy as np
import pytest
import real_layouts

import imaging_explorer as ie
from imaging_explorer.overview import choose_level, plate_layout, read_thumbnails

pytestmark = pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")


@pytest.mark.parametrize("layout", ["iohub", "tczyx"])
def test_real_axes_read_three_channels_and_thumbnails(tmp_path, layout):
    plate = ie.open_plate(real_layouts.LAYOUTS[layout](tmp_path / "p.zarr"))
    field = plate.wells["A/1"].fields[0]
    assert field.roles.names == ("t", "c", "z", "y", "x")
    assert [ch.name for ch in field.channels] == ["Channel 0", "Channel 1", "Channel 2"]
    assert plate_layout(plate).tile == (64, 64)
    for z in ("middle", "max"):
        thumbs = read_thumbnails(plate, z=z)
        assert thumbs.errors == {} and len(thumbs) == 6
        for key, thumb in thumbs.items():
            data = np.asarray(plate.wells[key.rsplit("/", 1)[0]].fields[0].levels[choose_level(field)])
            n_z = data.shape[2]
            want = data[0, :, n_z // 2] if z == "middle" else data[0].max(axis=1)
            assert thumb.shape == (3, 64, 64) and np.array_equal(thumb, want)


def test_custom_axis_names_with_types(tmp_path):
    """Axis names that are not t, c, z, y, x: the types say which is which."""
    path = real_layouts.tczyx(tmp_path / "p.zarr")
    for meta in path.glob("*/*/0/zarr.json"):
        doc = json.loads(meta.read_text())
        for axis, name in zip(doc["attributes"]["ome"]["multiscales"][0]["axes"],
                              ("time", "wavelength", "depth", "row", "col")):
            axis["name"] = name
        meta.write_text(json.dumps(doc))
    plate = ie.open_plate(path)
    field = plate.wells["B/3"].fields[0]
    assert field.axes == "timewavelengthdepthrowcol" and len(field.channels) == 3
    thumbs = read_thumbnails(plate)
    assert thumbs.errors == {}
    assert np.array_equal(thumbs["B/3/0"], np.asarray(field.levels[0])[0, :, 1])
