"""Channel rows of the Plate browser: visibility, colour, contrast limits and gamma for
the whole plate (every well and the overview), with a reset to the file's values.

The rows edit :class:`~imaging_explorer.channel_settings.ChannelSettings` and follow its
``changed`` signal, so edits made in napari's layer controls show up here as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qtpy.QtCore import Qt, QTimer
from qtpy.QtGui import QColor
from qtpy.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)
from superqt import QDoubleRangeSlider

from ..docks import notify
from .signals import connect_while_alive

if TYPE_CHECKING:
    from imaging_explorer.channel_settings import ChannelSettings
    from imaging_explorer.plate import Plate


def _range_of(plate: Plate, name: str) -> tuple[float, float]:
    for well in plate.wells.values():
        for fld in well.fields:
            for ch in fld.channels:
                if ch.name == name and ch.limits and ch.limits[0] < ch.limits[1]:
                    return float(ch.limits[0]), float(ch.limits[1])
    return 0.0, 65535.0


class ChannelRow:
    """The widgets of one channel in the grid layout."""

    def __init__(self, panel: ChannelPanel, name: str, row: int) -> None:
        self.panel, self.name = panel, name
        self.visible = QCheckBox(name)
        self.color = QPushButton()
        self.color.setFixedWidth(28)
        self.color.setToolTip(f"colour of {name}")
        self.limits = QDoubleRangeSlider(Qt.Horizontal)
        self.limits.setRange(*_range_of(panel.plate, name))
        self.limits_text = QLabel("auto")
        self.limits_text.setMinimumWidth(80)
        self.limits.setToolTip(f"contrast limits of {name} (whole plate)")
        self.gamma = QDoubleSpinBox()
        self.gamma.setRange(0.1, 5.0)
        self.gamma.setSingleStep(0.1)
        self.gamma.setToolTip("gamma")
        layout = panel.grid
        for col, widget in enumerate((self.visible, self.color, self.limits, self.limits_text, self.gamma)):
            layout.addWidget(widget, row, col)
        self.timer = QTimer(panel)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)  # a slider drag saves once
        self.refresh()
        self.visible.toggled.connect(lambda on: self._update(visible=bool(on)))
        self.color.clicked.connect(self._pick_color)
        self.limits.valueChanged.connect(self._limits_moved)
        self.timer.timeout.connect(lambda: self._update(contrast_limits=tuple(self.limits.value())))
        self.gamma.valueChanged.connect(lambda g: self._update(gamma=float(g)))

    def _limits_moved(self, value: tuple[float, float]) -> None:
        self.limits_text.setText(f"{value[0]:g}–{value[1]:g}")
        self.timer.start()

    def _update(self, **changes) -> None:
        try:
            self.panel.settings.update(self.name, **changes)
        except (ValueError, OSError) as e:
            notify("warning", str(e))

    def refresh(self) -> None:
        s = self.panel.settings.get(self.name)
        for w in (self.visible, self.limits, self.gamma):
            w.blockSignals(True)
        try:
            self.visible.setChecked(s.visible)
            self.color.setStyleSheet(f"background-color: #{s.color};")
            if s.contrast_limits is not None:
                lo, hi = s.contrast_limits
                if lo < self.limits.minimum() or hi > self.limits.maximum():
                    self.limits.setRange(min(lo, self.limits.minimum()), max(hi, self.limits.maximum()))
                self.limits.setValue((lo, hi))
                self.limits_text.setText(f"{lo:g}–{hi:g}")
            self.gamma.setValue(s.gamma)
        finally:
            for w in (self.visible, self.limits, self.gamma):
                w.blockSignals(False)

    def _pick_color(self) -> None:
        current = QColor(f"#{self.panel.settings.get(self.name).color}")
        color = QColorDialog.getColor(current, self.panel, f"Colour of {self.name}")
        if color.isValid():
            self._update(color=color.name()[1:].upper())


class ChannelPanel(QWidget):
    """Rows for every channel of a plate and a "Reset to file" button."""

    def __init__(self, plate: Plate, settings: ChannelSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plate, self.settings = plate, settings
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.addWidget(QLabel("<b>Channels</b> (whole plate)"), 0, 0, 1, 5)
        self.rows = {name: ChannelRow(self, name, i + 1) for i, name in enumerate(settings.names)}
        self.reset_button = QPushButton("Reset to file")
        self.reset_button.setToolTip("back to the colours and contrast of the plate's omero metadata")
        self.reset_button.clicked.connect(settings.reset)
        self.grid.addWidget(self.reset_button, len(self.rows) + 1, 0, 1, 5)
        connect_while_alive(self, [(settings.changed, self._changed)])

    def _changed(self, name: str) -> None:
        row = self.rows.get(name)
        if row is not None:
            try:
                row.refresh()
            except RuntimeError:  # the widget is being deleted
                pass

