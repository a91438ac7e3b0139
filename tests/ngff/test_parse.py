"""Lenient parsers and validators on documents as real writers produce them."""

from __future__ import annotations

import copy
import string

import pytest

from imaging_explorer import ngff
from imaging_explorer.ngff import MetadataError

UNSAFE = ["../x/1", "/abs", "A\\1", "A/../B", "C:/x"]


def _plate(rows, columns, wells, **extra) -> dict:
    return {"plate": {"rows": [{"name": r} for r in rows],
                      "columns": [{"name": c} for c in columns],
                      "wells": wells, "version": "0.4", **extra}}


def _well(path: str, ri: int, ci: int) -> dict:
    return {"path": path, "rowIndex": ri, "columnIndex": ci}


def _image(axes, scale, *, path="0", version="0.4", **extra) -> dict:
    return {"multiscales": [{"version": version, "axes": axes, "datasets": [
        {"path": path, "coordinateTransformations": [{"type": "scale", "scale": scale}]}],
        **extra}]}


def _axes(names: str) -> list[dict]:
    kinds = {"t": "time", "c": "channel"}
    return [{"name": n, "type": kinds.get(n, "space")} for n in names]


# --- written by ome-zarr-py ---------------------------------------------------------------

@pytest.fixture(params=["0.4", "0.5"])
def written(request, tmp_path):
    """Plate, well, field and labels attributes as ome-zarr-py writes them."""
    zarr = pytest.importorskip("zarr")
    np = pytest.importorskip("numpy")
    pytest.importorskip("ome_zarr")
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import (write_image, write_labels, write_plate_metadata,
                                 write_well_metadata)

    fmt = FormatV04() if request.param == "0.4" else FormatV05()
    root = zarr.open_group(tmp_path / "plate.zarr", mode="w",
                           zarr_format=2 if request.param == "0.4" else 3)
    write_plate_metadata(root, ["A", "B"], ["1", "2", "3"], ["A/1", "B/3"], fmt=fmt,
                         name="screen-1", field_count=2,
                         acquisitions=[{"id": 0, "name": "run", "maximumfieldcount": 2}])
    well = root.require_group("A").require_group("1")
    write_well_metadata(well, ["0", "1"], fmt=fmt)
    field = well.require_group("0")
    write_image(np.zeros((2, 32, 32), dtype="uint16"), field, axes="cyx", fmt=fmt,
                omero={"channels": [
                    {"label": "DAPI", "color": "0000FF", "active": True,
                     "window": {"start": 0, "end": 900, "min": 0, "max": 65535}},
                    {"label": "GFP", "color": "00FF00", "active": False,
                     "window": {"start": 10, "end": 500, "min": 0, "max": 65535}}]})
    write_labels(np.zeros((32, 32), dtype="uint8"), field, name="nuclei", axes="yx", fmt=fmt,
                 label_metadata={"colors": [{"label-value": 1, "rgba": [255, 0, 0, 255]}]})
    attrs = {key: dict(group.attrs) for key, group in (
        ("plate", root), ("well", well), ("image", field), ("labels", field["labels"]),
        ("label", field["labels/nuclei"]))}
    return request.param, attrs


def test_written_plate_and_well(written):
    version, attrs = written
    plate, warnings = ngff.parse_plate(attrs["plate"])
    assert warnings == []
    assert (plate.version, plate.name, plate.field_count) == (version, "screen-1", 2)
    assert plate.rows == ("A", "B") and plate.columns == ("1", "2", "3")
    assert plate.wells == (ngff.WellRef("A/1", "A", "1", 0, 0), ngff.WellRef("B/3", "B", "3", 1, 2))
    assert plate.acquisitions == (ngff.Acquisition(0, "run", 2),)
    well, warnings = ngff.parse_well(attrs["well"])
    assert warnings == [] and well == ngff.WellMeta(version, (ngff.ImageRef("0"), ngff.ImageRef("1")))
    for kind in ("plate", "well"):
        assert ngff.validate_metadata(attrs[kind], version=version, strict=True) == []


