"""The compound card's calls: everyone's calls on the compound and their consensus, its history,
the hit / candidate / reject / unsure buttons and undo.

Calls go through the Review dock's store and reviewer (:class:`~..review.compound_calls.CompoundCalls`
on the viewer's review). The panel follows the review: when the Review dock closes, the buttons
are disabled and the panel offers to open it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qtpy.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..keys import KeyBinding
from ..review.calls_layer import CALL_COLORS
from ..review.compound_calls import CompoundCalls

HISTORY_LINES = 3  # the newest events of the compound shown
NO_REVIEW = "calls: open the Review dock to call compounds (it holds your reviewer name and the annotation store)"


class CallsPanel(QWidget):
    """Calls on the card's compound (``session``: the viewer's; ``open_review``: opens the Review dock)."""

    def __init__(self, session: Any, bindings: tuple[KeyBinding, ...], open_review: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.compound: str | None = None
        self.calls: CompoundCalls | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>Compound call</b>")
        heading.setToolTip("calls on the compound as a whole, stored with their history like calls on wells")
        layout.addWidget(heading)
        self.calls_label = QLabel("")
        self.calls_label.setWordWrap(True)
        layout.addWidget(self.calls_label)
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for i, binding in enumerate(bindings):
            button = QPushButton(f"{binding.action.capitalize()} ({binding.key})")
            button.setToolTip(f"{binding.description} ({binding.key}, card focused)")
            button.setStyleSheet(f"border-bottom: 3px solid {CALL_COLORS[binding.action]};")
            button.clicked.connect(lambda _=False, call=binding.action: self.call(call))
            self.buttons[binding.action] = button
            grid.addWidget(button, i // 2, i % 2)
        self.undo_button = QPushButton("Undo (Ctrl+Z)")
        self.undo_button.setToolTip("undo your latest call on this compound (a new event; the history keeps both)")
        self.undo_button.clicked.connect(lambda: self.undo())
        grid.addWidget(self.undo_button, 2, 0)
        self.review_button = QPushButton("Open Review dock")
        self.review_button.setToolTip("compound calls go to the Review dock's annotation store, with its reviewer")
        self.review_button.clicked.connect(lambda: open_review())
        grid.addWidget(self.review_button, 2, 1)
        layout.addLayout(grid)
        self.history = QLabel("")
        self.history.setWordWrap(True)
        self.history.setStyleSheet("font-size: 11px;")
        layout.addWidget(self.history)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def say(self, text: str, error: bool = False) -> None:
        """The status line."""
        self.status.setText(text)
        self.status.setStyleSheet("color: #ff8080;" if error else "")

    def show_compound(self, compound: str | None) -> None:
        """The card shows ``compound``: its calls are read (in a worker)."""
        self.compound = compound
        if self.calls is not None:
            self.calls.show(compound)
        self.refresh_view()

    def bind_review(self) -> None:
        """Follow the viewer's review (the Review dock may open or close while the card is open)."""
        review = self.session.review
        if self.calls is not None and self.calls.review is review:
            return
        self.unbind()
        if review is not None:
            self.calls = CompoundCalls(review)
            self.calls.changed.connect(self.refresh_view)
            self.calls.status.connect(self.say)
            self.calls.show(self.compound)
        self.refresh_view()

    def unbind(self) -> None:
        """Stop following the review (the card closes, or the review is gone)."""
        calls, self.calls = self.calls, None
        if calls is not None:
            calls.changed.disconnect(self.refresh_view)
            calls.status.disconnect(self.say)
            calls.close()

    def poll(self) -> None:
        """Follow the review, and ask the store whether others called compounds."""
        self.bind_review()
        if self.calls is not None:
            self.calls.poll()
        self.refresh_view()

    def call(self, call: str) -> bool:
        """Call the compound on the card (hit, candidate, reject, unsure)."""
        self.bind_review()
        if self.calls is None:
            self.say("open the Review dock to call compounds", error=True)
            return False
        return self.calls.call(call)

    def undo(self) -> bool:
        """Undo your latest call on the compound on the card."""
        self.bind_review()
        if self.calls is None:
            self.say("open the Review dock to call compounds", error=True)
            return False
        return self.calls.undo()

    def refresh_view(self) -> None:
        """Buttons, calls, consensus and history from the model."""
        calls = self.calls
        review = calls.review if calls is not None else None
        store = review.store if review is not None and not review.closed else None
        writable = store is not None and not store.read_only and self.compound is not None
        for button in [*self.buttons.values(), self.undo_button]:
            button.setEnabled(writable)
        self.review_button.setVisible(calls is None)
        if calls is None:
            self.calls_label.setText(NO_REVIEW)
            self.history.setText("")
            return
        self.calls_label.setText(calls.calls_text() if self.compound is not None else "")
        lines = calls.history_lines()[-HISTORY_LINES:]
        self.history.setText("<br>".join(lines) if lines else "no calls on this compound yet")
