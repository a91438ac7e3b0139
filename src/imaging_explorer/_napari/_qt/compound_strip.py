"""The compound card's strip: one button per well (a thumbnail, its dose or role, its name and
numbers), controls at the ends; clicking one opens the well in the viewer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from qtpy.QtCore import QSize, Qt
from qtpy.QtGui import QIcon, QImage, QPixmap
from qtpy.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QToolButton, QWidget

if TYPE_CHECKING:
    from ..browser.compound_card_data import CardWell

THUMB_SIDE = 80  # px on screen
BORDER = {"hit": "#2ecc71", "cytotoxic": "#e74c3c", "excluded": "#7f8c8d", "control": "#95a5a6"}


def pixmap_of(rgb: np.ndarray, side: int = THUMB_SIDE) -> QPixmap:
    """A QPixmap of an RGB (y, x, 3) uint8 image, scaled to ``side`` (nearest: pixels stay pixels)."""
    data = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    h, w = data.shape[:2]
    image = QImage(data.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # copy: owns its pixels
    return QPixmap.fromImage(image).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation)


def _placeholder(side: int = THUMB_SIDE) -> QPixmap:
    pix = QPixmap(side, side)
    pix.fill(Qt.GlobalColor.black)
    return pix


class WellStrip(QScrollArea):
    """The card's wells side by side (scrolls sideways when the dock is narrow)."""

    def __init__(self, open_well: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.open_well = open_well
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body = QWidget()
        self.row = QHBoxLayout(self.body)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)
        self.setWidget(self.body)
        self.buttons: dict[str, QToolButton] = {}

    def set_wells(self, wells: Sequence[CardWell], images: dict[str, np.ndarray] | None = None,
                  errors: dict[str, str] | None = None) -> None:
        """One button per well (thumbnails black until ``images`` has them)."""
        while self.row.count():
            item = self.row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        for well in wells:
            button = self._button(well, (errors or {}).get(well.key, ""))
            self.buttons[well.key] = button
            self.row.addWidget(button)
        self.row.addStretch(1)
        self.set_images(images or {})
        for button in self.buttons.values():
            button.ensurePolished()  # its style sheet's padding and border count in its size
        height = max((b.sizeHint().height() for b in self.buttons.values()), default=THUMB_SIDE)
        bar = self.horizontalScrollBar()
        self.setMinimumHeight(height + (bar.sizeHint().height() if bar is not None else 16) + 8)

    def _button(self, well: CardWell, error: str) -> QToolButton:
        button = QToolButton()
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        button.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the card
        button.setText(f"{well.label} · {well.name}\n{well.text}")
        tip = f"{well.name}: {well.label}\n{well.text}" + (f"\nno thumbnail: {error}" if error else "")
        button.setToolTip(tip + "\nclick: open the well")
        kind = "control" if well.role in ("neg_control", "pos_control") else well.call
        color = BORDER.get(kind, "")
        style = "QToolButton { font-size: 11px; padding: 2px; "
        style += f"border: 2px {'dashed' if kind == 'control' else 'solid'} {color}; }}" if color else "}"
        button.setStyleSheet(style)
        button.clicked.connect(lambda _=False, key=well.key: self.open_well(key))
        return button

    def set_images(self, images: dict[str, np.ndarray]) -> None:
        """Put the thumbnails in (a well without one stays black)."""
        for key, button in self.buttons.items():
            image = images.get(key)
            button.setIcon(QIcon(pixmap_of(image) if image is not None else _placeholder()))
