"""Lenient parser for ``image-label`` metadata (label images' colours and properties)."""

from __future__ import annotations

from .common import MetadataError, is_finite, is_wrapped, robust, show, unwrap
from .models import ImageLabel
from .parse_image import resolve


@robust("image-label")
def parse_image_label(attrs: dict) -> tuple[ImageLabel | None, list[str]]:
    """Read ``image-label`` metadata leniently.

    Parameters
    ----------
    attrs : dict
        A label image's attributes (0.4 or 0.5 layout).

    Returns
    -------
    tuple of (ImageLabel or None, list of str)
        None (and no warnings) when there is no ``image-label``; otherwise the colours
        (label value -> RGBA, values clamped to 0-255), properties (label value -> the
        entry's other keys) and ``source.image``. Unusable entries are skipped with a warning.

    Raises
    ------
    MetadataError
        ``image-label`` is not an object, or the version is unsupported.
    """
    _, doc = unwrap(attrs)
    if not isinstance(doc, dict) or "image-label" not in doc:
        return None, []
    version, doc, warnings = resolve(attrs, "image-label", "label image")
    where = ("ome." if is_wrapped(attrs) else "") + "image-label"
    label = doc["image-label"]
    if not isinstance(label, dict):
        raise MetadataError(f"{where}: expected an object")
    if "colors" not in label:
        warnings.append(f"{where}.colors: missing (recommended)")
    colors: dict[int, tuple[int, int, int, int]] = {}
    for i, entry in _entries(label, "colors", where, warnings):
        value = _label_int(entry, f"{where}.colors[{i}]", colors, warnings)
        rgba = entry.get("rgba")
        if value is None or rgba is None:
            continue
        if not (isinstance(rgba, list) and len(rgba) == 4 and all(is_finite(v) for v in rgba)):
            warnings.append(f"{where}.colors[{i}].rgba: {show(rgba)} is not 4 numbers; skipped")
            continue
        clamped = tuple(min(255, max(0, int(v))) for v in rgba)
        if clamped != tuple(rgba):
            warnings.append(f"{where}.colors[{i}].rgba: {show(rgba)} clamped to {list(clamped)}")
        colors[value] = clamped  # type: ignore[assignment]
    properties: dict[int, dict] = {}
    for i, entry in _entries(label, "properties", where, warnings):
        value = _label_int(entry, f"{where}.properties[{i}]", properties, warnings)
        if value is not None:
            properties[value] = {k: v for k, v in entry.items() if k != "label-value"}
    source = label.get("source")
    image = source.get("image") if isinstance(source, dict) else None
    return ImageLabel(version, colors, properties,
                      image if isinstance(image, str) else None), warnings


def _entries(label: dict, key: str, where: str, warnings: list[str]
             ) -> list[tuple[int, dict]]:
    """(index, entry) of the object entries of ``label[key]``; the rest skipped with warnings."""
    items = label.get(key, [])
    if not isinstance(items, list):
        warnings.append(f"{where}.{key}: not a list; ignored")
        return []
    bad = [i for i, e in enumerate(items) if not isinstance(e, dict)]
    if bad:
        warnings.append(f"{where}.{key}{bad}: not objects; skipped")
    return [(i, e) for i, e in enumerate(items) if isinstance(e, dict)]


def _label_int(entry: dict, where: str, seen: dict, warnings: list[str]) -> int | None:
    value = entry.get("label-value")
    if is_finite(value) and float(value) == int(value):
        value = int(value)
        if value in seen:
            warnings.append(f"{where}.label-value: duplicate {value}; the first one is kept")
            return None
        return value
    warnings.append(f"{where}.label-value: {show(value)} is not an integer; skipped")
    return None
