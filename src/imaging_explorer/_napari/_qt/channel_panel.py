"""Channel rows of the Plate browser: visibility, colour, contrast limits, an auto-contrast
button and gamma for the whole plate (every well and the overview), with a reset to the
file's values and a note where what is shown is not the file's (auto contrast, colours).

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
    """The file's window min/max, or the uint16 range (until the data's range is known)."""
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
        self.auto = QPushButton("auto")
        self.auto.setToolTip(f"contrast of {name} from the plate's thumbnails (0.5–99.9 percentiles)")
        layout = panel.grid
        widgets = (self.visible, self.color, self.limits, self.limits_text, self.auto, self.gamma)
        for col, widget in enumerate(widgets):
            layout.addWidget(widget, row, col)
        self.timer = QTimer(panel)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)  # a slider drag saves once
        self.refresh()
        self.visible.toggled.connect(lambda on: self._update(visible=bool(on)))
        self.color.clicked.connect(self._pick_color)
        self.limits.valueChanged.connect(self._limits_moved)
        self.auto.clicked.connect(lambda: self._update(contrast_limits=None))  # None: the thumbnails' window
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
            self.visible.setToolTip(s.note)
            if s.data_range is not None:  # the data's range, not the dtype's: the slider is usable
                rlo, rhi = s.data_range
            else:
                rlo, rhi = self.limits.minimum(), self.limits.maximum()
            if s.contrast_limits is not None:
                lo, hi = s.contrast_limits
                rlo, rhi = min(lo, rlo), max(hi, rhi)
            if (rlo, rhi) != (self.limits.minimum(), self.limits.maximum()):
                self.limits.setRange(rlo, rhi)
            if s.contrast_limits is not None:
                self.limits.setValue((lo, hi))
                self.limits_text.setText(f"{lo:g}–{hi:g}")
            else:
                self.limits_text.setText("auto")
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
        self.grid.addWidget(QLabel("<b>Channels</b> (whole plate)"), 0, 0, 1, 6)
        self.rows = {name: ChannelRow(self, name, i + 1) for i, name in enumerate(settings.names)}
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.grid.addWidget(self.note, len(self.rows) + 1, 0, 1, 6)
        self.reset_button = QPushButton("Reset to file")
        self.reset_button.setToolTip("back to the colours and contrast of the plate's omero metadata")
        self.reset_button.clicked.connect(settings.reset)
        self.grid.addWidget(self.reset_button, len(self.rows) + 2, 0, 1, 6)
        self._show_note()
        connect_while_alive(self, [(settings.changed, self._changed)])

    def _changed(self, name: str) -> None:
        row = self.rows.get(name)
        if row is not None:
            try:
                row.refresh()
                self._show_note()
            except RuntimeError:  # the widget is being deleted
                pass

    def _show_note(self) -> None:
        """One line per note ("auto contrast: ...") with the channels it holds for."""
        notes: dict[str, list[str]] = {}
        for name in self.rows:
            note = self.settings.get(name).note
            for part in note.split("; ") if note else ():
                notes.setdefault(part, []).append(name)
        self.note.setText("\n".join(f"{part} ({', '.join(names)})" for part, names in notes.items()))
        self.note.setVisible(bool(notes))

