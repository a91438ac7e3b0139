"""npe2 reader: open an OME-Zarr HCS plate in napari.

``get_reader`` is the manifest command. It is total: for anything that is not a plate it
returns None and never raises. For a plate it returns :func:`read_plate`, which reads the
metadata only (``imaging_explorer.open_plate``) and, inside a napari viewer, hands the
plate to that viewer's :class:`~imaging_explorer._napari.controller.PlateController`: the
layers returned are the plate overview (one zero-filled mosaic layer per channel, row and
column names, missing wells), which the controller then fills in a thread worker, and the
Plate browser dock opens. Without a viewer (a script calling :func:`read_plate`) the
layers of the first well's first field come back instead (:func:`plate_layer_data`).

Importing this module pulls in neither napari nor Qt.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from imaging_explorer.plate import Field, Plate, Well

LayerData = tuple[Any, dict[str, Any], str]
ReaderFunction = Callable[[str | Sequence[str]], list[LayerData]]

REMOTE_SCHEMES = ("http", "https", "s3")

# napari's own names for the pure colours, so the layer controls show a familiar name
_NAMED_COLOURS = {
    "FF0000": "red",
    "00FF00": "green",
    "0000FF": "blue",
    "FFFFFF": "gray",
    "FF00FF": "magenta",
    "00FFFF": "cyan",
    "FFFF00": "yellow",
}


# --------------------------------------------------------------------------- detection


def _single_path(path: object) -> str | None:
    """The one location napari handed us, or None (several paths, other types)."""
    if isinstance(path, list | tuple):
        if len(path) != 1:
            return None
        path = path[0]
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or not path:
        return None
    return path


def _local_folder(location: str) -> Path | None:
    """The local folder a location names (plain path or file:// URL), else None."""
    parsed = urlparse(location)
    if parsed.scheme == "file":
        location = unquote(parsed.path)
    elif parsed.scheme and len(parsed.scheme) > 1:  # a URL of another kind (C: is a drive)
        return None
    folder = Path(location).expanduser()
    return folder if folder.is_dir() else None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def is_local_plate(folder: Path) -> bool:
    """True when ``folder`` holds plate metadata (NGFF 0.5 ``zarr.json`` or 0.4 ``.zattrs``).

    Reads at most two small JSON documents; never raises.
    """
    doc = _read_json(folder / "zarr.json")
    if doc is not None:
        attrs = doc.get("attributes")
        ome = attrs.get("ome") if isinstance(attrs, dict) else None
        if isinstance(ome, dict) and isinstance(ome.get("plate"), dict):
            return True
    doc = _read_json(folder / ".zattrs")
    return doc is not None and isinstance(doc.get("plate"), dict)


def get_reader(path: str | Sequence[str]) -> ReaderFunction | None:
    """npe2 reader contribution: a reader function for a plate, None for anything else."""
    location = _single_path(path)
    if location is None:
        return None
    folder = _local_folder(location)
    if folder is not None:
        return read_plate if is_local_plate(folder) else None
    if urlparse(location).scheme.lower() not in REMOTE_SCHEMES:
        return None
    try:  # a remote store: the model tells whether it is a plate
        import imaging_explorer as ie

        plate = ie.open_plate(location)
    except Exception:  # noqa: BLE001 - a reader must not raise for foreign data
        return None

    def read_opened_plate(_path: str | Sequence[str]) -> list[LayerData]:
        return plate_layers(plate)

    return read_opened_plate


# --------------------------------------------------------------------------- reading


def read_plate(path: str | Sequence[str]) -> list[LayerData]:
    """Open the plate at ``path``: its overview in a viewer, else its first field's layers."""
    import imaging_explorer as ie

    location = _single_path(path)
    if location is None:
        raise ValueError(f"expected one plate location, got {path!r}")
    return plate_layers(ie.open_plate(location))


def _current_viewer() -> Any:
    """The napari viewer napari is reading for, or None (napari not running, or no viewer)."""
    import sys

    if "napari" not in sys.modules:  # a script without napari: do not import it here
        return None
    try:
        import napari

        return napari.current_viewer()
    except Exception:  # noqa: BLE001 - no viewer is no overview, never a failed read
        return None


def plate_layers(plate: Plate) -> list[LayerData]:
    """The overview layers (handing the plate to the viewer's controller), or the first field's."""
    viewer = _current_viewer()
    if viewer is None or not hasattr(viewer, "layers"):
        return plate_layer_data(plate)
    from .controller import controller_for

    return controller_for(viewer).open_plate(plate)


def first_field(plate: Plate) -> tuple[Well, Field]:
    """The first well (in plate row/column order) that has a field, and that field."""
    rows = {name: i for i, name in enumerate(plate.rows)}
    columns = {name: i for i, name in enumerate(plate.columns)}
    wells = sorted(
        plate.wells.values(),
        key=lambda w: (rows.get(w.row, len(rows)), columns.get(w.column, len(columns))),
    )
    for well in wells:
        if well.fields:
            return well, well.fields[0]
    raise ValueError(f"{plate.name}: no well of this plate has an image")


def plate_layer_data(plate: Plate) -> list[LayerData]:
    """Layer data for the first field of the plate's first well."""
    well, field = first_field(plate)
    return field_layer_data(well, field, plate=plate)


def _colormap(color: str | None) -> str:
    """A napari colormap argument for an omero ``RRGGBB`` colour: black -> that colour."""
    hexcode = (color or "FFFFFF").lstrip("#").upper()
    if len(hexcode) != 6 or any(ch not in "0123456789ABCDEF" for ch in hexcode):
        return "gray"
    if hexcode == "000000":  # a black channel would be invisible; napari would invert it
        return "gray"
    return _NAMED_COLOURS.get(hexcode, f"#{hexcode.lower()}")


def _pick(values: Sequence[float], keep: Sequence[int]) -> tuple[float, ...]:
    return tuple(float(values[i]) for i in keep)


def _without_axis(levels: Sequence[Any], axis: int | None, index: int) -> list[Any]:
    """Each level with ``axis`` fixed at ``index`` (lazy dask slicing)."""
    if axis is None:
        return list(levels)
    out = []
    for level in levels:
        key = [slice(None)] * level.ndim
        key[axis] = index
        out.append(level[tuple(key)])
    return out


def _axes(image: Any) -> tuple[list[str], int | None]:
    """Axis names of a field or label image, and the index of its channel axis (or None).

    Uses the declared axis types when the model exposes them (an axis named ``ch`` of type
    ``channel`` is the channel axis), else the one-letter names of ``image.axes``.
    """
    declared = getattr(getattr(image, "multiscale", None), "axes", None)
    if declared:
        names = [str(a.name).lower() for a in declared]
        kinds = [str(getattr(a, "type", "") or "").lower() for a in declared]
    else:
        names, kinds = list(str(image.axes).lower()), []
    for i, name in enumerate(names):
        if name == "c" or (i < len(kinds) and kinds[i] == "channel"):
            return names, i
    return names, None


def _multiscale(levels: list[Any]) -> tuple[Any, bool]:
    return (levels, True) if len(levels) > 1 else (levels[0], False)


def field_layer_data(well: Well, field: Field, plate: Plate | None = None) -> list[LayerData]:
    """Image layers (one per channel) and labels layers (one per segmentation) of a field."""
    prefix = f"{well.row}{well.column}"
    axes, c_axis = _axes(field)
    keep = [i for i in range(len(axes)) if i != c_axis]
    scale = _pick(field.scale(0), keep)
    translate = _pick(field.translation(0), keep)
    axis_labels = tuple(axes[i] for i in keep)
    levels = list(field.levels)
    n_channels = levels[0].shape[c_axis] if c_axis is not None else 1
    channels = list(field.channels)
    meta_base = {
        "plate": getattr(plate, "name", None),
        "well": f"{well.row}/{well.column}",
        "well_path": getattr(well, "path", None),
        "field": 0,
    }

    layers: list[LayerData] = []
    for i in range(n_channels):
        channel = channels[i] if i < len(channels) else None
        name = channel.name if channel is not None else f"channel {i}"
        data, multiscale = _multiscale(_without_axis(levels, c_axis, i))
        kwargs: dict[str, Any] = {
            "name": f"{prefix} {name}",
            "colormap": _colormap(channel.color if channel is not None else None),
            "blending": "additive",
            "scale": scale,
            "translate": translate,
            "axis_labels": axis_labels,
            "multiscale": multiscale,
            "rgb": False,
            "visible": bool(getattr(channel, "visible", True)),
            "metadata": {**meta_base, "channel": name, "channel_index": i},
        }
        window = channel.window if channel is not None else None
        if window is not None and float(window[1]) > float(window[0]):
            kwargs["contrast_limits"] = (float(window[0]), float(window[1]))
        layers.append((data, kwargs, "image"))

    for label_name, labels in field.labels.items():
        laxes, lc = _axes(labels)
        lkeep = [i for i in range(len(laxes)) if i != lc]
        data, multiscale = _multiscale(_without_axis(list(labels.levels), lc, 0))
        kwargs = {
            "name": f"{prefix} {label_name}",
            "scale": _pick(labels.scale(0), lkeep),
            "translate": _pick(labels.translation(0), lkeep),
            "axis_labels": tuple(laxes[i] for i in lkeep),
            "multiscale": multiscale,
            "opacity": 0.5,
            "metadata": {**meta_base, "labels": label_name},
        }
        layers.append((data, kwargs, "labels"))
    return layers
