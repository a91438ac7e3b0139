"""The "Review" dock: a thin view of the viewer's review model (:mod:`..review.model`).

Reviewer name (asked once, remembered), Hit / Candidate / Reject / Unsure (H / C / R / U),
undo (Ctrl+Z), auto-advance, the call's tags, confidence and note (a magicgui form), the review
queue, the well's history, agreement between reviewers, conflicts (activating one opens the
well) and whether the overview shows your calls or all reviewers' consensus. Every button calls
the model; the model's signals fill the labels and lists. A timer asks the model to poll the
store every :data:`POLL_INTERVAL_MS` so that other reviewers' calls appear.

The sections fold (superqt's QCollapsible) and sit in a vertical scroll area, so the dock fits
any screen: napari grows the main window to a dock's minimum height, past the screen's bottom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qtpy.QtCore import Qt, QTimer
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from superqt import QCollapsible

from ..docks import notify, open_dock
from ..keys import help_text
from ..review.calls_layer import CALL_COLORS
from ..review.hotkeys import CALL_KEYS, REVIEW_KEYS, install_review_keys
from ..review.model import ReviewModel
from ..review.queue import QUEUES
from ..review.queue_order import HIT_RANK, QUEUE_ORDER, readout_columns
from ..session import session_for
from .call_form import CallForm
from .compound_card import install_card_key, show_compound_card
from .dock_room import dock_column
from .signals import connect_while_alive

if TYPE_CHECKING:
    import napari

#: how often the dock asks the store whether others wrote (ms)
POLL_INTERVAL_MS = 2000
HISTORY_HEIGHT = 160  # px, the history list at most (it scrolls)
CONFLICTS_HEIGHT = 100
ORDER_TEXT = "queue order (plate map)"  # the queue's own order in the "order by" choice
HIT_RANK_TEXT = "hit rank (compounds)"  # the hit compounds' wells, best first (Hits dock)
MIN_HEIGHT = 280  # px the dock takes at least when it opens: name, where, the call buttons, undo


def show_review_dock(viewer: napari.Viewer) -> Any:
    """Show the viewer's Review dock (the open one, if there is one)."""
    session = session_for(viewer)
    if session.review_dock is not None:
        return session.review_dock
    dock = open_dock(viewer, "Review", ReviewDock)
    if isinstance(dock, ReviewDock):
        QTimer.singleShot(0, dock.take_room)
    return dock


