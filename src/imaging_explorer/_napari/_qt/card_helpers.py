"""Qt helpers of the compound card: its keys, where it docks, who gets the keyboard."""

from __future__ import annotations

import contextlib
from typing import Any

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QDockWidget, QMainWindow, QWidget

from ..keys import KeyBinding
from .dock_room import dock_frame, docked

CARD_KEYS = (
    KeyBinding("H", "hit", "call the compound: hit"),
    KeyBinding("C", "candidate", "call the compound: candidate"),
    KeyBinding("R", "reject", "call the compound: reject"),
    KeyBinding("U", "unsure", "call the compound: unsure"),
    KeyBinding("Control-Z", "undo", "undo your latest call on the compound"),
    KeyBinding("N", "next", "next compound in hit-rank order"),
    KeyBinding("Shift-N", "previous", "previous compound in hit-rank order"),
)
OPEN_KEY = KeyBinding("K", "compound_card", "compound card of the well on screen (or of the top hit)")


def to_bottom(widget: QWidget) -> None:
    """Dock the card below the canvas (napari docks ours on the right, too narrow for the strip)."""
    found = docked(widget)
    if found is not None:
        found[0].addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, found[1])


def focus_canvas(widget: QWidget) -> None:
    """Give the keyboard to napari's canvas (its QtViewer, in the main window's central widget)."""
    frame = dock_frame(widget)
    window = frame.parent() if frame is not None else None
    central = window.centralWidget() if isinstance(window, QMainWindow) else None
    found = [w for w in central.findChildren(QWidget) if type(w).__name__ == "QtViewer"] if central else []
    if found:
        found[0].setFocus()


def disconnect(signal: Any, slot: Any) -> None:
    with contextlib.suppress(Exception):  # already gone
        signal.disconnect(slot)


def _int(value: Any) -> int:
    """An enum member or number as int (PyQt6's enums are not ints)."""
    return int(getattr(value, "value", value))


def key_name(event: Any) -> str:
    """napari's name of a key press ("H", "Shift-N", "Control-Z"); "" for other keys."""
    key = _int(event.key())
    if not _int(Qt.Key.Key_A) <= key <= _int(Qt.Key.Key_Z):
        return ""
    mods, name = event.modifiers(), chr(key)
    if mods & Qt.KeyboardModifier.ControlModifier:
        name = f"Control-{name}"
    if mods & Qt.KeyboardModifier.ShiftModifier:
        name = f"Shift-{name}"
    return name


def take_room(widget: QWidget, height: int) -> None:
    """Ask the main window to give the (docked) widget's dock ``height`` px (Qt leaves a new dock a sliver)."""
    with contextlib.suppress(RuntimeError):  # the card closed before this ran
        found = docked(widget)
        if found is None:
            return
        window, frame = found
        window.resizeDocks([frame], [height], Qt.Orientation.Vertical)
        if frame.height() < height and _stack_side_docks(window):
            window.resizeDocks([frame], [height], Qt.Orientation.Vertical)


def _stack_side_docks(window: QMainWindow) -> bool:
    """The bottom dock spans the window: the right-hand docks above it, each at its minimum
    height, can leave it a sliver. Make the two tallest of them tabs of one (the one in use
    stays in front); False when there is nothing to stack."""
    side = [d for d in window.findChildren(QDockWidget)
            if d.isVisible() and not d.isFloating() and not window.tabifiedDockWidgets(d)
            and window.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea]
    if len(side) < 3:
        return False
    first, second = sorted(side, key=lambda d: d.minimumSizeHint().height(), reverse=True)[:2]
    window.tabifyDockWidget(first, second)
    second.raise_()
    return True
