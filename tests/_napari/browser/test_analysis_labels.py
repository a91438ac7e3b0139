"""The analysis' segmentations and readouts in a well view, without a viewer: label specs named
after the analysis that line up with the field (cyx and t,c,z,y,x plates), the cells' readouts
indexed per field, and the texts the hover and the dock show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from real_layouts import tczyx

import imaging_explorer as ie
from imaging_explorer._napari.browser.analysis_view import well_table
from imaging_explorer._napari.browser.readouts_text import cell_text, well_line
from imaging_explorer._napari.browser.well_loading import load_well, run_to_end
from imaging_explorer.analysis.batch import analyze_plate
from imaging_explorer.analysis.channel_roles import resolve_roles
from imaging_explorer.sample import make_sample_plate


def analysed(path: Path, **roles) -> tuple[ie.Plate, object]:
    plate = ie.open_plate(str(path))
    first = next(w for w in plate.wells.values() if w.fields).fields[0]
    run = analyze_plate(plate, resolve_roles(first.channels, **roles), workers=1)
    return plate, run.results


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    made = make_sample_plate(folder / "plate.zarr", rows=2, columns=3, fields=1, size=128, version="0.5")
    return analysed(made.plate)


def _extent_yx(spec) -> np.ndarray:
    """World (y, x) of the first and one past the last pixel of a layer spec."""
    shape = np.array(spec.levels[0].shape[-2:])
    scale, shift = np.array(spec.scale[-2:]), np.array(spec.translate[-2:])
    return np.array([shift, shift + shape * scale])


def test_analysis_labels_follow_the_plate_labels_and_line_up(sample) -> None:
    plate, results = sample
    view = run_to_end(load_well(plate, "A/2", analysis=results))
    names = [s.name for s in view.layers]
    assert names == ["DAPI", "Cell", "Pathogen", "nuclei", "nuclei (analysis)", "cells (analysis)"]
    image = view.layers[0]
    for spec in view.layers[-2:]:
        assert spec.kind == "labels" and spec.axis_labels == ("y", "x")
        np.testing.assert_allclose(_extent_yx(spec), _extent_yx(image))
        assert isinstance(spec.levels[0], np.ndarray)  # read in the worker, not by napari's first draw
    cells = view.layers[-1].levels[0]
    stored = np.asarray(results.labels("A/2/0")["cells"])
    np.testing.assert_array_equal(cells, stored)
    assert view.analysis_error == ""


def test_readouts_are_indexed_by_field_and_label(sample) -> None:
    plate, results = sample
    view = run_to_end(load_well(plate, "B/1", analysis=results))
    index = view.readouts["B/1/0"]
    objects = results.objects[results.objects["well"] == "B/1"]
    assert list(index) == [0]  # the one time point analysed
    index = index[0]
    assert sorted(index) == sorted(int(v) for v in objects["label"])
    row = objects.iloc[0]
    assert index[int(row["label"])]["area_px"] == row["area_px"]


def test_no_results_no_analysis_layers_and_broken_results_are_a_reason(sample, tmp_path) -> None:
    plate, results = sample
    assert not any(s.name.endswith("(analysis)") for s in run_to_end(load_well(plate, "A/2")).layers)

    class Gone:  # results whose folder vanished
        store = results.store
        folder = tmp_path / "nothing"

    view = run_to_end(load_well(plate, "A/3", analysis=Gone()))
    assert view.analysis_error and [s.name for s in view.layers][-1] == "nuclei"


def test_tczyx_plate_analysis_labels_line_up_with_the_field(tmp_path) -> None:
    plate, results = analysed(tczyx(tmp_path / "t.zarr"), nuclei=0)
    view = run_to_end(load_well(plate, "B/3", analysis=results))
    by_name = {s.name: s for s in view.layers}
    image, cells = by_name["Channel 0"], by_name["cells (analysis)"]
    assert image.axis_labels == ("t", "z", "y", "x") and cells.axis_labels == ("y", "x")
    np.testing.assert_allclose(_extent_yx(cells), _extent_yx(image))
    assert cells.levels[0].max() > 0 and view.readouts["B/3/0"]


def test_cell_and_well_texts() -> None:
    row = {"label": 17, "area_px": 640, "mean_DAPI": 1201.4, "mean_Pathogen": 812.2, "integrated_DAPI": 5.0,
           "infected": True}
    assert cell_text(17, row, None) == "cell 17 · infected · area 640 px · mean DAPI 1201 · mean Pathogen 812"
    assert cell_text(3, {"area_px": 100, "infected": None}, 0.4225) == "cell 3 · area 42.2 µm²"
    line = well_line({"nuclei_count": 312, "cell_count": 298, "infected_fraction": 0.1242, "infected_count": 37})
    assert line == "readouts: 312 nuclei · 298 cells · 12.4 % infected (37)"
    assert well_line(None) == "readouts: none for this well" and well_line(None, analysed=False) == ""


def test_well_table_is_indexed_by_well(sample) -> None:
    _, results = sample
    table = well_table(results)
    wells = results.wells.set_index("well")
    assert table.loc["A/2", "cell_count"] == wells.loc["A/2", "cell_count"] and "B/2" not in table.index  # missing well


def test_every_time_point_lines_up_with_the_image_axes(tmp_path) -> None:
    from imaging_explorer.analysis.field_analysis import AnalysisParams

    plate = ie.open_plate(str(tczyx(tmp_path / "t.zarr")))
    first = plate.wells["B/3"].fields[0]
    results = analyze_plate(plate, resolve_roles(first.channels, nuclei=0), AnalysisParams(t="all"), workers=1).results
    view = run_to_end(load_well(plate, "B/3", analysis=results))
    by_name = {s.name: s for s in view.layers}
    image, nuclei = by_name["Channel 0"], by_name["nuclei (analysis)"]
    assert nuclei.axis_labels == image.axis_labels == ("t", "z", "y", "x")
    assert nuclei.levels[0].shape == image.levels[0].shape and nuclei.scale == image.scale
    stored = np.asarray(results.labels("B/3/0")["nuclei"])
    for z in range(3):
        np.testing.assert_array_equal(nuclei.levels[0][:, z], stored)
    assert sorted(view.readouts["B/3/0"]) == [0, 1]