class ReviewDock(QWidget):
    """Dock widget for reviewing wells (npe2 widget contribution "Review")."""

    def __init__(self, viewer: napari.viewer.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        session = session_for(viewer)
        self.model = ReviewModel(session.browser)
        self.model.ask_reviewer = self._ask_reviewer
        layout = self._scrolled_body()
        self._build_calls(layout)
        self.form = CallForm(self.model.draft)
        _section(layout, "Tags, confidence, note", self.form.native)
        self._build_queue(_section(layout, "Queue and overview"))
        self._build_lists(layout)
        self._set_enabled(False)
        install_card_key(viewer)
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_INTERVAL_MS)
        self.poll_timer.timeout.connect(self.model.poll)
        model = self.model
        connect_while_alive(self, [
            (model.status, self._say),
            (model.store_ready, self._store_ready),
            (model.where_changed, self.where.setText),
            (model.history_changed, self._show_history),
            (model.agreement_changed, self.agreement.setText),
            (model.conflicts_changed, self._show_conflicts),
            (model.queue_position, self.queue_label.setText),
            (model.draft_loaded, self.form.load),
            (model.failure, notify),
            (session.browser.analysis_view.changed, self._fill_order),
            (session.browser.hits.changed, self._fill_order),
        ], on_destroyed=lambda: _forget(session, model))
        session.review, session.review_dock = model, self
        install_review_keys(viewer, session)

    def _scrolled_body(self) -> QVBoxLayout:
        """The layout the sections go in: inside a scroll area, so that the dock never asks for
        more height than the screen has (napari would grow the window past the screen)."""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        body = QWidget()
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll)
        return QVBoxLayout(body)

    def showEvent(self, event: Any) -> None:
        # as wide as the sections need: the scroll area only scrolls vertically
        body = self.scroll.widget()
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        self.scroll.setMinimumWidth(body.minimumSizeHint().width() + bar)
        super().showEvent(event)

    def take_room(self) -> None:
        """Ask the main window for the height the sections need, leaving the docks beside it
        (the Plate browser) the height they ask for: Qt would leave this dock a sliver."""
        column = dock_column(self)
        if column is None:
            return
        window, frame, others, total = column
        left = total - sum(d.sizeHint().height() for d in others)
        wanted = self.scroll.widget().sizeHint().height() + frame.height() - self.height()
        window.resizeDocks([frame], [min(wanted, max(MIN_HEIGHT, left))], Qt.Vertical)

    def _build_calls(self, layout: QVBoxLayout) -> None:
        options = self.model.options
        row = QHBoxLayout()
        self.reviewer_edit = QLineEdit(options.reviewer)
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
        for call, key in CALL_KEYS.items():
            button = QPushButton(f"{call.capitalize()} ({key})")
            button.setToolTip(f"call the well: {call} ({key})")
            button.setStyleSheet(f"border-bottom: 3px solid {CALL_COLORS[call]};")
            button.clicked.connect(lambda _=False, call=call: self.model.call(call))
            self.buttons[call] = button
            row.addWidget(button)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.undo_button = QPushButton("Undo (Ctrl+Z)")
        self.undo_button.setToolTip("undo your latest call on this well (a new event; the history keeps both)")
        self.undo_button.clicked.connect(lambda: self.model.undo())
        self.auto_advance = self._option_box("auto-advance", "after a call, open the next well", "auto_advance")
        self.card_button = QPushButton("Compound card (K)")
        self.card_button.setToolTip("the compound of this well: its dose series beside the controls, its curves, "
                                    "and a call on the compound")
        self.card_button.clicked.connect(lambda: show_compound_card(self.viewer))
        row.addWidget(self.undo_button)
        row.addWidget(self.card_button)
        row.addWidget(self.auto_advance)
        layout.addLayout(row)

    def _option_box(self, text: str, tip: str, option: str) -> QCheckBox:
        """A check box bound to one of the model's options."""
        box = QCheckBox(text)
        box.setToolTip(tip)
        box.setChecked(bool(getattr(self.model.options, option)))
        box.toggled.connect(lambda on: setattr(self.model.options, option, bool(on)))
        return box

    def _build_queue(self, layout: QVBoxLayout) -> None:
        row = QHBoxLayout()
        self.queue_box = QComboBox()
        self.queue_box.addItems(list(QUEUES))
        self.queue_box.setToolTip("which wells N / Shift+N (and auto-advance) step through")
        self.queue_box.currentTextChanged.connect(lambda name: setattr(self.model.options, "queue", name))
        self.queue_label = QLabel("")
        row.addWidget(QLabel("queue"))
        row.addWidget(self.queue_box, 1)
        row.addWidget(self.queue_label)
        layout.addLayout(row)
        self._build_order(layout)
        self.show_calls = self._option_box("calls on the overview", "a coloured frame per called well",
                                           "show_calls")
        layout.addWidget(self.show_calls)
        self.show_consensus = self._option_box(
            "show all reviewers (consensus)", "calls layer: the majority call of all reviewers per well, wells "
            "where reviewers disagree framed in magenta (instead of your own calls)", "consensus_view")
        layout.addWidget(self.show_consensus)

    def _build_order(self, layout: QVBoxLayout) -> None:
        """The queue's order: its own, or by a readout of the analysis (filled when results come)."""
        row = QHBoxLayout()
        self.order_box = QComboBox()
        self.order_box.setToolTip("walk the queue in its own order, by a readout of the plate's analysis, "
                                 "or by hit rank (the hit compounds' wells, best first)")
        self.order_box.currentIndexChanged.connect(self._order_chosen)
        self.descending_box = self._option_box("highest first", "order by the readout, highest value first "
                                               "(wells without a value come last either way)", "descending")
        row.addWidget(QLabel("order by"))
        row.addWidget(self.order_box, 1)
        row.addWidget(self.descending_box)
        layout.addLayout(row)
        self._fill_order()

    def _fill_order(self) -> None:
        """The readout columns of the results on screen, and hit rank once there are hits; the choice
        kept while it exists."""
        hits = self.model.ctrl.hits
        columns = readout_columns(self.model.ctrl.analysis_view.wells)
        ranked = bool(hits.ranked_compounds()) or (hits.busy and self.model.options.order_by == HIT_RANK)
        chosen = self.model.options.order_by if self.model.options.order_by in columns else QUEUE_ORDER
        chosen = HIT_RANK if ranked and self.model.options.order_by == HIT_RANK else chosen
        self.order_box.blockSignals(True)
        try:
            self.order_box.clear()
            self.order_box.addItem(ORDER_TEXT, QUEUE_ORDER)
            if ranked:
                self.order_box.addItem(HIT_RANK_TEXT, HIT_RANK)
            for column in columns:
                self.order_box.addItem(column, column)
            self.order_box.setCurrentIndex(max(0, self.order_box.findData(chosen)))
        finally:
            self.order_box.blockSignals(False)
        self.order_box.setEnabled(bool(columns) or ranked)
        self.model.options.order_by = chosen

    def _order_chosen(self, index: int) -> None:
        self.model.options.order_by = str(self.order_box.itemData(index) or QUEUE_ORDER)

    def _build_lists(self, layout: QVBoxLayout) -> None:
        self.status = QLabel("opening the annotation store…")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.history = QListWidget()
        self.history.setMaximumHeight(HISTORY_HEIGHT)
        _section(layout, "History of this well", self.history)
        reviewers = _section(layout, "Reviewers: agreement and conflicts")
        self.agreement = QLabel("")
        self.agreement.setWordWrap(True)
        reviewers.addWidget(self.agreement)
        self.conflicts_label = QLabel("conflicts (reviewers disagree): none")
        reviewers.addWidget(self.conflicts_label)
        self.conflicts = QListWidget()
        self.conflicts.setMaximumHeight(CONFLICTS_HEIGHT)
        self.conflicts.setToolTip("wells where reviewers' calls differ; click one to open it")
        self.conflicts.itemClicked.connect(self._conflict_chosen)
        self.conflicts.itemActivated.connect(self._conflict_chosen)
        reviewers.addWidget(self.conflicts)
        keys = QLabel(f"<small>{help_text(REVIEW_KEYS, ', ')}</small>")
        keys.setWordWrap(True)
        _section(layout, "Hotkeys (canvas focused)", keys, expanded=False)
        layout.addStretch(1)

    # ------------------------------------------------------------------ input

    def set_reviewer(self, name: str) -> None:
        """Use and remember this reviewer name."""
        name = (name or "").strip()
        if self.reviewer_edit.text() != name:
            self.reviewer_edit.setText(name)
        self.model.options.reviewer = name

    def _ask_reviewer(self) -> str:
        name, ok = QInputDialog.getText(self, "Reviewer", "Your name (saved with every call):")
        if ok and name.strip():
            self.reviewer_edit.setText(name.strip())
        return name.strip() if ok else ""

    def _conflict_chosen(self, item: Any) -> None:
        key = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if key:
            self.model.show_conflict(str(key))

    # ------------------------------------------------------------------ model -> widgets

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #ff8080;" if error else "")

    def _set_enabled(self, on: bool) -> None:
        for button in [*self.buttons.values(), self.undo_button]:
            button.setEnabled(on)

    def _store_ready(self, writable: bool) -> None:
        self._set_enabled(writable)
        if not self.poll_timer.isActive() and self.model.store is not None:
            self.poll_timer.start()

    def _show_history(self, lines: list[str]) -> None:
        self.history.clear()
        self.history.addItems(lines)
        self.history.scrollToBottom()

    def _show_conflicts(self, heading: str, entries: list[tuple[str, str]]) -> None:
        """One line per well where reviewers disagree (its data: the well key)."""
        self.conflicts.clear()
        for key, text in entries:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.conflicts.addItem(item)
        self.conflicts_label.setText(heading)


def _section(layout: QVBoxLayout, title: str, widget: QWidget | None = None, *,
             expanded: bool = True) -> QVBoxLayout:
    """A collapsible section (superqt) added to ``layout``, holding ``widget`` if given; its layout."""
    section = QCollapsible(title)
    section.setDuration(0)  # no animation: sections open as fast as the rest of napari
    inner = QWidget()
    inner_layout = QVBoxLayout(inner)
    inner_layout.setContentsMargins(0, 0, 0, 0)
    if widget is not None:
        inner_layout.addWidget(widget)
    section.addWidget(inner)
    section.layout().setContentsMargins(0, 0, 0, 0)
    if expanded:
        section.expand(animate=False)
    else:
        section.collapse(animate=False)
    layout.addWidget(section)
    return inner_layout


def _forget(session: Any, model: ReviewModel) -> None:
    """The dock is gone: stop its model and take it out of the session."""
    model.close()
    if session.review is model:
        session.review, session.review_dock = None, None
