"""imaging-explorer: browse and review OME-Zarr HCS screening plates.

The public API is re-exported here lazily, so ``import imaging_explorer`` stays cheap and never
pulls in Qt or napari. Type checkers see the same names through the ``TYPE_CHECKING`` imports.

The data path, by package: :mod:`.io` (read-only locations, metadata documents, chunk decoding)
-> :mod:`.ngff` (metadata models, parsers, validators) -> :mod:`.plate` (the plate model) ->
:mod:`.overview` (thumbnails and mosaic) -> :mod:`.annotations` (the review store) and
:mod:`.analysis`; the napari face is :mod:`._napari`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .annotations import AnnotationStore
    from .errors import AnnotationStoreError, MetadataError, PlateError, PlateMapError, PlateWarning
    from .ngff import validate_metadata
    from .ngff.validate_store import validate
    from .plate import Channel, Field, Labels, Plate, Well, ZarrImage, open_image, open_plate
    from .platemap import read_platemap
    from .sample import SamplePlate, make_sample_plate
    from .screen import Screen, ScreenError, open_screen

# public name -> module that defines it
_EXPORTS = {
    "PlateError": "errors",
    "PlateWarning": "errors",
    "MetadataError": "errors",
    "PlateMapError": "errors",
    "AnnotationStoreError": "errors",
    "open_plate": "plate",
    "open_image": "plate",
    "ZarrImage": "plate",
    "Plate": "plate",
    "Well": "plate",
    "Field": "plate",
    "Labels": "plate",
    "Channel": "plate",
    "validate": "ngff.validate_store",
    "validate_metadata": "ngff",
    "make_sample_plate": "sample",
    "SamplePlate": "sample",
    "read_platemap": "platemap",
    "AnnotationStore": "annotations",
    "open_screen": "screen",
    "Screen": "screen",
    "ScreenError": "screen",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'imaging_explorer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
