"""Compound calls of the compound card without Qt: through the review's store jobs (run inline),
with the review's reviewer; history, consensus with other reviewers, live updates, undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from stand_ins import InstantBrowser

import imaging_explorer as ie
from imaging_explorer._napari.review.compound_calls import CompoundCalls
from imaging_explorer._napari.review.model import ReviewModel
from imaging_explorer.annotations import AnnotationStore


@pytest.fixture
def review(small_plate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(tmp_path / "config"))
    model = ReviewModel(InstantBrowser(ie.open_plate(str(small_plate.plate))), str(tmp_path / "calls.db"), inline=True)
    yield model
    model.close()


def test_compound_calls_history_consensus_and_undo(review: ReviewModel, tmp_path: Path) -> None:
    calls = CompoundCalls(review)
    said: list[tuple[str, bool]] = []
    calls.status.connect(lambda text, error: said.append((text, error)))
    review.ask_reviewer = lambda: ""
    calls.show("CPD-001")
    assert calls.current is not None and not len(calls.current) and calls.history_lines() == []
    assert not calls.call("hit") and said[-1] == ("enter your reviewer name first (Review dock)", True)

    review.ask_reviewer = lambda: "ana"  # asked once, then kept
    assert calls.call("hit") and review.options.reviewer == "ana"
    assert calls.my_call() == "hit" and said[-1] == ("hit saved for CPD-001", False)
    assert "your call: <b>hit</b>" in calls.calls_text() and "consensus: <b>hit</b> (1 of 1)" in calls.calls_text()
    assert review.current is not None and not len(review.current)  # the well calls are untouched

    other = AnnotationStore(tmp_path / "calls.db")  # another reviewer, another process
    other.annotate_compound(review.ctrl.plate, "CPD-001", call="reject", reviewer="bo")
    other.close()
    assert calls.poll() and "others: bo reject" in calls.calls_text() and "tie" in calls.calls_text()

    assert calls.call("candidate") and calls.undo()
    assert calls.my_call() == "hit"  # the call before the undone one is in force again
    lines = calls.history_lines()
    assert len(lines) == 4 and lines[0].endswith("ana: hit") and "bo: reject" in lines[1]
    assert lines[2].endswith("ana: candidate — undone") and lines[3].endswith("ana: undo")

    calls.show("CPD-002")  # another compound: its own (empty) history, the same plate's calls
    assert calls.history_lines() == [] and calls.my_call() is None
    restarted = AnnotationStore(tmp_path / "calls.db")
    current = restarted.compound_current(review.ctrl.plate)
    restarted.close()
    assert sorted(zip(current["compound"], current["reviewer"], current["call"])) == [
        ("CPD-001", "ana", "hit"), ("CPD-001", "bo", "reject")]
    with pytest.raises(ValueError, match="not one of"):
        calls.call("maybe")
    calls.close()
