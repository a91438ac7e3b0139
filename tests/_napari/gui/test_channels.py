"""Channel settings for the whole plate (dock, napari layer controls, saved per plate),
the dock's well grid, and the hover text in the status bar."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def test_channel_settings_apply_everywhere_and_persist(make_napari_viewer, small_plate, open_plate_in, qtbot, wait_for_well, browser_dock) -> None:
    from imaging_explorer.channel_settings import ChannelSettings

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    browser = browser_dock(viewer)
    settings = ctrl.settings
    settings.reset()
    window = tuple(settings.get("DAPI").contrast_limits)
    browser.grid._clicked(0, 0)  # the dock's well grid: A/1
    wait_for_well(ctrl, "A/1")
    over, well = ctrl.overview.layers["DAPI"], ctrl.well_layers.images["DAPI"]

    # from the dock (the settings object): both views follow
    settings.update("DAPI", contrast_limits=(10.0, 400.0), color="FF0000", gamma=0.8)
    for layer in (over, well):
        assert tuple(layer.contrast_limits) == (10.0, 400.0)
        np.testing.assert_allclose(layer.colormap.colors[-1][:3], [1, 0, 0], atol=1e-6)
        assert layer.gamma == pytest.approx(0.8)
    assert not over.visible and well.visible  # the overview stays hidden in the well view
    row = browser.channel_panel.rows["DAPI"]
    assert tuple(row.limits.value()) == (10.0, 400.0) and row.gamma.value() == pytest.approx(0.8)

    # from napari's layer controls: saved into the settings, so the overview follows
    cell_well, cell_over = ctrl.well_layers.images["Cell"], ctrl.overview.layers["Cell"]
    cell_well.contrast_limits = (5.0, 50.0)
    ctrl.sync.flush()
    assert settings.get("Cell").contrast_limits == (5.0, 50.0)
    assert tuple(cell_over.contrast_limits) == (5.0, 50.0)

    # visibility: one switch for the plate, the other view keeps its own state
    row = browser.channel_panel.rows["Pathogen"]
    row.visible.setChecked(False)
    assert not ctrl.well_layers.images["Pathogen"].visible
    ctrl.show_overview()
    assert not ctrl.overview.layers["Pathogen"].visible and ctrl.overview.layers["DAPI"].visible
    ctrl.show_well("A/2")
    wait_for_well(ctrl, "A/2")  # the next well starts with the plate's settings
    assert tuple(ctrl.well_layers.images["DAPI"].contrast_limits) == (10.0, 400.0)
    assert not ctrl.well_layers.images["Pathogen"].visible

    # remembered per plate, never in the dataset
    again = ChannelSettings.for_plate(ctrl.plate)
    assert again.get("DAPI").contrast_limits == (10.0, 400.0) and again.get("Pathogen").visible is False

    browser.channel_panel.reset_button.click()
    assert tuple(ctrl.well_layers.images["DAPI"].contrast_limits) == window
    assert ctrl.well_layers.images["Pathogen"].visible
    assert tuple(browser.channel_panel.rows["DAPI"].limits.value()) == window


def test_hover_text_reaches_the_status_bar(make_napari_viewer, small_plate, open_plate_in) -> None:
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, small_plate.plate)
    field = ctrl.plate.wells["B/1"].fields[0]
    y0, x0, y1, x1 = ctrl.layout.field_box(field.path)
    on_move = viewer.mouse_move_callbacks[-1]
    on_move(viewer, SimpleNamespace(position=((y0 + y1) / 2, (x0 + x1) / 2)))
    assert ctrl.state.hover_text.split(" · DMSO")[0] == "B1 · field 1/2"  # + the compound once the plate map is read
    viewer.status = {"layer_name": "x", "layer_base": "x", "source_type": "", "plugin": "", "coordinates": "[1 2]: 0"}  # as napari's status thread sets it
    assert "B1 · field 1/2" in viewer.status["coordinates"]
