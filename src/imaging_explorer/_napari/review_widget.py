"""The "Review" dock: call the compound of the well on screen, with hotkeys, into the AnnotationStore.

Reviewer name (asked once, remembered in the user config), Hit / Candidate / Reject / Unsure
(H / C / R / U), undo (Ctrl+Z), auto-advance to the next well, tags, confidence 1–5, a note,
the well's history, agreement between reviewers, and the calls drawn on the overview: yours,
or with "show all reviewers" the consensus (majority call, conflicts framed in magenta and listed
in the dock; activating a listed well opens it). Every store operation runs in a worker
(:mod:`.review_session`); errors (read-only, locked, damaged) are napari notifications, and a
read-only store disables the call buttons.

Live updates: a QTimer asks the store every :data:`POLL_INTERVAL_MS` (in a worker, through the
same job queue) for the plate's newest event id; when another reviewer or process wrote, the
calls layer, the well's history, the agreement line and the conflict list are read again.

Hotkeys: :mod:`.review_hotkeys`; the review queue: :mod:`.review_queue`; the texts of the
history, agreement line and conflict list: :mod:`.review_text`.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import Qt, QTimer
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from imaging_explorer.annotations.schema import CALLS, TAGS

from .controller import controller_for
from .overview_calls import CALL_COLORS, draw_calls
from .review_config import db_location, load_review_config, save_review_config
from .review_hotkeys import REVIEW_HOTKEYS, _action, _bind_layer_keys, install_hotkeys  # noqa: F401 - re-exported
from .review_queue import QUEUES, queue_step, queue_wells
from .review_session import ReviewSession, poll_job, snapshot
from .review_text import agreement_text, conflict_entry, conflicts_heading, history_entry
from .review_text import well_name as _well_name

if TYPE_CHECKING:
    import napari

#: how often the dock asks the store whether others wrote (ms)
POLL_INTERVAL_MS = 2000
_REVIEWS: weakref.WeakKeyDictionary[Any, ReviewWidget] = weakref.WeakKeyDictionary()


def _alive(method: Any) -> Any:
    """Slots of signals that may outlive the dock's Qt objects (workers finishing at close)."""
    import functools

    @functools.wraps(method)
    def run(self: ReviewWidget, *args: Any) -> Any:
        if self.session.closed:
            return None
        try:
            return method(self, *args)
        except RuntimeError as e:
            if "deleted" not in str(e):
                raise
            self.session.close()
            return None

    return run


def review_for(viewer: Any) -> ReviewWidget | None:
    """The viewer's Review dock, if one is open."""
    return _REVIEWS.get(viewer)


