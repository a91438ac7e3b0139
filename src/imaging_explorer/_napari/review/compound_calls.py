"""Calls on compounds (hit / candidate / reject / unsure) for the compound card, without widgets.

They go to the review's annotation store through the review's job queue (:class:`.jobs.StoreJobs`:
one store, every operation in a worker, in order), with the reviewer of the Review dock. Each
job answers with a :class:`CompoundSnapshot`: the compound's history, every reviewer's current
compound calls and the consensus per compound. A snapshot is marked ``unchanged`` so that the
review model (which sees every job's answer) leaves it alone; this model takes it instead.

Live updates: :meth:`CompoundCalls.poll` asks the store for the plate's newest compound event id
and reads everything again only when others wrote.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from imaging_explorer.annotations.schema import CALLS

from .jobs import Snapshot
from .text import history_entry

if TYPE_CHECKING:
    import pandas as pd

    from imaging_explorer.plate import Plate

    from .model import ReviewModel

JOB_PREFIX = "compound "  # the review's job names of this model ("compound call", …)


@dataclass
class CompoundSnapshot(Snapshot):
    """The store's compound calls of a plate, and the history of one compound."""

    compound: str | None = None
    compound_plate: Plate | None = None  # ``plate`` stays None: the review model skips this snapshot
    compound_current: Any = None  # store.compound_current(plate)
    compound_consensus: Any = None  # store.compound_consensus(plate)
    compound_history: Any = None  # store.compound_history(plate, compound)
    compound_latest: int | None = None


def compound_snapshot(store: Any, plate: Plate, compound: str | None, done: str = "",
                      event_id: int | None = None) -> CompoundSnapshot:
    """Read what the card shows (in the worker); the newest event id first, so a write during the
    reads is seen by the next poll."""
    latest = int(store.latest_compound_event_id(plate))
    current = store.compound_current(plate)
    consensus = store.compound_consensus(plate)
    history = store.compound_history(plate, compound) if compound is not None else None
    return CompoundSnapshot(done=done, event_id=event_id, unchanged=True, compound=compound, compound_plate=plate,
                            compound_current=current, compound_consensus=consensus, compound_history=history,
                            compound_latest=latest)


def _poll_job(plate: Plate, compound: str | None, seen: int | None) -> Any:
    def job(store: Any) -> Snapshot:
        try:  # a missed look for others' calls: the next poll tries again (never an error for the user)
            if store.latest_compound_event_id(plate) == seen:
                return Snapshot(unchanged=True)
            return compound_snapshot(store, plate, compound)
        except Exception:  # noqa: BLE001
            return Snapshot(unchanged=True)

    return job


