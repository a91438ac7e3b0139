"""Layer data of the plate overview: one zero-filled mosaic per channel, row and column
names beside the plate, crosses over missing wells, frames around unreadable fields.

World coordinates are mosaic pixels (see :mod:`imaging_explorer.overview.layout`), so
every layer here has scale 1 and later markers (calls, heatmaps) can use the layout's
boxes directly. Pixels arrive later, from the thumbnail worker; nothing here reads any.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .layer_style import layer_kwargs
from .layer_tags import META_KEY

if TYPE_CHECKING:
    from napari.types import LayerDataTuple

    from imaging_explorer.channel_settings import ChannelSettings
    from imaging_explorer.overview import OverviewLayout
    from imaging_explorer.plate import Plate

MISSING_COLOR = "#ff5a5a"
ERROR_COLOR = "#ffa500"


def channel_names(plate: Plate) -> list[str]:
    """Display names of the overview's channels: the most any field has, first field's names first."""
    names: list[str] = []
    for well in plate.wells.values():
        for fld in well.fields:
            axes = [a.name for a in fld.multiscale.axes]
            n = fld.arrays[0].shape[axes.index("c")] if "c" in axes else 1
            for i in range(len(names), n):
                names.append(fld.channels[i].name if i < len(fld.channels) else f"channel {i}")
    return names or ["channel 0"]


def mosaic_dtype(plate: Plate) -> np.dtype:
    dtypes = [fld.dtype for w in plate.wells.values() for fld in w.fields]
    return np.result_type(*dtypes) if dtypes else np.dtype("uint16")


def overview_layer_data(
    plate: Plate, layout: OverviewLayout, settings: ChannelSettings, token: str
) -> tuple[list[np.ndarray], list[LayerDataTuple]]:
    """The mosaic arrays (filled in place later) and every overview layer's data.

    Each layer's metadata carries ``{"imaging_explorer": {"role": ..., "token": token}}``
    so the controller can recognise the layers napari made from these tuples.
    """
    names = channel_names(plate)
    dtype = mosaic_dtype(plate)
    mosaics = [np.zeros(layout.shape, dtype) for _ in names]
    layers: list[LayerDataTuple] = []
    for i, (name, mosaic) in enumerate(zip(names, mosaics)):
        kwargs = layer_kwargs(settings.get(name))
        kwargs.setdefault("contrast_limits", (0, 1))  # auto limits are set once pixels arrive
        kwargs.update(
            name=f"overview {name}",
            metadata={META_KEY: {"role": "overview", "token": token, "channel": name, "index": i}},
        )
        layers.append((mosaic, kwargs, "image"))
    layers.append(names_layer_data(layout, token))
    missing = missing_layer_data(layout, token)
    if missing is not None:
        layers.append(missing)
    return mosaics, layers


def names_layer_data(layout: OverviewLayout, token: str) -> LayerDataTuple:
    """Row names left of the plate, column names above it (a Points layer showing text)."""
    py, px = layout.pitch
    coords, labels = [], []
    for name, y in layout.row_centers().items():
        coords.append((y, -0.35 * px))
        labels.append(name)
    for name, x in layout.column_centers().items():
        coords.append((-0.35 * py, x))
        labels.append(name)
    kwargs = {
        "name": "overview names",
        "features": {"name": labels},
        "text": {"string": "{name}", "size": 10, "color": "white", "anchor": "center"},
        "size": 1,
        "face_color": "transparent",
        "border_width": 0,
        "metadata": {META_KEY: {"role": "names", "token": token}},
    }
    return np.asarray(coords, dtype=float).reshape(-1, 2), kwargs, "points"


def _cross(box: tuple[int, int, int, int]) -> list[np.ndarray]:
    y0, x0, y1, x1 = (float(v) for v in box)
    return [np.array([[y0, x0], [y1, x1]]), np.array([[y0, x1], [y1, x0]])]


def missing_layer_data(layout: OverviewLayout, token: str) -> LayerDataTuple | None:
    """Crosses over wells the plate lists but the store lacks; None when there are none."""
    if not layout.missing:
        return None
    shapes: list[np.ndarray] = []
    for r, c in layout.missing.values():
        shapes.extend(_cross(layout.cell_box(r, c)))
    kwargs = {
        "name": "overview missing wells",
        "shape_type": "line",
        "edge_color": MISSING_COLOR,
        "edge_width": max(1.0, layout.tile[0] / 32),
        "opacity": 0.8,
        "metadata": {META_KEY: {"role": "missing", "token": token}},
    }
    return shapes, kwargs, "shapes"


def error_boxes(layout: OverviewLayout, field_paths: list[str]) -> list[np.ndarray]:
    """Rectangles (4 corners) around the tiles of fields that could not be read."""
    out = []
    for path in field_paths:
        if path in layout.fields:
            y0, x0, y1, x1 = (float(v) for v in layout.field_box(path))
            out.append(np.array([[y0, x0], [y0, x1 - 1], [y1 - 1, x1 - 1], [y1 - 1, x0]]))
    return out
