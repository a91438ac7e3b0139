"""Zarr group and array metadata documents, both zarr formats, read in batches.

zarr-python costs a few milliseconds per array opened; a plate has thousands.
The model is therefore built from the JSON documents read here (one batch per
hierarchy level, or none when the plate has consolidated metadata), and
zarr-python opens only the arrays a user actually looks at.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import PlateError
from .location import Location, check_key, join_key

# Codecs that can run code or produce Python objects (pickle), or only make
# sense for object / string data: never decode these (GHSA-jqc8-qjfv-5m6r).
_UNSAFE_CODEC_WORDS = ("pickle", "vlen", "json", "msgpack", "categorize", "object")
_NUMERIC_KINDS = "biuf"

ZarrFormat = Literal[2, 3]


@dataclass(frozen=True)
class ArrayInfo:
    """What the model needs of one array, without opening it."""

    key: str
    shape: tuple[int, ...]
    dtype: np.dtype
    chunks: tuple[int, ...]
    zarr_format: ZarrFormat
    doc: dict[str, Any] = field(repr=False, compare=False)

    @property
    def ndim(self) -> int:
        return len(self.shape)


def _codec_names(doc: dict[str, Any], zarr_format: int) -> list[str]:
    """Every codec an array declares, nested sharding codecs included."""
    names: list[str] = []
    if zarr_format == 2:
        for spec in [doc.get("compressor"), *(doc.get("filters") or [])]:
            if isinstance(spec, dict):
                names.append(str(spec.get("id", "")))
        return names

    def walk(codecs: Any) -> None:
        for spec in codecs or []:
            if isinstance(spec, str):
                names.append(spec)
            elif isinstance(spec, dict):
                names.append(str(spec.get("name", "")))
                conf = spec.get("configuration") or {}
                walk(conf.get("codecs"))
                walk(conf.get("index_codecs"))

    walk(doc.get("codecs"))
    return names


def _v3_dtype(data_type: Any) -> np.dtype:
    name = data_type.get("name") if isinstance(data_type, dict) else data_type
    return np.dtype(str(name))


def parse_array_doc(key: str, doc: dict[str, Any], zarr_format: ZarrFormat) -> ArrayInfo:
    """Check an array document is safe to decode and summarise it.

    Raises PlateError (without the location; the caller adds it) for object,
    string or structured dtypes and for pickle-style codecs.
    """
    for name in _codec_names(doc, zarr_format):
        if any(word in name.lower() for word in _UNSAFE_CODEC_WORDS):
            raise ValueError(f"array {key!r} declares codec {name!r}, which is refused (it can decode to Python objects)")
    try:
        if zarr_format == 3:
            dtype = _v3_dtype(doc["data_type"])
            grid = doc.get("chunk_grid", {}).get("configuration", {})
            chunks = tuple(grid.get("chunk_shape", doc["shape"]))
            # sharded arrays are read by their inner chunks
            for codec in doc.get("codecs") or []:
                if isinstance(codec, dict) and codec.get("name") == "sharding_indexed":
                    chunks = tuple(codec.get("configuration", {}).get("chunk_shape", chunks))
        else:
            raw = doc["dtype"]
            if not isinstance(raw, str):
                raise ValueError(f"array {key!r} has a structured dtype, which is refused")
            dtype = np.dtype(raw)
            chunks = tuple(doc.get("chunks", doc["shape"]))
        shape = tuple(int(n) for n in doc["shape"])
    except (KeyError, TypeError) as e:
        raise ValueError(f"array {key!r} has incomplete metadata ({e!r} missing or wrong)") from e
    except ValueError as e:
        if "refused" in str(e):
            raise
        raise ValueError(f"array {key!r} has an unknown data type ({e})") from e
    if dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(f"array {key!r} has data type {dtype}; only numeric images are read (object and string arrays are refused)")
    return ArrayInfo(key, shape, dtype, tuple(int(c) for c in chunks), zarr_format, doc)


class ZarrDocs:
    """Reads group attributes and array metadata of one hierarchy."""

    def __init__(self, location: Location, zarr_format: ZarrFormat, consolidated: dict[str, dict[str, Any]] | None) -> None:
        self.location = location
        self.zarr_format = zarr_format
        self._consolidated = consolidated

    @classmethod
    def open_root(cls, location: Location) -> tuple[ZarrDocs, dict[str, Any]]:
        """Detect the zarr format at the root; return the reader and the root's attributes."""
        docs = location.read_json_many(["zarr.json", ".zattrs", ".zgroup", ".zmetadata"])
        if docs["zarr.json"] is not None:
            root = docs["zarr.json"]
            if root.get("node_type") != "group":
                raise PlateError(location, "the root is a zarr array, not a plate group")
            cons = (root.get("consolidated_metadata") or {}).get("metadata")
            return cls(location, 3, cons if isinstance(cons, dict) else None), root.get("attributes") or {}
        if docs[".zattrs"] is None and docs[".zgroup"] is None:
            raise PlateError(location, "no zarr group here (neither zarr.json nor .zgroup/.zattrs): is this an OME-Zarr plate?")
        cons = (docs[".zmetadata"] or {}).get("metadata")
        return cls(location, 2, cons if isinstance(cons, dict) else None), docs[".zattrs"] or {}

    def _raw(self, keys: list[str]) -> dict[str, dict[str, Any] | None]:
        """JSON documents by store key, from consolidated metadata where present."""
        if self._consolidated is None:
            return self.location.read_json_many(keys)
        out: dict[str, dict[str, Any] | None] = {}
        for key in keys:
            check_key(key)
            if self.zarr_format == 3:
                node = key.rsplit("/", 1)[0] if "/" in key else ""
                out[key] = self._consolidated.get(node)
            else:
                out[key] = self._consolidated.get(key)
        return out

    def group_attrs_many(self, paths: list[str]) -> dict[str, dict[str, Any] | None]:
        """Attributes of each group path; None where the group does not exist."""
        if self.zarr_format == 3:
            keys = {p: join_key(p, "zarr.json") for p in paths}
            raw = self._raw(list(keys.values()))
            return {p: (None if (doc := raw[k]) is None else doc.get("attributes") or {}) for p, k in keys.items()}
        keys = {p: join_key(p, ".zattrs") for p in paths}
        raw = self._raw(list(keys.values()))
        out = {p: raw[k] for p, k in keys.items()}
        # a v2 group may have no .zattrs at all: check .zgroup for those only
        bare = [p for p, attrs in out.items() if attrs is None]
        if bare:
            groups = self._raw([join_key(p, ".zgroup") for p in bare])
            for p in bare:
                if groups[join_key(p, ".zgroup")] is not None:
                    out[p] = {}
        return out

    def arrays_many(self, paths: list[str]) -> dict[str, ArrayInfo | PlateError | None]:
        """Metadata of each array path; None where the array does not exist.

        An unsafe or unreadable array gets a PlateError naming it (returned,
        not raised, so that the rest of the plate still opens).
        """
        name = "zarr.json" if self.zarr_format == 3 else ".zarray"
        keys = {p: join_key(p, name) for p in paths}
        raw = self._raw(list(keys.values()))
        out: dict[str, ArrayInfo | PlateError | None] = {}
        seen: dict[int, ArrayInfo] = {}  # identical documents arrive as one dict: check each once
        for p, k in keys.items():
            doc = raw[k]
            if doc is None or (self.zarr_format == 3 and doc.get("node_type") != "array"):
                out[p] = None
            elif id(doc) in seen:
                out[p] = dataclasses.replace(seen[id(doc)], key=p)
            else:
                try:
                    out[p] = seen[id(doc)] = parse_array_doc(p, doc, self.zarr_format)
                except ValueError as e:
                    out[p] = PlateError(f"{self.location}/{p}", str(e))
        return out
