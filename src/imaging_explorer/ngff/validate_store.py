"""Strict validation of a whole plate: every metadata document plus its references."""

from __future__ import annotations

import os
from typing import Any

from ..errors import PlateError
from ..io.documents import ZarrDocs
from ..io.location import Location, join_key
from .common import MetadataError, detect_kind
from .parse import parse_labels_group, parse_multiscales, parse_plate, parse_well
from .validate import validate_metadata

_ZARR_FORMAT = {"0.4": 2, "0.5": 3}


def validate(location: str | os.PathLike[str], strict: bool = False) -> list[str]:
    """Every deviation from the OME-NGFF specification found in a plate.

    Checks the plate, well, image, labels and image-label metadata, and that
    what they reference exists: wells, fields, label images, and arrays whose
    dimensionality matches the axes. ``strict`` also reports missing
    recommended fields. Returns an empty list for a conformant plate.
    """
    try:
        loc = Location(location)
        docs, root_attrs = ZarrDocs.open_root(loc)
    except PlateError as e:
        return [str(e)]
    problems = [f"plate: {p}" for p in validate_metadata(root_attrs, strict=strict)]
    try:
        meta, _ = parse_plate(root_attrs)
    except MetadataError as e:
        return problems or [f"plate: {e}"]
    expected = _ZARR_FORMAT.get(meta.version)
    if expected and expected != docs.zarr_format:
        problems.append(f"plate: NGFF {meta.version} is stored in zarr v{expected}, this store is zarr v{docs.zarr_format}")

    fields: list[str] = []
    for path, attrs in docs.group_attrs_many([w.path for w in meta.wells]).items():
        if attrs is None:
            problems.append(f"well {path}: listed in the plate but not found in the store")
            continue
        problems += [f"well {path}: {p}" for p in validate_metadata(attrs, version=meta.version, strict=strict)]
        if detect_kind(attrs) == "well":
            try:
                fields += [join_key(path, img.path) for img in parse_well(attrs)[0].images]
            except MetadataError:
                pass  # already reported above
    problems += _validate_images(docs, fields, meta.version, strict, "field")
    return problems


def _validate_images(docs: ZarrDocs, paths: list[str], version: str, strict: bool, what: str) -> list[str]:
    """Multiscale images (fields or label images): metadata, arrays, and (for fields) labels."""
    problems: list[str] = []
    images: dict[str, Any] = {}
    for path, attrs in docs.group_attrs_many(paths).items():
        if attrs is None:
            problems.append(f"{what} {path}: listed but not found in the store")
            continue
        problems += [f"{what} {path}: {p}" for p in validate_metadata(attrs, version=version, strict=strict)]
        try:
            images[path] = parse_multiscales(attrs)[0]
        except MetadataError:
            continue
    array_keys = [join_key(p, ds.path) for p, ms in images.items() for ds in ms.datasets]
    arrays = docs.arrays_many(array_keys)
    for path, ms in images.items():
        for ds in ms.datasets:
            info = arrays[join_key(path, ds.path)]
            if info is None:
                problems.append(f"{what} {path}: dataset {ds.path!r} not found in the store")
            elif isinstance(info, PlateError):
                problems.append(f"{what} {path}: {info.reason}")
            elif info.ndim != len(ms.axes):
                problems.append(
                    f"{what} {path}: dataset {ds.path!r} has {info.ndim} dimensions, the axes declare {len(ms.axes)} ({ms.axis_names})"
                )
    if what == "field":
        problems += _validate_labels(docs, list(images), version, strict)
    return problems


def _validate_labels(docs: ZarrDocs, fields: list[str], version: str, strict: bool) -> list[str]:
    problems: list[str] = []
    label_images: list[str] = []
    for path, attrs in docs.group_attrs_many([join_key(f, "labels") for f in fields]).items():
        if attrs is None:
            continue
        problems += [f"labels {path}: {p}" for p in validate_metadata(attrs, version=version, strict=strict)]
        try:
            label_images += [join_key(path, name) for name in parse_labels_group(attrs)[0]]
        except MetadataError as e:
            problems.append(f"labels {path}: {e}")
    return problems + _validate_images(docs, label_images, version, strict, "label image")
