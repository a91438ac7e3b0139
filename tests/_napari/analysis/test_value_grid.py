"""The heatmap's value grid (Qt-free): one cell per well over its box, NaN without a value, the range."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imaging_explorer._napari.analysis.value_grid import (
    readout_columns,
    value_at,
    value_grid,
    well_values,
)


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    import imaging_explorer as ie
    from imaging_explorer.overview import plate_layout
    from imaging_explorer.plate import open_plate

    sample = ie.make_sample_plate(tmp_path_factory.mktemp("grid") / "p.zarr", rows=2, columns=3, fields=1, size=64)
    return plate_layout(open_plate(str(sample.plate)))


def _cell_span(grid, axis: int, index: int) -> tuple[float, float]:
    """World interval napari draws pixel ``index`` over (pixel centres at index * scale + translate)."""
    centre = index * grid.scale[axis] + grid.translate[axis]
    return centre - grid.scale[axis] / 2, centre + grid.scale[axis] / 2


def test_each_cell_covers_its_wells_box(layout) -> None:
    values = {well: float(i) for i, well in enumerate(sorted(layout.wells))}
    grid = value_grid(layout, values)
    assert grid.data.shape == (2, 3)
    for well, (r, c) in layout.wells.items():
        assert grid.data[r, c] == values[well]
        y0, x0, y1, x1 = layout.well_box(well)
        lo_y, hi_y = _cell_span(grid, 0, r)
        lo_x, hi_x = _cell_span(grid, 1, c)
        # mosaic pixels y0 .. y1-1 cover world [y0 - 0.5, y1 - 0.5]
        assert lo_y <= y0 - 0.5 and hi_y >= y1 - 0.5 and lo_x <= x0 - 0.5 and hi_x >= x1 - 0.5
        assert hi_y - lo_y == pytest.approx(layout.pitch[0])  # no more than the box and the gap
        assert value_at(layout, values, (y0 + y1) / 2, (x0 + x1) / 2) == (well, values[well])


def test_missing_wells_are_nan_and_the_range_is_the_values(layout) -> None:
    grid = value_grid(layout, {"A/1": 0.25, "B/3": 0.75, "B/2": float("nan"), "Z/9": 5.0})
    assert grid.data[0, 0] == 0.25 and grid.data[1, 2] == 0.75
    assert np.isnan(grid.data).sum() == 4  # four wells without a value (NaN is no value)
    assert grid.limits == (0.25, 0.75)
    assert grid.contrast_limits() == (0.25, 0.75)
    empty = value_grid(layout, {})
    assert empty.limits is None and np.isnan(empty.data).all() and empty.contrast_limits() == (0.0, 1.0)
    one = value_grid(layout, {"A/1": 3.0}).contrast_limits()
    assert one[0] == 3.0 and one[1] > one[0]  # napari needs low < high


def test_readout_columns_and_values_from_a_wells_table() -> None:
    wells = pd.DataFrame({"well": ["A/1", "A/2", "A/2"], "t": [0, 1, 0], "field_count": [1, 1, 1],
                          "nuclei_count": [10, 20, 30], "infected_fraction": [0.5, np.nan, 0.1],
                          "note": ["x", "y", "z"], "flag": [True, False, True]})
    assert readout_columns(wells) == ["nuclei_count", "infected_fraction"]
    assert well_values(wells, "infected_fraction") == {"A/1": 0.5, "A/2": 0.1}  # the first time point's
    assert well_values(wells, "no such column") == {}
    assert readout_columns(None) == [] and well_values(None, "x") == {}


def test_value_at_outside_the_plate(layout) -> None:
    assert value_at(layout, {"A/1": 1.0}, -1000.0, -1000.0) is None
    y0, x0, y1, x1 = layout.well_box("A/2")
    assert value_at(layout, {"A/1": 1.0}, (y0 + y1) / 2, (x0 + x1) / 2) is None  # A/2 has no value
    assert not math.isnan(value_grid(layout, {"A/1": 1.0}).data[0, 0])
