"""A single OME-Zarr image (a multiscales group, NGFF 0.4 or 0.5) -> napari layer data.

The reader is for plates, but a user who drops one image on napari should see it rather than a
refusal. The image is read with the plate model's own pieces (metadata documents, the lenient
NGFF parsers, the level checks, label images) as a one-field "well", and its layers come out of
the same field -> layers pipeline as a well view (:mod:`.browser.well_loading`): one multiscale
layer per channel with the file's names, colours, windows and scale, plus its label images,
all lazy (dask over zarr).

Importing this module pulls in neither napari nor Qt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from napari.types import LayerDataTuple

    from imaging_explorer.plate import Field

KIND_TEXT = {
    "well": "an OME-Zarr well (open the plate folder that holds it)",
    "image-label": "an OME-Zarr label image (open the image that holds it)",
    "labels": "an OME-Zarr labels group (open the image that holds it)",
    None: "a zarr group without OME-NGFF metadata",
}


@dataclass
class ZarrImage:
    """An opened OME-Zarr image: its location, display name and the image as a plate field."""

    location: str
    name: str
    field: Field
    warnings: list[str]


def describe_kind(kind: str | None) -> str:
    """What a zarr group holds, for a message ("an OME-Zarr well ...")."""
    return KIND_TEXT.get(kind, f"an OME-Zarr {kind}")


def open_image(location: str | os.PathLike[str]) -> ZarrImage:
    """Open the OME-Zarr image at ``location`` from its metadata (no pixels read).

    Raises
    ------
    PlateError
        When the location is not a readable image; the message names the location and the reason.
    """
    from imaging_explorer.errors import PlateError
    from imaging_explorer.io.documents import ZarrDocs
    from imaging_explorer.io.location import Location
    from imaging_explorer.ngff import (
        MetadataError,
        axis_roles,
        detect_kind,
        parse_multiscales,
    )
    from imaging_explorer.plate import Field
    from imaging_explorer.plate.open import _channels
    from imaging_explorer.plate.source import PlateSource, _Memo, levels_of

    loc = Location(location)
    docs, attrs = ZarrDocs.open_root(loc)
    kind = detect_kind(attrs)
    if kind != "image":
        raise PlateError(loc, f"found {describe_kind(kind)}, neither an HCS plate nor an image")
    try:
        ms, warnings = parse_multiscales(attrs)
    except MetadataError as e:
        raise PlateError(loc, f"an OME-Zarr image whose metadata cannot be read: {e}") from e
    arrays = docs.arrays_many([ds.path for ds in ms.datasets])
    try:
        ms, infos = levels_of("", ms, arrays, warnings)
    except ValueError as e:  # the messages name a plate "field"; here it is the image
        raise PlateError(loc, str(e).removeprefix("field : ")) from e
    channels, notes = _channels(attrs, axis_roles(ms.axes).c, infos[0], _Memo())
    warnings.extend(notes)
    # the image is the one field of a one-field well: labels and levels come from the plate model
    image = Field("", 0, None, ms, infos, channels, PlateSource(docs, warnings))
    name = ms.name or os.path.basename(str(loc).rstrip("/")) or str(loc)
    return ZarrImage(str(loc), name, image, warnings)


def image_layer_data(image: ZarrImage) -> list[LayerDataTuple]:
    """Lazy layers of the image: one per channel (the file's look), then its label images."""
    from imaging_explorer.channel_settings import setting_from_file
    from imaging_explorer.plate import Well

    from .browser.layer_data import spec_layer_data
    from .browser.well_loading import load_well, run_to_end

    well = Well("", "", "", 0, 0, [image.field])
    view = run_to_end(load_well(_OneWell({"": well}), "", 0, budget=None))
    settings = {ch.name: setting_from_file(ch.name, ch) for ch in image.field.channels}
    out = []
    for spec in view.layers:
        data, kwargs, kind = spec_layer_data(spec, spec.name, settings.get(spec.name))
        # not a layer of the plate browser: no tag, so its hotkeys and well view leave it alone
        kwargs["metadata"] = {"source": image.location}
        out.append((data, kwargs, kind))
    return out


@dataclass
class _OneWell:
    """What :func:`load_well` needs of a plate: its wells."""

    wells: dict[str, Any]
