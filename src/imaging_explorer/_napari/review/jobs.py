"""The review's link to the AnnotationStore: every store operation runs off the GUI thread.

Jobs (open the store, a call, an undo, a refresh) run one after another, in the order they
were asked for, each in a napari thread worker; the next starts when the previous one has
returned. Each job answers with a fresh snapshot (the reviewer's current calls, the well's
history, agreement, consensus) so neither the model nor the dock reads the database itself.

Live updates: :func:`poll_job` asks the store only for its newest event id of the plate
(``store.latest_event_id``, one small query) and reads a full snapshot only when that id differs
from the one the last snapshot saw, i.e. when another reviewer or process wrote.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from imaging_explorer.annotations.agreement import consensus_table
from imaging_explorer.annotations.schema import CALLS

from ..browser.workers import start_worker

if TYPE_CHECKING:
    import pandas as pd

    from imaging_explorer.annotations import AnnotationStore
    from imaging_explorer.plate import Plate


@dataclass
class Snapshot:
    """What a job found: the store's state for the plate (and well) on screen."""

    plate: Plate | None = None
    well: str | None = None
    current: Any = None  # store.current(plate): every reviewer's calls in force
    history: Any = None  # store.history(plate, well)
    agreement: dict[str, Any] = field(default_factory=dict)
    done: str = ""  # what the job did, for the status line
    event_id: int | None = None
    consensus: Any = None  # majority call per well (index well; call, conflict, tie, n_<call> …)
    latest: int | None = None  # store.latest_event_id(plate) read before the rest (None: unknown)
    live: bool = False  # read by a poll because others wrote
    unchanged: bool = False  # a poll that found nothing new (nothing else is filled)


class StoreJobs:
    """A store opened in a worker, and a queue of jobs run in order, each in a worker
    (``inline=True``: run in the caller's thread, for scripts and Qt-free tests)."""

    opened = Signal(object)  # the store
    failed = Signal(str, str)  # what was being done, message
    finished = Signal(object)  # Snapshot

    def __init__(self, location: str | None, inline: bool = False) -> None:
        self.location = location
        self.inline = inline
        self.store: Any = None
        self.open_error = ""
        self._jobs: deque[tuple[str, Callable[[Any], Snapshot]]] = deque()
        self._worker: Any = None
        self.closed = False

    def open(self) -> None:
        """Open the store (the first job); ``opened`` or ``failed`` tells how it went."""
        self.submit("open", self._open)

    @property
    def busy(self) -> bool:
        """A job is running or waiting."""
        return self._worker is not None or bool(self._jobs)

    def _open(self, _store: Any) -> Snapshot:
        from imaging_explorer.annotations import AnnotationStore

        self.store = AnnotationStore(self.location)
        return Snapshot(done="open")

    def submit(self, what: str, job: Callable[[Any], Snapshot], replace: bool = False) -> None:
        """Run ``job(store)`` in a worker after the jobs before it; ``replace``: drop a job of
        the same kind still waiting at the end of the queue (refreshes need not pile up)."""
        if self.closed:
            return
        if replace and self._jobs and self._jobs[-1][0] == what:
            self._jobs.pop()
        self._jobs.append((what, job))
        if self._worker is None:
            self._next()

    def _next(self) -> None:
        if not self._jobs or self.closed:
            self._worker = None
            return
        what, job = self._jobs.popleft()
        if what != "open" and self.store is None:
            self._worker = None
            self.failed.emit(what, self.open_error or "the annotation store is not open")
            self._next()
            return

        def run() -> Snapshot:
            return job(self.store)

        if self.inline:
            self._run_inline(what, run)
            return
        self._worker = start_worker(run, returned=lambda snap: self._returned(what, snap),
                                    errored=lambda exc: self._errored(what, exc))

    def _run_inline(self, what: str, run: Callable[[], Snapshot]) -> None:
        self._worker = what  # busy while it runs
        try:
            snap = run()
        except Exception as e:  # noqa: BLE001 - reported like a worker's error
            self._errored(what, e)
            return
        self._returned(what, snap)

    def _returned(self, what: str, snap: Snapshot) -> None:
        self._worker = None
        if self.closed:
            self._close_store()
            return
        if what == "open":
            self.opened.emit(self.store)
        else:
            self.finished.emit(snap)
        self._next()

    def _errored(self, what: str, exc: BaseException) -> None:
        self._worker = None
        if self.closed:
            self._close_store()
            return
        message = str(exc) if isinstance(exc, ValueError) or type(exc).__name__ == "AnnotationStoreError" \
            else f"{type(exc).__name__}: {exc}"
        if what == "open":
            self.open_error = message
        self.failed.emit(what, message)
        self._next()

    def close(self) -> None:
        """No more jobs; the store closes once the running job (if any) is done."""
        self.closed = True
        self._jobs.clear()
        if self._worker is None:
            self._close_store()

    def _close_store(self) -> None:
        if self.store is not None:
            self.store.close()


def _latest(store: AnnotationStore, plate: Plate) -> int | None:
    try:
        return int(store.latest_event_id(plate))
    except Exception:  # noqa: BLE001 - unknown: the next poll reads everything again
        return None


def snapshot(store: AnnotationStore, plate: Plate, well: str | None, done: str = "", event_id: int | None = None,
             live: bool = False) -> Snapshot:
    """Read what the dock shows (in the worker): current calls, the well's history, agreement,
    consensus; the newest event id first, so that a write during the reads is seen by the next poll."""
    latest = _latest(store, plate)
    current = store.current(plate)
    history = store.history(plate, well) if well is not None else None
    try:
        agreement = store.agreement(plate)
    except Exception:  # noqa: BLE001 - agreement is a nicety; never fail a call for it
        agreement = {}
    try:
        consensus = consensus_table(current, CALLS)
    except Exception:  # noqa: BLE001 - as agreement
        consensus = None
    return Snapshot(plate, well, current, history, agreement, done, event_id, consensus, latest, live)


def platemap_job(plate: Plate, platemap: pd.DataFrame) -> Callable[[AnnotationStore], Snapshot]:
    """A job that keeps the plate map the browser found with the plate in the store, so that
    exports of current calls and consensus carry compounds (saving the same map again adds nothing)."""

    def job(store: AnnotationStore) -> Snapshot:
        store.save_platemap(plate, platemap)
        return Snapshot(unchanged=True)  # nothing for the dock to show

    return job


def poll_job(plate: Plate, well: str | None, seen: int | None) -> Callable[[AnnotationStore], Snapshot]:
    """A job that reads a snapshot only when the plate's newest event id is not ``seen``."""

    def job(store: AnnotationStore) -> Snapshot:
        latest = _latest(store, plate)
        if latest is None or latest == seen:
            return Snapshot(plate, well, latest=seen, unchanged=True)
        return snapshot(store, plate, well, live=True)

    return job