def test_written_image_and_labels(written):
    version, attrs = written
    ms, warnings = ngff.parse_multiscales(attrs["image"])
    assert warnings == []
    assert ms.version == version and ms.axis_names == "cyx" and ms.ndim == 3
    assert ms.datasets[0].path == "s0"  # ome-zarr-py 0.18 names levels s0, s1, ...
    assert ms.datasets[1].scale == (1.0, 2.0, 2.0)
    channels, warnings = ngff.parse_omero(attrs["image"], 2)
    assert warnings == []
    assert channels == [ngff.Channel("DAPI", "0000FF", (0.0, 900.0), (0.0, 65535.0), True),
                        ngff.Channel("GFP", "00FF00", (10.0, 500.0), (0.0, 65535.0), False)]
    assert ngff.validate_metadata(attrs["image"], version=version) == []
    label, warnings = ngff.parse_image_label(attrs["label"])
    assert label is not None and label.colors == {1: (255, 0, 0, 255)}
    assert ngff.detect_kind(attrs["label"]) == "image-label"
    assert ngff.validate_metadata(attrs["label"], version=version) == []
    names, warnings = ngff.parse_labels_group(attrs["labels"])
    assert names == ["nuclei"]
    assert ngff.detect_kind(attrs["labels"]) == "labels"
    if version == "0.5":
        # ome-zarr-py 0.18 writes {"ome": {"labels": [...]}} without a version: open it,
        # warn, and let strict validation report it (no 0.5 schema requires it there).
        assert any("version" in w for w in warnings)
        assert ngff.validate_metadata(attrs["labels"], version="0.5") == []
        strict = ngff.validate_metadata(attrs["labels"], version="0.5", strict=True)
        assert any("ome.version" in p for p in strict)
    else:
        assert warnings == [] and ngff.validate_metadata(attrs["labels"]) == []


# --- versions -----------------------------------------------------------------------------

PARSERS = [
    (ngff.parse_plate, _plate(["A"], ["1"], [_well("A/1", 0, 0)])),
    (ngff.parse_well, {"well": {"images": [{"path": "0"}], "version": "0.4"}}),
    (ngff.parse_multiscales, _image(_axes("yx"), [1, 1])),
    (ngff.parse_image_label, {"image-label": {"version": "0.4", "colors": []}}),
]


def _set_version(attrs: dict, version: str, wrapped: bool) -> dict:
    if wrapped:
        return {"ome": {"version": version, **attrs}}
    first = next(iter(attrs.values()))
    (first[0] if isinstance(first, list) else first)["version"] = version
    return attrs


@pytest.mark.parametrize("bad", ["0.7", "0.3"])
@pytest.mark.parametrize("wrapped", [False, True])
@pytest.mark.parametrize(("parser", "attrs"), PARSERS)
def test_unknown_version_refused(parser, attrs, bad, wrapped):
    doc = _set_version(copy.deepcopy(attrs), bad, wrapped)
    with pytest.raises(MetadataError, match=r"0\.4, 0\.5") as info:
        parser(doc)
    assert bad in str(info.value) and "version" in str(info.value)
    problems = ngff.validate_metadata(doc)
    assert any(bad in p and "0.4, 0.5" in p for p in problems)


def test_unknown_version_in_labels_group_and_caller():
    with pytest.raises(MetadataError, match="0.4, 0.5"):
        ngff.parse_labels_group({"ome": {"version": "0.7", "labels": ["a"]}})
    assert ngff.validate_metadata(_image(_axes("yx"), [1, 1]), version="0.7") == [
        "version: '0.7' is not a supported NGFF version (supported: 0.4, 0.5)"]


def test_missing_version_is_assumed_with_a_warning():
    plate = _plate(["A"], ["1"], [_well("A/1", 0, 0)], name="p")
    del plate["plate"]["version"]
    meta, warnings = ngff.parse_plate(plate)
    assert meta.version == "0.4" and any("assuming NGFF 0.4" in w for w in warnings)
    meta, warnings = ngff.parse_plate({"ome": {"plate": plate["plate"]}})
    assert meta.version == "0.5" and any("ome.version" in w for w in warnings)


# --- paths --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["A/1", "0", "path/to/0", "s0", "AA/07"])
def test_safe_paths_pass(path):
    assert ngff.check_relative_path(path, "x") is path


@pytest.mark.parametrize("path", UNSAFE + ["", "a//b", "./a", "a/.", "x\x00y", "c:x", 3, None])
def test_unsafe_paths_refused(path):
    with pytest.raises(MetadataError, match=r"^plate\.wells\[3\]\.path: "):
        ngff.check_relative_path(path, "plate.wells[3].path")


