"""What the status bar says about the point under the cursor (cheap: no reads).

Overview: the well and field (and why a well or field is missing). Well view: the field,
and for each labels layer the object's id, area (µm² when the field's axes have length units,
else pixels) and mean intensity per channel (from the measurements the controller computed for
the field on screen, when they are ready); over the analysis' segmentation, the cell's readouts
from the objects table (indexed per field when the well loaded). When the view changes under a resting cursor (a key
opened another well, Home), :func:`refresh_hover` describes the point again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imaging_explorer.plate import well_name

from .analysis_labels import is_analysis
from .label_stats import MEASURED_LEVEL
from .platemap_text import compound_short
from .pointer import patch_status
from .readouts_text import cell_text

if TYPE_CHECKING:
    from imaging_explorer.overview import OverviewLayout
    from imaging_explorer.plate import Plate

    from .controller import PlateController
    from .state import BrowserState
    from .well_loading import WellView


def describe_position(state: BrowserState, plate: Plate | None, layout: OverviewLayout | None,
                      view: WellView | None, labels_layers: dict[str, Any], stats: dict[tuple[str, str], Any],
                      position: tuple[float, ...]) -> str:
    """Hover text for a world position in the current view (cheap; no reads)."""
    if plate is None or len(position) < 2:
        return ""
    if state.mode == "overview" and layout is not None:
        y, x = float(position[-2]), float(position[-1])
        text = describe_overview(plate, layout, y, x, state.failed_fields)
        if text and state.platemap is not None:
            hit = layout.well_at(y, x)
            compound = compound_short(state.platemap, hit[0]) if hit is not None else ""
            if compound:
                text = f"{text} · {compound}"
        return text
    if state.mode == "well" and view is not None:
        return describe_well(view, position, labels_layers, stats)
    return ""


def describe_overview(plate: Plate, layout: OverviewLayout, y: float, x: float, failed: dict[str, str]) -> str:
    """"C7 · field 1/2" over a field, the missing reason over a missing well, "" elsewhere."""
    hit = layout.well_at(y, x)
    if hit is None:
        cell = layout.cell_at(y, x)
        if cell is None:
            return ""
        for path, rc in layout.missing.items():
            if rc == cell:
                return f"{well_name(path)} · missing: {plate.missing_wells.get(path, 'not in the store')}"
        return ""
    well = plate.wells[hit[0]]
    n = len(well.fields)
    if hit[1] is None:
        return f"{well.name} · {n} field{'s' if n != 1 else ''}"
    text = f"{well.name} · field {hit[1] + 1}/{n}"
    reason = failed.get(well.fields[hit[1]].path)
    return f"{text} · unreadable: {reason}" if reason else text


def _label_id(value: Any) -> int:
    if isinstance(value, tuple):  # multiscale layers answer (level, value)
        value = value[-1]
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def describe_well(
    view: WellView,
    position: tuple[float, ...],
    labels_layers: dict[str, Any],
    stats: dict[tuple[str, str], Any],
) -> str:
    """"C7 · field 2 · nuclei 17: area 97.2 µm², DAPI 1201.5, Cell 310.2" under the cursor."""
    from imaging_explorer.analysis.units import area_text, pixel_area_um2

    y, x = float(position[-2]), float(position[-1])
    fld = view.field_at(y, x)
    if fld is None:
        return view.name
    parts = [f"{view.name} · field {fld.index + 1 if isinstance(fld.index, int) else '?'}"]
    cells: set[int] = set()  # a cell and its nucleus share their id: its readouts are said once
    for name, layer in labels_layers.items():
        if not layer.visible:
            continue
        label = _label_id(layer.get_value(position, world=True))
        if not label:
            continue
        if is_analysis(name):
            if label not in cells:
                cells.add(label)
                parts.append(_analysed_cell(view, fld, name, label, _time_point(view, fld, layer, position)))
            continue
        table = stats.get((fld.path, name))
        row = _lookup(table, label)
        if row is None:
            parts.append(f"{name} {label}" + (" (measuring…)" if table is None else ""))
            continue
        values = [f"area {area_text(row.get('area', 0), pixel_area_um2(fld, MEASURED_LEVEL))}"]
        values += [f"{k[5:]} {float(v):.1f}" for k, v in row.items() if str(k).startswith("mean_")]
        parts.append(f"{name} {label}: " + ", ".join(values))
    return " · ".join(parts)


def _time_point(view: WellView, fld: Any, layer: Any, position: tuple[float, ...]) -> int | None:
    """The time point of the analysis' cell under the cursor: the layer's t under the cursor
    when every time point was analysed, else the one analysed."""
    times = view.readouts.get(fld.path, {})
    names = tuple(getattr(layer, "axis_labels", ()))
    if len(times) <= 1 or "t" not in names:
        return next(iter(times), None)
    return int(round(float(layer.world_to_data(position)[names.index("t")])))


def _analysed_cell(view: WellView, fld: Any, name: str, label: int, t: int | None) -> str:
    """A cell of the analysis' segmentation with its readouts (looked up in the view's index)."""
    from imaging_explorer.analysis.units import pixel_area_um2

    row = view.readouts.get(fld.path, {}).get(t, {}).get(label) if t is not None else None
    if row is None:
        return f"{name} {label}"
    text = cell_text(label, row, pixel_area_um2(fld, 0))  # the analysis measures full-resolution pixels
    return text if len(view.readouts.get(fld.path, {})) <= 1 else f"{text} · t {t}"


def _lookup(table: Any, label: int) -> dict | None:
    if table is None:
        return None
    from imaging_explorer.analysis.regions import label_at

    return label_at(table, label)


def install_hover_refresh(ctrl: PlateController) -> None:
    """Describe the point under the cursor again whenever the controller's view changes."""
    ctrl.view_changed.connect(lambda: refresh_hover(ctrl))


def refresh_hover(ctrl: PlateController) -> None:
    """The view changed under a resting cursor: take the old hover text out of the status bar
    and describe the point again (napari rewrites its status only when the mouse moves)."""
    if not ctrl.link.alive:
        return
    viewer = ctrl.viewer
    over = bool(getattr(viewer, "mouse_over_canvas", False))
    old = ctrl.state.hover_text
    text = ctrl.describe(tuple(viewer.cursor.position)) if over else ""
    if text == old:
        return
    ctrl.state.hover_text = text
    if old:
        viewer.status = _without(viewer.status, old)  # napari's status event appends the new text
    if over:
        viewer.update_status_from_cursor()  # napari's own part (value, coordinates) of the new view
    patch_status(viewer, text)


def _without(status: Any, text: str) -> Any:
    """A status (napari's dict or a plain string) with the hover text taken out."""
    if isinstance(status, dict):
        coords = str(status.get("coordinates", ""))
        return {**status, "coordinates": _cut(coords, text)}
    return _cut(str(status), text) or "Ready"


def _cut(where: str, text: str) -> str:
    for piece in (f" · {text}", f"{text} · ", text):
        if piece in where:
            return where.replace(piece, "", 1)
    return where