class ReviewWidget(QWidget):
    """Dock widget for reviewing wells (npe2 widget contribution "Review")."""

    def __init__(self, viewer: napari.viewer.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.ctrl = controller_for(viewer)
        config = load_review_config()
        self.current: Any = None  # store.current(plate) of the last snapshot
        self.consensus: Any = None  # majority call per well (consensus_table) of the last snapshot
        self._seen: int | None = None  # newest event id of the plate the last snapshot saw
        self.calls_layer: Any = None
        self._last_call_well: str | None = None
        self._shown_well: str | None = None
        layout = QVBoxLayout(self)

        row = QHBoxLayout()
        self.reviewer_edit = QLineEdit(str(config.get("reviewer", "")))
        self.reviewer_edit.setPlaceholderText("your name (asked once)")
        self.reviewer_edit.editingFinished.connect(lambda: self.set_reviewer(self.reviewer_edit.text()))
        row.addWidget(QLabel("reviewer"))
        row.addWidget(self.reviewer_edit)
        layout.addLayout(row)

        self.where = QLabel("open a well to review it")
        self.where.setWordWrap(True)
        layout.addWidget(self.where)

        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, call, what in REVIEW_HOTKEYS[:4]:
            button = QPushButton(f"{call.capitalize()} ({key})")
            button.setToolTip(f"{what} ({key})")
            button.setStyleSheet(f"border-bottom: 3px solid {CALL_COLORS[call]};")
            button.clicked.connect(lambda _=False, call=call: self.call(call))
            self.buttons[call] = button
            row.addWidget(button)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.undo_button = QPushButton("Undo (Ctrl+Z)")
        self.undo_button.setToolTip("undo your latest call on this well (a new event; the history keeps both)")
        self.undo_button.clicked.connect(lambda: self.undo())
        self.auto_advance = QCheckBox("auto-advance")
        self.auto_advance.setToolTip("after a call, open the next well")
        self.auto_advance.setChecked(bool(config.get("auto_advance", True)))
        self.auto_advance.toggled.connect(lambda on: save_review_config(auto_advance=bool(on)))
        row.addWidget(self.undo_button)
        row.addWidget(self.auto_advance)
        layout.addLayout(row)

        grid = QGridLayout()
        self.tag_boxes: dict[str, QCheckBox] = {}
        for i, tag in enumerate(TAGS):
            box = QCheckBox(tag.replace("_", " "))
            self.tag_boxes[tag] = box
            grid.addWidget(box, i // 3, i % 3)
        layout.addLayout(grid)

        row = QHBoxLayout()
        self.confidence = QComboBox()
        self.confidence.addItems(["—", "1", "2", "3", "4", "5"])
        self.confidence.setToolTip("confidence of the call, 1 (low) to 5 (high)")
        self.note = QLineEdit()
        self.note.setPlaceholderText("note")
        row.addWidget(QLabel("confidence"))
        row.addWidget(self.confidence)
        row.addWidget(self.note, 1)
        layout.addLayout(row)

        row = QHBoxLayout()
        self.queue_box = QComboBox()
        self.queue_box.addItems(list(QUEUES))
        self.queue_box.setToolTip("which wells N / Shift+N (and auto-advance) step through")
        self.queue_label = QLabel("")
        row.addWidget(QLabel("queue"))
        row.addWidget(self.queue_box, 1)
        row.addWidget(self.queue_label)
        layout.addLayout(row)

        self.show_calls = QCheckBox("calls on the overview")
        self.show_calls.setChecked(True)
        self.show_calls.toggled.connect(lambda _: self._update_calls_visibility())
        layout.addWidget(self.show_calls)
        self.show_consensus = QCheckBox("show all reviewers (consensus)")
        self.show_consensus.setToolTip("calls layer: the majority call of all reviewers per well, wells where "
                                       "reviewers disagree framed in magenta (instead of your own calls)")
        self.show_consensus.setChecked(bool(config.get("consensus", False)))
        self.show_consensus.toggled.connect(self._consensus_toggled)
        layout.addWidget(self.show_consensus)
        self.status = QLabel("opening the annotation store…")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.agreement = QLabel("")
        self.agreement.setWordWrap(True)
        layout.addWidget(self.agreement)
        self.conflicts_label = QLabel("conflicts (reviewers disagree): none")
        layout.addWidget(self.conflicts_label)
        self.conflicts = QListWidget()
        self.conflicts.setMaximumHeight(100)
        self.conflicts.setToolTip("wells where reviewers' calls differ; click one to open it")
        self.conflicts.itemClicked.connect(self._conflict_chosen)
        self.conflicts.itemActivated.connect(self._conflict_chosen)
        layout.addWidget(self.conflicts)
        layout.addWidget(QLabel("history of this well"))
        self.history = QListWidget()
        self.history.setMaximumHeight(160)
        layout.addWidget(self.history)
        keys = ", ".join(f"<b>{k.replace('Control-', 'Ctrl+')}</b> {a}" for k, a, _ in REVIEW_HOTKEYS)
        help_text = QLabel(f"<small>Hotkeys (canvas focused): {keys}</small>")
        help_text.setWordWrap(True)
        layout.addWidget(help_text)
        layout.addStretch(1)

        self._set_enabled(False)
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_INTERVAL_MS)
        self.poll_timer.timeout.connect(self.poll)
        self.session = ReviewSession(db_location())
        self.session.opened.connect(self._store_opened)
        self.session.failed.connect(self._job_failed)
        self.session.finished.connect(self._snapshot)
        self._slots = [(self.ctrl.plate_opened, self._plate_opened), (self.ctrl.view_changed, self._view_changed)]
        for signal, slot in self._slots:
            signal.connect(slot)
        _REVIEWS[viewer] = self
        install_hotkeys(viewer)
        self.destroyed.connect(lambda *_, slots=self._slots, session=self.session: _teardown(slots, session))

    # ------------------------------------------------------------------ public, typed

    @property
    def store(self) -> Any:
        """The AnnotationStore (None until it is open, or when it could not be opened)."""
        return self.session.store

    @property
    def busy(self) -> bool:
        """A store operation is running or waiting."""
        return self.session.busy

    @property
    def reviewer(self) -> str:
        return self.reviewer_edit.text().strip()

    def set_reviewer(self, name: str) -> None:
        """Use and remember this reviewer name."""
        name = (name or "").strip()
        if self.reviewer_edit.text() != name:
            self.reviewer_edit.setText(name)
        if name and load_review_config().get("reviewer") != name:
            save_review_config(reviewer=name)
        self._redraw_calls()

    def _ask_reviewer(self) -> str:
        name, ok = QInputDialog.getText(self, "Reviewer", "Your name (saved with every call):")
        return name.strip() if ok else ""

    def _review_well(self) -> str | None:
        """The well on screen, once loaded (calls never go to a well still loading)."""
        ctrl = self.ctrl
        if ctrl.plate is None or ctrl.mode != "well" or ctrl.loading or ctrl.current_well is None:
            return None
        return ctrl.current_well

    def _ready(self) -> bool:
        store = self.store
        if store is None:
            self._say(self.session.open_error or "the annotation store is still opening", error=True)
            return False
        if store.read_only:
            self._say(f"read-only annotation store ({store.read_only_reason}): calls cannot be saved", error=True)
            return False
        if not self.reviewer:
            name = self._ask_reviewer()
            if not name:
                self._say("enter your reviewer name first", error=True)
                return False
            self.set_reviewer(name)
        return True

    def call(self, call: str) -> bool:
        """Call the well on screen (hit, candidate, reject, unsure) with the tags, confidence and
        note set in the dock; the write runs in a worker. Returns False (and says why) when
        the call cannot be made now."""
        if call not in CALLS:
            raise ValueError(f"call {call!r} is not one of {', '.join(CALLS)}")
        well = self._review_well()
        if well is None:
            self._say("open a well (and let it load) before calling it", error=True)
            return False
        if not self._ready():
            return False
        plate, reviewer = self.ctrl.plate, self.reviewer
        tags = [t for t, box in self.tag_boxes.items() if box.isChecked()]
        conf = None if self.confidence.currentIndex() == 0 else self.confidence.currentIndex()
        note = self.note.text()

        def job(store: Any) -> Any:
            event = store.annotate(plate, well, call=call, reviewer=reviewer, confidence=conf, tags=tags, note=note)
            return snapshot(store, plate, well, f"{call} saved for {_well_name(well)}", event)

        self.session.submit("call", job)
        self._last_call_well = well
        self._say(f"saving {call} for {_well_name(well)}…")
        if self.auto_advance.isChecked():
            self.step_queue(1, just_called=well)
        return True

    def queue(self, just_called: str | None = None) -> list[str]:
        """The wells of the review queue chosen in the dock, in review order."""
        return queue_wells(self.ctrl.plate, self.ctrl.platemap, self.queue_box.currentText(),
                           self._my_calls(), just_called)

    def step_queue(self, step: int = 1, just_called: str | None = None) -> str | None:
        """Open the next (previous) well of the queue after the well on screen; None at its end."""
        ctrl = self.ctrl
        wells = self.queue(just_called)
        if not wells:
            self._say("the review queue is empty")
            return None
        here = ctrl._target[0] if ctrl._target else ctrl.current_well
        order = self.queue() if just_called else wells  # where "here" sits, before filtering it out
        i = queue_step(wells, order, ctrl.plate, here, step)
        if not 0 <= i < len(wells):
            self._say("end of the review queue" if step > 0 else "start of the review queue")
            return None
        ctrl.show_well(wells[i])
        self.queue_label.setText(f"{i + 1}/{len(wells)}")
        return wells[i]

    def undo(self) -> bool:
        """Undo your latest call on the well on screen; right after an auto-advance, go back
        to the well just called and undo that one."""
        well = self._review_well()
        mine = self._my_calls()
        if (well is None or well not in mine) and self._last_call_well is not None and self.ctrl.plate is not None:
            well = self._last_call_well
            if well != self.ctrl.current_well:
                self.ctrl.show_well(well)
        if well is None:
            self._say("open a well before undoing a call on it", error=True)
            return False
        if not self._ready():
            return False
        plate, reviewer = self.ctrl.plate, self.reviewer
        self._last_call_well = None

        def job(store: Any) -> Any:
            event = store.undo(plate, well, reviewer)
            done = f"call on {_well_name(well)} undone" if event else f"nothing of yours to undo on {_well_name(well)}"
            return snapshot(store, plate, well, done, event)

        self.session.submit("undo", job)
        return True

    def refresh(self) -> None:
        """Read the calls and the well's history again (in a worker)."""
        plate = self.ctrl.plate
        if plate is None:
            return
        well = self.ctrl.current_well if self.ctrl.mode == "well" else None
        self.session.submit("refresh", lambda store: snapshot(store, plate, well), replace=True)

    def poll(self) -> bool:
        """Ask the store (in a worker) whether others wrote on the plate since the last snapshot;
        when they did, everything the dock shows is read again. Skipped (False) while another
        store job runs or waits: that job's snapshot is fresh anyway."""
        plate = self.ctrl.plate
        if self.session.closed or self.store is None or plate is None or self.session.busy:
            return False
        well = self.ctrl.current_well if self.ctrl.mode == "well" else None
        self.session.submit("poll", poll_job(plate, well, self._seen), replace=True)
        return True

    @property
    def consensus_view(self) -> bool:
        """The calls layer shows all reviewers' consensus (else your own calls)."""
        return self.show_consensus.isChecked()

    def conflict_wells(self) -> list[str]:
        """Wells where reviewers' current calls differ, in plate order."""
        con = self.consensus
        if con is None or not len(con):
            return []
        return [str(k) for k in con.index[con["conflict"].to_numpy(dtype=bool)]]

    def show_conflict(self, well: str) -> None:
        """Open a well of the conflict list (no reload when it is already on screen or loading)."""
        ctrl = self.ctrl
        if ctrl.plate is None:
            return
        target = ctrl._target[0] if ctrl._target else None
        if target == well or (target is None and ctrl.mode == "well" and ctrl.current_well == well):
            return
        ctrl.show_well(well)

    # ------------------------------------------------------------------ events

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #ff8080;" if error else "")

    def _set_enabled(self, on: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(on)
        self.undo_button.setEnabled(on)

    @_alive
    def _store_opened(self, store: Any) -> None:
        where = store.url if store.backend == "sqlite" else store.url
        if store.read_only:
            from napari.utils.notifications import show_warning

            self._set_enabled(False)
            self._say(f"read-only annotation store {where}: {store.read_only_reason}. Calls are shown, not saved.",
                      error=True)
            show_warning(f"The annotation store {where} is read-only ({store.read_only_reason}): review calls cannot be saved.")
        else:
            self._set_enabled(True)
            self._say(f"annotations: {where}")
        self.refresh()
        self.poll_timer.start()

    @_alive
    def _job_failed(self, what: str, message: str) -> None:
        from napari.utils.notifications import show_error

        if what == "poll":  # a missed look for others' calls: the next one tries again
            return
        if what == "open":
            self._set_enabled(False)
            self._say(f"the annotation store cannot be opened: {message}", error=True)
            show_error(f"The annotation store cannot be opened: {message}")
            return
        self._say(f"{what} not saved: {message}", error=True)
        show_error(f"Review {what} not saved: {message}")
        if self.store is not None and self.store.read_only:
            self._set_enabled(False)

    @_alive
    def _plate_opened(self) -> None:
        if self.calls_layer is not None and self.calls_layer in self.viewer.layers:
            self.viewer.layers.remove(self.calls_layer)
        self.calls_layer, self.current, self.consensus, self._seen = None, None, None, None
        self._show_conflicts()
        if self.store is not None:
            self.refresh()

    @_alive
    def _view_changed(self) -> None:
        ctrl = self.ctrl
        self._update_calls_visibility()
        well = self._review_well()
        if ctrl.loading and ctrl._target is not None:
            self.where.setText(f"loading {_well_name(ctrl._target[0])}…")
            return
        if well is None:
            self.where.setText("open a well to review it")
            self.history.clear()
            self._shown_well = None
            return
        if well == self._shown_well:
            return
        self._shown_well = well
        self._fill_from_current(well)
        if self.store is not None:
            self.refresh()

    def _my_calls(self) -> dict[str, str]:
        cur = self.current
        if cur is None or not len(cur) or not self.reviewer:
            return {}
        mine = cur[cur["reviewer"] == self.reviewer]
        return dict(zip(mine["well"], mine["call"]))

    def _fill_from_current(self, well: str) -> None:
        """Tags, confidence and note of your call in force on the well (cleared when none)."""
        import pandas as pd

        cur = self.current
        row = None
        if cur is not None and len(cur) and self.reviewer:
            hit = cur[(cur["reviewer"] == self.reviewer) & (cur["well"] == well)]
            row = hit.iloc[-1] if len(hit) else None
        tags = set(row["tags"]) if row is not None else set()
        for tag, box in self.tag_boxes.items():
            box.setChecked(tag in tags)
        conf = row["confidence"] if row is not None else None
        self.confidence.setCurrentIndex(0 if conf is None or pd.isna(conf) else int(conf))  # NA: no confidence given
        self.note.setText(str(row["note"]) if row is not None else "")
        self._show_where(well)

    def _show_where(self, well: str) -> None:
        """The well, your call in force on it and the other reviewers' calls."""
        cur = self.current
        mine, others = None, []
        if cur is not None and len(cur):
            for r in cur[cur["well"] == well].itertuples():
                if r.reviewer == self.reviewer:
                    mine = r.call
                else:
                    others.append(f"{r.reviewer} {r.call}")
        text = f"<b>{_well_name(well)}</b> · your call: {mine or '—'}"
        if others:
            text += f" · others: {', '.join(others)}"
        self.where.setText(text)

    @_alive
    def _snapshot(self, snap: Any) -> None:
        if snap.plate is not self.ctrl.plate:
            return  # another plate opened meanwhile
        if snap.unchanged:
            return
        if snap.latest is not None:
            self._seen = snap.latest
        self.current, self.consensus = snap.current, snap.consensus
        if snap.done:
            self._say(snap.done)
        elif snap.live:
            import time

            self._say(f"calls updated from the store (others wrote) at {time.strftime('%H:%M:%S')}")
        self._redraw_calls()
        self._show_agreement(snap)
        self._show_conflicts()
        shown = self._review_well()
        if snap.well is not None and snap.well == shown:
            self._show_history(snap.history)
            if snap.live:  # others wrote: keep the tags, confidence and note being edited
                self._show_where(shown)
            else:
                self._fill_from_current(shown)
        elif snap.live and shown is not None:  # the well changed while the poll ran (its own refresh follows)
            self._show_where(shown)

    def _show_history(self, history: Any) -> None:
        self.history.clear()
        if history is None:
            return
        for ev in history.itertuples():
            self.history.addItem(history_entry(ev))
        self.history.scrollToBottom()

    def _show_agreement(self, snap: Any) -> None:
        cur = snap.current
        conflicts = self.conflict_wells() if cur is not None and len(cur) and self.consensus is not None else None
        self.agreement.setText(agreement_text(cur, conflicts, snap.agreement))

    def _show_conflicts(self) -> None:
        """The conflict list: one line per well where reviewers disagree (its data: the well key)."""
        self.conflicts.clear()
        wells = self.conflict_wells()
        cur, con = self.current, self.consensus
        for key in wells:
            item = QListWidgetItem(conflict_entry(key, con.loc[key], cur))
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.conflicts.addItem(item)
        self.conflicts_label.setText(conflicts_heading(len(wells)))

    @_alive
    def _conflict_chosen(self, item: Any) -> None:
        key = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if key:
            self.show_conflict(str(key))

    @_alive
    def _consensus_toggled(self, on: bool) -> None:
        save_review_config(consensus=bool(on))
        self._redraw_calls()

    def _consensus_calls(self) -> tuple[dict[str, str | None], list[str]]:
        con = self.consensus
        if con is None or not len(con):
            return {}, []
        calls = {str(k): (c if isinstance(c, str) else None) for k, c in zip(con.index, con["call"])}
        return calls, self.conflict_wells()

    def _redraw_calls(self) -> None:
        if self.ctrl.plate is None or self.ctrl.layout is None or self.current is None:
            return
        if self.consensus_view:
            calls, conflicts = self._consensus_calls()
            self.calls_layer = draw_calls(self.ctrl, calls, self.calls_layer, self._calls_visible(),
                                          conflicts=conflicts, consensus=True)
        else:
            self.calls_layer = draw_calls(self.ctrl, self._my_calls(), self.calls_layer, self._calls_visible())
        _bind_layer_keys(self.viewer, self.calls_layer)

    def _calls_visible(self) -> bool:
        return self.show_calls.isChecked() and self.ctrl.mode == "overview"

    def _update_calls_visibility(self) -> None:
        if self.calls_layer is not None and self.calls_layer in self.viewer.layers:
            self.calls_layer.visible = self._calls_visible()


def _teardown(slots: list[tuple[Any, Any]], session: ReviewSession) -> None:
    session.close()
    for signal, slot in slots:
        try:
            signal.disconnect(slot)
        except Exception:  # noqa: BLE001 - already gone
            pass


def open_review_dock(viewer: Any) -> Any:
    """Show the Review dock (napari's plugin dock when installed, else added directly)."""
    found = review_for(viewer)
    if found is not None:
        return found
    from .interaction import add_dock

    return add_dock(viewer, "Review", ReviewWidget)