@pytest.mark.parametrize("path", UNSAFE)
def test_unsafe_paths_in_documents(path):
    with pytest.raises(MetadataError, match=r"plate\.wells\[0\]\.path"):
        ngff.parse_plate(_plate(["A"], ["1"], [_well(path, 0, 0)]))
    with pytest.raises(MetadataError, match=r"well\.images\[1\]\.path"):
        ngff.parse_well({"well": {"images": [{"path": "0"}, {"path": path}]}})
    with pytest.raises(MetadataError, match=r"ome\.labels\[0\]"):
        ngff.parse_labels_group({"ome": {"version": "0.5", "labels": [path]}})
    with pytest.raises(MetadataError, match=r"datasets\[0\]\.path"):
        ngff.parse_multiscales(_image(_axes("yx"), [1, 1], path=path))
    assert any("labels[0]" in p for p in ngff.validate_metadata({"labels": [path]}))
    image_problems = ngff.validate_metadata(_image(_axes("yx"), [1, 1], path=path))
    assert any("datasets[0].path" in p for p in image_problems)


# --- plates -------------------------------------------------------------------------------

def test_1536_well_plate_names():
    rows = list(string.ascii_uppercase) + ["A" + c for c in "ABCDEF"]
    columns = [f"{i:02d}" for i in range(1, 49)]
    wells = [_well(f"{r}/{c}", ri, ci) for ri, r in enumerate(rows) for ci, c in enumerate(columns)]
    attrs = _plate(rows, columns, wells, name="1536")
    plate, warnings = ngff.parse_plate(attrs)
    assert warnings == [] and len(plate.rows) == 32 and len(plate.wells) == 1536
    assert plate.rows[26:] == ("AA", "AB", "AC", "AD", "AE", "AF")
    assert plate.columns[6] == "07"  # names stay strings as written
    assert plate.wells[-1] == ngff.WellRef("AF/48", "AF", "48", 31, 47)
    assert ngff.validate_metadata(attrs, strict=True) == []


def test_plate_oddities_open_with_warnings():
    attrs = _plate(["A", "B"], ["1", "2"], [
        _well("1/A", 0, 0),              # column before row: trust the indices
        _well("B/2", 5, 1),              # rowIndex out of range: placed by its path
        _well("C/7", 0, 0),              # names not listed: appended
        _well("B/2", 1, 1),              # duplicate: the first is kept
        {"path": "D1", "rowIndex": 0, "columnIndex": 0},  # not row/column: skipped
        {"rowIndex": 0, "columnIndex": 0}])               # no path: skipped
    plate, warnings = ngff.parse_plate(attrs)
    assert plate.wells == (ngff.WellRef("1/A", "A", "1", 0, 0), ngff.WellRef("B/2", "B", "2", 1, 1),
                           ngff.WellRef("C/7", "C", "7", 2, 2))
    assert plate.rows == ("A", "B", "C") and plate.columns == ("1", "2", "7")
    assert len(warnings) == 9  # 6 wells, 'C' and '7' appended, plate.name missing
    for ref in plate.wells:
        assert plate.rows[ref.row_index] == ref.row and plate.columns[ref.column_index] == ref.column


def test_plate_lenient_names_and_acquisitions():
    attrs = _plate(["A-1", 2], ["x y"], [_well("A-1/x y", 0, 0)],
                   acquisitions=[{"id": "3"}, {"id": 3}, {"id": "x"}], field_count=0)
    plate, warnings = ngff.parse_plate(attrs)
    assert plate.rows == ("A-1", "2") and plate.columns == ("x y",)
    assert plate.acquisitions == (ngff.Acquisition(3),) and plate.field_count is None
    assert any("letters and digits" in w for w in warnings)
    for bad in ({"rows": None}, {"wells": None}):
        with pytest.raises(MetadataError):
            ngff.parse_plate({"plate": {**attrs["plate"], **bad}})
    with pytest.raises(MetadataError, match="describe a well, not a plate"):
        ngff.parse_plate({"well": {"images": []}})


