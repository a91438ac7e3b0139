"""The plate overview as a figure: every field's thumbnail in the plate's layout, composed to
RGB with the plate's channel settings, row and column names beside it and a scale bar.

Memory stays bounded: the thumbnails come from each field's lowest pyramid level that is still
big enough (the overview's own read path, :func:`~imaging_explorer.overview.read_thumbnails`,
optionally through its :class:`~imaging_explorer.overview.ThumbnailCache`), the mosaic is capped
at ``max_side`` pixels, and the colours are composed in bands of rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..overview import (
    OverviewLayout,
    build_mosaic,
    fit_tile,
    plate_layout,
    read_thumbnails,
)
from .channels import figure_settings
from .pixel_size import pixel_size_um
from .plot_style import LIGHT, new_figure
from .scale_bar import draw_scale_bar, length_text
from .well_images import compose_rgb

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..channel_settings import ChannelSetting
    from ..overview import ThumbnailCache, Thumbnails
    from ..plate import Plate
    from .well_images import SettingsSource

__all__ = ["MAX_SIDE", "OverviewImage", "overview_figure", "overview_image"]

MAX_SIDE = 4096  # px: the mosaic's longest side (a 300 dpi print 13 inches wide)
BAND_ROWS = 512  # mosaic rows composed at a time
NO_SCALE = "no scale bar: the file gives no pixel size in µm"


@dataclass(frozen=True)
class OverviewImage:
    """The overview composed: RGB (y, x, 3) uint8, its layout, µm per pixel (None: unknown)."""

    rgb: np.ndarray
    layout: OverviewLayout
    pixel_um: float | None
    errors: dict[str, str]  # field path -> why it has no thumbnail


def _channel_names(plate: Plate) -> list[str]:
    """Mosaic channel index -> name: the first field's names (as the napari overview's layers)."""
    for well in plate.wells.values():
        for fld in well.fields:
            if fld.channels:
                return [c.name for c in fld.channels]
    return []


def _pixel_um(plate: Plate, thumbs: Thumbnails, layout: OverviewLayout) -> float | None:
    """µm per mosaic pixel: the most common over the fields read (None when unknown)."""
    sizes: Counter[float] = Counter()
    for well in plate.wells.values():
        for fld in well.fields:
            image = thumbs.get(fld.path)
            if image is None:
                continue
            size = pixel_size_um(fld, thumbs.levels.get(fld.path, 0))
            fitted = fit_tile(image[:1], layout.tile).shape[-1]
            if size is not None and fitted:
                sizes[round(size * image.shape[-1] / fitted, 9)] += 1
    return sizes.most_common(1)[0][0] if sizes else None


def overview_image(plate: Plate, settings: SettingsSource | Mapping[str, ChannelSetting] | None = None,
                   cache: ThumbnailCache | None = None, max_side: int = MAX_SIDE) -> OverviewImage:
    """Read every field's thumbnail and compose the plate mosaic to RGB (in a worker).

    Parameters
    ----------
    plate
        The plate.
    settings
        Channel settings (see :func:`~.channels.figure_settings`; None: the plate's own).
    cache
        The overview's thumbnail cache (a plate seen before is not read again).
    max_side
        The mosaic's longest side in pixels (the tiles shrink to fit).
    """
    thumbs = read_thumbnails(plate, cache=cache)
    layout = plate_layout(plate, max_texture=max_side)
    names = _channel_names(plate)
    n_channels = max([a.shape[0] for a in thumbs.values() if a is not None] or [1])
    names += [f"channel {i}" for i in range(len(names), n_channels)]
    mosaic = build_mosaic(layout, thumbs, n_channels)
    images = [(names, a) for a in thumbs.values() if a is not None]
    shown = figure_settings(plate, names, images, settings)
    stack = np.stack(mosaic) if mosaic else np.zeros((1, *layout.shape))
    rgb = np.zeros((*layout.shape, 3), dtype=np.uint8)
    for y0 in range(0, layout.shape[0], BAND_ROWS):
        rgb[y0:y0 + BAND_ROWS] = compose_rgb(stack[:, y0:y0 + BAND_ROWS], names, shown)
    return OverviewImage(rgb, layout, _pixel_um(plate, thumbs, layout), dict(thumbs.errors))


def overview_figure(plate: Plate, settings: SettingsSource | Mapping[str, ChannelSetting] | None = None,
                    cache: ThumbnailCache | None = None, max_side: int = MAX_SIDE, width: float = 8.0,
                    title: str | None = None, scale_bar_um: float | None = None) -> Figure:
    """The plate overview with row and column names, a scale bar and a caption.

    Parameters
    ----------
    plate, settings, cache, max_side
        As for :func:`overview_image`.
    width
        The figure's width in inches (its height follows the plate's shape).
    title
        Above the plate (default: the plate's name).
    scale_bar_um
        The bar's length in µm (None: a round length; 0: none). Without a pixel size in the
        file there is no bar and the caption says so.
    """
    image = overview_image(plate, settings, cache, max_side)
    layout = image.layout
    h, w = layout.shape
    font = 8.0 if len(layout.columns) <= 12 else 6.0 if len(layout.columns) <= 24 else 4.0
    fig = new_figure(width, max(width * 0.95 * h / max(w, 1) + 1.0, 2.0))
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(image.rgb, interpolation="nearest")
    ax.set_xticks(list(layout.column_centers().values()), labels=list(layout.columns), fontsize=font)
    ax.set_yticks(list(layout.row_centers().values()), labels=list(layout.rows), fontsize=font)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = None if scale_bar_um == 0 else draw_scale_bar(ax, image.pixel_um, w, h, fontsize=font,
                                                        length_um=scale_bar_um)
    fields = sum(len(x.fields) for x in plate.wells.values())
    caption = [f"{len(plate.wells)} wells, {fields} fields; first field's channels at the plate's settings"]
    if bar is not None:
        caption.append(f"scale bar {length_text(bar)}")
    elif image.pixel_um is None:
        caption.append(NO_SCALE)
    if image.errors:
        caption.append(f"{len(image.errors)} field(s) unreadable (black)")
    fig.text(0.5, 0.01, "; ".join(caption), ha="center", va="bottom", fontsize=6, color=LIGHT.text)
    fig.suptitle(plate.name if title is None else title, fontsize=10, color=LIGHT.text)
    fig.set_layout_engine("tight", rect=(0, 0.03, 1, 1))
    return fig
