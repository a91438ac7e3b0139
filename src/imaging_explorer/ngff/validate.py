"""Strict validation: every deviation from the OME-NGFF 0.4 / 0.5 spec, as sentences.

The rules follow the spec's JSON schemas and text, and the spec's conformance suites
(../shared/conformance) are the ground truth where they differ.
"""

from __future__ import annotations

from . import _checks as c
from ._checks import Ctx
from .common import (
    SUPPORTED_VERSIONS,
    detect_kind,
    is_alnum,
    is_wrapped,
    show,
    supported_text,
    unwrap,
)
from .validate_image import (
    validate_image_label,
    validate_labels_group,
    validate_multiscales,
)


def validate_metadata(attrs: dict, version: str | None = None, strict: bool = False) -> list[str]:
    """Report every problem of a group's OME-NGFF metadata.

    Parameters
    ----------
    attrs : dict
        The group's attributes (``.zattrs`` for 0.4, ``zarr.json`` ``attributes`` for 0.5).
        The kind (plate, well, image, image-label, labels) is detected from the keys.
    version : str, optional
        The NGFF version the caller expects; None takes it from the document. With ``"0.5"``
        the metadata must sit under ``"ome"``.
    strict : bool
        Also report missing RECOMMENDED fields (the spec's ``strict_*`` schemas).

    Returns
    -------
    list of str
        One sentence per problem, each starting with the offending field path, e.g.
        ``"plate.rows[1].name: duplicate 'A'"``. Empty when the metadata is valid. Never
        raises: metadata too odd to be checked (nested too deeply, ...) is one problem.
    """
    try:
        return _validate(attrs, version, strict)
    except RecursionError:
        return ["attributes: nested too deeply to be checked"]
    except Exception as e:  # noqa: BLE001 - hostile input must be reported, never raised
        return [f"attributes: could not be checked ({type(e).__name__}: {show(str(e))})"]


def _validate(attrs: dict, version: str | None, strict: bool) -> list[str]:
    if not isinstance(attrs, dict):
        return [f"attributes: expected an object, got {c.kind_name(attrs)}"]
    if version is not None and version not in SUPPORTED_VERSIONS:
        return [f"version: {show(version)} is not a supported NGFF version ({supported_text()})"]
    wrapped = is_wrapped(attrs)
    doc_version, doc = unwrap(attrs)
    if detect_kind(attrs) is None:
        where = "ome" if wrapped else "attributes"
        return [(f"{where}: no OME-NGFF metadata recognised (expected one of plate, well, "
                 "multiscales, image-label, labels)")]
    ctx = Ctx(version=_rules_version(version, doc_version, wrapped), expected=version,
              wrapped=wrapped, strict=strict)
    if wrapped:
        _check_ome_version(doc, ctx)
    if ctx.version == "0.5" and not wrapped:
        ctx.add("ome", "missing; NGFF 0.5 metadata must sit under the 'ome' key of the attributes")
    elif ctx.version == "0.4" and wrapped:
        ctx.add("ome", "NGFF 0.4 metadata sits directly in the attributes, not under 'ome'")
    prefix = "ome." if wrapped else ""
    if "plate" in doc:
        _plate(doc["plate"], f"{prefix}plate", ctx)
    if "well" in doc:
        _well(doc["well"], f"{prefix}well", ctx)
    if "multiscales" in doc:
        validate_multiscales(doc, prefix, ctx)
    if "image-label" in doc:
        validate_image_label(doc["image-label"], f"{prefix}image-label", ctx)
    if "labels" in doc:
        validate_labels_group(doc["labels"], f"{prefix}labels", ctx)
    return ctx.problems


def _rules_version(expected: str | None, declared: object, wrapped: bool) -> str:
    """The version whose rules apply: the caller's, else the document's, else by layout."""
    if expected is not None:
        return expected
    if declared in SUPPORTED_VERSIONS:
        return declared
    return "0.5" if wrapped else "0.4"


def _check_ome_version(doc: dict, ctx: Ctx) -> None:
    value = doc.get("version")
    if value is None and detect_kind(doc) == "labels":
        # The 0.5 schemas require ome.version for plate, well, image and image-label; no
        # schema covers the labels group, and ome-zarr-py 0.18 omits it there.
        if ctx.strict:
            ctx.add("ome.version", "missing (recommended; the NGFF version, e.g. '0.5')")
    elif value is None:
        ctx.add("ome.version", "missing (required in NGFF 0.5)")
    elif value not in SUPPORTED_VERSIONS:
        ctx.add("ome.version", f"{c.kind_name(value)} is not a supported NGFF version "
                f"({supported_text()})")
    elif value != ctx.version:
        ctx.add("ome.version", f"{show(value)}, but NGFF {ctx.version} was expected")


