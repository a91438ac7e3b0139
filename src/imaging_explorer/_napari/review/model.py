"""The review of one viewer's plate, without widgets: calls, consensus, conflicts, queue, live updates.

The Review dock shows this model and turns clicks into its methods; the hotkeys call the same
methods. Store work runs in workers (:mod:`.jobs`); every job answers with a snapshot that
this model keeps (``current``: every reviewer's calls in force, ``consensus``: the majority
per well) and tells the dock about through its signals.

Live updates: :meth:`poll` asks the store (in a worker) for the plate's newest event id;
when another reviewer or process wrote, everything is read again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psygnal import Signal, evented

from imaging_explorer.annotations.schema import CALLS
from imaging_explorer.plate import well_name

from .calls_layer import consensus_calls, draw_calls
from .config import load_review_config, save_review_config
from .jobs import Snapshot, StoreJobs, platemap_job, poll_job, snapshot
from .options import ReviewOptions
from .queue import queue_step, queue_wells
from .queue_order import order_queue
from .text import (
    agreement_text,
    conflict_entry,
    conflicts_heading,
    history_entry,
    where_text,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..browser.controller import PlateController


@evented
@dataclass
class CallDraft:
    """What goes with the next call: tags, confidence (1-5, None: not given) and a note."""

    tags: list[str] = field(default_factory=list)
    confidence: int | None = None
    note: str = ""


class ReviewModel:
    """Calls on the wells of the viewer's plate, in an AnnotationStore (``location``: path or URL,
    None: the default store)."""

    status = Signal(str, bool)  # text for the status line, is it an error
    store_ready = Signal(bool)  # the store is open and writable (call buttons usable)
    where_changed = Signal(str)  # the well under review, your call and the others'
    history_changed = Signal(list)  # lines of the well's history
    agreement_changed = Signal(str)
    conflicts_changed = Signal(str, list)  # heading, [(well key, line)]
    queue_position = Signal(str)  # "3/40"
    draft_loaded = Signal()  # the draft was filled from your call in force on the well
    failure = Signal(str, str)  # level, text: something the user must be told (a notification)

    def __init__(self, ctrl: PlateController, location: str | None = None, inline: bool = False) -> None:
        self.ctrl = ctrl
        config = load_review_config()
        self.options = ReviewOptions(reviewer=str(config.get("reviewer", "")),
                                     auto_advance=bool(config.get("auto_advance", True)),
                                     consensus_view=bool(config.get("consensus", False)))
        self.draft = CallDraft()
        self.ask_reviewer: Callable[[], str] = lambda: ""  # the dock asks the person
        self.current: pd.DataFrame | None = None  # store.current(plate) of the last snapshot
        self.consensus: pd.DataFrame | None = None  # majority call per well of the last snapshot
        self.calls_layer: Any = None
        self._seen: int | None = None  # newest event id of the plate the last snapshot saw
        self._last_call_well: str | None = None
        self._shown_well: str | None = None
        self.jobs = StoreJobs(location, inline=inline)  # inline: store work in this thread (tests, scripts)
        self.jobs.opened.connect(self._store_opened)
        self.jobs.failed.connect(self._job_failed)
        self.jobs.finished.connect(self._snapshot)
        self.options.events.connect(self._option_changed)
        ctrl.plate_opened.connect(self._plate_opened)
        ctrl.view_changed.connect(self._view_changed)
        ctrl.state.events.platemap.connect(self._save_platemap)  # the browser found the plate map
        self.jobs.open()

    def close(self) -> None:
        self.jobs.close()
        for signal, slot in ((self.ctrl.plate_opened, self._plate_opened), (self.ctrl.view_changed, self._view_changed),
                             (self.ctrl.state.events.platemap, self._save_platemap)):
            signal.disconnect(slot)

    @property
    def closed(self) -> bool:
        return self.jobs.closed

    @property
    def store(self) -> Any:
        """The AnnotationStore (None until it is open, or when it could not be opened)."""
        return self.jobs.store

    @property
    def busy(self) -> bool:
        """A store operation is running or waiting."""
        return self.jobs.busy

    # ------------------------------------------------------------------ calls

    def _say(self, text: str, error: bool = False) -> None:
        self.status.emit(text, error)

    def review_well(self) -> str | None:
        """The well on screen, once loaded (calls never go to a well still loading)."""
        return self.ctrl.state.shown_well if self.ctrl.plate is not None else None

    def _ready(self) -> bool:
        store = self.store
        if store is None:
            self._say(self.jobs.open_error or "the annotation store is still opening", error=True)
            return False
        if store.read_only:
            self._say(f"read-only annotation store ({store.read_only_reason}): calls cannot be saved", error=True)
            return False
        if not self.options.reviewer.strip():
            name = self.ask_reviewer().strip()
            if not name:
                self._say("enter your reviewer name first", error=True)
                return False
            self.options.reviewer = name
        return True

    def call(self, call: str) -> bool:
        """Call the well on screen (hit, candidate, reject, unsure) with the draft's tags, confidence
        and note; the write runs in a worker. False (and says why) when it cannot be made now."""
        if call not in CALLS:
            raise ValueError(f"call {call!r} is not one of {', '.join(CALLS)}")
        well = self.review_well()
        if well is None:
            self._say("open a well (and let it load) before calling it", error=True)
            return False
        if not self._ready():
            return False
        plate, reviewer = self.ctrl.plate, self.options.reviewer.strip()
        tags, conf, note = list(self.draft.tags), self.draft.confidence, self.draft.note

        def job(store: Any) -> Snapshot:
            event = store.annotate(plate, well, call=call, reviewer=reviewer, confidence=conf, tags=tags, note=note)
            return snapshot(store, plate, well, f"{call} saved for {well_name(well)}", event)

        self.jobs.submit("call", job)
        self._last_call_well = well
        self._say(f"saving {call} for {well_name(well)}…")
        if self.options.auto_advance:
            self.step_queue(1, just_called=well)
        return True

    def undo(self) -> bool:
        """Undo your latest call on the well on screen (right after an auto-advance: the well just called)."""
        well = self.review_well()
        if (well is None or well not in self.my_calls()) and self._last_call_well is not None \
                and self.ctrl.plate is not None:
            well = self._last_call_well
            if well != self.ctrl.state.well:
                self.ctrl.show_well(well)
        if well is None:
            self._say("open a well before undoing a call on it", error=True)
            return False
        if not self._ready():
            return False
        plate, reviewer = self.ctrl.plate, self.options.reviewer.strip()
        self._last_call_well = None

        def job(store: Any) -> Snapshot:
            event = store.undo(plate, well, reviewer)
            done = f"call on {well_name(well)} undone" if event else f"nothing of yours to undo on {well_name(well)}"
            return snapshot(store, plate, well, done, event)

        self.jobs.submit("undo", job)
        return True

    # ------------------------------------------------------------------ queue and conflicts

    def queue(self, just_called: str | None = None) -> list[str]:
        """The wells of the chosen review queue, in review order."""
        wells = queue_wells(self.ctrl.plate, self.ctrl.state.platemap, self.options.queue, self.my_calls(), just_called)
        readouts = self.ctrl.analysis_view.wells
        return order_queue(wells, readouts, self.options.order_by, self.options.descending,
                           lambda: self.ctrl.hits.well_ranks())  # the hit compounds' ranks, if ordered by them

    def step_queue(self, step: int = 1, just_called: str | None = None) -> str | None:
        """Open the next (previous) well of the queue after the well on screen; None at its end."""
        wells = self.queue(just_called)
        if not wells:
            self._say("the review queue is empty")
            return None
        state = self.ctrl.state
        here = state.pending.well if state.pending else state.well
        order = self.queue() if just_called else wells  # where "here" sits, before filtering it out
        i = queue_step(wells, order, self.ctrl.plate, here, step)
        if not 0 <= i < len(wells):
            self._say("end of the review queue" if step > 0 else "start of the review queue")
            return None
        self.ctrl.show_well(wells[i])
        self.queue_position.emit(f"{i + 1}/{len(wells)}")
        return wells[i]

    def my_calls(self) -> dict[str, str]:
        """Your calls in force: well key -> call."""
        cur, reviewer = self.current, self.options.reviewer.strip()
        if cur is None or not len(cur) or not reviewer:
            return {}
        mine = cur[cur["reviewer"] == reviewer]
        return dict(zip(mine["well"], mine["call"]))

    def conflict_wells(self) -> list[str]:
        """Wells where reviewers' current calls differ, in plate order."""
        con = self.consensus
        if con is None or not len(con):
            return []
        return [str(k) for k in con.index[con["conflict"].to_numpy(dtype=bool)]]

    def show_conflict(self, well: str) -> None:
        """Open a well of the conflict list (no reload when it is already on screen or loading)."""
        if self.ctrl.plate is not None and self.ctrl.state.asked_well != well:
            self.ctrl.show_well(well)

    # ------------------------------------------------------------------ reading the store

    def refresh(self) -> None:
        """Read the calls and the well's history again (in a worker)."""
        plate = self.ctrl.plate
        if plate is None:
            return
        well = self.ctrl.state.well if self.ctrl.state.mode == "well" else None
        self.jobs.submit("refresh", lambda store: snapshot(store, plate, well), replace=True)

    def poll(self) -> bool:
        """Ask the store (in a worker) whether others wrote on the plate since the last snapshot.
        Skipped (False) while another store job runs or waits: that job's snapshot is fresh anyway."""
        plate = self.ctrl.plate
        if self.closed or self.store is None or plate is None or self.busy:
            return False
        well = self.ctrl.state.well if self.ctrl.state.mode == "well" else None
        self.jobs.submit("poll", poll_job(plate, well, self._seen), replace=True)
        return True

    def _store_opened(self, store: Any) -> None:
        if store.read_only:
            self.store_ready.emit(False)
            self._say(f"read-only annotation store {store.url}: {store.read_only_reason}. Calls are shown, not saved.",
                      error=True)
            self.failure.emit("warning", f"The annotation store {store.url} is read-only ({store.read_only_reason}): "
                                         "review calls cannot be saved.")
        else:
            self.store_ready.emit(True)
            self._say(f"annotations: {store.url}")
            self._save_platemap()
        self.refresh()

    def _save_platemap(self) -> None:
        """Keep the plate map the browser found with the plate in the store (exports join it)."""
        plate, platemap, store = self.ctrl.plate, self.ctrl.state.platemap, self.store
        if plate is not None and platemap is not None and store is not None and not store.read_only:
            self.jobs.submit("plate map", platemap_job(plate, platemap))

    def _job_failed(self, what: str, message: str) -> None:
        if what == "poll":  # a missed look for others' calls: the next one tries again
            return
        if what == "open":
            self.store_ready.emit(False)
            self._say(f"the annotation store cannot be opened: {message}", error=True)
            self.failure.emit("error", f"The annotation store cannot be opened: {message}")
            return
        self._say(f"{what} not saved: {message}", error=True)
        self.failure.emit("error", f"Review {what} not saved: {message}")
        if self.store is not None and self.store.read_only:
            self.store_ready.emit(False)

    def _snapshot(self, snap: Snapshot) -> None:
        if snap.plate is not self.ctrl.plate or snap.unchanged:
            return  # another plate opened meanwhile, or nothing new
        if snap.latest is not None:
            self._seen = snap.latest
        self.current, self.consensus = snap.current, snap.consensus
        if snap.done:
            self._say(snap.done)
        elif snap.live:
            self._say(f"calls updated from the store (others wrote) at {time.strftime('%H:%M:%S')}")
        self.redraw_calls()
        conflicts = self.conflict_wells() if self.current is not None and len(self.current) \
            and self.consensus is not None else None
        self.agreement_changed.emit(agreement_text(self.current, conflicts, snap.agreement))
        self._emit_conflicts()
        shown = self.review_well()
        if snap.well is not None and snap.well == shown:
            history = snap.history
            self.history_changed.emit([history_entry(ev) for ev in history.itertuples()] if history is not None else [])
            if snap.live:  # others wrote: keep the tags, confidence and note being edited
                self._emit_where(shown)
            else:
                self._load_draft(shown)
        elif snap.live and shown is not None:  # the well changed while the poll ran (its own refresh follows)
            self._emit_where(shown)

    # ------------------------------------------------------------------ what the dock shows

    def _plate_opened(self) -> None:
        layer = self.calls_layer
        if layer is not None and self.ctrl.link.alive and layer in self.ctrl.viewer.layers:
            self.ctrl.viewer.layers.remove(layer)
        self.calls_layer, self.current, self.consensus, self._seen = None, None, None, None
        self._emit_conflicts()
        if self.store is not None:
            self.refresh()

    def _view_changed(self) -> None:
        self.update_calls_visibility()
        state = self.ctrl.state
        if state.pending is not None:
            self.where_changed.emit(f"loading {well_name(state.pending.well)}…")
            return
        well = self.review_well()
        if well is None:
            self.where_changed.emit("open a well to review it")
            self.history_changed.emit([])
            self._shown_well = None
            return
        if well == self._shown_well:
            return
        self._shown_well = well
        self._load_draft(well)
        if self.store is not None:
            self.refresh()

    def _load_draft(self, well: str) -> None:
        """The draft from your call in force on the well (cleared when there is none)."""
        import pandas as pd

        cur, reviewer = self.current, self.options.reviewer.strip()
        row = None
        if cur is not None and len(cur) and reviewer:
            hit = cur[(cur["reviewer"] == reviewer) & (cur["well"] == well)]
            row = hit.iloc[-1] if len(hit) else None
        conf = row["confidence"] if row is not None else None
        self.draft.tags = list(row["tags"]) if row is not None else []
        self.draft.confidence = None if conf is None or pd.isna(conf) else int(conf)  # NA: none given
        self.draft.note = str(row["note"]) if row is not None else ""
        self.draft_loaded.emit()
        self._emit_where(well)

    def _emit_where(self, well: str) -> None:
        self.where_changed.emit(where_text(self.current, self.options.reviewer.strip(), well))

    def _emit_conflicts(self) -> None:
        wells = self.conflict_wells()
        lines = [(key, conflict_entry(key, self.consensus.loc[key], self.current)) for key in wells] \
            if self.consensus is not None else []
        self.conflicts_changed.emit(conflicts_heading(len(wells)), lines)

    def _option_changed(self, info: Any) -> None:
        name = info.signal.name
        if name == "reviewer" and self.options.reviewer.strip():
            if load_review_config().get("reviewer") != self.options.reviewer.strip():
                save_review_config(reviewer=self.options.reviewer.strip())
        elif name == "auto_advance":
            save_review_config(auto_advance=bool(self.options.auto_advance))
        elif name == "consensus_view":
            save_review_config(consensus=bool(self.options.consensus_view))
        if name in ("reviewer", "consensus_view", "show_calls"):
            self.redraw_calls()

    def redraw_calls(self) -> None:
        """The calls layer: your calls, or all reviewers' consensus with conflicts framed."""
        ctrl = self.ctrl
        if ctrl.plate is None or ctrl.layout is None or self.current is None or not ctrl.link.alive:
            return
        if self.options.consensus_view:
            self.calls_layer = draw_calls(ctrl.viewer, ctrl.layout, consensus_calls(self.consensus), self.calls_layer,
                                          self._calls_visible(), conflicts=self.conflict_wells(), consensus=True)
        else:
            self.calls_layer = draw_calls(ctrl.viewer, ctrl.layout, dict(self.my_calls()), self.calls_layer,
                                          self._calls_visible())

    def _calls_visible(self) -> bool:
        return self.options.show_calls and self.ctrl.state.mode == "overview"

    def update_calls_visibility(self) -> None:
        layer = self.calls_layer
        if layer is not None and self.ctrl.link.alive and layer in self.ctrl.viewer.layers:
            layer.visible = self._calls_visible()
