"""The analysis store: tables and labels round-trip, any OME-Zarr reader reads the labels, the
Parquet files carry the plate and the parameters, and stores of other plates or parameters are
refused (or replaced when asked)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import zarr

import imaging_explorer as ie
from imaging_explorer.analysis.batch import analyze_plate
from imaging_explorer.analysis.channel_roles import resolve_roles
from imaging_explorer.analysis.field_analysis import AnalysisParams, analyze_field
from imaging_explorer.analysis.output_location import default_folder, store_folder
from imaging_explorer.analysis.readouts import ReadoutParams
from imaging_explorer.analysis.results_store import (
    AnalysisStoreError,
    open_results,
    parameters_doc,
)

TABLES = ("objects", "fields", "wells", "problems")


@pytest.fixture(scope="module")
def analysed(plate: ie.Plate, roles):
    """The plate analysed into its default store (beside it), with the default parameters."""
    run = analyze_plate(plate, roles, workers=2)
    assert not run.cancelled and not run.failed
    return run


def _fields(plate: ie.Plate):
    return [(key, f) for key, well in plate.wells.items() for f in well.fields]


def test_default_folder_is_beside_the_plate(plate, analysed):
    assert analysed.folder == plate.store_location.local_root.parent / "plate.analysis"
    assert default_folder(plate) == analysed.folder
    assert {p.name for p in analysed.folder.iterdir()} >= {"analysis.json", "labels.zarr", "parts",
                                                           *(f"{t}.parquet" for t in TABLES)}


def test_tables_and_labels_round_trip(plate, roles, analysed):
    results = open_results(plate)  # found from the plate: its default store
    assert results.folder == analysed.folder
    assert list(results.fields["well"]) == ["A/1", "A/2", "A/3", "B/1", "B/3"]  # plate order; B/2 is missing
    for key, field in _fields(plate):
        direct = analyze_field(field, roles, AnalysisParams(), well=key)
        stored = results.fields.set_index("path").loc[field.path]
        for column, value in direct.row.items():
            assert stored[column] == value or (pd.isna(stored[column]) and pd.isna(value)), column
        objects = results.objects[(results.objects["well"] == key) & (results.objects["field"] == field.index)]
        pd.testing.assert_frame_equal(objects.drop(columns=["well", "field", "t"]).reset_index(drop=True),
                                      direct.objects, check_dtype=False)
        labels = results.labels(key, field.index)
        np.testing.assert_array_equal(labels["nuclei"][...], direct.nuclei)
        np.testing.assert_array_equal(results.labels(field.path)["cells"][...], direct.cells)
    wells = results.wells.set_index("well")
    assert wells.loc["A/1", "nuclei_count"] == results.fields.set_index("well").loc["A/1", "nuclei_count"]
    problems = results.problems
    assert str(problems["field"].dtype) == "Int64" and problems["field"].isna().all()  # a whole well
    assert problems[["well", "path", "error"]].values.tolist() == [["B/2", "B/2", plate.missing_wells["B/2"]]]


def test_column_types_are_fixed(analysed):
    fields, objects = analysed.results.fields, analysed.results.objects
    assert list(fields.columns[:7]) == ["well", "field", "t", "path", "nuclei_count", "cell_count", "infected_count"]
    assert str(fields["nuclei_count"].dtype) == "Int64" and fields["field"].dtype == np.int64
    assert fields["infected_fraction"].dtype == np.float64
    assert list(objects.columns[:4]) == ["well", "field", "t", "label"] and str(objects["infected"].dtype) == "boolean"


def test_labels_are_ome_zarr_that_other_readers_read(plate, analysed):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    field = plate.wells["A/1"].fields[0]
    folder = analysed.folder / "labels.zarr" / "A/1/0/labels"
    nodes = list(Reader(parse_url(str(folder)))())
    by_name = {n.metadata.get("name"): n for n in nodes if n.data}
    assert set(by_name) == {"nuclei", "cells"}
    stored = analysed.results.labels("A/1/0")
    for name, node in by_name.items():
        np.testing.assert_array_equal(np.asarray(node.data[0]), stored[name][...])
    # zarr-python alone, and the project's strict NGFF validator on every document
    group = zarr.open_group(folder, mode="r")
    assert group.attrs["ome"]["labels"] == ["nuclei", "cells"]
    for path in ("", "nuclei", "cells"):
        attrs = json.loads((folder / path / "zarr.json").read_text())["attributes"]
        assert ie.validate_metadata(attrs, version="0.5") == [], path
    multiscale = group["nuclei"].attrs["ome"]["multiscales"][0]
    assert [a["name"] for a in multiscale["axes"]] == ["y", "x"]
    scale = field.scale(0)
    assert multiscale["datasets"][0]["coordinateTransformations"][0]["scale"] == [scale[-2], scale[-1]]
    assert group["nuclei/0"].dtype == np.uint32 and group["nuclei/0"].shape == (128, 128)


def test_every_parquet_file_names_the_plate_and_parameters(plate, roles, analysed):
    expected = parameters_doc(AnalysisParams(), roles, [c.name for c in plate.wells["A/1"].fields[0].channels])
    files = [analysed.folder / f"{t}.parquet" for t in TABLES] + sorted((analysed.folder / "parts").rglob("*.parquet"))
    assert len(files) == len(TABLES) + 5
    for path in files:
        meta = pq.read_schema(path).metadata
        assert meta[b"fingerprint"].decode() == plate.fingerprint
        assert meta[b"plate"].decode() == str(plate.store_location.local_root)
        assert json.loads(meta[b"parameters"]) == expected
    assert expected["roles"]["nuclei"] == {"index": 0, "channel": "DAPI"}
    assert expected["analysis"]["z"] == "max" and expected["analysis"]["segmentation"]["nucleus_diameter"] == [8.0, 30.0]


def test_a_store_made_with_other_parameters_is_refused_then_replaced_when_asked(plate, roles, tmp_path):
    out = tmp_path / "results"
    analyze_plate(plate, roles, out=out, workers=1)
    other = AnalysisParams(readout=ReadoutParams(infection_threshold=500.0))
    with pytest.raises(AnalysisStoreError, match=r"other parameters .*infection_threshold: null -> 500\.0"):
        analyze_plate(plate, roles, other, out=out)
    with pytest.raises(AnalysisStoreError, match="other parameters .*roles.pathogen"):
        analyze_plate(plate, resolve_roles(plate.wells["A/1"].fields[0].channels, pathogen="Cell", cell=None), out=out)
    run = analyze_plate(plate, roles, other, out=out, overwrite=True, workers=1)
    assert run.computed == 5 and run.skipped == 0
    assert open_results(out).parameters["analysis"]["readout"]["infection_threshold"] == 500.0
    assert (run.results.fields["infection_threshold"] == 500.0).all()


def test_a_store_of_another_plate_is_refused(plate, roles, tmp_path):
    out = tmp_path / "results"
    analyze_plate(plate, roles, out=out, workers=1)
    other = ie.open_plate(ie.make_sample_plate(tmp_path / "other.zarr", rows=1, columns=2, fields=1, size=64).plate)
    with pytest.raises(AnalysisStoreError, match=f"made for another plate .*fingerprint {plate.fingerprint}"):
        analyze_plate(other, roles, out=out)


def test_folders_that_are_not_stores_are_never_written_or_removed(plate, roles, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    for overwrite in (False, True):
        with pytest.raises(AnalysisStoreError, match="holds other files"):
            analyze_plate(plate, roles, out=busy, overwrite=overwrite)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    root = plate.store_location.local_root
    with pytest.raises(ValueError, match="cannot go inside the plate"):
        store_folder(plate, root / "analysis")
    with pytest.raises(ValueError, match="holds the plate"):
        store_folder(plate, root.parent)
    with pytest.raises(AnalysisStoreError, match="not an analysis store"):
        open_results(busy)


def test_an_unfinished_analysis_says_so(plate, roles, tmp_path):
    import threading

    stop = threading.Event()
    run = analyze_plate(plate, roles, out=tmp_path / "r", workers=1, cancel=stop,
                        progress=lambda done, total, outcome: stop.set())
    assert run.cancelled and run.results is None
    with pytest.raises(AnalysisStoreError, match=r"not finished \(1 field\(s\) done"):
        _ = open_results(tmp_path / "r").fields


def test_rewriting_a_field_replaces_its_labels_whole(tmp_path):
    from imaging_explorer.analysis.label_images import (
        label_arrays,
        write_field_labels,
        write_root,
    )

    root, scratch = tmp_path / "labels.zarr", tmp_path / "tmp"
    scratch.mkdir()
    write_root(root, "plate.zarr", "f00d")
    geometry = {"units": ["micrometer", None], "scale": [0.5, 0.25], "translation": [0.0, 10.0]}
    for value in (1, 2):
        image = np.full((3, 2500), value, np.uint16)
        write_field_labels(root, "C/7/f1", {"nuclei": image, "cells": image}, geometry, scratch)
    arrays = label_arrays(root, "C/7/f1")
    assert arrays["nuclei"].dtype == np.uint32 and (arrays["cells"][...] == 2).all()
    assert arrays["nuclei"].chunks == (3, 1024)  # fields wider than a chunk are tiled
    assert list(scratch.iterdir()) == []  # the old copy and the temporary one are gone
    attrs = json.loads((root / "C/7/f1/labels/nuclei/zarr.json").read_text())["attributes"]
    assert ie.validate_metadata(attrs, version="0.5") == []
    transforms = attrs["ome"]["multiscales"][0]["datasets"][0]["coordinateTransformations"]
    assert transforms == [{"type": "scale", "scale": [0.5, 0.25]}, {"type": "translation", "translation": [0.0, 10.0]}]
    assert attrs["ome"]["multiscales"][0]["axes"] == [{"name": "y", "type": "space", "unit": "micrometer"},
                                                      {"name": "x", "type": "space"}]
    with pytest.raises(ValueError, match="label images are \\(y, x\\) or \\(t, y, x\\)"):
        write_field_labels(root, "C/7/f1", {"nuclei": np.zeros((2, 2, 2, 2))}, geometry, scratch)


def test_label_chunks_are_the_bytes_zarr_python_writes(tmp_path):
    from zarr.codecs import BloscCodec

    from imaging_explorer.analysis.label_images import write_field_labels, write_root

    image = np.zeros((1100, 300), np.uint32)  # two chunks down, the second one a padded edge
    image[5:40, 7:90] = 3
    image[1050:1090, 10:20] = 70000
    write_root(tmp_path / "labels.zarr", "p.zarr", "f00d")
    (tmp_path / "tmp").mkdir()
    geometry = {"units": [None, None], "scale": [1.0, 1.0], "translation": [0.0, 0.0]}
    write_field_labels(tmp_path / "labels.zarr", "A/1/0", {"nuclei": image}, geometry, tmp_path / "tmp")
    ours = tmp_path / "labels.zarr/A/1/0/labels/nuclei/0"
    theirs = zarr.create_array(tmp_path / "zarr-python", shape=image.shape, dtype="uint32", chunks=(1024, 300),
                               fill_value=0, compressors=BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"),
                               dimension_names=("y", "x"))
    theirs[...] = image
    for key in ("zarr.json", "c/0/0", "c/1/0"):
        assert (ours / key).read_bytes() == (tmp_path / "zarr-python" / key).read_bytes(), key
    np.testing.assert_array_equal(zarr.open_array(ours, mode="r")[...], image)


def test_missing_labels_are_a_clear_error(analysed):
    with pytest.raises(KeyError, match="no results for well B/2"):
        analysed.results.labels("B/2", 0)
    with pytest.raises(KeyError, match="no label images for field Z/9/0"):
        analysed.results.labels("Z/9/0")


def test_url_plates_get_a_store_in_the_user_data_folder(plate, monkeypatch, tmp_path):
    from http_server import serve

    monkeypatch.setenv("IMAGING_EXPLORER_DATA", str(tmp_path / "data"))
    root = plate.store_location.local_root
    with serve(root.parent) as url:
        remote = ie.open_plate(f"{url}/{root.name}")
        folder = store_folder(remote)
        assert folder.parent == tmp_path / "data" / "analysis" and folder.name.startswith("plate-")
        assert store_folder(ie.open_plate(f"{url}/{root.name}/")) == folder  # same location, same store
    assert isinstance(folder, Path)
