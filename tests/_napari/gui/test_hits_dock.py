"""The Hits dock on an analysed sample plate: the QC and the ranked compounds appear, the rule form
calls again, a compound is chosen by double-click or Enter, and the Review dock walks the hits."""

from __future__ import annotations


import pytest

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def analysed_plate(tmp_path_factory):
    """An 8 x 12 sample plate (dose series down the rows) with its analysis beside it; fields of
    128 px (a few cells each) make its controls noisy: a Z′ below 0.5."""
    import imaging_explorer as ie
    from imaging_explorer.analysis.batch import analyze_plate
    from imaging_explorer.analysis.channel_roles import resolve_roles

    made = ie.make_sample_plate(tmp_path_factory.mktemp("hits-gui") / "plate.zarr", rows=8, columns=12, fields=1,
                                size=128)
    plate = ie.open_plate(str(made.plate))
    analyze_plate(plate, resolve_roles(plate.wells["A/1"].fields[0].channels, "DAPI", "Cell", "Pathogen"), workers=2)
    return made.plate


def test_hits_dock_from_qc_to_a_chosen_compound(make_napari_viewer, open_plate_in, qtbot, review_dock, browser_dock,
                                                analysed_plate, tmp_path, monkeypatch) -> None:
    from qtpy.QtCore import Qt

    from imaging_explorer._napari._qt.hits_dock import WARNING_COLOR, show_hits_dock
    from imaging_explorer._napari._qt.review_dock import HIT_RANK_TEXT
    from imaging_explorer._napari.review.queue_order import HIT_RANK, order_by_hit_rank

    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(tmp_path / "annotations.db"))
    from imaging_explorer._napari._qt import compound_card

    cards: list[tuple] = []  # the card has its own test: here a stand-in records what the dock asks of it
    monkeypatch.setattr(compound_card, "show_compound_card", lambda viewer, cid: cards.append((viewer, cid)))
    viewer = make_napari_viewer()
    ctrl = open_plate_in(viewer, analysed_plate)
    dock = show_hits_dock(viewer)
    qtbot.waitUntil(lambda: dock.table.rowCount() > 0 and "Z′" in dock.qc.text(), timeout=30000)
    hits = ctrl.hits
    ranked = hits.ranked_compounds()
    assert ranked and "8 negative, 8 positive control wells" in dock.qc.text()
    assert hits.qc is not None and hits.qc.z_prime < 0.5 and f'color:{WARNING_COLOR}"><b>&nbsp;&nbsp;Z′' in dock.qc.text()
    assert [dock.table.item(r, 1).text() for r in range(len(ranked))] == ranked  # hits first, by rank
    assert dock.table.item(0, 0).text() == "1" and dock.table.item(len(ranked), 0) is not None
    assert f"{len(ranked)} hit compound(s) of {len(hits.compounds)}" in dock.status.text()

    dock.form.min_activity.value = 99.0  # applied shortly after the form stops changing
    qtbot.waitUntil(lambda: hits.rule.min_activity_pct == 99.0 and not hits.busy, timeout=20000)
    stricter = hits.ranked_compounds()
    assert len(stricter) <= len(ranked) and dock.table.rowCount() == len(hits.compounds)

    top = dock.table.item(0, 1)
    center = dock.table.visualItemRect(top).center()
    with qtbot.waitSignal(dock.compound_chosen, timeout=2000) as chosen:
        qtbot.mouseClick(dock.table.viewport(), Qt.LeftButton, pos=center)  # Qt's double-click needs the press
        qtbot.mouseDClick(dock.table.viewport(), Qt.LeftButton, pos=center)
    assert chosen.args == [top.text()] and cards == [(viewer, top.text())]
    dock.table.setCurrentCell(1, 1)
    with qtbot.waitSignal(dock.compound_chosen, timeout=2000) as chosen:
        qtbot.keyClick(dock.table, Qt.Key_Return)
    assert chosen.args == [dock.table.item(1, 1).text()]

    review = review_dock(viewer)  # the review queue walks the hit compounds' wells in rank order
    index = review.order_box.findText(HIT_RANK_TEXT)
    assert index >= 0
    review.order_box.setCurrentIndex(index)
    assert review.model.options.order_by == HIT_RANK
    queue = review.model.queue()
    first = hits.compound_wells(hits.ranked_compounds()[0]).index
    assert queue[:len(first)] == list(first) and queue == order_by_hit_rank(queue, hits.well_ranks())
    assert browser_dock(viewer).open_hits() is dock  # the Plate browser's "Hits…" shows the same dock
