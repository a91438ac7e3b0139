"""Lenient parsers for images (multiscales, omero channels) and the version lookup they share."""

from __future__ import annotations

import re
from typing import Any

from .common import (
    SUPPORTED_VERSIONS,
    MetadataError,
    as_text,
    check_relative_path,
    detect_kind,
    is_finite,
    is_int,
    is_number,
    is_wrapped,
    robust,
    show,
    supported_text,
    unwrap,
)
from .models import Axis, Channel, Dataset, Multiscale

DEFAULT_COLORS = ("0000FF", "00FF00", "FF0000", "FF00FF", "00FFFF", "FFFF00", "FFFFFF")
_HEX = re.compile(r"^[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")
_AXIS_TYPES = {"x": "space", "y": "space", "z": "space", "t": "time", "c": "channel"}


def _inner_version(doc: dict, key: str) -> Any:
    value = doc.get(key)
    if key == "multiscales":
        value = value[0] if isinstance(value, list) and value else None
    return value.get("version") if isinstance(value, dict) else None


def resolve(attrs: object, key: str, what: str) -> tuple[str, dict, list[str]]:
    """Find the document holding ``key`` and the NGFF version it follows.

    Returns (version, document, warnings). A missing version is assumed (0.5 under "ome",
    else 0.4) with a warning; an unsupported one raises MetadataError listing the
    supported versions, as does a document without ``key``.
    """
    if not isinstance(attrs, dict):
        raise MetadataError("attributes: expected an object")
    wrapped = is_wrapped(attrs)
    doc = attrs["ome"] if wrapped else attrs
    prefix = "ome." if wrapped else ""
    if key not in doc:
        kind = detect_kind(attrs)
        raise MetadataError(f"{prefix}{key}: missing; these attributes describe "
                            f"{'a ' + kind if kind else 'no OME-NGFF object'}, not a {what}")
    warnings: list[str] = []
    version = doc.get("version") if wrapped else None
    where = "ome.version"
    if version is None:
        # A 0.4 label image may carry its version only in multiscales[0].
        for k in (key, "multiscales") if key == "image-label" else (key,):
            version = _inner_version(doc, k)
            if version is not None:
                where = f"{prefix}{k}{'[0]' if k == 'multiscales' else ''}.version"
                break
        else:
            where = "ome.version" if wrapped else (
                f"{key}{'[0]' if key == 'multiscales' else ''}.version")
    if version is None:
        version = "0.5" if wrapped else "0.4"
        warnings.append(f"{where}: missing; assuming NGFF {version}")
    elif version not in SUPPORTED_VERSIONS:
        raise MetadataError(f"{where}: {show(version)} is not a supported NGFF version "
                            f"({supported_text()})")
    if version == "0.5" and not wrapped:
        warnings.append(f"{where}: NGFF 0.5 metadata should sit under 'ome'")
    elif version == "0.4" and wrapped:
        warnings.append(f"{where}: NGFF 0.4 metadata should not sit under 'ome'")
    return version, doc, warnings


def _axis(item: object, where: str, warnings: list[str]) -> Axis:
    if isinstance(item, str):  # NGFF 0.3 listed axes as bare names
        warnings.append(f"{where}: {show(item)} is a bare name, not an axis object")
        return Axis(item, _AXIS_TYPES.get(item))
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(item, dict) or not isinstance(name, str) or not name:
        raise MetadataError(f"{where}.name: missing; the axes cannot be interpreted")
    kind, unit = item.get("type"), item.get("unit")
    return Axis(name, kind if isinstance(kind, str) else None,
                unit if isinstance(unit, str) else None)


