"""A montage: a few wells' first fields side by side (typically between a negative and a
positive control), all at ONE contrast, each captioned (well, concentration, activity), with a
scale bar. :func:`montage_rgb` gives the bare image (for a report), :func:`montage_figure` the
labelled figure; :func:`draw_strip` draws such a strip into any figure (the compound card's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..plate import parse_well_name
from .channels import figure_settings
from .plot_style import LIGHT, PlotColors, new_figure
from .scale_bar import draw_scale_bar
from .well_images import MAX_TILE, read_card_fields, render_card

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

    from ..channel_settings import ChannelSetting
    from ..plate import Plate
    from .well_images import SettingsSource

__all__ = ["Montage", "draw_strip", "montage_figure", "montage_rgb", "render_montage"]

GAP = 4  # px between the images of montage_rgb
EMPTY = (64, 64, 64)  # a well without an image in montage_rgb


@dataclass(frozen=True)
class Montage:
    """The wells of a montage in order, their RGB images (one shape), why some have none, and
    µm per image pixel (None when the file does not say or the wells differ)."""

    keys: list[str]
    captions: list[str]
    images: dict[str, np.ndarray] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    pixel_um: float | None = None

    @property
    def tile(self) -> tuple[int, int]:
        """(height, width) of every image ((0, 0) without any)."""
        first = next(iter(self.images.values()), None)
        return (first.shape[0], first.shape[1]) if first is not None else (0, 0)


def _key(plate: Plate, text: str) -> str:
    """The plate's key of a well ("C07" -> "C/7"); a well the plate lacks stays as given (and
    gets its reason when read)."""
    if text in plate.wells:
        return text
    try:
        return parse_well_name(text, plate)
    except ValueError:
        return text


def render_montage(plate: Plate, wells: Sequence[tuple[str, str]],
                   settings: SettingsSource | Mapping[str, ChannelSetting] | None = None,
                   tile: tuple[int, int] = MAX_TILE) -> Montage:
    """Read and compose the wells' first fields at one contrast (in a worker: reads pixels).

    Parameters
    ----------
    plate
        The plate.
    wells
        (well, caption) in order; wells as keys ("C/7") or names ("C07").
    settings
        Channel settings (see :func:`~.channels.figure_settings`; None: the plate's own).
    tile
        The images are fitted into this (y, x) size.
    """
    keys = [_key(plate, w) for w, _ in wells]
    fields = read_card_fields(plate, keys, tile=tile)
    names = [n for key in fields.raw for n in fields.channels[key]]
    shown = figure_settings(plate, names, [(fields.channels[k], a) for k, a in fields.raw.items()], settings)
    return Montage(keys, [c for _, c in wells], render_card(fields, shown), dict(fields.errors),
                   fields.common_pixel_um())


def montage_rgb(plate: Plate, wells: Sequence[tuple[str, str]],
                settings: SettingsSource | Mapping[str, ChannelSetting] | None = None,
                tile: tuple[int, int] = MAX_TILE, gap: int = GAP) -> np.ndarray:
    """The wells' images side by side, ``gap`` black pixels apart, no text: (y, x, 3) uint8.

    A well without an image is a dark grey tile.
    """
    montage = render_montage(plate, wells, settings, tile)
    h, w = montage.tile if montage.images else tile
    out = np.zeros((h, len(montage.keys) * (w + gap) - gap if montage.keys else 0, 3), dtype=np.uint8)
    for i, key in enumerate(montage.keys):
        x0 = i * (w + gap)
        image = montage.images.get(key)
        out[:, x0:x0 + w] = image if image is not None else np.array(EMPTY, dtype=np.uint8)
    return out


def draw_strip(fig: Figure | SubFigure, images: Sequence[np.ndarray | None], captions: Sequence[str],
               missing: Sequence[str] = (), pixel_um: float | None = None, scale_bar_um: float | None = None,
               colors: PlotColors = LIGHT, fontsize: float = 7) -> list[Axes]:
    """One axes per image in a row, the caption above each, a scale bar on the first image.

    ``missing``: the text shown instead of an image that is None (e.g. why it could not be read).
    ``scale_bar_um``: the bar's length (None: automatic; 0: no bar).
    """
    axes = fig.subplots(1, max(len(images), 1), squeeze=False)[0]
    drawn = False
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor("#404040")
        if i >= len(images):
            continue
        image = images[i]
        if image is not None:
            ax.imshow(image, interpolation="nearest")
            if not drawn and scale_bar_um != 0:
                draw_scale_bar(ax, pixel_um, image.shape[1], image.shape[0], fontsize=fontsize - 1,
                               length_um=scale_bar_um)
                drawn = True
        else:
            text = missing[i] if i < len(missing) else ""
            ax.text(0.5, 0.5, text or "no image", ha="center", va="center", wrap=True, fontsize=fontsize - 1,
                    color="white", transform=ax.transAxes)
        ax.set_title(captions[i] if i < len(captions) else "", fontsize=fontsize, color=colors.text)
    return list(axes)


def montage_figure(plate: Plate, wells: Sequence[tuple[str, str]],
                   settings: SettingsSource | Mapping[str, ChannelSetting] | None = None,
                   scale_bar_um: float | None = None, title: str = "", tile: tuple[int, int] = MAX_TILE) -> Figure:
    """A labelled montage of the wells' first fields at one contrast.

    Parameters
    ----------
    plate, wells, settings, tile
        As for :func:`render_montage`; a caption may have several lines (well, dose, activity).
    scale_bar_um
        The scale bar's length in µm (None: a round length; 0: none). Without a pixel size in
        the file there is no bar, and the figure says so.
    title
        Above the montage.
    """
    montage = render_montage(plate, wells, settings, tile)
    n = max(len(montage.keys), 1)
    lines = max([c.count("\n") + 1 for c in montage.captions] or [1])
    fig = new_figure(1.5 * n + 0.2, 1.6 + 0.14 * lines + (0.3 if title else 0.0))
    draw_strip(fig, [montage.images.get(k) for k in montage.keys], montage.captions,
               [montage.errors.get(k, "") for k in montage.keys], montage.pixel_um, scale_bar_um)
    if title:
        fig.suptitle(title, fontsize=9, color=LIGHT.text)
    if montage.pixel_um is None and montage.images and scale_bar_um != 0:
        fig.text(0.5, 0.01, "no scale bar: the file gives no pixel size in µm", ha="center", va="bottom", fontsize=6,
                 color=LIGHT.text)
    fig.set_layout_engine("tight")
    return fig
