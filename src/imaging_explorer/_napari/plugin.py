"""The npe2 commands of napari.yaml: the reader and the sample data (the docks are in ``_qt/``).

``get_reader`` is total: it never raises. Paths that are not zarr get None at once; a single
OME-Zarr image (not a plate) opens as image and label layers (:mod:`.image_reader`); any other
zarr group gets None with a napari notification of the reason. Whether a location is a plate
is decided from its root document alone (``zarr.json`` or ``.zattrs``: one or two small reads,
also over HTTP or S3). For a plate it returns :func:`read_plate`. Inside a napari viewer that
hands the location to the viewer's plate browser (:mod:`.browser.controller`), which reads the
metadata (``imaging_explorer.open_plate``) in a worker with napari's progress, then adds the
plate overview (one zero-filled mosaic layer per channel, row and column names, missing wells),
fills it in a thread worker and opens the Plate browser dock; the reader itself returns napari's
"no layers" sentinel ``[(None,)]``, so the window never waits for the metadata. Without a
viewer (a script calling :func:`read_plate`) the layers of the first well's first field come
back instead, built by the same pipeline as the well view (:mod:`.browser.well_loading`).

Importing this module pulls in neither napari nor Qt.
"""

from __future__ import annotations

import contextlib
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


ROOT_DOCUMENTS = ("zarr.json", ".zattrs")  # NGFF 0.5 (zarr v3), NGFF 0.4 (zarr v2)


def root_documents(location: str) -> tuple[dict[str, Any], str]:
    """The root metadata documents of a location (name -> parsed JSON) and, when there are
    none, why. Reads only ``zarr.json`` and ``.zattrs``; never raises."""
    from imaging_explorer.errors import PlateError
    from imaging_explorer.io.location import Location

    try:
        store = Location(location)
    except PlateError as e:
        return {}, e.reason
    except Exception as e:  # noqa: BLE001 - a reader must not raise for foreign data
        return {}, f"{type(e).__name__}: {e}"
    try:  # one batch: a hung server costs one read timeout, and a bad document only its own value
        got: dict[str, Any] = store.read_json_many(list(ROOT_DOCUMENTS))
    except PlateError as e:  # the whole location is unreachable
        got = dict.fromkeys(ROOT_DOCUMENTS, e)
    except Exception as e:  # noqa: BLE001
        got = {name: PlateError(f"{location}/{name}", f"{type(e).__name__}: {e}") for name in ROOT_DOCUMENTS}
    docs = {name: value for name, value in got.items() if isinstance(value, dict)}
    reasons = [f"{name}: {value.reason}" for name, value in got.items() if isinstance(value, PlateError)]
    if docs:
        return docs, ""
    return {}, "; ".join(reasons) or "no zarr group here (neither zarr.json nor .zattrs)"


def _plate_attrs(docs: dict[str, Any]) -> dict[str, Any]:
    """The group attributes that may describe a plate or an image (NGFF 0.5 under "ome")."""
    v3 = docs.get("zarr.json", {}).get("attributes")
    if isinstance(v3, dict):
        ome = v3.get("ome")
        return ome if isinstance(ome, dict) else v3
    v2 = docs.get(".zattrs")
    return v2 if isinstance(v2, dict) else {}


def is_plate_document(docs: dict[str, Any]) -> bool:
    """True when the root documents describe an HCS plate (a "plate" object in its attributes)."""
    return isinstance(_plate_attrs(docs).get("plate"), dict)


def is_local_plate(folder: Path) -> bool:
    """True when ``folder`` holds plate metadata (NGFF 0.5 ``zarr.json`` or 0.4 ``.zattrs``).

    Reads at most two small JSON documents; never raises.
    """
    return is_plate_document(root_documents(str(folder))[0])


def is_zarr_group(folder: Path) -> bool:
    """True when ``folder`` looks like a zarr group or array (its metadata files are there)."""
    return any((folder / name).is_file() for name in ZARR_FILES)


def get_reader(path: str | Sequence[str]) -> ReaderFunction | None:
    """npe2 reader contribution: a reader function for a plate or a single OME-Zarr image.

    Anything that is not zarr gets None at once and silently (napari then tries its other
    readers). A zarr group that cannot be shown (another kind of group, broken metadata) gets
    None too, with a napari notification that names the location and the reason. Reads only
    the root document(s); the plate's other metadata is read by :func:`read_plate`.
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
    docs, reason = root_documents(location)
    if is_plate_document(docs):
        return read_plate
    if docs:  # a zarr group but no plate: perhaps a single image (it says why not)
        return _image_reader(location)
    _refuse(location, reason)
    return None


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
    """Open the plate at ``path``: in a viewer its overview, read in the background (napari gets
    the "no layers" sentinel now, the layers come when the metadata is read); else (a script)
    the first field's layers, read here."""
    import imaging_explorer as ie

    location = _single_path(path)
    if location is None:
        raise ValueError(f"expected one plate location, got {path!r}")
    viewer = _current_viewer()
    if viewer is None or not hasattr(viewer, "layers"):
        return plate_layer_data(ie.open_plate(location))
    from ._qt.browser_dock import BrowserDock
    from .docks import attach

    attach(viewer, BrowserDock).browser.open_location(location)
    return [(None,)]  # napari's sentinel for "read, no layers to add" (npe2 io_utils)


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
    import imaging_explorer as ie
    from imaging_explorer.sample.cached import ensure_sample_plate

    # read here, not in the background: napari's sample data must return layers (no sentinel),
    # and the sample is a small local plate (~0.1 s of metadata)
    return plate_layers(ie.open_plate(str(ensure_sample_plate())))
