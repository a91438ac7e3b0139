"""Strict validation of a whole plate: every metadata document plus its references."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import PlateError
from ..io.documents import ArrayInfo, ZarrDocs
from ..io.location import Location, join_key
from .common import MetadataError, detect_kind, show
from .isolate import error_reason, read_isolated, why
from .models import Multiscale
from .parse import parse_labels_group, parse_multiscales, parse_plate, parse_well
from .validate import validate_metadata
from .validate_array import array_doc_problems, label_array_problems

_ZARR_FORMAT = {"0.4": 2, "0.5": 3}


@dataclass
class _Run:
    """One validation: the store, the rules and the problems found so far."""

    docs: ZarrDocs
    version: str
    strict: bool
    problems: list[str] = field(default_factory=list)

    def groups(self, paths: list[str], what: str, optional: bool = False) -> dict[str, dict[str, Any]]:
        """Attributes of the groups that can be read; the rest reported (absent ones unless optional)."""
        out: dict[str, dict[str, Any]] = {}
        for path, attrs in read_isolated(self.docs.group_attrs_many, paths, self.docs.location).items():
            if attrs is None:
                if not optional:
                    self.problems.append(f"{what} {path}: listed but not found in the store")
            elif isinstance(attrs, PlateError):
                self.problems.append(f"{what} {path}: {why(attrs, self.docs.location)}")
            else:
                out[path] = attrs
                self.problems += [f"{what} {path}: {p}" for p in validate_metadata(attrs, version=self.version, strict=self.strict)]
        return out


def validate(location: str | os.PathLike[str], strict: bool = False) -> list[str]:
    """Every deviation from the OME-NGFF specification found in a plate.

    Checks the plate, well, image, labels and image-label metadata, and that
    what they reference exists: wells, fields, label images, and arrays whose
    dimensionality matches the axes, with sizes, chunks and data types zarr can
    read. ``strict`` also reports missing recommended fields. Returns an empty
    list for a conformant plate. Never raises: a document that cannot be read
    is one problem, naming it.
    """
    try:
        loc = Location(location)
        docs, root_attrs = ZarrDocs.open_root(loc)
    except PlateError as e:
        return [str(e)]
    except Exception as e:  # noqa: BLE001 - a plate too odd to open at all is still one problem, never a traceback
        return [f"{location}: {error_reason(e)}"]
    problems = [f"plate: {p}" for p in validate_metadata(root_attrs, strict=strict)]
    try:
        meta, _ = parse_plate(root_attrs)
    except MetadataError as e:
        return problems or [f"plate: {e}"]
    expected = _ZARR_FORMAT.get(meta.version)
    if expected and expected != docs.zarr_format:
        problems.append(f"plate: NGFF {meta.version} is stored in zarr v{expected}, this store is zarr v{docs.zarr_format}")
    run = _Run(docs, meta.version, strict, problems)
    try:
        _wells_and_below(run, [w.path for w in meta.wells])
    except PlateError as e:  # the whole location became unreachable
        run.problems.append(str(e))
    except Exception as e:  # noqa: BLE001 - any failure is one problem
        run.problems.append(f"{location}: could not be checked to the end ({error_reason(e)})")
    return run.problems


def _wells_and_below(run: _Run, wells: list[str]) -> None:
    fields: list[str] = []
    for path, attrs in run.groups(wells, "well").items():
        if detect_kind(attrs) == "well":
            try:
                fields += [join_key(path, img.path) for img in parse_well(attrs)[0].images]
            except MetadataError:
                pass  # already reported by validate_metadata
    images = _images(run, fields, "field")
    _labels(run, images)


def _images(run: _Run, paths: list[str], what: str) -> dict[str, tuple[Multiscale, ArrayInfo]]:
    """Multiscale images (fields or label images): metadata and arrays; those readable, by path."""
    parsed: dict[str, Multiscale] = {}
    for path, attrs in run.groups(paths, what).items():
        try:
            parsed[path] = parse_multiscales(attrs)[0]
        except MetadataError:
            continue  # reported by validate_metadata
    keys = [join_key(p, ds.path) for p, ms in parsed.items() for ds in ms.datasets]
    arrays = read_isolated(run.docs.arrays_many, keys, run.docs.location)
    out: dict[str, tuple[Multiscale, ArrayInfo]] = {}
    for path, ms in parsed.items():
        for i, ds in enumerate(ms.datasets):
            info = arrays[join_key(path, ds.path)]
            if info is None:
                run.problems.append(f"{what} {path}: dataset {show(ds.path)} not found in the store")
            elif isinstance(info, PlateError):
                run.problems.append(f"{what} {path}: {why(info, run.docs.location)}")
            else:
                _array(run, f"{what} {path}", ds.path, ms, info)
                if i == 0:
                    out[path] = (ms, info)
    return out


def _array(run: _Run, where: str, path: str, ms: Multiscale, info: ArrayInfo) -> None:
    document = join_key(info.key, "zarr.json" if info.zarr_format == 3 else ".zarray")
    if info.ndim != len(ms.axes):
        run.problems.append(
            f"{where}: dataset {show(path)} has {info.ndim} dimensions, the axes declare {len(ms.axes)} ({ms.axis_names})"
        )
    run.problems += [f"{where}: {document} {text}" for _, text in array_doc_problems(info.doc, info.zarr_format)]


def _labels(run: _Run, fields: dict[str, tuple[Multiscale, ArrayInfo]]) -> None:
    """Labels groups of the fields, their label images, and each label image beside its image."""
    label_images: dict[str, str] = {}  # label image path -> field path
    groups = run.groups([join_key(f, "labels") for f in fields], "labels", optional=True)  # a field need not have labels
    for path, attrs in groups.items():
        try:
            label_images.update({join_key(path, name): path.rsplit("/", 1)[0] for name in parse_labels_group(attrs)[0]})
        except MetadataError as e:
            run.problems.append(f"labels {path}: {e}")
    for path, (ms, info) in _images(run, list(label_images), "label image").items():
        image_ms, image_info = fields[label_images[path]]
        run.problems += [f"label image {path}: {p}" for p in
                         label_array_problems(image_ms.axes, image_info.shape, ms.axes, info.shape, info.dtype)]
