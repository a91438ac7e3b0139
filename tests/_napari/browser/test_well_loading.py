"""The well-view loader without Qt: channel slicing, tiling, the memory budget, errors."""

from __future__ import annotations

from types import SimpleNamespace as NS

import dask.array as da
import numpy as np
import pytest
import real_layouts

import imaging_explorer as ie
from imaging_explorer._napari.browser.well_loading import (
    LoadFailure,
    axis_info,
    guarded_load_well,
    load_well,
    run_to_end,
)


def test_one_field_is_read_into_memory(small_plate) -> None:
    plate = ie.open_plate(str(small_plate.plate))
    field = plate.wells["A/1"].fields[1]
    view = run_to_end(load_well(plate, "A/1", 1))
    assert [(s.kind, s.name) for s in view.layers] == [
        ("image", "DAPI"), ("image", "Cell"), ("image", "Pathogen"), ("labels", "nuclei")]
    dapi = view.layers[0]
    assert all(isinstance(a, np.ndarray) for a in dapi.levels)
    np.testing.assert_array_equal(dapi.levels[1], np.asarray(field.levels[1][0]))
    assert dapi.scale == field.scale(0)[1:] and dapi.axis_labels == ("y", "x")
    assert view.field_at(0, 0) is field


def test_tiles_and_budget(small_plate) -> None:
    plate = ie.open_plate(str(small_plate.plate))
    fields = plate.wells["A/1"].fields
    view = run_to_end(load_well(plate, "A/1", 0, tiled=True, budget=0))  # too big: stays lazy
    dapi = view.layers[0]
    assert view.grid == (1, 2) and dapi.levels[0].shape == (256, 512)
    assert isinstance(dapi.levels[0], da.Array) and isinstance(dapi.levels[-1], np.ndarray)
    np.testing.assert_array_equal(np.asarray(dapi.levels[0][:, 256:]), np.asarray(fields[1].levels[0][0]))


def test_tczyx_field_keeps_z_and_t() -> None:
    axes = tuple(NS(name=n, type=t) for n, t in
                 (("t", "time"), ("c", "channel"), ("z", "space"), ("y", "space"), ("x", "space")))
    levels = [da.ones((2, 2, 3, 32, 32), dtype="uint16"), da.ones((2, 2, 3, 16, 16), dtype="uint16")]
    fld = NS(path="A/1/0", index=0, multiscale=NS(axes=axes), channel_count=2,
             levels=levels, channels=[NS(name="DAPI"), NS(name="GFP")], labels={},
             scale=lambda k: (1.0, 1.0, 2.0, 0.5, 0.5), translation=lambda k: (0.0,) * 5)
    plate = NS(wells={"A/1": NS(name="A1", fields=[fld])}, load_arrays=lambda fields: None)
    view = run_to_end(load_well(plate, "A/1"))
    assert [s.name for s in view.layers] == ["DAPI", "GFP"]
    assert view.layers[0].levels[0].shape == (2, 3, 32, 32) and view.layers[0].axis_labels == ("t", "z", "y", "x")
    assert view.layers[0].scale == (1.0, 2.0, 0.5, 0.5)


def test_errors_come_back_as_failures() -> None:
    plate = NS(wells={"A/1": NS(name="A1", fields=[])})
    result = run_to_end(guarded_load_well(plate, "A/1"))
    assert isinstance(result, LoadFailure) and "no fields" in str(result.error)


@pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")
@pytest.mark.parametrize("layout", ["iohub", "tczyx"])
def test_axis_info_and_well_view_of_real_layouts(tmp_path, layout) -> None:
    """iohub writes T, C, Z, Y, X: the channel axis is found and napari gets lower-case labels."""
    plate = ie.open_plate(real_layouts.LAYOUTS[layout](tmp_path / "p.zarr"))
    field = plate.wells["A/2"].fields[0]
    assert axis_info(field) == (["t", "c", "z", "y", "x"], 1)
    view = run_to_end(load_well(plate, "A/2"))
    assert [s.name for s in view.layers] == ["Channel 0", "Channel 1", "Channel 2"]
    data = np.asarray(field.levels[0])
    for i, spec in enumerate(view.layers):
        assert spec.axis_labels == ("t", "z", "y", "x")
        np.testing.assert_array_equal(spec.levels[0], data[:, i])


def test_axis_info_by_type_and_name() -> None:
    axes = (NS(name="T", type=None), NS(name="wavelength", type="channel"), NS(name="Y", type="space"),
            NS(name="X", type="space"))
    assert axis_info(NS(multiscale=NS(axes=axes))) == (["t", "c", "y", "x"], 1)
    assert axis_info(NS(multiscale=NS(axes=(NS(name="Y", type=None), NS(name="X", type=None))))) == (["y", "x"], None)


def _bad_chunk(plate_root, field_path: str, level: str = "0") -> None:
    (plate_root / field_path / level / "c" / "0" / "0" / "0").write_bytes(b"not a chunk at all" * 3)


def test_an_unreadable_field_is_blank_and_named_in_a_tiled_view(small_plate, tmp_path) -> None:
    import shutil

    copy = tmp_path / "plate.zarr"
    shutil.copytree(small_plate.plate, copy)
    _bad_chunk(copy, "A/2/0")
    plate = ie.open_plate(str(copy))
    view = run_to_end(load_well(plate, "A/2", 0, tiled=True))
    assert list(view.problems) == ["A/2/0"] and view.problems["A/2/0"]
    dapi = np.asarray(view.layers[0].levels[0])
    assert not dapi[:, :256].any() and dapi[:, 256:].any()  # field 1 blank, field 2 shown
    # one field alone that cannot be read: the well fails, naming the field and the reason
    failure = run_to_end(guarded_load_well(plate, "A/2", 0))
    assert isinstance(failure, LoadFailure) and isinstance(failure.error, ie.PlateError)
    assert failure.error.location.endswith("A/2/0") and "field 1 cannot be read" in failure.error.reason


def test_a_huge_field_without_a_pyramid_is_refused() -> None:
    axes = tuple(NS(name=n, type="space") for n in ("y", "x"))
    huge = da.zeros((1_000_000, 1_000_000), dtype="uint16", chunks=(4096, 4096))
    fld = NS(path="A/1/0", index=0, multiscale=NS(axes=axes), channel_count=1, levels=[huge],
             channels=[NS(name="DAPI")], labels={}, scale=lambda k: (1.0, 1.0), translation=lambda k: (0.0, 0.0))
    plate = NS(location="/data/plate.zarr", wells={"A/1": NS(name="A1", fields=[fld])}, load_arrays=lambda fields: None)
    failure = run_to_end(guarded_load_well(plate, "A/1"))
    assert isinstance(failure, LoadFailure) and isinstance(failure.error, ie.PlateError)
    assert failure.error.location == "/data/plate.zarr/A/1/0"
    assert "1000000 x 1000000" in failure.error.reason and "no smaller pyramid level" in failure.error.reason
