"""A compact well grid (rows x columns of the plate): click a well to open it.

Colours say which wells exist, are missing, failed to load, or are on screen; a later
feature colours wells by call or readout through :meth:`WellGrid.set_well_color`.

The grid is painted, not a table: its cells shrink to the room the dock gives it (a 1536-well
plate becomes a grid of small squares, never a scroll area). Cell text shows only when cells are
big enough, and the row / column headers label every n-th row or column so that they stay
readable; the current well is framed and its row and column names are bold.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from qtpy.QtCore import QEvent, QPoint, QRectF, QSize, Qt, Signal
from qtpy.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from qtpy.QtWidgets import QSizePolicy, QToolTip, QWidget

from imaging_explorer.plate import well_name

if TYPE_CHECKING:
    from qtpy.QtGui import QMouseEvent, QPaintEvent, QResizeEvent

    from imaging_explorer.plate import Plate

PRESENT = "#2f6690"
MISSING = "#5c2a2a"
FAILED = "#a0522d"
EMPTY = "#1e1e1e"
CURRENT = "#ffd166"  # frame of the well on screen
HEADER_TEXT = "#c8c8c8"
CELL_PX = 18  # preferred cell size when there is room
MAX_CELL_PX = 24
MIN_CELL_PX = 3  # smallest cell the grid asks for (a 1536 plate in a narrow dock)
TEXT_MIN_PX = 12  # below this cell size the "×" of missing wells is not drawn
GAP_MIN_PX = 6  # below this cell size cells touch (no 1 px gap between them)
PREFERRED_WIDTH = 380  # the width the grid asks for at most: cells shrink to fit it
LABEL_STEPS = (1, 2, 3, 4, 6, 8, 12, 16, 24)


class WellGrid(QWidget):
    """One cell per plate position; emits ``well_clicked(key)`` for existing wells."""

    well_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[str] = []
        self._columns: list[str] = []
        self._keys: dict[tuple[int, int], str] = {}
        self._cells: dict[str, tuple[int, int]] = {}
        self._colors: dict[tuple[int, int], QColor] = {}
        self._tips: dict[tuple[int, int], str] = {}
        self._missing: set[tuple[int, int]] = set()
        self._current: tuple[int, int] | None = None
        self._hint_width = 0
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        self._font = font
        self.setFocusPolicy(Qt.NoFocus)  # the canvas keeps the hotkeys
        self.setMouseTracking(False)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)

    # ------------------------------------------------------------------ public

    def set_plate(self, plate: Plate | None) -> None:
        self._keys.clear()
        self._cells.clear()
        self._colors.clear()
        self._tips.clear()
        self._missing.clear()
        self._current = None
        self._rows = list(plate.rows) if plate is not None else []
        self._columns = list(plate.columns) if plate is not None else []
        if plate is not None:
            for key, well in plate.wells.items():
                cell = (well.row_index, well.column_index)
                self._keys[cell] = key
                self._cells[key] = cell
                self._colors[cell] = QColor(PRESENT)
                self._tips[cell] = f"{well.name}: {len(well.fields)} field(s)"
            for key, reason in plate.missing_wells.items():
                r, _, c = key.partition("/")
                if r in self._rows and c in self._columns:
                    cell = (self._rows.index(r), self._columns.index(c))
                    self._colors[cell] = QColor(MISSING)
                    self._tips[cell] = f"{r}{c}: missing ({reason})"
                    self._missing.add(cell)
        self.updateGeometry()
        self.update()

    def set_well_color(self, key: str, color: str, tooltip: str | None = None) -> None:
        cell = self._cells.get(key)
        if cell is None:
            return
        self._colors[cell] = QColor(color)
        if tooltip is not None:
            self._tips[cell] = tooltip
        self.update()

    def well_color(self, key: str) -> str | None:
        """The colour a well's cell is painted in (``#rrggbb``), None for an unknown well."""
        cell = self._cells.get(key)
        return self._colors[cell].name() if cell is not None else None

    def mark_failed(self, key: str, reason: str) -> None:
        self.set_well_color(key, FAILED, f"{well_name(key)}: could not be loaded ({reason})")

    def select_well(self, key: str | None) -> None:
        """Frame the well on screen (None: no well)."""
        self._current = self._cells.get(key) if key else None
        self.update()

    @property
    def current_well(self) -> str | None:
        return self._keys.get(self._current) if self._current is not None else None

    # ------------------------------------------------------------------ geometry

    def header_size(self) -> tuple[int, int]:
        """(width of the row names, height of the column names) in pixels."""
        fm = QFontMetrics(self._font)
        longest = max((fm.horizontalAdvance(r) for r in self._rows), default=0)
        return longest + 6, fm.height() + 2

    def cell_size(self) -> float:
        """Side of one (square) cell at the widget's current size."""
        return self._cell_for(self.width(), self.height())

    def _cell_for(self, width: float, height: float) -> float:
        if not self._rows or not self._columns:
            return 0.0
        hw, hh = self.header_size()
        side = min((width - hw) / len(self._columns), (height - hh) / len(self._rows))
        return max(1.0, min(float(MAX_CELL_PX), side))

    def cell_rect(self, row: int, column: int) -> QRectF:
        """Where a cell is painted, in widget coordinates."""
        hw, hh = self.header_size()
        side = self.cell_size()
        return QRectF(hw + column * side, hh + row * side, side, side)

    def well_rect(self, key: str) -> QRectF | None:
        cell = self._cells.get(key)
        return self.cell_rect(*cell) if cell is not None else None

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        """The (row, column) under a point, None outside the cells."""
        hw, hh = self.header_size()
        side = self.cell_size()
        if side <= 0:
            return None
        r, c = math.floor((pos.y() - hh) / side), math.floor((pos.x() - hw) / side)
        if 0 <= r < len(self._rows) and 0 <= c < len(self._columns):
            return r, c
        return None

    def text_shown(self) -> bool:
        """Whether cells are big enough to carry text (the "×" of missing wells)."""
        return self.cell_size() >= TEXT_MIN_PX

    def sizeHint(self) -> QSize:
        if not self._rows or not self._columns:
            return QSize(PREFERRED_WIDTH // 2, 0)
        hw, hh = self.header_size()
        n_rows, n_cols = len(self._rows), len(self._columns)
        # square cells as big as the width allows (at most CELL_PX): the grid asks for no
        # more height than its cells need at the dock's width, and never widens the dock
        def side(width: float) -> float:
            return max(MIN_CELL_PX, min(CELL_PX, (width - hw) / n_cols))

        width = min(PREFERRED_WIDTH, hw + n_cols * side(PREFERRED_WIDTH))
        height = hh + n_rows * side(self._hint_width or PREFERRED_WIDTH)
        return QSize(math.ceil(width), math.ceil(height) + 1)

    def minimumSizeHint(self) -> QSize:
        hw, hh = self.header_size()
        return QSize(hw + MIN_CELL_PX * len(self._columns), hh + MIN_CELL_PX * len(self._rows))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != self._hint_width:
            self._hint_width = event.size().width()
            self.updateGeometry()  # the height the grid asks for follows its width

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._rows or not self._columns:
            return
        painter = QPainter(self)
        try:
            side = self.cell_size()
            self._paint_cells(painter, side)
            self._paint_headers(painter, side)
            if self._current is not None:
                rect = self.cell_rect(*self._current)
                grow = 1.0 if side >= GAP_MIN_PX else 2.0  # a small cell gets a frame outside it
                painter.setPen(QPen(QColor(CURRENT), 2))
                painter.setBrush(Qt.NoBrush)
                painter.drawRect(rect.adjusted(-grow + 1, -grow + 1, grow - 1, grow - 1))
        finally:
            painter.end()

    def _paint_cells(self, painter: QPainter, side: float) -> None:
        gap = 1.0 if side >= GAP_MIN_PX else 0.0
        painter.setPen(Qt.NoPen)
        empty = QColor(EMPTY)
        for r in range(len(self._rows)):
            for c in range(len(self._columns)):
                painter.setBrush(self._colors.get((r, c), empty))
                painter.drawRect(self.cell_rect(r, c).adjusted(0, 0, -gap, -gap))
        if side >= TEXT_MIN_PX and self._missing:
            painter.setPen(QColor(HEADER_TEXT))
            painter.setFont(self._font)
            for cell in self._missing:
                painter.drawText(self.cell_rect(*cell), Qt.AlignCenter, "×")

    def _paint_headers(self, painter: QPainter, side: float) -> None:
        """Row and column names, every n-th one when the cells are narrower than the names."""
        hw, hh = self.header_size()
        fm = QFontMetrics(self._font)
        bold = QFont(self._font)
        bold.setBold(True)
        cur_r, cur_c = self._current if self._current is not None else (-1, -1)
        col_px = max(fm.horizontalAdvance(c) for c in self._columns) + 3
        col_step, row_step = _label_step(col_px, side), _label_step(fm.height(), side)
        painter.setPen(QColor(HEADER_TEXT))
        for c, name in enumerate(self._columns):
            if _labelled(c, cur_c, col_step, col_px, side):
                painter.setFont(bold if c == cur_c else self._font)
                x = hw + (c + 0.5) * side
                painter.drawText(QRectF(x - 20, 0, 40, hh), Qt.AlignCenter, name)
        for r, name in enumerate(self._rows):
            if _labelled(r, cur_r, row_step, fm.height(), side):
                painter.setFont(bold if r == cur_r else self._font)
                y = hh + (r + 0.5) * side
                painter.drawText(QRectF(0, y - fm.height() / 2, hw - 3, fm.height()),
                                 Qt.AlignRight | Qt.AlignVCenter, name)

    # ------------------------------------------------------------------ input

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.pos()) if event.button() == Qt.LeftButton else None
        if cell is None:
            super().mousePressEvent(event)
            return
        self._clicked(*cell)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.ToolTip:
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                name = f"{self._rows[cell[0]]}{self._columns[cell[1]]}"
                QToolTip.showText(event.globalPos(), self._tips.get(cell, f"{name}: no well"), self)
            return True
        return super().event(event)

    def _clicked(self, row: int, column: int) -> None:
        key = self._keys.get((row, column))
        if key is not None:
            self.well_clicked.emit(key)


def _labelled(i: int, current: int, step: int, label_px: float, side: float) -> bool:
    """Whether row / column ``i`` gets its name: every ``step``-th, and the current one
    (whose neighbours then give way so that the names do not overlap)."""
    if i == current:
        return True
    return i % step == 0 and (current < 0 or abs(i - current) * side >= label_px)


def _label_step(label_px: float, side: float) -> int:
    """Label every n-th row or column so that the labels do not overlap."""
    for step in LABEL_STEPS:
        if step * side >= label_px:
            return step
    return LABEL_STEPS[-1]
