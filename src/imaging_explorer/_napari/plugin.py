"""The npe2 commands of napari.yaml: the reader and the sample data (the docks are in ``_qt/``).

``get_reader`` is total: it never raises. Paths that are not zarr get None at once; a single
OME-Zarr image (not a plate) opens as image and label layers (:mod:`.image_reader`); any other
zarr group gets None with a napari notification of the reason. For a plate it returns :func:`read_plate`, which reads the metadata only
(``imaging_explorer.open_plate``) and, inside a napari viewer, hands the plate to that
viewer's plate browser (:mod:`.browser.controller`): the layers returned are the plate
overview (one zero-filled mosaic layer per channel, row and column names, missing wells),
which the browser then fills in a thread worker, and the Plate browser dock opens. Without a
viewer (a script calling :func:`read_plate`) the layers of the first well's first field come
back instead, built by the same pipeline as the well view (:mod:`.browser.well_loading`).

Importing this module pulls in neither napari nor Qt.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from napari.types import LayerDataTuple

    from imaging_explorer.plate import Field, Plate, Well

ReaderFunction = Callable[[str | Sequence[str]], list["LayerDataTuple"]]

REMOTE_SCHEMES = ("http", "https", "s3")
NOT_A_PLATE = "not an HCS plate"  # how open_plate's reason starts for another kind of group
ZARR_FILES = ("zarr.json", ".zgroup", ".zattrs", ".zarray")


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


def is_zarr_group(folder: Path) -> bool:
    """True when ``folder`` looks like a zarr group or array (its metadata files are there)."""
    return any((folder / name).is_file() for name in ZARR_FILES)


def get_reader(path: str | Sequence[str]) -> ReaderFunction | None:
    """npe2 reader contribution: a reader function for a plate or a single OME-Zarr image.

    Anything that is not zarr gets None at once and silently (napari then tries its other
    readers). A zarr group that cannot be shown (another kind of group, broken metadata) gets
    None too, with a napari notification that names the location and the reason.
    """
    location = _single_path(path)
    if location is None:
        return None
    folder = _local_folder(location)
    if folder is not None:
        if is_local_plate(folder):
            return read_plate
        return _image_reader(location) if is_zarr_group(folder) else None
    if urlparse(location).scheme.lower() not in REMOTE_SCHEMES:
        return None
    import imaging_explorer as ie

    try:  # a remote store: the model tells whether it is a plate
        plate = ie.open_plate(location)
    except ie.PlateError as e:
        if e.reason.startswith(NOT_A_PLATE):  # perhaps a single image
            return _image_reader(location)
        _refuse(location, e.reason)
        return None
    except Exception as e:  # noqa: BLE001 - a reader must not raise for foreign data
        _refuse(location, str(e))
        return None

    def read_opened_plate(_path: str | Sequence[str]) -> list[LayerDataTuple]:
        return plate_layers(plate)

    return read_opened_plate


def _image_reader(location: str) -> ReaderFunction | None:
    """A reader of the single OME-Zarr image at ``location``; None (and why) when it is none."""
    from imaging_explorer.plate import open_image

    from .image_reader import image_layer_data

    try:
        image = open_image(location)
    except Exception as e:  # noqa: BLE001 - PlateError, or a store that fails: never raise
        _refuse(location, getattr(e, "reason", None) or str(e))
        return None

    def read_image(_path: str | Sequence[str]) -> list[LayerDataTuple]:
        return image_layer_data(image)

    return read_image


def _refuse(location: str, reason: str) -> None:
    """Tell the user why this reader cannot open ``location`` (napari only says it refused)."""
    from .docks import notify

    name = os.path.basename(location.rstrip("/")) or location
    with contextlib.suppress(Exception):  # no napari (a script): the None says enough
        notify("warning", f"Cannot open {name}: {reason} ({location})")


# --------------------------------------------------------------------------- reading


def read_plate(path: str | Sequence[str]) -> list[LayerDataTuple]:
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


def plate_layers(plate: Plate) -> list[LayerDataTuple]:
    """The overview layers (handing the plate to the viewer's controller), or the first field's."""
    viewer = _current_viewer()
    if viewer is None or not hasattr(viewer, "layers"):
        return plate_layer_data(plate)
    from ._qt.browser_dock import BrowserDock
    from .docks import attach

    return attach(viewer, BrowserDock).browser.open_plate(plate)


def first_field(plate: Plate) -> tuple[Well, Field]:
    """The first well (in plate row/column order) that has a field, and that field."""
    from imaging_explorer.plate import well_order

    for key in well_order(plate):
        well = plate.wells[key]
        if well.fields:
            return well, well.fields[0]
    raise ValueError(f"{plate.name}: no well of this plate has an image")


def plate_layer_data(plate: Plate) -> list[LayerDataTuple]:
    """Lazy layer data of the first field of the plate's first well, with the file's channel look."""
    from imaging_explorer.channel_settings import setting_from_file

    from .browser.layer_data import view_layer_data
    from .browser.well_loading import load_well, run_to_end

    well, field = first_field(plate)
    view = run_to_end(load_well(plate, well.path, 0, budget=None))
    return view_layer_data(view, {ch.name: setting_from_file(ch.name, ch) for ch in field.channels})


def sample_plate() -> list[LayerDataTuple]:
    """The "Sample screening plate": 8 x 12 wells, 2 fields, 512 px, NGFF 0.5.

    The first call writes it into the user cache folder (a few seconds); later calls, and
    ``imaging-explorer demo``, reuse that copy.
    """
    from imaging_explorer.sample.cached import ensure_sample_plate

    return read_plate(str(ensure_sample_plate()))
