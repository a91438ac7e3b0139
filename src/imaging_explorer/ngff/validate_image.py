"""Strict validation of images: multiscales, omero, image-label and labels groups."""

from __future__ import annotations

import re

from . import _checks as c
from ._checks import Ctx
from .common import is_finite, is_int, is_number, path_problem, show

_HEX6 = re.compile(r"^[0-9A-Fa-f]{6}$")
_WINDOW_KEYS = ("start", "end", "min", "max")


def validate_multiscales(doc: dict, prefix: str, ctx: Ctx) -> None:
    """Check ``multiscales`` (and ``omero`` when present) of an image document."""
    items = c.get_list(doc, "multiscales", prefix.rstrip("."), ctx)
    for i in range(len(items or ())):
        where = f"{prefix}multiscales[{i}]"
        ms = c.get_object(items, i, f"{prefix}multiscales", ctx)  # type: ignore[arg-type]
        if ms is not None:
            _multiscale(ms, where, ctx)
    if "omero" in doc:
        _omero(doc["omero"], f"{prefix}omero", ctx)


def _multiscale(ms: dict, where: str, ctx: Ctx) -> None:
    c.field_version(ms, where, ctx)
    c.recommended(ms, ("name", "type", "metadata"), where, ctx)
    c.check_str(ms, "name", where, ctx)
    ndim = _axes(ms, where, ctx)
    datasets = c.get_list(ms, "datasets", where, ctx)
    scales: list[list] = []
    for i in range(len(datasets or ())):
        here = f"{where}.datasets[{i}]"
        ds = c.get_object(datasets, i, f"{where}.datasets", ctx)  # type: ignore[arg-type]
        if ds is None:
            continue
        path = c.check_str(ds, "path", here, ctx, required=True)
        problem = path_problem(path) if path is not None else None
        if problem:
            ctx.add(f"{here}.path", f"{problem}; expected a relative path inside the image")
        scale = _transforms(ds, ndim, here, ctx, required=True)
        if scale is not None:
            scales.append(scale)
    _transforms(ms, ndim, where, ctx, required=False)
    for k in range(1, len(scales)):
        if len(scales[k]) == len(scales[k - 1]) and any(
                b < a for a, b in zip(scales[k - 1], scales[k])):
            ctx.add(f"{where}.datasets[{k}]", "has a finer scale than the level before it; "
                    "datasets must run from highest to lowest resolution")


def _axes(ms: dict, where: str, ctx: Ctx) -> int | None:
    """Check the axes; return their number when usable for length checks."""
    axes = c.get_list(ms, "axes", where, ctx, min_items=0)
    if axes is None:
        return None
    where = f"{where}.axes"
    if not 2 <= len(axes) <= 5:
        ctx.add(where, f"has {len(axes)} axes; 2 to 5 are required")
    names: set[str | None] = set()
    kinds: list[str] = []
    for i in range(len(axes)):
        axis = c.get_object(axes, i, where, ctx)
        if axis is None:
            continue
        name = c.check_str(axis, "name", f"{where}[{i}]", ctx, required=True)
        if name is not None and name in names:
            ctx.add(f"{where}[{i}].name", f"duplicate axis name {show(name)}")
        names.add(name)
        kind = c.check_str(axis, "type", f"{where}[{i}]", ctx)
        c.check_str(axis, "unit", f"{where}[{i}]", ctx)
        # Untyped and custom axes count with channel: "channel or a null / custom type".
        kinds.append(kind if kind in ("space", "time") else "other")
    n_space = kinds.count("space")
    if not 2 <= n_space <= 3:
        ctx.add(where, f"has {n_space} axes of type 'space'; 2 or 3 are required")
    if kinds.count("time") > 1:
        ctx.add(where, "has more than one axis of type 'time'")
    if kinds.count("other") > 1:
        ctx.add(where, "has more than one channel or custom-type axis")
    rank = {"time": 0, "other": 1, "space": 2}
    if [rank[k] for k in kinds] != sorted(rank[k] for k in kinds):
        ctx.add(where, "must be ordered time, then channel or custom, then space axes")
    return len(axes)


def _transforms(obj: dict, ndim: int | None, where: str, ctx: Ctx,
                required: bool) -> list | None:
    """Check coordinateTransformations: one scale, then at most one translation.

    Returns the scale values when they are usable.
    """
    items = c.get_list(obj, "coordinateTransformations", where, ctx, required=required,
                       min_items=0)
    if items is None:
        return None
    if ctx.version == "0.4" and not ctx.strict:
        # The 0.4 suite calls a 2-value scale on t/y/x axes valid (its schema has no length
        # rule, the spec text has): only strict mode holds 0.4 to the text.
        ndim = None
    where = f"{where}.coordinateTransformations"
    kinds: list[str | None] = []
    scale = None
    for i in range(len(items)):
        t = c.get_object(items, i, where, ctx)
        kind = c.check_str(t, "type", f"{where}[{i}]", ctx, required=True) if t else None
        kinds.append(kind)
        if kind not in ("scale", "translation") or t is None:  # no t: kind is None
            if kind is not None:
                ctx.add(f"{where}[{i}].type", f"{show(kind)} is not allowed here; "
                        "expected 'scale', optionally followed by 'translation'")
            continue
        # 0.4 lets a transform point at binary data via "path" instead of listing values.
        if kind not in t and isinstance(t.get("path"), str):
            continue
        if kind not in t:
            ctx.add(f"{where}[{i}]", f"has type {show(kind)} but no {show(kind)} list")
        elif c.check_numbers(t[kind], f"{where}[{i}].{kind}", ctx, ndim) and kind == "scale":
            scale = t[kind]
    if kinds.count("scale") != 1 or kinds[0] != "scale":
        ctx.add(where, f"has {kinds.count('scale')} scale transformations; exactly one is "
                "required, and it must come first")
    if kinds.count("translation") > 1 or len(kinds) > 2:
        ctx.add(where, "may hold only a scale and an optional translation after it")
    return scale


