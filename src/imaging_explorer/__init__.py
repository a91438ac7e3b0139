"""imaging-explorer: browse and review OME-Zarr HCS screening plates.

The public API is re-exported here lazily, so ``import imaging_explorer`` stays
cheap and never pulls in Qt or napari.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "PlateError": "errors",
    "open_plate": "plate_reader",
    "PlateWarning": "plate_reader",
    "Plate": "plate",
    "Well": "plate",
    "Field": "plate",
    "Labels": "plate",
    "Channel": "plate",
    "validate": "validation",
    "validate_metadata": "ngff",
    "make_sample_plate": "sample",
    "SamplePlate": "sample",
    "read_platemap": "platemap",
    "PlateMapError": "platemap",
    "AnnotationStore": "annotations",
    "AnnotationStoreError": "annotations",
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