def test_well_lenient():
    well, warnings = ngff.parse_well({"well": {"images": [
        {"path": 0, "acquisition": "1"}, {"path": "0"}, {"acquisition": 2}, {"path": "f1"}]}})
    assert well.images == (ngff.ImageRef("0", 1), ngff.ImageRef("f1"))
    assert well.version == "0.4" and len(warnings) == 5  # version, path, acq, dup, no path


# --- images -------------------------------------------------------------------------------

def test_tczyx_and_yx_axes():
    ms, warnings = ngff.parse_multiscales(_image(
        [{"name": "t", "type": "time", "unit": "second"}] + _axes("czyx"), [1, 1, 2, 0.5, 0.5],
        coordinateTransformations=[{"type": "scale", "scale": [60, 1, 1, 1, 1]}]))
    assert warnings == [] and ms.axis_names == "tczyx" and ms.ndim == 5
    assert ms.axes[0] == ngff.Axis("t", "time", "second")
    assert ms.datasets[0].scale == (1.0, 1.0, 2.0, 0.5, 0.5) and ms.datasets[0].translation is None
    assert ms.scale == (60.0, 1.0, 1.0, 1.0, 1.0) and ms.translation is None
    ms, _ = ngff.parse_multiscales({"ome": {"version": "0.5", **_image(_axes("yx"), [0.3, 0.3])}})
    assert (ms.axis_names, ms.ndim, ms.version) == ("yx", 2, "0.5")


def test_dataset_paths_and_transforms_lenient():
    attrs = _image(_axes("cyx"), [1, 1, 1], path=0)
    ds = attrs["multiscales"][0]["datasets"]
    ds[0]["coordinateTransformations"].append({"type": "translation", "translation": [0, 5, 5]})
    ds.append({"path": 1})  # no transform at all
    ms, warnings = ngff.parse_multiscales(attrs)
    assert [d.path for d in ms.datasets] == ["0", "1"]
    assert ms.datasets[0].translation == (0.0, 5.0, 5.0) and ms.datasets[1].scale == (1.0,) * 3
    assert any("read as '0'" in w for w in warnings) and any("no scale" in w for w in warnings)
    with pytest.raises(MetadataError, match="scale: 4 values for 3 axes"):
        ngff.parse_multiscales(_image(_axes("cyx"), [1, 1, 1, 1]))
    with pytest.raises(MetadataError, match="axes"):
        ngff.parse_multiscales({"multiscales": [{"datasets": [{"path": "0"}]}]})


def test_omero_defaults_and_colours():
    channels, warnings = ngff.parse_omero({"multiscales": []}, 3)
    assert warnings == [] and [c.label for c in channels] == ["Channel 0", "Channel 1", "Channel 2"]
    assert [c.color for c in channels] == list(ngff.DEFAULT_COLORS[:3])
    assert channels[0].window is None and channels[0].active
    attrs = {"ome": {"omero": {"channels": [
        {"label": "DAPI", "color": "#ff0000", "window": {"start": 0, "end": "100"}},
        {"label": "GFP", "color": "nope"}, {"label": "extra", "color": "FFFFFF"}]}}}
    channels, warnings = ngff.parse_omero(attrs, 2)
    assert channels[0] == ngff.Channel("DAPI", "FF0000", (0.0, 100.0), None)
    assert channels[1].color == ngff.DEFAULT_COLORS[1]
    assert len(channels) == 2 and any("extra ones are ignored" in w for w in warnings)
    channels, warnings = ngff.parse_omero(attrs, 4)
    assert channels[3] == ngff.Channel("Channel 3", ngff.DEFAULT_COLORS[3])
    assert any("defaults for the rest" in w for w in warnings)


def test_image_label_lenient():
    attrs = {"image-label": {"version": "0.4", "source": {"image": "../../"},
                             "colors": [{"label-value": 1, "rgba": [0, 0, 300, 255]},
                                        {"label-value": 1.0, "rgba": [1, 1, 1, 1]},
                                        {"label-value": 2.5}],
                             "properties": [{"label-value": 1, "class": "nucleus"}]}}
    label, warnings = ngff.parse_image_label(attrs)
    assert label == ngff.ImageLabel("0.4", {1: (0, 0, 255, 255)}, {1: {"class": "nucleus"}}, "../../")
    assert len(warnings) == 3
    assert ngff.parse_image_label(_image(_axes("yx"), [1, 1])) == (None, [])
