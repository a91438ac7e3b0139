"""Wiring of a controller into its viewer: mouse (hover, click), status bar, hotkeys,
the dock widget, failed-field frames and the lazy label measurements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .hover import describe_overview, describe_well
from .overview_layers import ERROR_COLOR, META_KEY, error_boxes

if TYPE_CHECKING:
    import napari

    from .controller import PlateController
    from .well_data import WellView

#: key, what it does, controller method. Keys napari does not use by default.
HOTKEYS = (
    ("PageDown", "next well (row by row, skipping missing wells)", "next_well"),
    ("PageUp", "previous well", "previous_well"),
    (".", "next field", "next_field"),
    (",", "previous field", "previous_field"),
    ("Home", "back to the plate overview", "show_overview"),
)
CLICK_TOLERANCE = 4  # canvas pixels a click may move and still be a click


def install(viewer: napari.Viewer, ctrl: PlateController) -> None:
    """Mouse callbacks, status-bar text and hotkeys for one viewer's controller."""

    def on_move(viewer: Any, event: Any) -> None:
        text = describe(ctrl, tuple(event.position))
        if text != ctrl.hover_text:
            ctrl.hover_text = text
            _patch_status(viewer, ctrl)

    def on_drag(viewer: Any, event: Any):  # a press and release without moving = a click
        if event.button != 1 or ctrl.mode != "overview":
            return
        start = np.asarray(event.pos, dtype=float)
        moved = False
        yield
        while event.type == "mouse_move":
            moved = moved or float(np.hypot(*(np.asarray(event.pos) - start))) > CLICK_TOLERANCE
            yield
        if not moved:
            ctrl.on_overview_click(tuple(event.position))

    viewer.mouse_move_callbacks.append(on_move)
    viewer.mouse_drag_callbacks.append(on_drag)
    viewer.events.status.connect(lambda event: _patch_status(viewer, ctrl))
    for key, _, method in HOTKEYS:
        viewer.bind_key(key, _hotkey(method), overwrite=True)


def _hotkey(method: str) -> Any:
    def run(viewer: Any) -> None:
        from .controller import controller_for

        ctrl = controller_for(viewer, create=False)
        if ctrl is not None and ctrl.plate is not None:
            getattr(ctrl, method)()

    run.__name__ = method
    run.__doc__ = method.replace("_", " ")
    return run


def describe(ctrl: PlateController, position: tuple[float, ...]) -> str:
    """Hover text for a world position in the current view (cheap; no reads)."""
    if ctrl.plate is None or len(position) < 2:
        return ""
    if ctrl.mode == "overview" and ctrl.layout is not None:
        text = describe_overview(ctrl.plate, ctrl.layout, position[-2], position[-1], ctrl.failed_fields)
        if text and ctrl.platemap is not None:
            from .platemap_view import compound_short

            hit = ctrl.layout.well_at(float(position[-2]), float(position[-1]))
            compound = compound_short(ctrl.platemap, hit[0]) if hit is not None else ""
            if compound:
                text = f"{text} · {compound}"
        return text
    if ctrl.mode == "well" and ctrl.view is not None:
        return describe_well(ctrl.view, position, ctrl.well_layers.labels, ctrl.stats)
    return ""


def _patch_status(viewer: Any, ctrl: PlateController) -> None:
    """Append the hover text to napari's status (its status thread rewrites it often)."""
    text = ctrl.hover_text
    if not text:
        return
    status = viewer.status
    if isinstance(status, dict):
        coords = str(status.get("coordinates", ""))
        if text not in coords:
            viewer.status = {**status, "coordinates": f"{coords} · {text}" if coords else text}
    elif text not in str(status):
        viewer.status = f"{text} · {status}" if status and status != "Ready" else text


def add_dock(viewer: Any, name: str, make: Any) -> Any:
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


def open_dock(viewer: Any) -> Any:
    """Show the Plate browser dock."""
    from .browser_widget import PlateBrowser

    return add_dock(viewer, "Plate browser", PlateBrowser)


def fit_later(ctrl: PlateController) -> None:
    """Fit the plate once the dock has taken its room from the canvas."""
    from qtpy.QtCore import QTimer

    QTimer.singleShot(150, ctrl.fit_overview)


def mark_failed_fields(ctrl: PlateController, field_paths: list[str]) -> None:
    """Orange frames around unreadable fields of the overview (one shapes layer)."""
    boxes = error_boxes(ctrl.layout, field_paths)
    if not boxes:
        return
    layer = ctrl.helper_layers.get("errors")
    if layer is not None and layer in ctrl.viewer.layers:
        layer.add_rectangles(boxes, edge_color=ERROR_COLOR, face_color="transparent")
        return
    ctrl.helper_layers["errors"] = ctrl.viewer.add_shapes(
        boxes,
        shape_type="rectangle",
        edge_color=ERROR_COLOR,
        face_color="transparent",
        edge_width=max(1.0, ctrl.layout.tile[0] / 32),
        name="overview unreadable fields",
        visible=ctrl.mode == "overview",
        metadata={META_KEY: {"role": "errors"}},
    )


def measure(ctrl: PlateController, view: WellView) -> Any:
    """Measure the labels of the fields on screen in a worker, for the hover text."""
    try:
        from imaging_explorer.analysis.regions import field_label_stats
    except ImportError:
        return None
    from napari.qt.threading import create_worker

    todo = [(fld, spec.name) for fld in view.fields for spec in view.layers
            if spec.kind == "labels" and (fld.path, spec.name) not in ctrl.stats]
    if not todo:
        return None

    def run():
        for fld, name in todo:
            try:
                yield (fld.path, name), field_label_stats(fld, name)
            except Exception:  # noqa: BLE001 - this field just has no measurements
                continue

    worker = create_worker(run, _start_thread=False, _ignore_errors=True)
    worker.yielded.connect(lambda item: ctrl.stats.__setitem__(*item))
    worker.start()
    ctrl._stats_worker = worker
    return worker
