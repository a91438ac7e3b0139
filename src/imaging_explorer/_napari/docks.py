"""The only place that opens our docks and shows notifications.

Widgets and the plugin call :func:`open_dock` and :func:`notify`; :func:`attach` wires a
viewer's plate browser to the user once: the Plate browser dock opens when a plate's overview
is there, and the controller's notices become napari notifications. This module imports no
widget: callers hand it the dock class to make where napari's plugin dock is not available.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .session import Session, session_for

if TYPE_CHECKING:
    import napari

FIT_DELAY_MS = 150  # the dock takes its room from the canvas first


def notify(level: str, text: str) -> None:
    """A napari notification: ``level`` "error", "warning" or "info"."""
    from napari.utils import notifications

    show = {"error": notifications.show_error, "warning": notifications.show_warning}
    show.get(level, notifications.show_info)(text)


def open_dock(viewer: Any, name: str, make: Callable[[Any], Any]) -> Any:
    """Show one of our docks: napari's own plugin dock (so the menu entry matches), or,
    where the plugin is not installed (e.g. a source checkout), ``make(viewer)`` docked directly."""
    window = getattr(viewer, "window", None)
    if window is None:
        return None
    try:
        _, widget = window.add_plugin_dock_widget("imaging-explorer", name)
    except Exception:  # noqa: BLE001 - not installed as a plugin
        widget = make(viewer)
        window.add_dock_widget(widget, name=name, area="right")
    return widget


def manifest_widget(name: str) -> Callable[[Any], Any]:
    """The widget the plugin's manifest names ``name`` (its ``python_name``, imported when asked,
    as napari does): one dock opens another without importing it."""
    import importlib
    from importlib.resources import files

    import yaml

    manifest = yaml.safe_load(files("imaging_explorer").joinpath("napari.yaml").read_text(encoding="utf-8"))
    contributions = manifest["contributions"]
    commands = {c["id"]: c["python_name"] for c in contributions["commands"]}
    command = next(w["command"] for w in contributions["widgets"] if w["display_name"] == name)
    module, _, attribute = commands[command].partition(":")
    return getattr(importlib.import_module(module), attribute)


def show_named_dock(viewer: Any, name: str) -> Any:
    """Show our dock ``name`` (a widget of the manifest); it takes its room once shown."""
    from qtpy.QtCore import QTimer

    dock = open_dock(viewer, name, manifest_widget(name))
    if hasattr(dock, "take_room"):
        QTimer.singleShot(0, dock.take_room)
    return dock


def attach(viewer: napari.Viewer, make_browser_dock: Callable[[Any], Any]) -> Session:
    """The viewer's session, with the Plate browser dock and notifications wired (once)."""
    from qtpy.QtCore import QTimer

    session = session_for(viewer)
    if session.wired:
        return session
    session.wired = True
    ctrl = session.browser
    ref = weakref.ref(viewer)  # the session lives as long as the viewer, not longer

    def plate_opened() -> None:
        if ref() is not None:
            open_dock(ref(), "Plate browser", make_browser_dock)
            QTimer.singleShot(FIT_DELAY_MS, ctrl.fit_overview)

    ctrl.plate_opened.connect(plate_opened)
    ctrl.notice.connect(notify)
    return session
