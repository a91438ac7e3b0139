"""Build the plate model from a store's metadata documents.

Strict enough to be safe, lenient enough for real writers: anything that can
be understood opens (with a warning); a well or field that cannot is listed
with the reason while the rest of the plate opens; unsafe paths, arrays and
unsupported versions are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings as _warnings
from typing import Any

from ..errors import PlateError, PlateWarning
from ..io.documents import ArrayInfo, ZarrDocs
from ..io.location import Location, join_key
from ..ngff import (
    MetadataError,
    Multiscale,
    PlateMeta,
    axis_roles,
    check_relative_path,
    detect_kind,
    parse_multiscales,
    parse_omero,
    parse_plate,
    parse_well,
    unwrap,
)
from ..ngff.isolate import read_isolated, why
from .field_arrays import read_thumbnail_arrays
from .model import Channel, Field, Plate, Well
from .source import PlateSource, _Memo

MAX_CHANNELS = 1024


def plate_metadata(loc: Location) -> tuple[ZarrDocs, dict[str, Any], PlateMeta, list[str]]:
    """The plate's root document read (its attributes) and parsed, no well opened (a screen lists
    plates by it).

    Raises
    ------
    PlateError
        When the location is no readable plate; the message names the location and the reason.
    """
    docs, root_attrs = ZarrDocs.open_root(loc)
    kind = detect_kind(root_attrs)
    if kind != "plate":
        found = f"an OME-Zarr {kind}" if kind else "no OME-NGFF plate metadata"
        raise PlateError(loc, f"not an HCS plate: found {found}")
    try:
        meta, notes = parse_plate(root_attrs)
    except MetadataError as e:
        raise PlateError(loc, str(e)) from e
    return docs, root_attrs, meta, list(notes)


def open_plate(location: str | os.PathLike[str]) -> Plate:
    """Open an OME-Zarr HCS plate (NGFF 0.4 or 0.5) read-only, from metadata only.

    Parameters
    ----------
    location
        A local path, ``file://``, ``http(s)://`` or ``s3://`` URL of the plate group.

    Raises
    ------
    PlateError
        When the location is not a readable plate; the message names the location and the reason.
    """
    loc = Location(location)
    docs, root_attrs, meta, notes = plate_metadata(loc)
    warnings = list(notes)
    source = PlateSource(docs, warnings)
    missing: dict[str, str] = {}

    well_attrs = read_isolated(docs.group_attrs_many, [w.path for w in meta.wells], loc)
    field_refs: dict[str, list[tuple[str, int | None]]] = {}
    for ref in meta.wells:
        attrs = well_attrs[ref.path]
        if isinstance(attrs, PlateError):
            missing[ref.path] = why(attrs, loc)
            continue
        try:
            field_refs[ref.path] = _field_refs(loc, ref.path, attrs, warnings)
        except (MetadataError, ValueError) as e:
            missing[ref.path] = str(e)

    wells: dict[str, Well] = {}
    fields = _read_fields(docs, field_refs, source, warnings, meta.version)
    for ref in meta.wells:
        if ref.path in missing:
            continue
        got, problems = fields.get(ref.path, ([], ["no fields"]))
        if not got:
            missing[ref.path] = "; ".join(problems) or "no readable field"
            continue
        wells[ref.path] = Well(ref.path, ref.row, ref.column, ref.row_index, ref.column_index, got, problems)
        warnings.extend(f"well {ref.path}: {p}" for p in problems)

    if meta.wells and not wells:
        reasons = "; ".join(f"{p}: {r}" for p, r in list(missing.items())[:3])
        raise PlateError(loc, f"none of the {len(meta.wells)} wells can be read ({reasons})")
    if warnings:
        _warnings.warn(
            f"{loc}: opened with {len(warnings)} deviation(s) from the specification, "
            f"e.g. {warnings[0]} (see Plate.warnings)",
            PlateWarning,
            stacklevel=2,
        )
    return Plate(
        location=str(loc),
        name=meta.name or os.path.basename(str(loc).rstrip("/")),
        version=meta.version,
        zarr_format=docs.zarr_format,
        rows=list(meta.rows),
        columns=list(meta.columns),
        wells=wells,
        missing_wells=missing,
        acquisitions=list(meta.acquisitions),
        field_count=meta.field_count,
        warnings=warnings,
        fingerprint=_fingerprint(loc, root_attrs),
        _source=source,
    )


def _fingerprint(loc: Location, root_attrs: dict[str, Any]) -> str:
    """Identity of a plate that survives moving or copying its folder: a hash of its plate metadata."""
    _, inner = unwrap(root_attrs)
    try:
        text = json.dumps(inner.get("plate"), sort_keys=True, separators=(",", ":"))
    except (RecursionError, ValueError, TypeError) as e:  # NaN is written; deep nesting is not
        raise PlateError(loc, "the plate metadata is nested too deeply to be read") from e
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _field_refs(loc: Location, well_path: str, attrs: dict[str, Any] | None, warnings: list[str]) -> list[tuple[str, int | None]]:
    """(field key, acquisition) of each field a well declares, or finds when it declares none."""
    if attrs is None:
        raise ValueError("well group not found in the store")
    if detect_kind(attrs) == "well":
        meta, notes = parse_well(attrs)
        warnings.extend(f"well {well_path}: {n}" for n in notes)
        return [(join_key(well_path, img.path), img.acquisition) for img in meta.images]
    # hand-made plates: a well group without well metadata; its sub-groups are the fields
    names = loc.list_dirs(well_path)
    if not names:
        raise ValueError("well group has no well metadata and no field sub-groups could be listed")
    warnings.append(f"well {well_path}: no well metadata; fields found from its sub-groups")
    return [(join_key(well_path, check_relative_path(n, "field")), None) for n in names if not n.startswith(".")]


def _read_fields(
    docs: ZarrDocs,
    refs: dict[str, list[tuple[str, int | None]]],
    source: PlateSource,
    warnings: list[str],
    version: str,
) -> dict[str, tuple[list[Field], list[str]]]:
    """Fields of every well in a few batched reads: field groups, then their thumbnail levels' arrays."""
    keys = [key for items in refs.values() for key, _ in items]
    attrs_of = read_isolated(docs.group_attrs_many, keys, docs.location)
    memo = _Memo()
    parsed: dict[str, tuple[Multiscale, dict[str, Any]]] = {}
    problems: dict[str, list[str]] = {w: [] for w in refs}
    for well_path, items in refs.items():
        for key, _ in items:
            attrs = attrs_of[key]
            if attrs is None:
                problems[well_path].append(f"field {key} not found in the store")
                continue
            if isinstance(attrs, PlateError):
                problems[well_path].append(f"field {key}: {why(attrs, docs.location)}")
                continue
            if detect_kind(attrs) not in ("image", "image-label"):
                # a sub-group found by listing that is not an image (e.g. tables/) is not a field
                problems[well_path].append(f"field {key} has no multiscales metadata")
                continue
            try:
                ms, notes = memo(parse_multiscales, attrs)
            except MetadataError as e:
                problems[well_path].append(f"field {key}: {e}")
                continue
            if ms.version != version:
                notes = [*notes, f"NGFF version {ms.version} inside a {version} plate"]
            warnings.extend(f"field {key}: {n}" for n in notes)
            parsed[key] = (ms, attrs)

    thumbnails = read_thumbnail_arrays(docs, {k: ms for k, (ms, _) in parsed.items()}, warnings)
    out: dict[str, tuple[list[Field], list[str]]] = {}
    for well_path, items in refs.items():
        fields: list[Field] = []
        for key, acquisition in items:
            if key not in parsed:
                continue
            got = thumbnails[key]
            if isinstance(got, str):  # the reason its arrays cannot be read
                problems[well_path].append(got)
                continue
            ms, level, info = got
            try:
                channels, notes = _channels(parsed[key][1], axis_roles(ms.axes).c, info, memo)
            except ValueError as e:
                problems[well_path].append(str(e))
                continue
            warnings.extend(f"field {key}: {n}" for n in notes)
            fields.append(Field(key, len(fields), acquisition, ms, (level, info), channels, source))
        out[well_path] = (fields, problems[well_path])
    return out


def _channels(attrs: dict[str, Any], c_axis: int | None, level: ArrayInfo, memo: _Memo) -> tuple[list[Channel], list[str]]:
    """Channels from omero metadata (defaults where absent), with unique display names."""
    n = level.shape[c_axis] if c_axis is not None else 1  # any level: channels are not downsampled
    if n > MAX_CHANNELS:  # a hostile shape would make millions of channel records
        raise ValueError(f"field {level.key.rsplit('/', 1)[0]}: {n} channels; at most {MAX_CHANNELS} are shown")
    meta, notes = memo(parse_omero, attrs, n)
    seen: dict[str, int] = {}
    channels = []
    for i, ch in enumerate(meta):
        label = ch.label or f"Channel {i}"
        seen[label] = seen.get(label, 0) + 1
        name = label if seen[label] == 1 else f"{label} ({seen[label]})"
        channels.append(Channel(name, ch.color, ch.window, ch.label, ch.active, ch.limits))
    return channels, notes
