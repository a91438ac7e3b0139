"""Where a plate's arrays and lazily read metadata come from: its location and metadata reader.

:class:`PlateSource` opens zarr arrays as dask arrays on demand and reads label metadata the
first time a field's labels are asked for (:func:`read_labels`: three batched reads for any
number of fields). :func:`levels_of` checks a multiscale's arrays for fields and labels alike.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple

from ..errors import PlateError
from ..io.documents import ArrayInfo, ZarrDocs
from ..io.location import join_key
from ..ngff import ImageLabel, MetadataError, Multiscale, parse_image_label, parse_labels_group, parse_multiscales
from .model import Field, Labels

if TYPE_CHECKING:
    import dask.array as da
    from zarr.abc.store import Store

_R = TypeVar("_R")
_Ts = TypeVarTuple("_Ts")


class PlateSource:
    """Where arrays and lazily read metadata of one plate come from."""

    def __init__(self, docs: ZarrDocs, warnings: list[str]) -> None:
        self.docs = docs
        self.warnings = warnings  # the plate's list: lazily read metadata reports here too
        self._labels: dict[str, dict[str, Labels]] = {}
        self._lock = threading.RLock()  # label metadata may be asked for from worker threads

    @cached_property
    def zarr_store(self) -> Store:
        return self.docs.location.zarr_store()

    def dask_array(self, info: ArrayInfo) -> da.Array:
        import dask.array as da
        import zarr

        try:
            arr = zarr.open_array(store=self.zarr_store, path=info.key, mode="r", zarr_format=info.zarr_format)
        except Exception as e:  # zarr raises many types; the user needs the array named
            raise PlateError(f"{self.docs.location}/{info.key}", f"cannot open array: {e}") from e
        chunks = getattr(arr, "shards", None) or arr.chunks
        return da.from_array(arr, chunks=chunks, name=f"imaging-explorer-{self.docs.location}/{info.key}", inline_array=True)

    def labels_of(self, fld: Field) -> dict[str, Labels]:
        self.load_labels([fld])
        return self._labels[fld.path]

    def load_labels(self, fields: list[Field]) -> None:
        with self._lock:
            todo = [f for f in fields if f.path not in self._labels]
            if todo:
                self._labels.update(read_labels(self.docs, todo, self))


def levels_of(key: str, ms: Multiscale, arrays: dict[str, ArrayInfo | PlateError | None],
              warnings: list[str]) -> tuple[Multiscale, tuple[ArrayInfo, ...]]:
    """The arrays of a multiscale, checked; later levels that are missing are dropped."""
    infos: list[ArrayInfo] = []
    for ds in ms.datasets:
        info = arrays[join_key(key, ds.path)]
        if isinstance(info, PlateError):
            raise ValueError(f"field {key}: {info.reason}")
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
    """Label images of many fields in three batched reads: labels groups, label images, arrays."""
    memo = _Memo()
    groups = docs.group_attrs_many([join_key(f.path, "labels") for f in fields])
    names: dict[str, list[str]] = {}
    for f in fields:
        attrs = groups[join_key(f.path, "labels")]
        names[f.path] = []
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
    image_attrs = docs.group_attrs_many(list(image_keys.values()))
    parsed: dict[tuple[str, str], tuple[str, Multiscale, ImageLabel | None]] = {}
    for ident, key in image_keys.items():
        attrs = image_attrs[key]
        try:
            if attrs is None:
                raise MetadataError("listed in labels but not found in the store")
            ms, notes = memo(parse_multiscales, attrs)
            image_label, more = memo(parse_image_label, attrs)
        except MetadataError as e:
            source.warnings.append(f"labels {key}: {e}")
            continue
        source.warnings.extend(f"labels {key}: {n}" for n in [*notes, *more])
        parsed[ident] = (key, ms, image_label)
    arrays = docs.arrays_many([join_key(key, ds.path) for key, ms, _ in parsed.values() for ds in ms.datasets])
    out: dict[str, dict[str, Labels]] = {f.path: {} for f in fields}
    for (field_path, name), (key, ms, image_label) in parsed.items():
        try:
            ms, infos = levels_of(key, ms, arrays, source.warnings)
        except ValueError as e:
            source.warnings.append(str(e))
            continue
        out[field_path][name] = Labels(name, key, ms, infos, image_label, source)
    return out
