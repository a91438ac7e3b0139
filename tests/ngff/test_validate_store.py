"""ie.validate: a whole store against the specification, references included."""

from __future__ import annotations

import json
import shutil

import pytest
from builders import hand_plate, omezarr_plate

import imaging_explorer as ie


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_conformant_plates_have_no_problems(tmp_path, version):
    assert ie.validate(omezarr_plate(tmp_path / "a.zarr", version=version)) == []
    assert ie.validate(hand_plate(tmp_path / "b.zarr", version=version)) == []


def test_missing_references_are_reported(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", fields=("0", "1"))
    shutil.rmtree(path / "B/2")
    shutil.rmtree(path / "A/1/1")
    shutil.rmtree(path / "A/1/0/1")
    problems = ie.validate(path)
    assert any(p.startswith("well B/2") and "not found" in p for p in problems)
    assert any(p.startswith("field A/1/1") and "not found" in p for p in problems)
    assert any(p.startswith("field A/1/0") and "'1'" in p for p in problems)
    assert len(problems) == 3


def test_array_dimensions_must_match_axes(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", shape=(2, 16, 16))
    doc = json.loads((path / "A/1/0/zarr.json").read_text())
    doc["attributes"]["ome"]["multiscales"][0]["axes"].insert(0, {"name": "t", "type": "time"})
    for ds in doc["attributes"]["ome"]["multiscales"][0]["datasets"]:
        ds["coordinateTransformations"][0]["scale"].insert(0, 1.0)
    (path / "A/1/0/zarr.json").write_text(json.dumps(doc))
    problems = ie.validate(path)
    assert any("A/1/0" in p and "3 dimensions" in p and "tcyx" in p for p in problems)


def test_metadata_problems_name_the_document_and_field(tmp_path):
    path = hand_plate(tmp_path / "p.zarr")
    doc = json.loads((path / "zarr.json").read_text())
    doc["attributes"]["ome"]["plate"]["rows"].append({"name": "A"})
    (path / "zarr.json").write_text(json.dumps(doc))
    problems = ie.validate(path)
    assert any(p.startswith("plate:") and "rows" in p for p in problems)


def test_ngff_version_must_match_zarr_format(tmp_path):
    path = hand_plate(tmp_path / "p.zarr", version="0.4")
    doc = json.loads((path / ".zattrs").read_text())
    doc["plate"]["version"] = "0.5"
    (path / ".zattrs").write_text(json.dumps(doc))
    assert any("zarr v3" in p for p in ie.validate(path))


def test_unreadable_location_is_one_problem(tmp_path):
    problems = ie.validate(tmp_path / "missing.zarr")
    assert len(problems) == 1 and "missing.zarr" in problems[0]
