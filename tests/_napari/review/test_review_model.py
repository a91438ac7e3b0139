"""The review model without Qt or a viewer: calls, undo, auto-advance through the queue, read-only
stores, conflicts between reviewers. Store jobs run inline (the same job queue the dock runs in
workers) against a real SQLite store; the browser is a stand-in that shows wells at once."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from stand_ins import InstantBrowser

import imaging_explorer as ie
from imaging_explorer._napari.review.config import config_path
from imaging_explorer._napari.review.model import ReviewModel
from imaging_explorer.annotations import AnnotationStore


@pytest.fixture
def plate(small_plate) -> ie.Plate:
    return ie.open_plate(str(small_plate.plate))


@pytest.fixture
def review(plate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReviewModel:
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(tmp_path / "config"))
    model = ReviewModel(InstantBrowser(plate), str(tmp_path / "calls.db"), inline=True)
    model.options.auto_advance = False
    yield model
    model.close()


def _record(signal) -> list:
    seen: list = []
    signal.connect(lambda *args: seen.append(args))
    return seen


def test_call_needs_a_shown_well_and_a_reviewer(review: ReviewModel) -> None:
    status = _record(review.status)
    assert review.store is not None and not review.store.read_only
    assert review.call("hit") is False and "open a well" in status[-1][0] and status[-1][1]
    review.ctrl.show_well("A/2")
    assert review.call("hit") is False and "reviewer name" in status[-1][0]  # nobody was asked
    review.ask_reviewer = lambda: "ana"
    assert review.call("hit") is True
    assert review.options.reviewer == "ana" and json.loads(config_path().read_text())["reviewer"] == "ana"
    with pytest.raises(ValueError, match="not one of"):
        review.call("maybe")


def test_calls_with_draft_history_undo_and_auto_advance(review: ReviewModel, plate: ie.Plate) -> None:
    history, where = _record(review.history_changed), _record(review.where_changed)
    review.options.reviewer = "ana"
    review.ctrl.show_well("A/2")
    review.draft.tags, review.draft.confidence, review.draft.note = ["cytotoxic"], 4, "dim nuclei"
    assert review.call("hit")
    events = review.store.history(plate, "A/2")
    assert list(events["call"]) == ["hit"] and events["tags"].iat[0] == ["cytotoxic"]
    assert events["confidence"].iat[0] == 4 and events["note"].iat[0] == "dim nuclei"
    assert "ana: hit" in history[-1][0][0] and "your call: hit" in where[-1][0]

    assert review.undo()
    assert "undo" in review.store.history(plate, "A/2")["kind"].tolist()
    assert review.my_calls() == {}

    review.options.auto_advance = True  # a call opens the next well of the queue
    assert review.call("reject")
    assert review.ctrl.state.well == "A/3" and review.my_calls() == {"A/2": "reject"}
    assert review.undo()  # right after an auto-advance: back to the well just called
    assert review.ctrl.state.well == "A/2" and review.my_calls() == {}


def test_unreviewed_queue_skips_called_wells(review: ReviewModel, plate: ie.Plate) -> None:
    review.options.reviewer, review.options.queue = "ana", "unreviewed (by you)"
    order = review.queue()
    assert order[0] == "A/1" and review.step_queue() == "A/1"
    review.options.auto_advance = True
    assert review.call("hit")
    assert review.ctrl.state.well == order[1] and "A/1" not in review.queue()
    position, status = _record(review.queue_position), _record(review.status)
    assert review.step_queue(-1) is None and status[-1][0] == "start of the review queue"  # A/2 comes first now
    assert review.step_queue(1) == order[2] and review.ctrl.state.well == order[2]
    assert position[-1][0] == f"2/{len(order) - 1}"


def test_conflicts_between_reviewers(review: ReviewModel, plate: ie.Plate, tmp_path: Path) -> None:
    conflicts, agreement = _record(review.conflicts_changed), _record(review.agreement_changed)
    with AnnotationStore(tmp_path / "calls.db") as other:  # another reviewer's process
        for well, ana, ben in (("A/1", "hit", "hit"), ("A/2", "hit", "reject"), ("A/3", "reject", "reject")):
            other.annotate(plate, well, call=ana, reviewer="ana")
            other.annotate(plate, well, call=ben, reviewer="ben")
    assert review.poll()  # others wrote: everything is read again
    assert review.conflict_wells() == ["A/2"]
    heading, lines = conflicts[-1]
    assert "1 well" in heading and lines[0][0] == "A/2" and "ana: hit" in lines[0][1]
    assert "Cohen's κ" in agreement[-1][0] and "1 conflict" in agreement[-1][0]
    review.show_conflict("A/2")
    assert review.ctrl.state.well == "A/2"
    seen = len(agreement)
    assert review.poll() and len(agreement) == seen  # nothing new since: nothing read again


def test_read_only_store_refuses_calls(plate: ie.Plate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(tmp_path / "config"))
    db = tmp_path / "calls.db"
    AnnotationStore(db).close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{db}{suffix}"):
            os.chmod(f"{db}{suffix}", stat.S_IRUSR)
    review = ReviewModel(InstantBrowser(plate), str(db), inline=True)  # opened (read-only) right here
    status = _record(review.status)
    try:
        assert review.store.read_only
        review.options.reviewer = "ana"
        review.ctrl.show_well("B/2")
        assert review.call("hit") is False and "read-only" in status[-1][0] and status[-1][1]
        assert review.store.history(plate, "B/2").empty
    finally:
        review.close()
