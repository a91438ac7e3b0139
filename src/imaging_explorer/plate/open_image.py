"""Open a single OME-Zarr image (a ``multiscales`` group, NGFF 0.4 or 0.5) from its metadata.

The image becomes the one field of a plate model's ``Field``, read with the same pieces as a
plate's fields (metadata documents, lenient NGFF parsers, level checks, lazy label images), so
everything that shows or measures a field works on it unchanged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from imaging_explorer.errors import MetadataError, PlateError
from imaging_explorer.io.documents import ZarrDocs
from imaging_explorer.io.location import Location
from imaging_explorer.ngff import axis_roles, detect_kind, parse_multiscales
from imaging_explorer.ngff.isolate import read_isolated

from .field_arrays import thumbnail_level
from .model import Field
from .open import _channels
from .source import PlateSource, _Memo, levels_of

KIND_TEXT = {
    "well": "an OME-Zarr well (open the plate folder that holds it)",
    "image-label": "an OME-Zarr label image (open the image that holds it)",
    "labels": "an OME-Zarr labels group (open the image that holds it)",
    None: "a zarr group without OME-NGFF metadata",
}


@dataclass
class ZarrImage:
    """An opened OME-Zarr image: its location, display name, the image as a field, and deviations."""

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
    loc = Location(location)
    docs, attrs = ZarrDocs.open_root(loc)
    kind = detect_kind(attrs)
    if kind != "image":
        raise PlateError(loc, f"found {describe_kind(kind)}, neither an HCS plate nor an image")
    try:
        ms, warnings = parse_multiscales(attrs)
    except MetadataError as e:
        raise PlateError(loc, f"an OME-Zarr image whose metadata cannot be read: {e}") from e
    arrays = read_isolated(docs.arrays_many, [ds.path for ds in ms.datasets], loc)
    try:
        ms, infos = levels_of("", ms, arrays, warnings)
        channels, notes = _channels(attrs, axis_roles(ms.axes).c, infos[0], _Memo())
    except ValueError as e:  # the messages name a plate "field"; here it is the image
        raise PlateError(loc, str(e).removeprefix("field : ")) from e
    warnings.extend(notes)
    level = thumbnail_level(ms, [a.shape for a in infos])
    image = Field("", 0, None, ms, (level, infos[level]), channels, PlateSource(docs, warnings), infos)
    name = ms.name or os.path.basename(str(loc).rstrip("/")) or str(loc)
    return ZarrImage(str(loc), name, image, warnings)
