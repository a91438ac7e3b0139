"""The overview's channels: bounded, and only from fields that have a picture."""

from __future__ import annotations

import json
import warnings

from builders import omezarr_plate

import imaging_explorer as ie
from imaging_explorer._napari.browser.overview_layers import MAX_OVERVIEW_CHANNELS, channel_names


def _open(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ie.open_plate(path)


def test_a_field_claiming_many_channels_does_not_make_as_many_mosaics(tmp_path):
    omezarr_plate(tmp_path / "p.zarr", wells=("A/1",), fields=1, shape=(40, 16, 16), labels=False)
    names = channel_names(_open(tmp_path / "p.zarr"))
    assert len(names) == MAX_OVERVIEW_CHANNELS < 40


def test_a_field_without_y_and_x_does_not_add_channels(tmp_path):
    path = tmp_path / "p.zarr"
    omezarr_plate(path, wells=("A/1", "A/2"), fields=1, shape=(2, 12, 12), labels=False)
    doc_path = path / "A" / "2" / "0" / "zarr.json"
    doc = json.loads(doc_path.read_text())
    doc["attributes"]["ome"]["multiscales"][0]["axes"] = [
        {"name": "t", "type": "time"}, {"name": "c", "type": "channel"}, {"name": "z", "type": "space"}]
    doc_path.write_text(json.dumps(doc))
    plate = _open(path)
    assert "A/2" in plate.wells  # it opens (its thumbnail says why it has no picture) ...
    assert len(channel_names(plate)) == 2  # ... but its 12 "channels" (the c axis of t, c, z) are not the plate's
