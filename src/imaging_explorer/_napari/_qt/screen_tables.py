"""The Screen dock's two tables: the plates' QC (failing plates coloured) and the hits across plates.

Both are plain views of :class:`~imaging_explorer.screen.Screen` tables: a row chosen (clicked,
double-clicked or Enter) is told through ``chosen(row)``; the dock decides what opens.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import Qt, Signal
from qtpy.QtGui import QBrush, QColor
from qtpy.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

if TYPE_CHECKING:
    import pandas as pd

QC_COLUMNS = ("plate", "status", "Z′", "robust Z′", "CV % neg / pos", "hits")
QC_TIPS = ("the plate's name; click: open it", "ok, failed QC (Z′ below 0.5), not analysed, or why it cannot be used",
           "Z′ of the controls (Zhang et al. 1999; at least 0.5 passes)", "Z′ from medians and MADs",
           "coefficient of variation of the negative and positive controls", "hit wells")
HIT_COLUMNS = ("#", "plate", "well", "compound", "activity %")
HIT_TIPS = ("rank over the whole screen (plates that passed QC)", "plate", "well", "compound id (plate map)",
            "activity of the well (% of the controls' window)")
FAILED_COLOR = QColor(200, 40, 40, 110)  # failed QC: red, readable on napari's dark and light themes
ERROR_COLOR = QColor(230, 140, 0, 110)  # cannot be used: orange
MUTED_COLOR = QColor(128, 128, 128)  # not analysed: grey text


def number(value: Any, fmt: str = ".2f") -> str:
    """A table cell for a number: "" for missing or not finite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return format(v, fmt) if math.isfinite(v) else ""


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


def qc_rows(qc: pd.DataFrame) -> tuple[list[list[str]], list[QColor | None], list[QColor | None]]:
    """The QC table's texts, backgrounds (failed: red, error: orange) and text colours (grey: not analysed)."""
    rows, back, fore = [], [], []
    for _, row in qc.iterrows():
        status = str(row["status"])
        neg, pos = number(row["neg_cv"] * 100, ".0f"), number(row["pos_cv"] * 100, ".0f")
        cv = f"{neg} / {pos}" if neg or pos else ""
        rows.append([str(row["plate"]), status, number(row["z_prime"]), number(row["robust_z_prime"]), cv,
                     number(row.get("hit_wells"), ".0f")])
        back.append(ERROR_COLOR if status.startswith("error") else FAILED_COLOR if status.startswith("failed") else None)
        fore.append(MUTED_COLOR if status == "not analysed" else None)
    return rows, back, fore


def hit_rows(hits: pd.DataFrame) -> list[list[str]]:
    """The hit list's texts: rank, plate, well ("C07" as written), compound, activity."""
    out = []
    for _, row in hits.iterrows():
        out.append([str(row["screen_rank"]), str(row["plate"]), str(row["well"]).replace("/", ""),
                    str(row.get("compound_id", "")), number(row.get("activity_pct"), ".1f")])
    return out