def _names(plate: dict, key: str, where: str, ctx: Ctx) -> list[str | None] | None:
    """Check ``rows`` / ``columns``; return their names (None for unusable entries)."""
    items = c.get_list(plate, key, where, ctx)
    if items is None:
        return None
    names: list[str | None] = []
    seen: set[str] = set()
    for i in range(len(items)):
        item = c.get_object(items, i, f"{where}.{key}", ctx)
        name = c.check_str(item, "name", f"{where}.{key}[{i}]", ctx, required=True) if item else None
        names.append(name)
        if name is None:
            continue
        if not is_alnum(name):
            ctx.add(f"{where}.{key}[{i}].name", f"{show(name)} must contain only letters and digits")
        if name in seen:
            ctx.add(f"{where}.{key}[{i}].name", f"duplicate {show(name)}")
        seen.add(name)
    return names


def _plate(plate: object, where: str, ctx: Ctx) -> None:
    if not isinstance(plate, dict):
        ctx.add(where, f"expected an object, got {c.kind_name(plate)}")
        return
    c.field_version(plate, where, ctx)
    c.recommended(plate, ("name",), where, ctx)
    c.check_str(plate, "name", where, ctx)
    rows = _names(plate, "rows", where, ctx)
    columns = _names(plate, "columns", where, ctx)
    _wells(plate, rows, columns, where, ctx)
    _acquisitions(plate, where, ctx)
    c.check_int(plate, "field_count", where, ctx, minimum=1)


def _index(well: dict, key: str, names: list | None, where: str, ctx: Ctx) -> int | None:
    index = c.check_int(well, key, where, ctx, required=True, minimum=0)
    if index is not None and names is not None and index >= len(names):
        ctx.add(f"{where}.{key}", f"{index} is out of range ({len(names)} entries)")
        return None
    return index


def _wells(plate: dict, rows: list | None, columns: list | None, where: str, ctx: Ctx) -> None:
    wells = c.get_list(plate, "wells", where, ctx)
    seen: set[str] = set()
    for i in range(len(wells or ())):
        here = f"{where}.wells[{i}]"
        well = c.get_object(wells, i, f"{where}.wells", ctx)  # type: ignore[arg-type]
        if well is None:
            continue
        path = c.check_str(well, "path", here, ctx, required=True)
        ri = _index(well, "rowIndex", rows, here, ctx)
        ci = _index(well, "columnIndex", columns, here, ctx)
        if path is None:
            continue
        parts = path.split("/")
        if len(parts) != 2 or not all(is_alnum(p) for p in parts):
            ctx.add(f"{here}.path", f"{show(path)} must be '<row>/<column>' (letters and digits)")
        elif ctx.version == "0.5" and None not in (ri, ci, rows, columns):
            # 0.5 made the path "row name/column name"; the 0.4 suite still has "A/1" with
            # row "1" and column "A" as valid, so 0.4 is not held to it.
            expected = f"{rows[ri]}/{columns[ci]}"  # type: ignore[index]
            if None not in (rows[ri], columns[ci]) and path != expected:  # type: ignore[index]
                ctx.add(f"{here}.path", f"{show(path)} does not match its rowIndex and columnIndex "
                        f"(expected {show(expected)}: row name, then column name)")
        if path in seen:
            ctx.add(f"{here}.path", f"duplicate {show(path)}")
        seen.add(path)


def _acquisitions(plate: dict, where: str, ctx: Ctx) -> None:
    items = c.get_list(plate, "acquisitions", where, ctx, required=False, min_items=0) or []
    seen: set[int | None] = set()
    for i in range(len(items)):
        here = f"{where}.acquisitions[{i}]"
        acq = c.get_object(items, i, f"{where}.acquisitions", ctx)
        if acq is None:
            continue
        ident = c.check_int(acq, "id", here, ctx, required=True, minimum=0)
        if ident is not None and ident in seen:
            ctx.add(f"{here}.id", f"duplicate acquisition id {ident}")
        seen.add(ident)
        c.check_int(acq, "maximumfieldcount", here, ctx, minimum=1)
        c.check_str(acq, "name", here, ctx)
        c.check_str(acq, "description", here, ctx)
        c.check_int(acq, "starttime", here, ctx, minimum=0)
        c.check_int(acq, "endtime", here, ctx, minimum=0)
        c.recommended(acq, ("name", "maximumfieldcount"), here, ctx)


def _well(well: object, where: str, ctx: Ctx) -> None:
    if not isinstance(well, dict):
        ctx.add(where, f"expected an object, got {c.kind_name(well)}")
        return
    c.field_version(well, where, ctx)
    images = c.get_list(well, "images", where, ctx)
    seen: set[str] = set()
    for i in range(len(images or ())):
        here = f"{where}.images[{i}]"
        image = c.get_object(images, i, f"{where}.images", ctx)  # type: ignore[arg-type]
        if image is None:
            continue
        path = c.check_str(image, "path", here, ctx, required=True)
        c.check_int(image, "acquisition", here, ctx)
        if path is None:
            continue
        if not is_alnum(path):
            ctx.add(f"{here}.path", f"{show(path)} must contain only letters and digits")
        if path in seen:
            ctx.add(f"{here}.path", f"duplicate {show(path)}")
        seen.add(path)
