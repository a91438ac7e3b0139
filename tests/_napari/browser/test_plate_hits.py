"""The plate's hit calling without a viewer: a stand-in browser with the controller's signals,
workers run when the test says so; and the review queue in hit-rank order."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest
from psygnal import Signal

from imaging_explorer._napari.browser.plate_hits import (
    NO_PLATEMAP,
    NO_RESULTS,
    PlateHits,
)
from imaging_explorer._napari.browser.state import BrowserState
from imaging_explorer._napari.review.queue_order import (
    HIT_RANK,
    QUEUE_ORDER,
    order_by_hit_rank,
    order_queue,
)
from imaging_explorer.hits import HitRule
from imaging_explorer.platemap import find_platemap

from stand_ins import run_now


@pytest.fixture(scope="module")
def analysed(analysed_sample):
    """The sample plate (8 x 12), its per-well readouts indexed by well key, its plate map."""
    plate = analysed_sample.plate
    return plate, analysed_sample.results.wells.set_index("well"), find_platemap(plate)


class Jobs:
    """Runs the workers PlateHits starts when told to (``run``), in the order they came."""

    def __init__(self) -> None:
        self.waiting: list[tuple] = []

    def __call__(self, func, *args, returned, errored):
        self.waiting.append((func, args, returned, errored))

    def run(self) -> int:
        done, self.waiting = self.waiting, []
        for func, args, returned, errored in done:
            run_now(func, *args, returned=returned, errored=errored)
        return len(done)


class StandIn:
    """The controller's side PlateHits listens to."""

    plate_opened = Signal()
    platemap_changed = Signal()

    def __init__(self, plate=None) -> None:
        self.plate = plate
        self.state = BrowserState()
        self.analysis = SimpleNamespace(results=None)
        self.analysis_view = _View()

    def set_wells(self, wells) -> None:
        self.analysis_view.wells = wells
        self.analysis_view.changed.emit()

    def set_platemap(self, platemap) -> None:
        self.state.platemap = platemap
        self.platemap_changed.emit()


class _View:
    changed = Signal()

    def __init__(self) -> None:
        self.wells = None


def test_hits_appear_follow_the_rule_and_answer_questions(analysed) -> None:
    plate, readouts, platemap = analysed
    ctrl, jobs = StandIn(plate), Jobs()
    hits = PlateHits(ctrl, start=jobs)
    assert hits.error == NO_RESULTS and hits.wells is None and hits.rule == HitRule()
    ctrl.set_wells(readouts)
    assert hits.error == NO_PLATEMAP and not jobs.waiting
    ctrl.set_platemap(platemap)
    assert hits.busy and jobs.run() == 1  # the map's two signals started one run
    assert not hits.busy and hits.error == ""
    assert len(hits.wells) == 96 and hits.qc is not None and math.isfinite(hits.qc.z_prime)
    ranked = hits.ranked_compounds()
    assert ranked and ranked == list(hits.compounds.dropna(subset=["rank"]).sort_values("rank")["compound_id"])

    top = hits.compound_wells(ranked[0])
    assert len(top) > 1 and (top["compound_id"] == ranked[0]).all() and (top["role"] == "sample").all()
    assert list(top["concentration"]) == sorted(top["concentration"], reverse=True)
    assert hits.compound_of(top.index[0]) == ranked[0] and hits.compound_of("A/1") is None  # A/1: a control
    negs = hits.control_wells("neg_control")
    values = hits.wells.loc[negs, "infected_fraction"]
    distance = (values - values.median()).abs()
    assert len(negs) == 8 and list(distance) == sorted(distance)  # the most typical first
    assert hits.control_wells("sample") == []
    ranks = hits.well_ranks()
    assert {k for k, (r, _) in ranks.items() if r == 1} == set(top.index)

    n_hits = len(ranked)
    hits.set_rule(HitRule(min_activity_pct=99.0))
    assert hits.busy and hits.wells is not None  # the old rule's hits stay until the new ones come
    jobs.run()
    assert hits.rule.min_activity_pct == 99.0 and len(hits.ranked_compounds()) <= n_hits
    hits.set_rule(HitRule(min_activity_pct=99.0))
    assert not jobs.waiting  # the same rule: nothing to do

    hits.set_rule(HitRule(readout="no_such_readout"))
    jobs.run()
    assert hits.wells is None and "no_such_readout" in hits.error


def test_no_plate_map_stale_results_and_another_plate(analysed) -> None:
    plate, readouts, platemap = analysed
    ctrl, jobs = StandIn(plate), Jobs()
    hits = PlateHits(ctrl, start=jobs)
    ctrl.set_wells(readouts)
    assert hits.error == "no plate map" and hits.compounds is None

    ctrl.set_platemap(platemap)
    ctrl.set_wells(readouts.copy())  # new results while the first run is in flight
    assert len(jobs.waiting) == 2
    first = jobs.waiting[0]
    jobs.waiting = [first]
    jobs.run()  # the stale one answers first: dropped
    assert hits.busy and hits.wells is None

    ctrl.plate = None  # another plate is opening: its tables are not there yet
    ctrl.set_wells(None)
    assert hits.error == NO_RESULTS and hits.wells is None and not hits.busy
    assert hits.ranked_compounds() == [] and hits.well_ranks() == {} and hits.compound_wells("CPD-001").empty


def test_a_plate_map_without_controls_is_the_error(analysed) -> None:
    plate, readouts, platemap = analysed
    ctrl, jobs = StandIn(plate), Jobs()
    hits = PlateHits(ctrl, start=jobs)
    ctrl.set_wells(readouts)
    ctrl.set_platemap(platemap.assign(role="sample"))
    jobs.run()
    assert hits.wells is None and "control" in hits.error


def test_queue_in_hit_rank_order() -> None:
    queue = ["A/1", "A/2", "A/3", "B/1", "B/2", "B/3", "C/1"]
    ranks = {"A/2": (2, 10.0), "B/2": (2, 30.0), "A/3": (1, 1.0), "B/3": (1, math.nan), "C/1": (1, 1.0)}
    # rank 1 first (1.0 µM twice: queue order; no concentration last), then rank 2 highest first, then the rest
    assert order_by_hit_rank(queue, ranks) == ["A/3", "C/1", "B/3", "B/2", "A/2", "A/1", "B/1"]
    assert order_by_hit_rank(queue, {}) == queue
    table = pd.DataFrame({"x": [3.0, 1.0]}, index=["A/1", "B/1"])
    assert order_queue(queue, table, HIT_RANK, False, lambda: ranks)[:2] == ["A/3", "C/1"]
    asked = []
    assert order_queue(queue, table, "x", False, lambda: asked.append(1) or {})[:2] == ["B/1", "A/1"]
    assert order_queue(queue, table, QUEUE_ORDER, False, lambda: asked.append(1) or {}) == queue
    assert not asked  # the hit ranks are asked for only when the queue is ordered by them