def _values(t: dict, key: str, ndim: int, where: str, warnings: list[str]
            ) -> tuple[float, ...]:
    values = t.get(key)
    if not isinstance(values, list) or not all(is_number(v) for v in values) or not values:
        raise MetadataError(f"{where}.{key}: expected a list of numbers, got {show(values)}")
    if len(values) > ndim:
        raise MetadataError(f"{where}.{key}: {len(values)} values for {ndim} axes")
    if len(values) < ndim:
        # A valid 0.4 conformance case scales only the trailing (y, x) axes of t/y/x:
        # read it like broadcasting, identity on the leading axes.
        pad = [1.0 if key == "scale" else 0.0] * (ndim - len(values))
        warnings.append(f"{where}.{key}: {len(values)} values for {ndim} axes; "
                        f"the leading axes get {pad[0]:g}")
        values = pad + values
    bad = [i for i, v in enumerate(values) if not is_finite(v)]
    if bad:
        identity = 1.0 if key == "scale" else 0.0
        warnings.append(f"{where}.{key}: {show(values)} holds values that are not finite "
                        f"(NaN or infinite) at {bad}; read as {identity:g}")
        values = [identity if i in bad else v for i, v in enumerate(values)]
    return tuple(float(v) for v in values)


def _transforms(obj: dict, ndim: int, where: str, warnings: list[str], *, level: bool
                ) -> tuple[tuple[float, ...] | None, tuple[float, ...] | None]:
    """(scale, translation) of a dataset (``level``) or a multiscale; lenient."""
    items = obj.get("coordinateTransformations")
    where = f"{where}.coordinateTransformations"
    scale = translation = None
    for i, t in enumerate(items if isinstance(items, list) else ()):
        kind = t.get("type") if isinstance(t, dict) else None
        if kind not in ("scale", "translation") or kind not in t:
            continue
        try:
            values = _values(t, kind, ndim, f"{where}[{i}]", warnings)
        except MetadataError:
            if level and kind == "scale":  # a level without a usable scale cannot be placed
                raise
            warnings.append(f"{where}[{i}]: unusable {kind}; ignored")
            continue
        if kind == "scale" and scale is None:
            scale = values
        elif kind == "translation" and translation is None:
            translation = values
        else:
            warnings.append(f"{where}[{i}]: a second {kind}; ignored")
    if scale is None and level:
        warnings.append(f"{where}: no scale; assuming 1 for every axis")
        scale = (1.0,) * ndim
    return scale, translation


@robust("multiscales")
def parse_multiscales(attrs: dict) -> tuple[Multiscale, list[str]]:
    """Read the first multiscale of an image (or label image) leniently.

    Parameters
    ----------
    attrs : dict
        The image group's attributes (0.4 or 0.5 layout).

    Returns
    -------
    tuple of (Multiscale, list of str)
        The multiscale (datasets full resolution first, as listed) and the warnings.
        Integer dataset paths become strings and a missing dataset scale becomes 1s, with
        warnings.

    Raises
    ------
    MetadataError
        No multiscales, axes or datasets; an axis without a name; a dataset without a path,
        with an unsafe path or with a scale whose length differs from the number of axes;
        an unsupported version.
    """
    version, doc, warnings = resolve(attrs, "multiscales", "multiscale image")
    where = ("ome." if is_wrapped(attrs) else "") + "multiscales[0]"
    items = doc["multiscales"]
    ms = items[0] if isinstance(items, list) and items else None
    if not isinstance(ms, dict):
        raise MetadataError(f"{where}: missing; the image lists no multiscale")
    axes_in, datasets_in = ms.get("axes"), ms.get("datasets")
    if not isinstance(axes_in, list) or not axes_in:
        raise MetadataError(f"{where}.axes: missing or empty; the image cannot be interpreted")
    if not isinstance(datasets_in, list) or not datasets_in:
        raise MetadataError(f"{where}.datasets: missing or empty; the image has no arrays")
    axes = tuple(_axis(a, f"{where}.axes[{i}]", warnings) for i, a in enumerate(axes_in))
    names = [a.name for a in axes]
    if len(set(names)) != len(names):
        warnings.append(f"{where}.axes: duplicate axis names {names}")
    datasets = []
    for i, ds in enumerate(datasets_in):
        here = f"{where}.datasets[{i}]"
        path = ds.get("path") if isinstance(ds, dict) else None
        if is_int(path):
            warnings.append(f"{here}.path: the number {path} is not a string; read as '{path}'")
            path = str(path)
        if path is None:
            raise MetadataError(f"{here}.path: missing; the array cannot be found")
        check_relative_path(path, f"{here}.path")
        scale, translation = _transforms(ds, len(axes), here, warnings, level=True)
        datasets.append(Dataset(path, scale, translation))  # type: ignore[arg-type]
    scale, translation = _transforms(ms, len(axes), where, warnings, level=False)
    name = ms.get("name")
    return Multiscale(version, axes, tuple(datasets), None if name is None else as_text(name),
                      scale, translation), warnings


