"""The plate model: what open_plate makes of plates from ome-zarr-py and of odd plates made by hand."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import zarr
from builders import hand_plate, omezarr_plate, write_attrs, write_field

import imaging_explorer as ie
from imaging_explorer.io import Location

pytestmark = pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_omezarr_writer_plate(tmp_path, version):
    path = omezarr_plate(tmp_path / "p.zarr", version=version)
    plate = ie.open_plate(path)
    assert plate.version == version
    assert plate.zarr_format == {"0.4": 2, "0.5": 3}[version]
    assert plate.rows == ["A", "B"] and plate.columns == ["1", "2"]
    assert sorted(plate.wells) == ["A/1", "A/2", "B/1"]
    assert plate.missing_wells == {}
    well = plate.wells["B/1"]
    assert (well.row, well.column, well.name) == ("B", "1", "B1")
    assert [f.path for f in well.fields] == ["B/1/0", "B/1/1"]
    field = well.fields[1]
    assert field.axes == "cyx"
    assert [a.key.rsplit("/", 1)[1] for a in field.arrays] == ["s0", "s1", "s2"]
    assert [lv.shape for lv in field.levels] == [(2, 64, 64), (2, 32, 32), (2, 16, 16)]
    assert field.scale(1) == (1.0, 2.0, 2.0)
    assert field.translation(1) == (0.0, 0.5, 0.5)
    assert [c.name for c in field.channels] == ["Channel 0", "Channel 1"]
    # the lazy array reads exactly what the writer wrote
    written = zarr.open_array(str(path / "B/1/1/s0"), mode="r")[...]
    np.testing.assert_array_equal(field.levels[0].compute(), written)
    labels = field.labels["nuclei"]
    assert labels.axes == "yx" and labels.levels[0].shape == (64, 64)
    assert labels.levels[0][10, 10].compute() == 1


@pytest.mark.parametrize(("axes", "shape"), [("tczyx", (2, 3, 4, 32, 32)), ("czyx", (2, 5, 32, 32)), ("yx", (32, 32))])
def test_any_axes_from_2d_to_5d(tmp_path, axes, shape):
    path = omezarr_plate(tmp_path / "p.zarr", wells=("A/1",), fields=1, shape=shape, axes=axes, labels=False)
    field = ie.open_plate(path).wells["A/1"].fields[0]
    assert field.axes == axes
    assert field.levels[0].shape == shape
    assert len(field.channels) == (shape[axes.index("c")] if "c" in axes else 1)


def test_sparse_plate_and_names_kept_as_written(tmp_path):
    rows = ("A", "B", "C", "AF")
    columns = ("01", "07", "12")
    path = hand_plate(tmp_path / "p.zarr", wells=("AF/07", "A/01"), rows=rows, columns=columns)
    plate = ie.open_plate(path)
    assert plate.rows == list(rows) and plate.columns == list(columns)
    assert sorted(plate.wells) == ["A/01", "AF/07"]
    assert plate.wells["AF/07"].column == "07"
    assert plate.well("AF", "07").name == "AF07"
    with pytest.raises(ie.PlateError, match="B/12"):
        plate.well("B", "12")


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_missing_well_group_is_marked_and_rest_opens(tmp_path, version):
    path = hand_plate(tmp_path / "p.zarr", version=version, write_wells=("A/1",))
    plate = ie.open_plate(path)
    assert list(plate.wells) == ["A/1"]
    assert "B/2" in plate.missing_wells and "not found" in plate.missing_wells["B/2"]


def test_missing_field_group_keeps_the_well(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", fields=("0", "1"))
    shutil.rmtree(path / "A/1/1")
    plate = ie.open_plate(path)
    assert [f.path for f in plate.wells["A/1"].fields] == ["A/1/0"]
    assert any("A/1/1" in p for p in plate.wells["A/1"].problems)
    assert len(plate.wells["B/2"].fields) == 2


def test_fields_of_different_shapes(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", fields=("0",))
    write_attrs(path, "A/1", {"well": {"images": [{"path": "0"}, {"path": "big"}]}}, "0.5")
    write_field(path, "A/1/big", "0.5", (2, 64, 48), "cyx", ("0",))
    fields = ie.open_plate(path).wells["A/1"].fields
    assert [f.shape for f in fields] == [(2, 32, 32), (2, 64, 48)]


@pytest.mark.parametrize("bad", ["../escape/1", "/abs/1", "A\\1", "A/../../x"])
def test_well_paths_leaving_the_plate_are_refused(tmp_path, bad):
    path = hand_plate(tmp_path / "p.zarr")
    doc = json.loads((path / "zarr.json").read_text())
    doc["attributes"]["ome"]["plate"]["wells"][0]["path"] = bad
    (path / "zarr.json").write_text(json.dumps(doc))
    with pytest.raises(ie.PlateError) as err:
        ie.open_plate(path)
    assert str(path.name) in str(err.value)


@pytest.mark.parametrize("bad", ["../../B/2/0", "/etc", "0\\1"])
def test_field_paths_leaving_the_plate_are_refused(tmp_path, bad):
    path = hand_plate(tmp_path / "p.zarr")
    write_attrs(path, "A/1", {"well": {"images": [{"path": bad}]}}, "0.5")
    plate = ie.open_plate(path)
    assert "A/1" not in plate.wells
    assert "A/1" in plate.missing_wells
    assert list(plate.wells) == ["B/2"]


def test_labels_paths_leaving_the_plate_are_refused(tmp_path):
    path = hand_plate(tmp_path / "p.zarr")
    write_attrs(path, "A/1/0/labels", {"labels": ["../../../B/2/0"]}, "0.5")
    plate = ie.open_plate(path)
    assert plate.wells["A/1"].fields[0].labels == {}
    assert any("labels" in w for w in plate.warnings)


def _break_array(path, key, **changes):
    meta = path / key / ".zarray"
    doc = json.loads(meta.read_text())
    doc.update(changes)
    meta.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("changes", "word"),
    [
        ({"filters": [{"id": "pickle"}]}, "pickle"),
        ({"filters": [{"id": "shuffle", "elementsize": 2}, {"id": "pickle"}]}, "pickle"),  # hidden behind a harmless one
        ({"dtype": "|O", "filters": [{"id": "vlen-utf8"}]}, "vlen-utf8"),
        ({"dtype": "|O"}, "object"),
        ({"dtype": "<U8"}, "string"),
    ],
)
def test_unsafe_arrays_are_refused(tmp_path, changes, word):
    path = hand_plate(tmp_path / "p.zarr", version="0.4")
    _break_array(path, "A/1/0/0", **changes)
    plate = ie.open_plate(path)
    assert "A/1" not in plate.wells
    assert word in plate.missing_wells["A/1"]
    # with every well refused, opening fails with the reason
    _break_array(path, "B/2/0/0", **changes)
    with pytest.raises(ie.PlateError, match=word):
        ie.open_plate(path)


def test_unsafe_v3_codec_inside_a_shard_is_refused(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", version="0.5")
    meta = path / "A/1/0/0/zarr.json"
    doc = json.loads(meta.read_text())
    doc["codecs"] = [{"name": "sharding_indexed", "configuration": {"chunk_shape": [1, 8, 8], "codecs": [{"name": "bytes"}, {"name": "numcodecs.pickle"}], "index_codecs": [{"name": "bytes"}]}}]
    meta.write_text(json.dumps(doc))
    plate = ie.open_plate(path)
    assert "pickle" in plate.missing_wells["A/1"]


@pytest.mark.parametrize("version", ["0.3", "0.7", "banana"])
def test_unknown_version_lists_the_supported_ones(tmp_path, version):
    path = hand_plate(tmp_path / "p.zarr", version="0.4")
    doc = json.loads((path / ".zattrs").read_text())
    doc["plate"]["version"] = version
    (path / ".zattrs").write_text(json.dumps(doc))
    with pytest.raises(ie.PlateError, match=r"0\.4.*0\.5"):
        ie.open_plate(path)


def test_not_a_plate(tmp_path):
    path = hand_plate(tmp_path / "p.zarr")
    with pytest.raises(ie.PlateError, match="not an HCS plate"):
        ie.open_plate(path / "A/1/0")
    with pytest.raises(ie.PlateError, match="no such"):
        ie.open_plate(tmp_path / "nothing.zarr")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ie.PlateError, match="no zarr group"):
        ie.open_plate(tmp_path / "empty")
    (tmp_path / "broken.zarr").mkdir()
    (tmp_path / "broken.zarr/zarr.json").write_text("{not json")
    with pytest.raises(ie.PlateError, match="JSON"):
        ie.open_plate(tmp_path / "broken.zarr")
    assert isinstance(ie.PlateError("x", "y"), ValueError)


def test_well_without_well_metadata_finds_fields_from_subgroups(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", fields=("0", "1"))
    write_attrs(path, "A/1", {}, "0.5")  # a plain group
    zarr.open_group(str(path / "A/1/tables"), mode="w", zarr_format=3)  # Fractal-style extra group: not a field
    with pytest.warns(ie.PlateWarning):
        plate = ie.open_plate(path)
    assert [f.path for f in plate.wells["A/1"].fields] == ["A/1/0", "A/1/1"]


def test_integer_dataset_paths_and_extra_groups(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", version="0.4")
    doc = json.loads((path / "A/1/0/.zattrs").read_text())
    for i, ds in enumerate(doc["multiscales"][0]["datasets"]):
        ds["path"] = i
    (path / "A/1/0/.zattrs").write_text(json.dumps(doc))
    zarr.open_group(str(path / "tables"), mode="w", zarr_format=2)
    plate = ie.open_plate(path)
    assert [lv.shape for lv in plate.wells["A/1"].fields[0].levels] == [(2, 32, 32), (2, 16, 16)]


def test_repeated_channel_labels_get_unique_names(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", shape=(3, 16, 16))
    doc = json.loads((path / "A/1/0/zarr.json").read_text())
    doc["attributes"]["ome"]["omero"] = {
        "channels": [{"label": "DAPI", "color": "0000FF"}, {"label": "GFP", "color": "#00ff00"}, {"label": "DAPI", "color": "FFFFFF"}]
    }
    (path / "A/1/0/zarr.json").write_text(json.dumps(doc))
    channels = ie.open_plate(path).wells["A/1"].fields[0].channels
    assert [c.name for c in channels] == ["DAPI", "GFP", "DAPI (2)"]
    assert [c.label for c in channels] == ["DAPI", "GFP", "DAPI"]
    assert channels[1].color == "00FF00"


def test_missing_lower_level_is_dropped_with_a_warning(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", levels=("0", "1"))
    shutil.rmtree(path / "A/1/0/1")
    plate = ie.open_plate(path)
    assert len(plate.wells["A/1"].fields[0].levels) == 1
    assert any("A/1/0" in w and "missing" in w for w in plate.warnings)


def test_consolidated_metadata_needs_one_read(tmp_path, monkeypatch):
    path = omezarr_plate(tmp_path / "p.zarr", labels=False)
    zarr.consolidate_metadata(str(path))
    reads = []
    original = Location.read_bytes_many
    monkeypatch.setattr(Location, "read_bytes_many", lambda self, keys, **kw: reads.append(keys) or original(self, keys, **kw))
    plate = ie.open_plate(path)
    assert len(reads) == 1  # the root documents; everything else from the consolidated metadata
    assert len(plate.wells) == 3 and plate.wells["A/1"].fields[0].levels[2].shape == (2, 16, 16)


def test_file_url(tmp_path):
    path = hand_plate(tmp_path / "p.zarr")
    plate = ie.open_plate(path.as_uri())
    assert sorted(plate.wells) == ["A/1", "B/2"]


def test_fingerprint_survives_a_move_and_tells_plates_apart(tmp_path):
    a = hand_plate(tmp_path / "a.zarr")
    first = ie.open_plate(a).fingerprint
    moved = tmp_path / "elsewhere" / "renamed.zarr"
    shutil.copytree(a, moved)
    assert ie.open_plate(moved).fingerprint == first
    other = hand_plate(tmp_path / "b.zarr", wells=("A/1",))
    assert ie.open_plate(other).fingerprint != first
