"""Plate overview, Qt-free: thumbnails of every field on a lean batched read path, their
layout in plate coordinates, the per-channel mosaic, and a cache of plates seen before.

Typical use (e.g. in a worker thread)::

    plate = open_plate(loc)
    layout = plate_layout(plate)
    thumbs = read_thumbnails(plate, cache=ThumbnailCache())
    channels = build_mosaic(layout, thumbs, n_channels)   # one 2-D array per channel
"""

from __future__ import annotations

from .contrast import ChannelEstimate, ContrastSampler, robust_window, window_is_useless
from .decorations import Overlay, draw_frames, plate_overlay
from .layout import MAX_TEXTURE, OverviewLayout, build_mosaic, fit_tile, plate_layout
from .thumbnail_cache import ThumbnailCache
from .thumbnails import (
    ThumbnailBatch,
    Thumbnails,
    choose_level,
    iter_thumbnails,
    read_thumbnails,
)

__all__ = [
    "MAX_TEXTURE",
    "ChannelEstimate",
    "ContrastSampler",
    "Overlay",
    "OverviewLayout",
    "ThumbnailBatch",
    "ThumbnailCache",
    "Thumbnails",
    "build_mosaic",
    "choose_level",
    "draw_frames",
    "fit_tile",
    "iter_thumbnails",
    "plate_layout",
    "plate_overlay",
    "read_thumbnails",
    "robust_window",
    "window_is_useless",
]
