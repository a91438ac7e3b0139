"""The screen view's mosaic without napari: the grid, each plate's values in its cell, what a point
falls on, failing plates marked in the overlay, plates arriving one by one, and its speed."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from imaging_explorer._napari.screen.decorations import FAIL_COLOR, GREY_FILL
from imaging_explorer._napari.screen.layout import screen_layout
from imaging_explorer._napari.screen.mosaic import (
    ScreenMosaic,
    build_screen_mosaic,
    entry_name,
)
from imaging_explorer.screen import Screen, ScreenEntry, ScreenPlate


def _plate(index: int, name: str, rows: int = 8, columns: int = 12, z: float | None = 0.7, error: str = "",
           seed: int = 0) -> ScreenPlate:
    """A screen plate whose activity is ``row * 100 + column`` (+ ``seed``); z=None: not analysed."""
    row_names = tuple(chr(ord("A") + r) for r in range(rows))
    column_names = tuple(str(c + 1) for c in range(columns))
    entry = ScreenEntry(f"/screen/{name}.zarr")
    if error or z is None:
        return ScreenPlate(entry, index, name, row_names, column_names, error=error)
    wells = [(r, c) for r in range(rows) for c in range(columns) if (r, c) != (0, 0)]  # A1 has no value
    calls = pd.DataFrame({"row": [row_names[r] for r, _ in wells], "column": [column_names[c] for _, c in wells],
                          "activity_pct": [r * 100.0 + c + seed for r, c in wells],
                          "nuclei_count": [400.0] * len(wells), "hit": [False] * len(wells)},
                         index=[f"{row_names[r]}/{column_names[c]}" for r, c in wells])
    qc = SimpleNamespace(z_prime=z)  # the plate's QC: only Z′ matters here
    return ScreenPlate(entry, index, name, row_names, column_names, calls=calls, qc=qc)  # type: ignore[arg-type]


@pytest.fixture
def screen() -> Screen:
    plates = (_plate(0, "p1"), _plate(1, "p2", seed=5), _plate(2, "p3", z=-0.2), _plate(3, "p4", z=None),
              _plate(4, "p5", error="not an HCS plate"))
    return Screen("/screen", plates)


def test_grid_is_about_square_rooted_and_wider_than_tall() -> None:
    assert screen_layout(3, 8, 12).grid_columns == 2
    big = screen_layout(50, 16, 24)
    assert (big.grid_columns, big.grid_rows) == (8, 7)
    h, w = big.shape
    assert 1.0 < w / h < 2.0
    assert screen_layout(1, 16, 24).grid_columns == 1
    assert screen_layout(4, 32, 48).grid_columns == 2  # no empty grid column


def test_points_fall_on_plates_wells_title_bands_or_gaps(screen: Screen) -> None:
    mosaic = build_screen_mosaic(screen)
    layout = mosaic.layout
    assert layout is not None
    y0, x0 = layout.origin(1)  # p2, first grid row, second column
    assert mosaic.well_at(y0, x0) == (screen.plates[1], "A/1")
    assert mosaic.well_at(y0 + 2, x0 + 11)[1] == "C/12"
    assert mosaic.plate_at(y0 - 1, x0 + 3) is screen.plates[1]  # the title band: the plate, no well
    assert mosaic.well_at(y0 - 1, x0 + 3) is None
    assert mosaic.plate_at(y0, x0 - 1) is None  # the gap between p1 and p2
    assert mosaic.plate_at(-5, -5) is None and mosaic.plate_at(*layout.shape) is None
    assert "p2 · ok · C12 · activity_pct 216" in mosaic.describe(y0 + 2, x0 + 11)


def test_values_hold_each_plates_readout_nan_elsewhere(screen: Screen) -> None:
    mosaic = build_screen_mosaic(screen)
    layout, values = mosaic.layout, mosaic.values
    assert layout is not None and values is not None and values.shape == layout.shape
    for plate in screen.plates[:3]:
        y0, x0 = layout.origin(plate.index)
        assert np.isnan(values[y0, x0])  # A1 has no value
        assert values[y0 + 2, x0 + 3] == plate.calls.loc["C/4", "activity_pct"]
    for plate in screen.plates[3:]:  # not analysed, broken: nothing to colour
        y0, x0 = layout.origin(plate.index)
        assert np.isnan(values[y0 : y0 + 8, x0 : x0 + 12]).all()
    assert np.isfinite(values).sum() == 3 * (96 - 1)
    assert mosaic.limits() == (0.0, 100.0)  # a percentage of the controls' window: one scale for all screens

    mosaic.set_readout("robust_z")
    assert np.isnan(mosaic.values).all()  # no plate has it
    mosaic.set_readout("nuclei_count")
    assert mosaic.readouts[0] == "activity_pct" and "nuclei_count" in mosaic.readouts and "hit" not in mosaic.readouts
    y0, x0 = layout.origin(0)
    assert mosaic.values[y0 + 2, x0 + 3] == 400.0
    low, high = mosaic.limits()
    assert low == 400.0 and 400.0 < high < 400.01  # one value: a sliver of a range napari accepts


def _box_pixels(mosaic: ScreenMosaic, index: int) -> np.ndarray:
    """The overlay's pixels over plate ``index``'s wells."""
    layout, overlay = mosaic.layout, mosaic.overlay
    y0, x0 = layout.origin(index)
    r0, c0, r1, c1 = overlay.box(y0, x0, y0 + layout.rows, x0 + layout.columns)
    return overlay.data[r0:r1, c0:c1]


def test_failing_plates_are_marked_passing_ones_are_not(screen: Screen) -> None:
    mosaic = build_screen_mosaic(screen)

    def red(pixels: np.ndarray) -> int:
        return int((np.abs(pixels[..., :3].astype(int) - FAIL_COLOR[:3]).sum(axis=-1) < 30).sum())

    assert red(_box_pixels(mosaic, 0)) == 0 and red(_box_pixels(mosaic, 1)) == 0
    failed = _box_pixels(mosaic, 2)
    assert red(failed) > 0.05 * failed.shape[0] * failed.shape[1]  # frame, cross and "FAILED QC"
    for index in (3, 4):  # not analysed, error: greyed over
        grey = _box_pixels(mosaic, index)
        assert (np.abs(grey[..., :3].astype(int) - GREY_FILL[:3]).sum(axis=-1) < 10).mean() > 0.5
    y0, x0 = mosaic.layout.origin(0)
    band = mosaic.overlay.box(y0 - mosaic.layout.band, x0, y0, x0 + 12)
    assert mosaic.overlay.data[band[0] : band[2], band[1] : band[3], 3].any()  # p1's name and Z′ are written


def test_plates_fill_in_as_they_arrive_and_a_larger_one_lays_out_again() -> None:
    mosaic = ScreenMosaic([entry_name("/s/a.zarr"), entry_name("/s/b.ome.zarr/"), "c"])
    assert mosaic.names == ["a", "b", "c"] and mosaic.layout is None
    assert mosaic.add(_plate(1, "b")) is True  # the first plate lays the grid out
    assert mosaic.describe(*mosaic.layout.origin(0)) == "a (loading)"
    assert np.isnan(mosaic.values[slice(*mosaic.layout.origin(0)[:1] * 2)]).all()
    assert mosaic.add(_plate(0, "a")) is False  # same size: drawn into its cell
    assert mosaic.plate_at(*mosaic.layout.origin(0)).name == "a"
    assert mosaic.add(_plate(2, "c", rows=16, columns=24)) is True  # larger: every cell grows
    assert (mosaic.layout.rows, mosaic.layout.columns) == (16, 24)
    y0, x0 = mosaic.layout.origin(0)
    assert mosaic.values[y0 + 2, x0 + 3] == 203.0 and mosaic.well_at(y0 + 12, x0 + 3) is None  # below a's 8 rows
    assert mosaic.plate_at(y0 + 12, x0 + 3).name == "a"
    broken = ScreenMosaic(["x", "y"])
    broken.add(_plate(0, "x", rows=0, columns=0, error="no zarr group"))  # unreadable: no layout at all
    assert (broken.layout.rows, broken.layout.columns) == (8, 12)
    grey = _box_pixels(broken, 0)
    assert (np.abs(grey[..., :3].astype(int) - GREY_FILL[:3]).sum(axis=-1) < 10).mean() > 0.5
    assert broken.plate_at(*broken.layout.origin(0)).name == "x" and broken.well_at(*broken.layout.origin(0)) is None
    with pytest.raises(IndexError, match="outside the screen's 3 plates"):
        mosaic.add(_plate(7, "z"))


def test_fifty_384_well_plates_make_a_bounded_mosaic() -> None:
    # its time is measured by benchmarks/screen_speed.py
    plates = tuple(_plate(i, f"plate{i:02d}", 16, 24, z=0.7 if i % 7 else 0.1, seed=i) for i in range(50))
    mosaic = build_screen_mosaic(Screen("/big", plates))
    overlay = mosaic.overlay
    assert overlay is not None and overlay.data.shape[0] * overlay.data.shape[1] <= 3_000_000
    assert np.isfinite(mosaic.values).sum() == 50 * (384 - 1)
