"""Contrast and colours on plates real converters write: one window per channel for the
overview and the well view, estimated from the thumbnails when the file's is missing or
useless (faim-ipa's 0-65535 on 12-bit data), sliders over the data's range, distinct colours."""

from __future__ import annotations

import numpy as np
import pytest
import real_layouts
import zarr

pytestmark = pytest.mark.gui


def data_min_max(plate) -> tuple[float, float]:
    """Min and max of every field's full-resolution data."""
    lows, highs = [], []
    for well in plate.wells.values():
        for fld in well.fields:
            arr = zarr.open_array(store=str(plate.location), path=fld.arrays[0].key, mode="r")[...]
            lows.append(arr.min())
            highs.append(arr.max())
    return float(min(lows)), float(max(highs))


def test_faim_plate_gets_auto_contrast_and_distinct_colours(make_napari_viewer, tmp_path, open_plate_in,
                                                           wait_for_well, browser_dock) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, real_layouts.faim(tmp_path / "faim.zarr"))
    low, high = data_min_max(ctrl.plate)
    assert high < 4096  # 12-bit data under a 0-65535 window

    over = ctrl.overview.layers
    assert len(over) == 4
    for layer in over.values():
        lo, hi = layer.contrast_limits
        assert low <= lo < hi <= high  # within the data, not 0-65535
        rlo, rhi = layer.contrast_limits_range
        assert rlo <= lo and hi <= rhi and high <= rhi <= 1.2 * high  # the slider spans the data, not the dtype
    assert len({layer.colormap.name for layer in over.values()}) == 4  # not four times #73ff00

    ctrl.show_well("A/1")
    wait_for_well(ctrl, "A/1")
    for name, layer in ctrl.well_layers.images.items():
        assert tuple(layer.contrast_limits) == tuple(over[name].contrast_limits)  # one window, both views
        assert tuple(layer.contrast_limits_range) == tuple(over[name].contrast_limits_range)
        assert layer.colormap.name == over[name].colormap.name
    assert len({layer.colormap.name for layer in ctrl.well_layers.images.values()}) == 4

    panel = browser_dock(viewer).channel_panel
    assert "auto contrast: the file's window 0–65535 spans the whole uint16 range" in panel.note.text()
    row = panel.rows[next(iter(over))]
    assert row.limits.maximum() <= 1.2 * high  # the dock's slider too


def test_plate_without_omero_has_one_window_in_both_views(make_napari_viewer, tmp_path, open_plate_in,
                                                         wait_for_well) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, real_layouts.tcyx(tmp_path / "tcyx.zarr"))
    assert all(ch.window is None for ch in ctrl.plate.wells["A/1"].fields[0].channels)
    windows = {name: tuple(layer.contrast_limits) for name, layer in ctrl.overview.layers.items()}
    ctrl.show_well("B/2")
    wait_for_well(ctrl, "B/2")
    assert {name: tuple(layer.contrast_limits) for name, layer in ctrl.well_layers.images.items()} == windows
    assert all(ctrl.settings.get(name).contrast_limits == window for name, window in windows.items())


def test_auto_contrast_button_sets_the_window_in_both_views(make_napari_viewer, tmp_path, open_plate_in,
                                                           wait_for_well, browser_dock) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, real_layouts.faim(tmp_path / "faim.zarr"))
    ctrl.show_well("A/2")
    wait_for_well(ctrl, "A/2")
    name = next(iter(ctrl.overview.layers))
    auto = tuple(ctrl.overview.layers[name].contrast_limits)
    ctrl.settings.update(name, contrast_limits=(10.0, 20.0))
    layers = (ctrl.overview.layers[name], ctrl.well_layers.images[name])
    assert all(tuple(layer.contrast_limits) == (10.0, 20.0) for layer in layers)

    row = browser_dock(viewer).channel_panel.rows[name]
    row.auto.click()
    assert all(tuple(layer.contrast_limits) == auto for layer in layers)
    assert tuple(row.limits.value()) == auto
    assert not np.allclose(auto, (10.0, 20.0))
