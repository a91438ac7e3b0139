"""The screen view in napari: three sample plates (p3 fails Z′) load in a worker into one value
layer and one names layer, the QC table marks p3, a click opens p3's overview in the same viewer,
Home comes back to the screen, a hit opens its plate and well, and its compound card; the
screen's report is written from the dock."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def screen_index(tmp_path_factory):
    from screen_plates import write_screen

    return write_screen(tmp_path_factory.mktemp("screen-gui"))


def _screen_layers(viewer):
    from imaging_explorer._napari.browser.layer_tags import tag_of

    return [layer for layer in viewer.layers if (tag_of(layer) or {}).get("role", "").startswith("screen")]


def _centre(view, index):
    """World (y, x) of the middle of plate ``index``'s wells."""
    layout = view.mosaic.layout
    y0, x0 = layout.origin(index)
    return y0 + layout.rows / 2, x0 + layout.columns / 2


def test_screen_view_drills_into_a_plate_and_back(make_napari_viewer, screen_index, qtbot, press, wait_for_well,
                                                  tmp_path, monkeypatch) -> None:
    from imaging_explorer._napari._qt.compound_card import CompoundCardDock
    from imaging_explorer._napari._qt.screen_dock import show_screen_dock
    from imaging_explorer._napari._qt.screen_tables import FAILED_COLOR
    from imaging_explorer._napari.session import browser_for

    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(tmp_path / "annotations.db"))
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(tmp_path / "config"))
    viewer = make_napari_viewer()
    ctrl = browser_for(viewer)
    dock = show_screen_dock(viewer, str(screen_index))
    view = dock.view
    qtbot.waitUntil(lambda: view.screen is not None, timeout=30000)

    # the QC table: three plates, p3 failed and red
    assert dock.qc.rowCount() == 3
    assert [dock.qc.item(r, 0).text() for r in range(3)] == ["p1", "p2", "p3"]
    assert dock.qc.item(2, 1).text().startswith("failed QC") and dock.qc.item(0, 1).text() == "ok"
    assert dock.qc.item(2, 0).background().color() == FAILED_COLOR
    assert dock.qc.item(0, 0).background().color() != FAILED_COLOR

    # two layers for the whole screen, visible, holding every plate's activity
    qtbot.waitUntil(lambda: len(_screen_layers(viewer)) == 2, timeout=5000)
    values, names = _screen_layers(viewer)
    assert values.visible and names.visible and names.rgb
    assert values.colorbar.visible  # one colour scale on the canvas for every plate
    screen = view.screen
    for plate in screen.plates:
        y0, x0 = view.mosaic.layout.origin(plate.index)
        expected = plate.calls.loc["B/6", "activity_pct"]
        assert values.data[y0 + 1, x0 + 5] == pytest.approx(expected, rel=1e-5)
    assert np.isfinite(values.data).sum() == sum(plate.calls["activity_pct"].notna().sum() for plate in screen.plates)

    # the hover text names the plate under the mouse and why it failed
    assert view.describe(_centre(view, 2)).startswith("p3 · failed QC: Z′")

    # a click on p3 opens its overview in this viewer; the screen's layers are hidden, not piled up
    p3 = view.click(_centre(view, 2))
    assert p3 is not None and p3.name == "p3"
    qtbot.waitUntil(lambda: ctrl.overview_loaded and ctrl.plate is not None and ctrl.plate.name == "p3", timeout=20000)
    qtbot.waitUntil(lambda: not values.visible, timeout=2000)
    assert not view.shown and not names.visible and len(_screen_layers(viewer)) == 2

    # Home on the overview: up to the screen, the plate closed
    press(viewer, "Home")
    assert view.shown and values.visible and ctrl.plate is None

    # a hit (double-click or Enter in the list) opens its plate and its well
    assert dock.hits.rowCount() == len(screen.hits()) > 0
    top = screen.hits().iloc[0]
    dock.hits.chosen.emit(0)
    wait_for_well(ctrl, str(top["well"]))
    assert ctrl.plate is not None and ctrl.plate.name == top["plate"] and not values.visible

    # the hits as one queue across the screen: the next one in rank order
    second = screen.hits().iloc[1]
    assert dock.step_hit(1) == 1
    qtbot.waitUntil(lambda: ctrl.plate is not None and ctrl.plate.name == second["plate"]
                    and ctrl.state.shown_well == second["well"], timeout=20000)

    # Home from the well: the plate's overview first, then the screen
    press(viewer, "Home")
    assert ctrl.state.mode == "overview" and ctrl.plate is not None and not view.shown
    press(viewer, "Home")
    assert view.shown and ctrl.plate is None

    # the compound card of a hit: its plate and well open, the card shows its compound's numbers
    dock.hits.selectRow(0)
    dock.open_card()
    wait_for_well(ctrl, str(top["well"]))
    qtbot.waitUntil(lambda: any(c.loaded is not None for c in viewer.window._qt_window.findChildren(CompoundCardDock)),
                    timeout=30000)
    card = viewer.window._qt_window.findChildren(CompoundCardDock)[0]
    assert card.compound == top["compound_id"] and card.loaded.card.compound_id == top["compound_id"]
    assert ctrl.hits.wells is not None and ctrl.hits.qc is not None and not math.isnan(ctrl.hits.qc.z_prime)

    # a screen layer deleted by hand comes back with the screen
    viewer.layers.remove(values)
    assert view.go_up() and ctrl.plate is None
    layers = _screen_layers(viewer)
    assert len(layers) == 2 and all(layer.visible for layer in layers)
    assert np.isfinite(layers[0].data).sum() == np.isfinite(view.mosaic.values).sum() > 0

    # the screen's report, written in a worker
    report = tmp_path / "screen-report.html"
    dock.write_report(str(report))
    assert not dock.report_button.isEnabled()
    qtbot.waitUntil(lambda: dock.report_button.isEnabled(), timeout=30000)
    assert report.is_file() and "p3" in report.read_text(encoding="utf-8")


def test_screen_dock_says_why_a_source_cannot_be_opened(make_napari_viewer, qtbot, tmp_path) -> None:
    from imaging_explorer._napari._qt.screen_dock import show_screen_dock

    viewer = make_napari_viewer()
    dock = show_screen_dock(viewer, str(tmp_path / "nowhere"))
    qtbot.waitUntil(lambda: not dock.view.loading, timeout=10000)
    assert "no such file or folder" in dock.status.text() and "nowhere" in dock.status.text()
    assert dock.view.mosaic is None and not _screen_layers(viewer)


def test_typing_a_source_starts_the_readers_ahead(make_napari_viewer, qtbot, monkeypatch) -> None:
    from imaging_explorer._napari._qt.screen_dock import show_screen_dock
    from imaging_explorer.screen import plate_processes

    monkeypatch.setattr(plate_processes, "_waiting", [])
    viewer = make_napari_viewer()
    dock = show_screen_dock(viewer)
    assert plate_processes._waiting == []  # a dock alone costs no process
    qtbot.keyClicks(dock.source, "/data/cam")
    waiting = list(plate_processes._waiting)
    assert len(waiting) >= 2 and all(p.poll() is None for p in waiting)  # importing while the user types
    qtbot.keyClicks(dock.source, "paign")
    assert plate_processes._waiting == waiting  # not one more per key
    for proc in waiting:
        proc.stdin.close()  # no job: it ends by itself, quietly
        assert proc.wait(timeout=30) == 0
