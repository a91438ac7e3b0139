"""The dock's problems list: "12 wells cannot be read ▸", unfolding into one line per problem
(well: reason). Hidden while nothing is wrong; the text can be selected and copied."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qtpy.QtWidgets import QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from ..browser.problems import summary

if TYPE_CHECKING:
    from ..browser.problems import Problem

MAX_LINES_SHOWN = 12  # the list's height; more scroll


class ProblemsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setStyleSheet("QToolButton { border: none; color: #ffb060; text-align: left; }")
        self.toggle.toggled.connect(self._toggled)
        self.list = QPlainTextEdit()
        self.list.setReadOnly(True)
        self.list.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.list.setVisible(False)
        layout.addWidget(self.toggle)
        layout.addWidget(self.list)
        self.lines: list[str] = []
        self.setVisible(False)

    def set_problems(self, problems: list[Problem]) -> None:
        self.lines = [p.text for p in problems]
        self._summary = summary(problems)
        self.list.setPlainText("\n".join(self.lines))
        height = self.list.fontMetrics().lineSpacing() * min(len(self.lines), MAX_LINES_SHOWN) + 12
        self.list.setFixedHeight(height)
        self.setVisible(bool(problems))
        self._toggled(self.toggle.isChecked())

    def _toggled(self, shown: bool) -> None:
        self.toggle.setText(f"⚠ {getattr(self, '_summary', '')} {'▾' if shown else '▸'}")
        self.list.setVisible(shown and bool(self.lines))
