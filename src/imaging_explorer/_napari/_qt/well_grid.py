"""A compact well grid (rows x columns of the plate): click a well to open it.

Colours say which wells exist, are missing, failed to load, or are on screen; a later
feature colours wells by call or readout through :meth:`WellGrid.set_well_color`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qtpy.QtCore import Qt, Signal
from qtpy.QtGui import QBrush, QColor
from qtpy.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from imaging_explorer.plate import well_name

if TYPE_CHECKING:
    from imaging_explorer.plate import Plate

PRESENT = "#2f6690"
MISSING = "#5c2a2a"
FAILED = "#a0522d"
EMPTY = "#1e1e1e"
CELL_PX = 18


class WellGrid(QTableWidget):
    """One cell per plate position; emits ``well_clicked(key)`` for existing wells."""

    well_clicked = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._keys: dict[tuple[int, int], str] = {}
        self._cells: dict[str, tuple[int, int]] = {}
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setFocusPolicy(Qt.NoFocus)  # the canvas keeps the hotkeys
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.Fixed)
            header.setDefaultSectionSize(CELL_PX)
            header.setMinimumSectionSize(CELL_PX)
        self.cellClicked.connect(self._clicked)

    def set_plate(self, plate: Plate | None) -> None:
        self.clear()
        self._keys.clear()
        self._cells.clear()
        if plate is None:
            self.setRowCount(0)
            self.setColumnCount(0)
            return
        self.setRowCount(len(plate.rows))
        self.setColumnCount(len(plate.columns))
        self.setVerticalHeaderLabels(list(plate.rows))
        self.setHorizontalHeaderLabels(list(plate.columns))
        for r in range(len(plate.rows)):
            for c in range(len(plate.columns)):
                item = QTableWidgetItem("")
                item.setBackground(QBrush(QColor(EMPTY)))
                item.setFlags(Qt.ItemIsEnabled)
                self.setItem(r, c, item)
        for key, well in plate.wells.items():
            self._keys[(well.row_index, well.column_index)] = key
            self._cells[key] = (well.row_index, well.column_index)
            item = self.item(well.row_index, well.column_index)
            item.setBackground(QBrush(QColor(PRESENT)))
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
            item.setToolTip(f"{well.name}: {len(well.fields)} field(s)")
        header = self.horizontalHeader().sizeHint().height()
        height = min(420, 2 * self.frameWidth() + 8 + header + CELL_PX * len(plate.rows))
        self.setMinimumHeight(min(height, 120))
        self.setMaximumHeight(height)
        for key, reason in plate.missing_wells.items():
            r, _, c = key.partition("/")
            if r in plate.rows and c in plate.columns:
                item = self.item(plate.rows.index(r), plate.columns.index(c))
                item.setBackground(QBrush(QColor(MISSING)))
                item.setText("×")
                item.setTextAlignment(Qt.AlignCenter)
                item.setToolTip(f"{r}{c}: missing ({reason})")

    def set_well_color(self, key: str, color: str, tooltip: str | None = None) -> None:
        cell = self._cells.get(key)
        if cell is None:
            return
        item = self.item(*cell)
        item.setBackground(QBrush(QColor(color)))
        if tooltip is not None:
            item.setToolTip(tooltip)

    def mark_failed(self, key: str, reason: str) -> None:
        self.set_well_color(key, FAILED, f"{well_name(key)}: could not be loaded ({reason})")

    def select_well(self, key: str | None) -> None:
        self.blockSignals(True)
        try:
            self.clearSelection()
            cell = self._cells.get(key) if key else None
            if cell is not None:
                self.setCurrentCell(*cell)
        finally:
            self.blockSignals(False)

    def _clicked(self, row: int, column: int) -> None:
        key = self._keys.get((row, column))
        if key is not None:
            self.well_clicked.emit(key)