def _color(value: object, where: str, default: str, warnings: list[str]) -> str:
    if isinstance(value, str) and _HEX.match(value.strip().lstrip("#")):
        text = value.strip().lstrip("#")
        if len(text) == 8:
            warnings.append(f"{where}: {show(value)} has an alpha part; ignored")
        return text[:6].upper()
    warnings.append(f"{where}: {show(value)} is not a colour 'RRGGBB'; using {default}")
    return default


def _pair(window: dict, keys: tuple[str, str], where: str, warnings: list[str]
          ) -> tuple[float, float] | None:
    out = []
    for key in keys:
        value = window.get(key)
        if isinstance(value, str):
            try:
                value = float(value)
                warnings.append(f"{where}.{key}: a string; read as the number {value}")
            except ValueError:
                pass
        if not is_finite(value):
            if key in window:
                warnings.append(f"{where}.{key}: {show(value)} is not a finite number; ignored")
            return None
        out.append(float(value))
    return out[0], out[1]


def parse_omero(attrs: dict, n_channels: int) -> tuple[list[Channel], list[str]]:
    """Read channel display settings from ``omero``, filled up with defaults.

    Parameters
    ----------
    attrs : dict
        The image group's attributes (0.4 or 0.5 layout).
    n_channels : int
        How many channels the image has (the length of its ``c`` axis, 1 without one).

    Returns
    -------
    tuple of (list of Channel, list of str)
        Exactly ``n_channels`` channels and the warnings. Missing channels get the label
        ``"Channel {i}"`` and a colour from ``DEFAULT_COLORS``; colours are stored as upper
        case ``RRGGBB`` (``"#ff0000"`` -> ``"FF0000"``). Never raises for bad metadata.
    """
    try:
        return _parse_omero(attrs, n_channels)
    except Exception as e:  # noqa: BLE001 - hostile input: display settings are never worth a field
        where = "omero"
        reason = "nested too deeply" if isinstance(e, RecursionError) else f"unusable ({type(e).__name__})"
        defaults = [Channel(f"Channel {i}", DEFAULT_COLORS[i % len(DEFAULT_COLORS)]) for i in range(n_channels)]
        return defaults, [f"{where}: {reason}; default channel settings used"]


def _parse_omero(attrs: dict, n_channels: int) -> tuple[list[Channel], list[str]]:
    _, doc = unwrap(attrs)
    omero = doc.get("omero")
    where = ("ome." if is_wrapped(attrs) else "") + "omero.channels"
    warnings: list[str] = []
    listed = omero.get("channels") if isinstance(omero, dict) else None
    if omero is not None and not isinstance(listed, list):
        warnings.append(f"{where}: missing or not a list; default channel settings used")
    listed = listed if isinstance(listed, list) else []
    if omero is not None and len(listed) != n_channels:
        more = len(listed) > n_channels
        warnings.append(f"{where}: {len(listed)} listed for {n_channels} channels; "
                        + ("the extra ones are ignored" if more else "defaults for the rest"))
    channels = []
    for i in range(n_channels):
        default = DEFAULT_COLORS[i % len(DEFAULT_COLORS)]
        ch = listed[i] if i < len(listed) and isinstance(listed[i], dict) else None
        if ch is None:
            channels.append(Channel(f"Channel {i}", default))
            continue
        here = f"{where}[{i}]"
        label = ch.get("label")
        label = f"Channel {i}" if label is None or label == "" else as_text(label)
        color = _color(ch["color"], f"{here}.color", default, warnings) if "color" in ch else default
        window = ch.get("window") if isinstance(ch.get("window"), dict) else {}
        active = ch.get("active", True)
        channels.append(Channel(label, color, _pair(window, ("start", "end"), f"{here}.window",
                                                    warnings),
                                _pair(window, ("min", "max"), f"{here}.window", warnings),
                                active if isinstance(active, bool) else True))
    return channels, warnings
