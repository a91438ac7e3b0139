"""Figures saved from napari: the compound card's "Save figure…" (the card on screen as PNG at
300 dpi and as SVG, in a worker; the dialog's choice of format honoured; a card without data
says so) and the Hits dock's "Save heatmap…" (the plate's activity, hits marked)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def analysed_small_plate(tmp_path_factory):
    """A 4 x 6 sample plate (96 px fields) analysed beside it, so the browser calls its hits."""
    import imaging_explorer as ie
    from imaging_explorer.analysis.batch import analyze_plate
    from imaging_explorer.analysis.channel_roles import resolve_roles

    made = ie.make_sample_plate(tmp_path_factory.mktemp("card-save") / "plate.zarr", rows=4, columns=6, fields=1,
                                size=96)
    plate = ie.open_plate(str(made.plate))
    analyze_plate(plate, resolve_roles(plate.wells["A/1"].fields[0].channels, "DAPI", "Cell", "Pathogen"), workers=2)
    return made.plate


def test_save_the_card_as_png_and_svg(make_napari_viewer, analysed_small_plate, open_plate_in, qtbot, tmp_path,
                                      monkeypatch) -> None:
    from PIL import Image

    from imaging_explorer._napari._qt import figure_saving
    from imaging_explorer._napari._qt.compound_card import show_compound_card

    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(tmp_path / "annotations.db"))
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, analysed_small_plate)
    qtbot.waitUntil(lambda: ctrl.hits.wells is not None, timeout=20000)
    card = show_compound_card(viewer, "CPD-001")
    assert card is not None and card.save_button.text() == "Save figure…"
    qtbot.waitUntil(lambda: card.loaded is not None, timeout=20000)

    png = tmp_path / "card.png"
    card.save_figure(png)
    qtbot.waitUntil(lambda: card.panel.status.text() == f"saved {png}", timeout=20000)
    with Image.open(png) as image:
        assert image.info["dpi"][0] == pytest.approx(300, abs=0.5) and image.size[0] > 1500

    # the dialog: a name without a suffix gets the chosen format's
    monkeypatch.setattr(figure_saving.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "card"), "SVG vector figure (*.svg)")))
    card.save_button.click()
    svg = tmp_path / "card.svg"
    qtbot.waitUntil(lambda: card.panel.status.text() == f"saved {svg}", timeout=20000)
    texts = ["".join(t.itertext()) for t in ET.parse(svg).getroot().iter() if t.tag.endswith("text")]
    assert any(t.startswith("CPD-001") for t in texts) and "neg. control" in texts

    card.loaded = None
    assert card.save_figure(tmp_path / "none.png") is None
    assert card.panel.status.text() == "nothing to save yet" and not (tmp_path / "none.png").exists()


def test_save_the_activity_heatmap_from_the_hits_dock(make_napari_viewer, analysed_small_plate, open_plate_in,
                                                      qtbot, tmp_path, monkeypatch) -> None:
    from imaging_explorer._napari._qt import figure_saving
    from imaging_explorer._napari._qt.hits_dock import show_hits_dock

    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, analysed_small_plate)
    dock = show_hits_dock(viewer)
    qtbot.waitUntil(lambda: ctrl.hits.wells is not None and dock.save_button.isEnabled(), timeout=20000)
    svg = tmp_path / "activity.svg"
    monkeypatch.setattr(figure_saving.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(svg), "PNG image, 300 dpi (*.png)")))
    dock.save_button.click()
    qtbot.waitUntil(lambda: dock.save_note.text() == f"saved {svg}", timeout=20000)
    texts = ["".join(t.itertext()) for t in ET.parse(svg).getroot().iter() if t.tag.endswith("text")]
    assert {"A", "D", "1", "6", "activity (%)"} <= set(texts)
    hits = int(ctrl.hits.wells["hit"].sum())
    assert hits > 0 and texts.count("H") == hits
