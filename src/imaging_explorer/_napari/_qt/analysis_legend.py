"""The heatmap's legend: the readout's name, a gradient of the colormap, its min and max values."""

from __future__ import annotations

import numpy as np
from qtpy.QtGui import QImage, QPixmap
from qtpy.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

GRADIENT_SIZE = (160, 12)  # px (width, height)


def gradient_pixmap(colormap: str, size: tuple[int, int] = GRADIENT_SIZE) -> QPixmap:
    """The colormap from low (left) to high (right)."""
    from napari.utils.colormaps import ensure_colormap

    width, height = size
    rgba = ensure_colormap(colormap).map(np.linspace(0.0, 1.0, width))
    row = (np.clip(rgba, 0, 1) * 255).astype(np.uint8)
    image = np.ascontiguousarray(np.repeat(row[np.newaxis], height, axis=0))
    qimage = QImage(image.tobytes(), width, height, 4 * width, QImage.Format.Format_RGBA8888)
    return QPixmap.fromImage(qimage.copy())  # copy: QImage does not own the bytes


class HeatmapLegend(QWidget):
    """"infected_fraction", then min [gradient] max."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.low, self.high = QLabel(""), QLabel("")
        self.bar = QLabel()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.low, self.bar, self.high):
            row.addWidget(widget)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(row)
        self._colormap = ""

    def show_range(self, readout: str, colormap: str, limits: tuple[float, float] | None) -> None:
        """The legend of ``readout``; no limits: no values yet."""
        if colormap != self._colormap:
            self.bar.setPixmap(gradient_pixmap(colormap))
            self._colormap = colormap
        self.title.setText(readout if limits is not None else f"{readout}: no values yet")
        self.low.setText(f"{limits[0]:.4g}" if limits is not None else "")
        self.high.setText(f"{limits[1]:.4g}" if limits is not None else "")
