"""Where one of our widgets is docked, and the docks beside it: what a dock needs to ask the
main window for room (Qt leaves a newly added dock a sliver)."""

from __future__ import annotations

from qtpy.QtWidgets import QDockWidget, QMainWindow, QWidget


def dock_frame(widget: QWidget) -> QDockWidget | None:
    """The dock widget (frame) that holds ``widget``, if any."""
    frame = widget.parent()
    while frame is not None and not isinstance(frame, QDockWidget):
        frame = frame.parent()
    return frame


def docked(widget: QWidget) -> tuple[QMainWindow, QDockWidget] | None:
    """(main window, frame) of a widget docked in a main window; None when not docked or floating."""
    frame = dock_frame(widget)
    window = frame.parent() if frame is not None else None
    if frame is None or not isinstance(window, QMainWindow) or frame.isFloating():
        return None
    return window, frame


def dock_column(widget: QWidget) -> tuple[QMainWindow, QDockWidget, list[QDockWidget], int] | None:
    """(main window, frame, the docks beside it, the height they and the frame share) of a docked
    widget; None when not docked or floating."""
    found = docked(widget)
    if found is None:
        return None
    window, frame = found
    others = neighbours(window, frame)
    return window, frame, others, frame.height() + sum(d.height() for d in others)


def neighbours(window: QMainWindow, frame: QDockWidget) -> list[QDockWidget]:
    """The other visible, docked docks in ``frame``'s dock area."""
    area = window.dockWidgetArea(frame)
    return [d for d in window.findChildren(QDockWidget) if d is not frame and d.isVisible()
            and not d.isFloating() and window.dockWidgetArea(d) == area]
