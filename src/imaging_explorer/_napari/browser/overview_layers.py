"""Layer data of the plate overview: one zero-filled mosaic per channel, and one RGBA overlay
image with the row and column names beside the plate, crosses over missing wells and (later)
frames around unreadable fields.

World coordinates are mosaic pixels (see :mod:`imaging_explorer.overview.layout`), so the
mosaics have scale 1 and later markers (calls, heatmaps) can use the layout's boxes directly;
the overlay is coarser and placed by its own scale and translate. Only image layers: napari's
text and shapes have a fixed screen size and cost ~2 s each on their first use in a session.
Pixels arrive later, from the thumbnail worker; nothing here reads any.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from imaging_explorer.ngff import axis_roles
from imaging_explorer.overview.decorations import Overlay, plate_overlay

from .layer_style import layer_kwargs
from .layer_tags import META_KEY

if TYPE_CHECKING:
    from napari.types import LayerDataTuple

    from imaging_explorer.channel_settings import ChannelSettings
    from imaging_explorer.overview import OverviewLayout
    from imaging_explorer.plate import Plate


MAX_OVERVIEW_CHANNELS = 16


def channel_names(plate: Plate) -> list[str]:
    """Display names of the overview's channels: the most any showable field has (first field's
    names first), at most MAX_OVERVIEW_CHANNELS.

    Each channel is a mosaic as large as the plate and a layer: one hostile field claiming 1024
    channels must not make 1024 of them (fields with more show their first ones here and all of
    them in the well view). A field without y and x axes has no picture, so its channels do not count.
    """
    names: list[str] = []
    for well in plate.wells.values():
        for fld in well.fields:
            roles = axis_roles(fld.multiscale.axes)  # by type, then name in any case (iohub: "C")
            if roles.y is None or roles.x is None:
                continue
            n = min(fld.channel_count, MAX_OVERVIEW_CHANNELS)
            for i in range(len(names), n):
                names.append(fld.channels[i].name if i < len(fld.channels) else f"channel {i}")
    return names or ["channel 0"]


def mosaic_dtype(plate: Plate) -> np.dtype:
    dtypes = [fld.dtype for w in plate.wells.values() for fld in w.fields]
    return np.result_type(*dtypes) if dtypes else np.dtype("uint16")


def overview_layer_data(
    plate: Plate, layout: OverviewLayout, settings: ChannelSettings, token: str
) -> tuple[list[np.ndarray], Overlay, list[LayerDataTuple]]:
    """The mosaic arrays (filled in place later), the overlay (drawn into later) and every layer's data.

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
    overlay = plate_overlay(layout)  # measured ~20 ms on 1536 wells: cheap enough for the reader
    layers.append(overlay_layer_data(overlay, token))
    return mosaics, overlay, layers


def overlay_layer_data(overlay: Overlay, token: str) -> LayerDataTuple:
    """The names, crosses and frames overlay: an RGBA image above the mosaics, transparent elsewhere."""
    kwargs = {
        "name": "overview names",
        "rgb": True,
        "scale": (overlay.scale, overlay.scale),
        "translate": overlay.translate,
        "blending": "translucent_no_depth",
        "interpolation2d": "linear",  # smooth names when zoomed in or out
        "metadata": {META_KEY: {"role": "names", "token": token}},
    }
    return overlay.data, kwargs, "image"
