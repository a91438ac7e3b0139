"""A read-only table whose rows are chosen: double-click or Enter emits ``chosen(row)``.

The Hits dock's compounds and the Screen dock's plates and hits are such tables.
"""

from __future__ import annotations

import math
from typing import Any

from qtpy.QtCore import Qt, Signal
from qtpy.QtGui import QBrush, QColor
from qtpy.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

__all__ = ["ChoiceTable", "cell_number"]


def cell_number(value: Any, fmt: str = ".2f", missing: str = "") -> str:
    """A table cell for a number; ``missing`` for none, NA or not finite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return missing
    return format(v, fmt) if math.isfinite(v) else missing


class ChoiceTable(QTableWidget):
    """A read-only table of rows; double-click or Enter on a row emits ``chosen(row)``."""

    chosen = Signal(int)

    def __init__(self, columns: tuple[str, ...], tips: tuple[str, ...], stretch: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(0, len(columns), parent)
        for c, (name, tip) in enumerate(zip(columns, tips)):
            item = QTableWidgetItem(name)
            item.setToolTip(tip)
            self.setHorizontalHeaderItem(c, item)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setMinimumSectionSize(24)
        if stretch is not None:  # this column takes the room left (its text elided, whole in its tip)
            header.setSectionResizeMode(stretch, QHeaderView.Stretch)
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self._stretch = stretch
        self.cellDoubleClicked.connect(lambda row, _col: self.chosen.emit(row))

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.currentRow() >= 0:
            self.chosen.emit(self.currentRow())
            return
        super().keyPressEvent(event)

    def fill(self, rows: list[list[str]], right_aligned: set[int], background: list[QColor | None] | None = None,
             foreground: list[QColor | None] | None = None) -> None:
        """Replace the rows (texts per column), keeping the selected row where it was."""
        current = self.currentRow()
        self.setUpdatesEnabled(False)
        try:
            self.setRowCount(len(rows))
            for r, texts in enumerate(rows):
                for c, text in enumerate(texts):
                    item = QTableWidgetItem(text)
                    if c == self._stretch:
                        item.setToolTip(text)
                    if c in right_aligned:
                        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                    if background is not None and background[r] is not None:
                        item.setBackground(QBrush(background[r]))
                    if foreground is not None and foreground[r] is not None:
                        item.setForeground(QBrush(foreground[r]))
                    self.setItem(r, c, item)
            if 0 <= current < len(rows):
                self.selectRow(current)
        finally:
            self.setUpdatesEnabled(True)
