"""The review queue ordered by an analysis readout: the ordering itself, and the review model
stepping through wells in that order (store jobs inline, a stand-in browser)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from stand_ins import InstantBrowser

import imaging_explorer as ie
from imaging_explorer._napari.review.model import ReviewModel
from imaging_explorer._napari.review.queue import plate_wells
from imaging_explorer._napari.review.queue_order import (
    QUEUE_ORDER,
    order_by_readout,
    readout_columns,
)

WELLS = pd.DataFrame({"well": ["A/1", "A/2", "A/3", "B/1"], "t": [0, 0, 0, 0],
                      "infected_fraction": [0.5, None, 0.1, 0.5],
                      "cell_count": pd.array([1, 2, None, 4], dtype="Int64")}).set_index("well")


def test_numeric_readouts_can_order_the_queue() -> None:
    assert readout_columns(WELLS) == ["infected_fraction", "cell_count"]  # not the time point
    assert readout_columns(None) == []


def test_order_by_a_readout_wells_without_a_value_last() -> None:
    queue = ["B/1", "A/1", "A/2", "A/3", "C/1"]  # C/1: not analysed
    assert order_by_readout(queue, WELLS, "infected_fraction") == ["A/3", "B/1", "A/1", "A/2", "C/1"]
    # ties keep the queue's order, missing values stay last when descending too
    assert order_by_readout(queue, WELLS, "infected_fraction", descending=True) == ["B/1", "A/1", "A/3", "A/2", "C/1"]
    assert order_by_readout(queue, WELLS, "cell_count", descending=True) == ["B/1", "A/2", "A/1", "A/3", "C/1"]
    assert order_by_readout(queue, WELLS, QUEUE_ORDER) == queue
    assert order_by_readout(queue, None, "cell_count") == queue  # no results: the queue's own order


class AnalysedBrowser(InstantBrowser):
    """The stand-in browser with analysis readouts of its plate."""

    def __init__(self, plate: ie.Plate, wells: pd.DataFrame) -> None:
        super().__init__(plate)
        self.analysis_view = SimpleNamespace(wells=wells)


@pytest.fixture
def review(small_plate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReviewModel:
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(tmp_path / "config"))
    plate = ie.open_plate(str(small_plate.plate))
    keys = plate_wells(plate)  # navigation order: the last well gets the highest fraction
    wells = pd.DataFrame({"infected_fraction": [i / 10 for i in range(len(keys))]}, index=keys)
    model = ReviewModel(AnalysedBrowser(plate, wells), str(tmp_path / "calls.db"), inline=True)
    yield model
    model.close()


def test_the_queue_walks_wells_by_the_chosen_readout(review: ReviewModel) -> None:
    plate_order = review.queue()
    review.options.order_by, review.options.descending = "infected_fraction", True
    by_readout = review.queue()
    assert by_readout == plate_order[::-1] and by_readout != plate_order  # highest fraction: the last well
    assert review.step_queue(1) == by_readout[0] and review.step_queue(1) == by_readout[1]
    review.options.order_by = QUEUE_ORDER
    assert review.queue() == plate_order
