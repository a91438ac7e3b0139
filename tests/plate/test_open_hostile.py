"""One bad document costs only its well or field, with the reason; odd metadata opens with a warning."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest
from builders import hand_plate, write_attrs

import imaging_explorer as ie
from imaging_explorer.io.documents import ZarrDocs
from imaging_explorer.ngff import parse_plate


def _open(path: Path) -> ie.Plate:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ie.PlateWarning)
        return ie.open_plate(path)


def test_permission_denied_costs_only_its_well(tmp_path, monkeypatch):
    """Simulated: CI runs as root, which reads a folder without permission anyway."""
    path = hand_plate(tmp_path / "p.zarr")
    real_open = os.open

    def guarded(file, flags, *args, **kwargs):
        if f"{os.sep}B{os.sep}2{os.sep}" in os.fspath(file):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded)
    plate = _open(path)
    assert list(plate.wells) == ["A/1"]
    assert "permission denied" in plate.missing_wells["B/2"]
    assert any("B/2" in p and "permission denied" in p for p in ie.validate(path))


def test_an_exception_from_one_document_costs_only_its_key(tmp_path, monkeypatch):
    """A reader that raises (instead of returning a PlateError value) is read key by key."""
    path = hand_plate(tmp_path / "p.zarr")
    real = ZarrDocs.arrays_many

    def flaky(self, paths):
        if any(p.startswith("B/2/") for p in paths):
            raise OverflowError("cannot convert float infinity to integer")
        return real(self, paths)

    monkeypatch.setattr(ZarrDocs, "arrays_many", flaky)
    plate = _open(path)
    assert list(plate.wells) == ["A/1"]
    assert "OverflowError" in plate.missing_wells["B/2"]
    assert any("B/2/0" in p and "OverflowError" in p for p in ie.validate(path))


def test_percent_in_a_well_path_costs_only_that_well(tmp_path):
    path = hand_plate(tmp_path / "p.zarr")
    doc = json.loads((path / "zarr.json").read_text())
    doc["attributes"]["ome"]["plate"]["wells"][1]["path"] = "B/%32"
    (path / "zarr.json").write_text(json.dumps(doc))
    plate = _open(path)
    assert list(plate.wells) == ["A/1"] and "unsafe" in plate.missing_wells["B/%32"]
    with pytest.raises(ie.PlateError, match="unsafe"):
        plate.well("B", "%32")
    assert any("B/%32" in p and "unsafe" in p for p in ie.validate(path))


@pytest.mark.parametrize("damage", [b'{"zarr_format": 3, "node_ty', b'{"a": "\xc3\x28"}', b"[" * 200_000 + b"]" * 200_000])
def test_one_unreadable_field_document_costs_one_field(tmp_path, damage):
    path = hand_plate(tmp_path / "p.zarr", fields=("0", "1"))
    (path / "A/1/1/zarr.json").write_bytes(damage)
    plate = _open(path)
    well = plate.wells["A/1"]
    assert [f.path for f in well.fields] == ["A/1/0"]
    assert len(well.problems) == 1 and "A/1/1/zarr.json" in well.problems[0]
    assert any(p.startswith("field A/1/1:") for p in ie.validate(path))


def test_non_finite_scale_and_window_open_with_warnings(tmp_path):
    path = hand_plate(tmp_path / "p.zarr")
    doc = json.loads((path / "A/1/0/zarr.json").read_text())
    ome = doc["attributes"]["ome"]
    ome["multiscales"][0]["datasets"][0]["coordinateTransformations"][0]["scale"] = [1.0, float("nan"), float("inf")]
    ome["omero"] = {"channels": [{"color": "FF0000", "window": {"start": float("nan"), "end": 9, "min": 0, "max": 9}}]}
    (path / "A/1/0/zarr.json").write_text(json.dumps(doc))
    with pytest.warns(ie.PlateWarning):
        plate = ie.open_plate(path)
    field = plate.wells["A/1"].fields[0]
    assert field.scale(0) == (1.0, 1.0, 1.0)
    assert field.channels[0].window is None
    assert sum("finite" in w for w in plate.warnings) == 2
    problems = ie.validate(path)
    assert any("A/1/0" in p and "scale" in p and "finite" in p for p in problems)
    assert any("A/1/0" in p and "window.start" in p and "finite" in p for p in problems)


def _labels(path: Path, dtype: str, shape: tuple[int, int]) -> None:
    import zarr
    from builders import multiscales

    write_attrs(path, "A/1/0/labels", {"labels": ["cells"]}, "0.5")
    write_attrs(path, "A/1/0/labels/cells", {**multiscales(["0"], "yx"), "image-label": {}}, "0.5")
    group = zarr.open_group(str(path / "A/1/0/labels/cells"), mode="a", zarr_format=3)
    group.create_array("0", shape=shape, dtype=dtype, chunks=shape)


@pytest.mark.parametrize(("dtype", "shape", "word"), [("float32", (32, 32), "not an integer type"),
                                                      ("uint32", (16, 32), "differs from its image's 32 x 32")])
def test_odd_label_images_warn(tmp_path, dtype, shape, word):
    path = hand_plate(tmp_path / "p.zarr", shape=(2, 32, 32))
    _labels(path, dtype, shape)
    plate = _open(path)
    field = plate.wells["A/1"].fields[0]
    assert list(field.labels) == ["cells"]  # still shown
    assert any("A/1/0/labels/cells" in w and word in w for w in plate.warnings)
    assert any("label image A/1/0/labels/cells" in p and word in p for p in ie.validate(path))


def test_absurd_channel_count_costs_the_field(tmp_path):
    path = hand_plate(tmp_path / "p.zarr")
    for level in ("0", "1"):
        doc = json.loads((path / f"A/1/0/{level}/zarr.json").read_text())
        doc["shape"][0] = 10**7
        (path / f"A/1/0/{level}/zarr.json").write_text(json.dumps(doc))
    plate = _open(path)
    assert "channels" in plate.missing_wells["A/1"] and list(plate.wells) == ["B/2"]


def test_unlisted_row_names_get_first_indices_in_order():
    """The rows/columns lookup is a dict now (a list search per well was quadratic)."""
    wells = [{"path": f"R{i}/1", "rowIndex": 0, "columnIndex": 0} for i in range(3000)]
    wells.append({"path": "R5/1", "rowIndex": 9, "columnIndex": 9})  # a duplicate path: skipped
    meta, _ = parse_plate({"plate": {"version": "0.4", "rows": [{"name": "R1"}], "columns": [], "wells": wells}})
    assert meta.rows[:3] == ("R1", "R0", "R2") and len(meta.rows) == 3000
    assert all(meta.rows[w.row_index] == w.row and meta.columns[w.column_index] == w.column for w in meta.wells)
    assert len(meta.wells) == 3000


def test_validate_never_raises(tmp_path, monkeypatch):
    path = hand_plate(tmp_path / "p.zarr")
    monkeypatch.setattr(ZarrDocs, "group_attrs_many", lambda self, paths: 1 / 0)
    problems = ie.validate(path)
    assert problems and all("ZeroDivisionError" in p for p in problems[-2:])


def test_open_image_refuses_a_bad_array_with_a_plate_error(tmp_path):
    path = hand_plate(tmp_path / "p.zarr")
    doc = json.loads((path / "A/1/0/0/zarr.json").read_text())
    doc["chunk_grid"]["configuration"]["chunk_shape"] = [2, 0, 32]
    (path / "A/1/0/0/zarr.json").write_text(json.dumps(doc))
    with pytest.raises(ie.PlateError, match="chunk"):
        ie.open_image(path / "A/1/0")
