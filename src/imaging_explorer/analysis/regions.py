"""Per-object measurements of one field: area, centroid and mean intensity per channel.

What the well view shows when the cursor rests on a nucleus. Computed on demand for the
field on screen (scikit-image ``regionprops_table``: ~55 ms for a 2048 x 2048 field with
500 nuclei and 3 channels, measured here) and remembered while the field object lives.
No Qt, no napari.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..plate import Field, Labels

__all__ = ["field_label_stats", "label_at", "label_stats"]

# field -> {(labels name, level, t, z): table}; weak, so closing a plate frees its tables
_CACHE: weakref.WeakKeyDictionary[Field, dict[tuple[str, int, int, int], pd.DataFrame]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()  # asked for from napari thread workers


def _columns(channel_names: list[str]) -> list[str]:
    return ["label", "area", "centroid_y", "centroid_x", *(f"mean_{n}" for n in channel_names)]


def label_stats(labels: np.ndarray, image: np.ndarray, channel_names: list[str]) -> pd.DataFrame:
    """Area, centroid and mean intensity per channel of every object in a label image.

    Parameters
    ----------
    labels
        2-D label image (y, x) of integers; 0 is background.
    image
        The channels at the same resolution, (c, y, x); a 2-D (y, x) image is one channel.
    channel_names
        One name per channel; the mean columns are ``mean_<name>``.

    Returns
    -------
    pandas.DataFrame
        One row per label id (ascending) with columns ``label``, ``area`` (pixels),
        ``centroid_y``, ``centroid_x`` (pixels) and ``mean_<name>`` per channel. Empty
        (with these columns) when there is no object.

    Raises
    ------
    ValueError
        When the shapes do not match, the names do not fit the channels, or the labels are
        not integers.
    """
    from skimage.measure import regionprops_table  # heavy import: only when measuring

    labels = np.asarray(labels)
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[np.newaxis]
    if labels.ndim != 2 or image.ndim != 3 or labels.shape != image.shape[1:]:
        raise ValueError(f"labels {labels.shape} and image {image.shape} must be (y, x) and (c, y, x) of one size")
    names = list(channel_names)
    if len(names) != image.shape[0] or len(set(names)) != len(names):
        raise ValueError(f"{len(names)} channel name(s) {names} for {image.shape[0]} channel(s); names must be unique")
    if labels.dtype.kind == "b":
        labels = labels.astype(np.uint8)
    elif labels.dtype.kind not in "iu":
        if not np.array_equal(labels, np.round(labels)):
            raise ValueError(f"labels must be integers, got {labels.dtype}")
        labels = labels.astype(np.int64)  # a float label image from some pipelines
    columns = _columns(names)
    if not labels.any():
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("label", "area") else "float64") for c in columns})
    # regionprops wants channels last; moveaxis is a view, and measured no slower than a copy
    table = regionprops_table(labels, intensity_image=np.moveaxis(image, 0, -1),
                              properties=("label", "area", "centroid", "intensity_mean"))
    out = pd.DataFrame({
        "label": table["label"].astype(np.int64),
        "area": table["area"].astype(np.int64),
        "centroid_y": table["centroid-0"],
        "centroid_x": table["centroid-1"],
    })
    for i, name in enumerate(names):
        out[f"mean_{name}"] = table[f"intensity_mean-{i}"].astype(np.float64)
    return out[columns]


def _pick(names: tuple[str, ...], shape: tuple[int, ...], t: int, z: int, what: str) -> tuple[int | slice, ...]:
    """Index that keeps c, y, x and picks one t and z; a single t or z plane serves every one.

    ``names`` are canonical axis names (``Field.roles.names``); other axes give their first plane.
    """
    index: list[int | slice] = []
    for axis, n in zip(names, shape):
        if axis in ("t", "z"):
            want = t if axis == "t" else z
            if n == 1:
                want = 0  # e.g. one segmentation of a projection for every z plane
            elif not 0 <= want < n:
                raise ValueError(f"{what}: {axis} = {want} is out of range (0..{n - 1})")
            index.append(want)
        else:
            index.append(slice(None) if axis in ("c", "y", "x") else 0)
    return tuple(index)


def _label_level(lab: Labels, level: int, yx: tuple[int, ...]) -> int:
    """The label level with the image level's y, x shape (pyramids can differ in depth)."""
    shapes = [arr.shape[-2:] for arr in lab.levels]
    if level < len(shapes) and shapes[level] == yx:
        return level
    for i, s in enumerate(shapes):
        if s == yx:
            return i
    raise ValueError(f"labels {lab.name!r}: no level has the image's y, x shape {yx} (levels: {shapes})")


