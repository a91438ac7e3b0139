"""Zarr group and array metadata documents, both zarr formats, read in batches.

zarr-python costs a few milliseconds per array opened; a plate has thousands.
The model is therefore built from the JSON documents read here (one batch per
hierarchy level, or none when the plate has consolidated metadata), and
zarr-python opens only the arrays a user actually looks at.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import PlateError
from .array_doc import UNSAFE_CODEC_WORDS, ArrayInfo, ZarrFormat, parse_array_doc
from .location import Location, check_key, join_key

_UNSAFE_CODEC_WORDS = UNSAFE_CODEC_WORDS  # io/chunks.py's name for it
__all__ = ["ArrayInfo", "ZarrDocs", "ZarrFormat", "parse_array_doc"]

Doc = dict[str, Any]


class ZarrDocs:
    """Reads group attributes and array metadata of one hierarchy.

    Every ``*_many`` method returns, per path, the value, None (absent) or a PlateError value
    (that document cannot be read or used): one bad document costs its well or field only.
    """

    def __init__(self, location: Location, zarr_format: ZarrFormat, consolidated: dict[str, Any] | None) -> None:
        self.location = location
        self.zarr_format = zarr_format
        self._consolidated = consolidated

    @classmethod
    def open_root(cls, location: Location) -> tuple[ZarrDocs, Doc]:
        """Detect the zarr format at the root; return the reader and the root's attributes.

        Raises PlateError when the root is no zarr group or its document cannot be read.
        """
        docs = location.read_json_many(["zarr.json", ".zattrs", ".zgroup", ".zmetadata"])
        root, attrs, group = docs["zarr.json"], docs[".zattrs"], docs[".zgroup"]
        if isinstance(root, dict):
            if root.get("node_type") != "group":
                raise PlateError(location, "the root is a zarr array, not a plate group")
            cons = root.get("consolidated_metadata")
            meta = cons.get("metadata") if isinstance(cons, dict) else None
            root_attrs = _attributes(location, root, "zarr.json")
            if isinstance(root_attrs, PlateError):
                raise root_attrs
            return cls(location, 3, meta if isinstance(meta, dict) else None), root_attrs or {}
        if isinstance(attrs, dict) or isinstance(group, dict):
            if isinstance(attrs, PlateError):
                raise attrs
            zmeta = docs[".zmetadata"]  # consolidated metadata is a shortcut: without it, read each document
            meta = zmeta.get("metadata") if isinstance(zmeta, dict) else None
            return cls(location, 2, meta if isinstance(meta, dict) else None), attrs or {}
        for bad in (root, attrs, group):
            if isinstance(bad, PlateError):
                raise bad
        raise PlateError(location, "no zarr group here (neither zarr.json nor .zgroup/.zattrs): is this an OME-Zarr plate?")

    def _raw(self, keys: list[str]) -> dict[str, Doc | PlateError | None]:
        """JSON documents by store key, from consolidated metadata where present."""
        if self._consolidated is None:
            return self.location.read_json_many(keys)
        out: dict[str, Doc | PlateError | None] = {}
        for key in keys:
            try:
                check_key(key)
            except ValueError as e:
                out[key] = PlateError(f"{self.location}/{key if key.isprintable() else repr(key)}", str(e))
                continue
            node = (key.rsplit("/", 1)[0] if "/" in key else "") if self.zarr_format == 3 else key
            doc = self._consolidated.get(node)
            if doc is not None and not isinstance(doc, dict):
                doc = PlateError(f"{self.location}/{key}", "consolidated metadata entry is not a JSON object")
            out[key] = doc
        return out

    def group_attrs_many(self, paths: list[str]) -> dict[str, Doc | PlateError | None]:
        """Attributes of each group path; None where the group does not exist."""
        if self.zarr_format == 3:
            keys = {p: join_key(p, "zarr.json") for p in paths}
            raw = self._raw(list(keys.values()))
            return {p: _attributes(self.location, raw[k], k) for p, k in keys.items()}
        keys = {p: join_key(p, ".zattrs") for p in paths}
        raw = self._raw(list(keys.values()))
        out = {p: raw[k] for p, k in keys.items()}
        # a v2 group may have no .zattrs at all: check .zgroup for those only
        bare = [p for p, attrs in out.items() if attrs is None]
        if bare:
            groups = self._raw([join_key(p, ".zgroup") for p in bare])
            for p in bare:
                group = groups[join_key(p, ".zgroup")]
                out[p] = {} if isinstance(group, dict) else group
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
        seen: dict[int, tuple[str, ArrayInfo | PlateError]] = {}  # identical documents arrive as one dict: check each once
        for p, k in keys.items():
            doc = raw[k]
            if doc is None or isinstance(doc, PlateError):
                out[p] = doc
            elif self.zarr_format == 3 and doc.get("node_type") != "array":
                out[p] = None
            else:
                if id(doc) not in seen:
                    try:
                        seen[id(doc)] = p, parse_array_doc(p, doc, self.zarr_format)
                    except ValueError as e:
                        seen[id(doc)] = p, PlateError(f"{self.location}/{p}", str(e))
                first, got = seen[id(doc)]
                if isinstance(got, ArrayInfo):
                    out[p] = dataclasses.replace(got, key=p)
                else:  # the same problem, named for this array
                    out[p] = got if first == p else PlateError(f"{self.location}/{p}", got.reason.replace(repr(first), repr(p)))
        return out


def _attributes(location: Location, doc: Doc | PlateError | None, key: str) -> Doc | PlateError | None:
    """The attributes of a v3 group document (None: no group there)."""
    if doc is None or isinstance(doc, PlateError):
        return doc
    attrs = doc.get("attributes")
    if attrs is None:
        return {}
    if not isinstance(attrs, dict):
        return PlateError(f"{location}/{key}", "'attributes' is not a JSON object")
    return attrs
