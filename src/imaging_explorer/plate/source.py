"""Where a plate's arrays and lazily read metadata come from: its location and metadata reader.

:class:`PlateSource` opens zarr arrays as dask arrays on demand and reads label metadata the
first time a field's labels are asked for (:func:`read_labels`: three batched reads for any
number of fields). :func:`levels_of` checks a multiscale's arrays for fields and labels alike.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple

from ..errors import PlateError
from ..io.bounded_array import BoundedArray
from ..io.documents import ArrayInfo, ZarrDocs
from ..io.location import join_key
from ..ngff import (
    ImageLabel,
    MetadataError,
    Multiscale,
    parse_image_label,
    parse_labels_group,
    parse_multiscales,
)
from ..ngff.isolate import read_isolated
from ..ngff.validate_array import array_doc_problems, label_array_problems
from .model import Field, Labels

if TYPE_CHECKING:
    import dask.array as da

_R = TypeVar("_R")
_Ts = TypeVarTuple("_Ts")


class PlateSource:
    """Where arrays and lazily read metadata of one plate come from."""

    def __init__(self, docs: ZarrDocs, warnings: list[str]) -> None:
        self.docs = docs
        self.warnings = warnings  # the plate's list: lazily read metadata reports here too
        self._labels: dict[str, dict[str, Labels]] = {}
        self._array_errors: dict[str, PlateError] = {}  # field path -> why its levels cannot be read
        self._lock = threading.RLock()  # label metadata may be asked for from worker threads

    def dask_array(self, info: ArrayInfo) -> da.Array:
        """The array as dask, one block per stored file (shard or chunk), read lazily.

        Blocks are read by :class:`~imaging_explorer.io.bounded_array.BoundedArray` (bounded
        sizes, chunk-level PlateError), not zarr-python; see that module for why.
        """
        import dask.array as da
        import numpy as np

        arr = BoundedArray(self.docs.location, info)  # PlateError naming the array on bad metadata
        return da.from_array(arr, chunks=arr.dask_chunks(), name=f"imaging-explorer-{self.docs.location}/{info.key}",
                             inline_array=True, meta=np.empty((0,) * arr.ndim, arr.dtype))

    def load_arrays(self, fields: list[Field]) -> None:
        """Every level's array document of the fields not read yet, in one batch.

        A field whose levels cannot be read keeps the reason: its ``arrays`` raise it.
        """
        with self._lock:
            todo = [f for f in fields if f._arrays is None and f.path not in self._array_errors]
            if todo:
                keys = [join_key(f.path, ds.path) for f in todo for ds in f.multiscale.datasets]
                arrays = read_isolated(self.docs.arrays_many, keys, self.docs.location)
                for f in todo:
                    try:
                        f.multiscale, f._arrays = levels_of(f.path, f.multiscale, arrays, self.warnings)
                    except ValueError as e:
                        self._array_errors[f.path] = PlateError(self.docs.location, str(e))

    def array_error(self, fld: Field) -> PlateError:
        """Why a field's levels cannot be read (after :meth:`load_arrays` left them unread)."""
        return self._array_errors.get(fld.path) or PlateError(self.docs.location, f"field {fld.path}: levels not read")

    def labels_of(self, fld: Field) -> dict[str, Labels]:
        self.load_labels([fld])
        return self._labels[fld.path]

    def load_labels(self, fields: list[Field]) -> None:
        with self._lock:
            todo = [f for f in fields if f.path not in self._labels]
            if todo:
                self._labels.update(read_labels(self.docs, todo, self))


def levels_of(key: str, ms: Multiscale, arrays: Mapping[str, ArrayInfo | PlateError | None],
              warnings: list[str], checked: dict[int, Any] | None = None) -> tuple[Multiscale, tuple[ArrayInfo, ...]]:
    """The arrays of a multiscale, checked; later levels that are missing are dropped.

    ``checked`` remembers array documents already checked (plates repeat them thousands of times).
    """
    infos: list[ArrayInfo] = []
    checked = {} if checked is None else checked
    for ds in ms.datasets:
        info = arrays[join_key(key, ds.path)]
        if isinstance(info, PlateError):
            raise ValueError(f"field {key}: array {ds.path!r}: {info.reason}")
        if info is not None:
            check_array(key, ds.path, info, warnings, checked)
        if info is None:
            if not infos:
                raise ValueError(f"field {key}: its full-resolution array {ds.path!r} is missing")
            warnings.append(f"field {key}: level {ds.path!r} is missing; using {len(infos)} level(s)")
            break
        if info.ndim != len(ms.axes):
            raise ValueError(f"field {key}: array {ds.path!r} has {info.ndim} dimensions but the axes are {ms.axis_names!r}")
        infos.append(info)
    if len(infos) < len(ms.datasets):
        ms = dataclasses.replace(ms, datasets=ms.datasets[: len(infos)])
    return ms, tuple(infos)


