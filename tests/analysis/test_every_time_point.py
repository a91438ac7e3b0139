"""Every time point of a time series: one row per field and time point, (t, y, x) label images,
the same numbers as analysing each time point on its own; resumable; `analyze --t all`."""

from __future__ import annotations

import json

import numpy as np
import pytest

import imaging_explorer as ie
import real_layouts
from imaging_explorer.analysis.batch import analyze_plate
from imaging_explorer.analysis.channel_roles import resolve_roles
from imaging_explorer.analysis.field_analysis import AnalysisParams
from imaging_explorer.analysis.results_store import open_results
from imaging_explorer.cli import main


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> ie.Plate:
    path = real_layouts.tczyx(tmp_path_factory.mktemp("series") / "series.zarr")  # 2 t, 3 c, 3 z, 6 wells
    return ie.open_plate(path)


@pytest.fixture(scope="module")
def roles(series: ie.Plate):
    return resolve_roles(series.wells["A/1"].fields[0].channels, nuclei=0, cell=1, pathogen=2)


@pytest.fixture(scope="module")
def every(series, roles, tmp_path_factory):
    run = analyze_plate(series, roles, AnalysisParams(t="all"), tmp_path_factory.mktemp("all") / "r", workers=2)
    assert run.computed == 6 and not run.failed
    return run.results


def test_one_row_per_field_and_time_point(every):
    fields = every.fields
    assert sorted(fields.groupby("path")["t"].apply(list).map(tuple).unique()) == [(0, 1)]
    assert set(every.objects["t"]) <= {0, 1}
    wells = every.wells
    assert len(wells) == 12 and sorted(set(wells["t"])) == [0, 1]
    assert every.parameters["analysis"]["t"] == "all"


def test_each_time_point_as_analysed_alone(series, roles, every, tmp_path):
    for t in (0, 1):
        alone = analyze_plate(series, roles, AnalysisParams(t=t), tmp_path / f"t{t}", workers=1).results
        mine = every.fields[every.fields["t"] == t].reset_index(drop=True)
        theirs = alone.fields.reset_index(drop=True)
        np.testing.assert_array_equal(mine["nuclei_count"], theirs["nuclei_count"])
        np.testing.assert_allclose(mine["mean_" + series.wells["A/1"].fields[0].channels[0].name],
                                   theirs["mean_" + series.wells["A/1"].fields[0].channels[0].name])
        for path in ("A/1/0", "B/3/0"):
            stacked = every.labels(path)["nuclei"]
            assert stacked.shape == (2, 64, 64)
            np.testing.assert_array_equal(stacked[t], alone.labels(path)["nuclei"][...])


def test_labels_are_valid_t_y_x_label_images(every):
    doc = json.loads((every.store.labels_root / "A/2/0/labels/cells/zarr.json").read_text())
    attrs = doc["attributes"]
    assert ie.validate_metadata(attrs, version="0.5") == []
    axes = attrs["ome"]["multiscales"][0]["axes"]
    assert [a["name"] for a in axes] == ["t", "y", "x"] and axes[0]["type"] == "time"
    array = json.loads((every.store.labels_root / "A/2/0/labels/cells/0/zarr.json").read_text())
    assert array["dimension_names"] == ["t", "y", "x"]
    assert array["chunk_grid"]["configuration"]["chunk_shape"] == [1, 64, 64]  # one time point a chunk


def test_a_resumed_run_skips_fields_done(series, roles, tmp_path):
    import threading

    out = tmp_path / "r"
    cancel = threading.Event()

    def progress(done, total, outcome):
        assert [r["t"] for r in outcome.rows] == [0, 1]
        if done == 2:
            cancel.set()

    first = analyze_plate(series, roles, AnalysisParams(t="all"), out, workers=1, progress=progress, cancel=cancel)
    assert first.cancelled and first.computed == 2
    second = analyze_plate(series, roles, AnalysisParams(t="all"), out, workers=1)
    assert second.computed == 4 and second.skipped == 2 and len(second.results.fields) == 12


def test_cli_t_all(series, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["analyze", str(series.location), "--out", str(out), "--t", "all", "--nuclei-channel", "0",
                 "--workers", "1"]) == 0
    results = open_results(out)
    assert sorted(set(results.fields["t"])) == [0, 1]
    assert "must be a whole number" in _error(capsys, ["analyze", str(series.location), "--t", "every"])


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err