def field_label_stats(field: Field, labels_name: str, level: int = 0, t: int = 0,
                      z: int | None = None) -> pd.DataFrame:
    """:func:`label_stats` of one field's label image, reading its arrays on first use.

    Parameters
    ----------
    field
        The field (any of the axes ``yx``, ``cyx``, ``zyx``, ``czyx``, ``tczyx`` ...).
    labels_name
        Name of the label image in ``field.labels`` (e.g. ``"nuclei"``).
    level
        Pyramid level of the image; the label level with the same y, x shape is used.
    t
        Time point.
    z
        Plane; None = the middle plane. A label image with a single t or z plane is used
        for every time point or plane.

    Returns
    -------
    pandas.DataFrame
        As :func:`label_stats`, with the field's channel names. Remembered per field, so
        asking again (e.g. on every mouse move) costs nothing.

    Raises
    ------
    ValueError
        For an unknown label name, a level, t or z out of range, or no label level of the
        image's size.
    """
    import dask

    available = field.labels
    if labels_name not in available:
        raise ValueError(f"field {field.path}: no labels {labels_name!r} (has: {', '.join(available) or 'none'})")
    if not 0 <= level < len(field.levels):
        raise ValueError(f"field {field.path}: level {level} out of range (0..{len(field.levels) - 1})")
    image = field.levels[level]
    roles = field.roles  # by axis type, then name in any case (iohub writes T, C, Z, Y, X)
    if z is None:
        z = image.shape[roles.z] // 2 if roles.z is not None else 0
    key = (labels_name, level, t, z)
    with _CACHE_LOCK:
        cached = _CACHE.get(field, {}).get(key)
    if cached is not None:
        return cached
    lab = available[labels_name]
    lab_level = _label_level(lab, level, tuple(image.shape[-2:]))
    lab_arr = lab.levels[lab_level]
    plane = image[_pick(roles.names, image.shape, t, z, f"field {field.path}")]
    lab_names = lab.roles.names
    lab_index = _pick(lab_names, lab_arr.shape, t, z, f"labels {lab.name!r}")
    # a label image with a channel axis holds one segmentation in it
    lab_index = tuple(0 if a == "c" else i for a, i in zip(lab_names, lab_index))
    plane_np, lab_np = dask.compute(plane, lab_arr[lab_index])  # one pass: the reads overlap
    if roles.c is None:
        plane_np = plane_np[np.newaxis]
    names = [ch.name for ch in field.channels]
    if len(names) != plane_np.shape[0]:
        names = [f"Channel {i}" for i in range(plane_np.shape[0])]
    table = label_stats(lab_np, plane_np, names)
    with _CACHE_LOCK:
        _CACHE.setdefault(field, {})[key] = table
    return table


def label_at(field_stats: pd.DataFrame, label_id: int) -> dict[str, Any] | None:
    """The measurements of one object, for a hover read-out.

    Parameters
    ----------
    field_stats
        A table from :func:`label_stats` or :func:`field_label_stats`.
    label_id
        The label id under the cursor; 0 (background) gives None.

    Returns
    -------
    dict or None
        Column name -> plain Python value, or None when the id is not in the table.
    """
    if label_id is None or int(label_id) == 0 or field_stats.empty:
        return None
    rows = field_stats.loc[field_stats["label"].to_numpy() == int(label_id)]
    if rows.empty:
        return None
    # column by column: one row as a Series would turn the integer label into a float
    return {c: (v.item() if hasattr(v, "item") else v) for c in rows.columns for v in [rows[c].iloc[0]]}