def check_array(key: str, path: str, info: ArrayInfo, warnings: list[str], checked: dict[int, Any]) -> None:
    """Refuse an array zarr cannot read (chunks of 0, an unknown data type); warn about the rest."""
    if id(info.doc) not in checked:
        checked[id(info.doc)] = (info.doc, array_doc_problems(info.doc, info.zarr_format))  # holding doc keeps its id
    problems = checked[id(info.doc)][1]
    unreadable = [text for bad, text in problems if bad]
    if unreadable:
        raise ValueError(f"field {key}: array {path!r} cannot be read: {'; '.join(unreadable)}")
    warnings.extend(f"field {key}: array {path!r}: {text}" for _, text in problems)


class _Memo:
    """parse(attrs, *args) once per distinct document: stores hand out one dict per distinct
    document, and a plate's fields mostly share theirs (measured: halves the open time)."""

    def __init__(self) -> None:
        self._done: dict[tuple[object, ...], tuple[dict[str, Any], Any]] = {}

    def __call__(self, parse: Callable[[dict[str, Any], *_Ts], _R], attrs: dict[str, Any], *args: *_Ts) -> _R:
        key = (parse, id(attrs), *args)
        if key not in self._done:
            self._done[key] = (attrs, parse(attrs, *args))  # holding attrs keeps its id unique
        return self._done[key][1]


def read_labels(docs: ZarrDocs, fields: list[Field], source: PlateSource) -> dict[str, dict[str, Labels]]:
    """Label images of many fields in three batched reads: labels groups, label images, arrays.

    A labels document that cannot be read or used costs only that label image (a warning).
    """
    memo = _Memo()
    groups = read_isolated(docs.group_attrs_many, [join_key(f.path, "labels") for f in fields], docs.location)
    names: dict[str, list[str]] = {}
    for f in fields:
        attrs = groups[join_key(f.path, "labels")]
        names[f.path] = []
        if isinstance(attrs, PlateError):
            source.warnings.append(f"field {f.path} labels: {attrs.reason}")
            continue
        if attrs is None:
            continue
        try:
            found, notes = memo(parse_labels_group, attrs)
        except MetadataError as e:
            source.warnings.append(f"field {f.path} labels: {e}")
            continue
        source.warnings.extend(f"field {f.path} labels: {n}" for n in notes)
        names[f.path] = found
    image_keys = {(f.path, n): join_key(f.path, "labels", n) for f in fields for n in names[f.path]}
    image_attrs = read_isolated(docs.group_attrs_many, list(image_keys.values()), docs.location)
    parsed: dict[tuple[str, str], tuple[str, Multiscale, ImageLabel | None]] = {}
    for ident, key in image_keys.items():
        attrs = image_attrs[key]
        try:
            if attrs is None or isinstance(attrs, PlateError):
                raise MetadataError(attrs.reason if attrs is not None else "listed in labels but not found in the store")
            ms, notes = memo(parse_multiscales, attrs)
            image_label, more = memo(parse_image_label, attrs)
        except MetadataError as e:
            source.warnings.append(f"labels {key}: {e}")
            continue
        source.warnings.extend(f"labels {key}: {n}" for n in [*notes, *more])
        parsed[ident] = (key, ms, image_label)
    return _label_images(docs, fields, parsed, source)


def _label_images(docs: ZarrDocs, fields: list[Field], parsed: dict[tuple[str, str], tuple[str, Multiscale, ImageLabel | None]],
                  source: PlateSource) -> dict[str, dict[str, Labels]]:
    """The label images whose arrays can be read; warnings for float labels and a size unlike the image's."""
    keys = [join_key(key, ds.path) for key, ms, _ in parsed.values() for ds in ms.datasets]
    arrays = read_isolated(docs.arrays_many, keys, docs.location)
    by_path = {f.path: f for f in fields}
    checked: dict[int, Any] = {}
    out: dict[str, dict[str, Labels]] = {f.path: {} for f in fields}
    for (field_path, name), (key, ms, image_label) in parsed.items():
        try:
            ms, infos = levels_of(key, ms, arrays, source.warnings, checked)
        except ValueError as e:
            source.warnings.append(str(e).replace(f"field {key}", f"labels {key}", 1))
            continue
        source.warnings.extend(f"labels {key}: {p}" for p in label_problems(by_path[field_path], ms, infos[0]))
        out[field_path][name] = Labels(name, key, ms, infos, image_label, source)
    return out


def label_problems(image: Field, ms: Multiscale, level0: ArrayInfo) -> list[str]:
    """What is odd about a label image beside its image: a float data type, another y/x size."""
    return label_array_problems(image.multiscale.axes, image.shape, ms.axes, level0.shape, level0.dtype)
