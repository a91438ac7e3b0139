"""A field's segmentations as OME-Zarr label images (NGFF 0.5, zarr v3), written and read back.

The analysis store's ``labels.zarr`` mirrors the plate's field paths::

    labels.zarr/B/3/0/labels/            "labels": ["nuclei", "cells"]
    labels.zarr/B/3/0/labels/nuclei/     "image-label" + "multiscales" (one level, "0")
    labels.zarr/B/3/0/labels/nuclei/0    uint32 (y, x)

Axes. The analysis segments one 2-D image per field and time point (z projected or one plane),
so a label image has the axes ``y, x``, or ``t, y, x`` when every time point of a time series was
analysed, with the field's full-resolution y and x (and t) scale, translation and units copied:
a viewer places it over the field's image by its trailing axes (napari: the browser expands a
``t, y, x`` image to the field's axes). Ids are the analysis' ids, per time point (a cell has its
nucleus' id; the objects table's ``label`` with its ``t``).

Chunks are 1024 x 1024 (the whole field up to that size: one read per field), blosc lz4 with
byte shuffle as the sample plate's; all-zero chunks are left out (read as the fill value 0), as
zarr-python does. Groups above a field carry no OME metadata (they hold no image); the root
names the plate in ``imaging_explorer`` attributes. Each field's ``labels`` group is written
into a temporary folder and renamed into place, so a reader never sees half a field. The array
documents are zarr-python's own; the chunks are encoded with the codec zarr uses (numcodecs'
Blosc) and written directly, as the sample plate's writer does (tests read them back with
zarr-python and ome-zarr-py). No Qt, no napari.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from ..io.location import check_key

if TYPE_CHECKING:
    import zarr

    from ..plate import Field

__all__ = ["LABEL_NAMES", "label_arrays", "spatial_axes", "write_field_labels", "write_root"]

LABEL_NAMES = ("nuclei", "cells")
CHUNK_SIDE = 1024
CNAME: Final = "lz4"  # blosc lz4 with byte shuffle, as the sample plate (Final: the literal type zarr asks)
CLEVEL = 5
NGFF_VERSION = "0.5"
_GROUP = {"zarr_format": 3, "node_type": "group", "attributes": {}}


def spatial_axes(field: Field) -> dict[str, Any]:
    """The field's y and x axes at full resolution (units, scale, translation), and its t axis
    as ``"t"`` (the same keys) when it has one (for ``t, y, x`` label images)."""
    roles = field.roles
    if roles.y is None or roles.x is None:
        raise ValueError(f"field {field.path} has no y and x axes (axes {field.axes})")
    scale, shift = field.scale(0), field.translation(0)
    axes = field.multiscale.axes

    def of(*indices: int) -> dict[str, Any]:
        return {"units": [axes[i].unit for i in indices], "scale": [scale[i] for i in indices],
                "translation": [shift[i] for i in indices]}

    return of(roles.y, roles.x) | ({"t": of(roles.t)} if roles.t is not None else {})


def _label_attrs(name: str, geometry: dict[str, Any], timed: bool) -> dict[str, Any]:
    """NGFF 0.5 label attributes for (y, x), or (t, y, x) when ``timed``."""
    time = geometry.get("t") or {"units": [None], "scale": [1.0], "translation": [0.0]}
    axes_of = [("t", "time", time, 0)] if timed else []
    axes_of += [("y", "space", geometry, 0), ("x", "space", geometry, 1)]
    axes = [{"name": a, "type": kind, **({"unit": geo["units"][i]} if geo["units"][i] else {})}
            for a, kind, geo, i in axes_of]
    scales = [float(geo["scale"][i]) for _, _, geo, i in axes_of]
    shifts = [float(geo["translation"][i]) for _, _, geo, i in axes_of]
    transforms: list[dict[str, Any]] = [{"type": "scale", "scale": scales}]
    if any(shifts):
        transforms.append({"type": "translation", "translation": shifts})
    multiscale = {"name": name, "axes": axes, "datasets": [{"path": "0", "coordinateTransformations": transforms}]}
    return {"ome": {"version": NGFF_VERSION, "multiscales": [multiscale], "image-label": {}}}


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    """Write a small document atomically (another worker may write the same one)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def write_root(root: Path, plate: str, fingerprint: str) -> None:
    """The store's ``labels.zarr`` root group (made once; names the plate)."""
    root.mkdir(parents=True, exist_ok=True)
    attrs = {"imaging_explorer": {"plate": plate, "fingerprint": fingerprint,
                                  "layout": "<well>/<field>/labels/{nuclei,cells}, as the plate's field paths"}}
    _write_json(root / "zarr.json", {**_GROUP, "attributes": attrs})


def _ensure_parents(root: Path, field_path: str) -> Path:
    """The field's group and the groups above it (plain zarr groups), made when missing."""
    folder = root
    for part in check_key(field_path).split("/"):  # the plate checked its paths; never outside the store
        folder = folder / part
        folder.mkdir(exist_ok=True)
        if not (folder / "zarr.json").is_file():
            _write_json(folder / "zarr.json", _GROUP)
    return folder