class CompoundCalls:
    """The compound calls of the review's plate: the compound on the card, yours and everyone's."""

    changed = Signal()  # calls, consensus or the compound's history changed
    status = Signal(str, bool)  # text for the card's status line, is it an error

    def __init__(self, review: ReviewModel) -> None:
        self.review = review
        self.compound: str | None = None
        self.current: pd.DataFrame | None = None  # every reviewer's compound calls in force
        self.consensus: pd.DataFrame | None = None  # majority per compound
        self.history: pd.DataFrame | None = None  # events of the compound on the card
        self._plate: Plate | None = None  # the plate those tables are of
        self._seen: int | None = None
        review.jobs.finished.connect(self._finished)
        review.jobs.failed.connect(self._failed)

    def close(self) -> None:
        for signal, slot in ((self.review.jobs.finished, self._finished), (self.review.jobs.failed, self._failed)):
            with contextlib.suppress(Exception):  # already gone
                signal.disconnect(slot)

    @property
    def plate(self) -> Plate | None:
        return self.review.ctrl.plate

    @property
    def reviewer(self) -> str:
        return self.review.options.reviewer.strip()

    def _say(self, text: str, error: bool = False) -> None:
        self.status.emit(text, error)

    # ------------------------------------------------------------------ asking the store

    def show(self, compound: str | None) -> None:
        """The card shows ``compound``: read its calls (in a worker)."""
        if compound != self.compound:
            self.compound, self.history = compound, None
            self.changed.emit()
        self.refresh()

    def refresh(self) -> None:
        plate, compound = self.plate, self.compound
        if plate is None or self.review.closed:
            return
        self.review.jobs.submit(f"{JOB_PREFIX}refresh", lambda store: compound_snapshot(store, plate, compound),
                                replace=True)

    def poll(self) -> bool:
        """Read again if others wrote compound calls since the last snapshot (skipped while busy)."""
        plate = self.plate
        if plate is None or self.review.closed or self.review.store is None or self.review.busy:
            return False
        if not getattr(self.review.store, "has_compound_calls", False):
            return False
        self.review.jobs.submit(f"{JOB_PREFIX}poll", _poll_job(plate, self.compound, self._seen), replace=True)
        return True

    def _ready(self) -> bool:
        store = self.review.store
        if store is None:
            self._say(self.review.jobs.open_error or "the annotation store is still opening", error=True)
            return False
        if store.read_only:
            self._say(f"read-only annotation store ({store.read_only_reason}): calls cannot be saved", error=True)
            return False
        if not self.reviewer:
            name = self.review.ask_reviewer().strip()
            if not name:
                self._say("enter your reviewer name first (Review dock)", error=True)
                return False
            self.review.options.reviewer = name
        return True

    def _target(self) -> tuple[Any, str, str] | None:
        """(plate, compound, reviewer) of a call now; None (and says why) when there is none."""
        plate, compound = self.plate, self.compound
        if plate is None or compound is None:
            self._say("no compound on the card", error=True)
            return None
        if not self._ready():
            return None
        return plate, compound, self.reviewer

    def call(self, call: str) -> bool:
        """Call the compound on the card (the write runs in a worker); False (and says why) when not now."""
        if call not in CALLS:
            raise ValueError(f"call {call!r} is not one of {', '.join(CALLS)}")
        target = self._target()
        if target is None:
            return False
        plate, compound, reviewer = target

        def job(store: Any) -> Snapshot:
            event = store.annotate_compound(plate, compound, call=call, reviewer=reviewer)
            return compound_snapshot(store, plate, compound, f"{call} saved for {compound}", event)

        self._say(f"saving {call} for {compound}…")  # before: an inline job answers at once
        self.review.jobs.submit(f"{JOB_PREFIX}call", job)
        return True

    def undo(self) -> bool:
        """Undo your latest compound call in force on the compound on the card (a new event)."""
        target = self._target()
        if target is None:
            return False
        plate, compound, reviewer = target

        def job(store: Any) -> Snapshot:
            event = store.undo_compound(plate, compound, reviewer)
            done = f"call on {compound} undone" if event else f"nothing of yours to undo on {compound}"
            return compound_snapshot(store, plate, compound, done, event)

        self.review.jobs.submit(f"{JOB_PREFIX}undo", job)
        return True

    # ------------------------------------------------------------------ answers

    def _finished(self, snap: Snapshot) -> None:
        if not isinstance(snap, CompoundSnapshot) or snap.compound_plate is not self.plate:
            return
        self._seen = snap.compound_latest
        self.current, self.consensus, self._plate = snap.compound_current, snap.compound_consensus, snap.compound_plate
        if snap.compound == self.compound:
            self.history = snap.compound_history
        if snap.done:
            self._say(snap.done)
        self.changed.emit()

    def _failed(self, what: str, message: str) -> None:
        if what.startswith(JOB_PREFIX) and what != f"{JOB_PREFIX}poll":
            self._say(f"{what.removeprefix(JOB_PREFIX)} not done: {message}", error=True)

    # ------------------------------------------------------------------ what the card shows

    def _rows(self) -> Any:
        cur = self.current
        if cur is None or not len(cur) or self.compound is None or self._plate is not self.plate:
            return None
        return cur[cur["compound"] == self.compound]

    def my_call(self) -> str | None:
        """Your call in force on the compound on the card."""
        rows = self._rows()
        if rows is None or not self.reviewer:
            return None
        mine = rows[rows["reviewer"] == self.reviewer]
        return str(mine["call"].iloc[-1]) if len(mine) else None

    def calls_text(self) -> str:
        """"your call: hit · others: bo candidate · consensus: hit (2 of 2)"."""
        rows = self._rows()
        mine, others = self.my_call(), []
        if rows is not None:
            others = [f"{r.reviewer} {r.call}" for r in rows.itertuples() if r.reviewer != self.reviewer]
        text = f"your call: <b>{mine or '—'}</b>" + (f" · others: {', '.join(others)}" if others else "")
        con = self.consensus
        if con is not None and self.compound in getattr(con, "index", ()):
            row: Any = con.loc[self.compound]
            n = int(row["n_reviewers"])
            majority = "tie" if bool(row["tie"]) else str(row["call"])
            text += f" · consensus: <b>{majority}</b> ({round(float(row['agreement']) * n)} of {n})"
        else:
            text += " · consensus: — (no calls yet)"
        return text

    def history_lines(self) -> list[str]:
        """The compound's events, oldest first (as the Review dock's well history)."""
        history = self.history
        if history is None or not len(history):
            return []
        return [history_entry(ev) for ev in history.itertuples()]
