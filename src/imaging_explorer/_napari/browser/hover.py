"""What the status bar says about the point under the cursor (cheap: no reads).

Overview: the well and field (and why a well or field is missing). Well view: the field,
and for each labels layer the object's id, area and mean intensity per channel (from the
measurements the controller computed for the field on screen, when they are ready).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imaging_explorer.plate import well_name

from .platemap_text import compound_short

if TYPE_CHECKING:
    from imaging_explorer.overview import OverviewLayout
    from imaging_explorer.plate import Plate

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
    """"C7 · field 2 · nuclei 17: area 230, DAPI 1201.5, Cell 310.2" under the cursor."""
    y, x = float(position[-2]), float(position[-1])
    fld = view.field_at(y, x)
    if fld is None:
        return view.name
    parts = [f"{view.name} · field {fld.index + 1 if isinstance(fld.index, int) else '?'}"]
    for name, layer in labels_layers.items():
        if not layer.visible:
            continue
        label = _label_id(layer.get_value(position, world=True))
        if not label:
            continue
        table = stats.get((fld.path, name))
        row = _lookup(table, label)
        if row is None:
            parts.append(f"{name} {label}" + (" (measuring…)" if table is None else ""))
            continue
        values = [f"area {row.get('area', 0):.0f}"]
        values += [f"{k[5:]} {float(v):.1f}" for k, v in row.items() if str(k).startswith("mean_")]
        parts.append(f"{name} {label}: " + ", ".join(values))
    return " · ".join(parts)


def _lookup(table: Any, label: int) -> dict | None:
    if table is None:
        return None
    from imaging_explorer.analysis.regions import label_at

    return label_at(table, label)