def _omero(omero: object, where: str, ctx: Ctx) -> None:
    if not isinstance(omero, dict):
        ctx.add(where, f"expected an object, got {c.kind_name(omero)}")
        return
    channels = c.get_list(omero, "channels", where, ctx, min_items=0)
    for i in range(len(channels or ())):
        here = f"{where}.channels[{i}]"
        ch = c.get_object(channels, i, f"{where}.channels", ctx)  # type: ignore[arg-type]
        if ch is None:
            continue
        color = c.check_str(ch, "color", here, ctx, required=True)
        if color is not None and not _HEX6.match(color):
            ctx.add(f"{here}.color", f"{show(color)} is not a hex colour 'RRGGBB'")
        c.check_str(ch, "label", here, ctx)
        c.check_str(ch, "family", here, ctx)
        if "active" in ch and not isinstance(ch["active"], bool):
            ctx.add(f"{here}.active", f"expected true or false, got {c.kind_name(ch['active'])}")
        window = ch.get("window")
        if not isinstance(window, dict):
            ctx.add(f"{here}.window", "missing (required)" if window is None and "window" not in ch
                    else f"expected an object, got {c.kind_name(window)}")
            continue
        for key in _WINDOW_KEYS:
            if key not in window:
                ctx.add(f"{here}.window.{key}", "missing (required)")
            elif not is_number(window[key]):
                ctx.add(f"{here}.window.{key}", f"expected a number, got "
                        f"{c.kind_name(window[key])}")
            elif not is_finite(window[key]):
                ctx.add(f"{here}.window.{key}", f"{window[key]} is not a finite number")


def validate_image_label(label: object, where: str, ctx: Ctx) -> None:
    """Check an ``image-label`` object (colors, properties, source, version)."""
    if not isinstance(label, dict):
        ctx.add(where, f"expected an object, got {c.kind_name(label)}")
        return
    c.field_version(label, where, ctx)
    c.recommended(label, ("colors",), where, ctx)
    colors = c.get_list(label, "colors", where, ctx, required=False)
    seen: set[float] = set()
    for i in range(len(colors or ())):
        here = f"{where}.colors[{i}]"
        entry = c.get_object(colors, i, f"{where}.colors", ctx)  # type: ignore[arg-type]
        if entry is None:
            continue
        value = _label_value(entry, here, ctx, integer=False)
        if value is not None and value in seen:
            ctx.add(f"{here}.label-value", f"duplicate label-value {show(value)} in colors")
        seen.add(value)  # type: ignore[arg-type]
        if "rgba" in entry:
            rgba = entry["rgba"]
            if not (isinstance(rgba, list) and len(rgba) == 4
                    and all(is_int(v) and 0 <= v <= 255 for v in rgba)):
                ctx.add(f"{here}.rgba", f"expected 4 integers from 0 to 255, got {show(rgba)}")
    props = c.get_list(label, "properties", where, ctx, required=False)
    seen_props: set[int] = set()
    for i in range(len(props or ())):
        here = f"{where}.properties[{i}]"
        entry = c.get_object(props, i, f"{where}.properties", ctx)  # type: ignore[arg-type]
        value = _label_value(entry, here, ctx, integer=True) if entry is not None else None
        if value is not None and value in seen_props:
            ctx.add(f"{here}.label-value", f"duplicate label-value {show(value)} in properties")
        seen_props.add(value)  # type: ignore[arg-type]
    source = label.get("source")
    if source is not None:
        if not isinstance(source, dict):
            ctx.add(f"{where}.source", f"expected an object, got {c.kind_name(source)}")
        else:
            c.check_str(source, "image", f"{where}.source", ctx)


def _label_value(entry: dict, where: str, ctx: Ctx, integer: bool) -> float | None:
    if "label-value" not in entry:
        ctx.add(f"{where}.label-value", "missing (required)")
        return None
    value = entry["label-value"]
    if not (is_int(value) if integer else is_number(value)):
        want = "an integer" if integer else "a number"
        ctx.add(f"{where}.label-value", f"expected {want}, got {c.kind_name(value)}")
        return None
    return value


def validate_labels_group(labels: object, where: str, ctx: Ctx) -> None:
    """Check a labels group's list of label image paths."""
    if not isinstance(labels, list):
        ctx.add(where, f"expected a list of paths, got {c.kind_name(labels)}")
        return
    seen: set[str] = set()
    for i, path in enumerate(labels):
        problem = path_problem(path)
        if problem:
            ctx.add(f"{where}[{i}]", f"{problem}; expected a relative path inside the group")
        elif path in seen:
            ctx.add(f"{where}[{i}]", f"duplicate {show(path)}")
        seen.add(path)