@functools.lru_cache(maxsize=64)
def _array_doc(shape: tuple[int, ...], chunks: tuple[int, ...]) -> bytes:
    """zarr-python's own ``zarr.json`` for a uint32 (y, x) or (t, y, x) label array of this shape
    (made once per shape and process, in a temporary folder, then reused)."""
    import zarr
    from zarr.codecs import BloscCodec

    with tempfile.TemporaryDirectory() as folder:
        zarr.create_array(folder, shape=shape, dtype="uint32", chunks=chunks, fill_value=0, zarr_format=3,
                          compressors=BloscCodec(cname=CNAME, clevel=CLEVEL, shuffle="shuffle"),
                          dimension_names=("t", "y", "x")[-len(shape):])
        return (Path(folder) / "zarr.json").read_bytes()


def _chunks(image: np.ndarray, chunks: tuple[int, ...]) -> Iterator[tuple[str, bytes]]:
    """(key, bytes) of every chunk that is not all zero, as zarr-python writes them: the bytes
    codec (little-endian) then blosc; edge chunks padded with the fill value 0."""
    import itertools

    import numcodecs

    codec = numcodecs.Blosc(cname=CNAME, clevel=CLEVEL, shuffle=numcodecs.Blosc.SHUFFLE, blocksize=0, typesize=4)
    for corner in itertools.product(*(range(0, n, c) for n, c in zip(image.shape, chunks))):
        block = image[tuple(slice(i, i + c) for i, c in zip(corner, chunks))]
        if not block.any():
            continue  # read back as the fill value
        if block.shape != chunks:
            block = np.pad(block, [(0, c - n) for c, n in zip(chunks, block.shape)])
        key = "/".join(str(i // c) for i, c in zip(corner, chunks))
        yield f"c/{key}", codec.encode(np.ascontiguousarray(block, dtype="<u4"))


def _write_labels_group(folder: Path, images: dict[str, np.ndarray], geometry: dict[str, Any]) -> None:
    """The ``labels`` group with one label image per name. Documents and chunk bytes are zarr's
    (the array document is zarr-python's own), but written directly: zarr-python's per-node
    overhead (~25 ms a field) would be a quarter of a field's analysis."""
    folder.mkdir(parents=True)
    _write_doc(folder, {"ome": {"version": NGFF_VERSION, "labels": list(images)}})
    for name, image in images.items():
        _write_doc(folder / name, _label_attrs(name, geometry, timed=image.ndim == 3))
        chunks = (1,) * (image.ndim - 2) + tuple(min(CHUNK_SIDE, n) for n in image.shape[-2:])
        (folder / name / "0").mkdir(parents=True)
        (folder / name / "0" / "zarr.json").write_bytes(_array_doc(image.shape, chunks))
        for key, data in _chunks(image, chunks):
            path = folder / name / "0" / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def _write_doc(folder: Path, attributes: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "zarr.json").write_text(json.dumps({**_GROUP, "attributes": attributes}, indent=2), encoding="utf-8")


def write_field_labels(root: Path, field_path: str, images: dict[str, np.ndarray], geometry: dict[str, Any],
                       scratch: Path) -> None:
    """Write one field's label images under ``root`` at ``<field_path>/labels``, replacing old ones.

    Parameters
    ----------
    root
        The ``labels.zarr`` folder (made by :func:`write_root`).
    field_path
        The field's path in the plate, e.g. ``"B/3/0"`` (already checked safe by the plate).
    images
        Label name -> (y, x) integer array, or (t, y, x) for every time point (stored as uint32).
    geometry
        From :func:`spatial_axes`.
    scratch
        A folder on the same file system for the temporary copy.
    """
    field_group = _ensure_parents(root, field_path)
    tmp = scratch / f"labels-{uuid.uuid4().hex}"
    for image in images.values():
        if image.ndim not in (2, 3):
            raise ValueError(f"field {field_path}: label images are (y, x) or (t, y, x), got shape {image.shape}")
    _write_labels_group(tmp, {k: np.asarray(v, dtype=np.uint32) for k, v in images.items()}, geometry)
    _swap_in(tmp, field_group / "labels", scratch)


def _swap_in(new: Path, target: Path, scratch: Path, attempts: int = 5) -> None:
    """Rename ``new`` to ``target``, moving an older ``target`` aside first (a folder cannot be
    renamed over a non-empty one). Another worker may write the same field at the same moment
    (a cancelled cluster task finishing while a new run starts): the last rename wins."""
    error: OSError | None = None
    for _ in range(attempts):
        old = scratch / f"old-{uuid.uuid4().hex}"
        try:
            os.replace(target, old)
        except FileNotFoundError:
            pass  # no older labels (or the other writer moved them)
        try:
            os.replace(new, target)
        except OSError as e:  # the other writer renamed its copy in between: move that aside too
            error = e
            continue
        finally:
            shutil.rmtree(old, ignore_errors=True)
        return
    raise OSError(f"{target}: could not be replaced ({error})") from error


def label_arrays(root: Path, field_path: str) -> dict[str, zarr.Array]:
    """The label images of one field (lazy zarr arrays, (y, x) or (t, y, x)), by name.

    Raises
    ------
    KeyError
        When the store has no labels for that field.
    """
    import zarr

    folder = root / check_key(field_path) / "labels"
    if not (folder / "zarr.json").is_file():
        raise KeyError(f"{folder}: no label images for field {field_path}")
    group = zarr.open_group(folder, mode="r")
    ome = group.attrs.get("ome")
    names = ome.get("labels") if isinstance(ome, dict) else None
    out: dict[str, zarr.Array] = {}
    for name in names if isinstance(names, list) else []:
        array = group.get(f"{name}/0")
        if isinstance(array, zarr.Array):
            out[str(name)] = array
    return out
