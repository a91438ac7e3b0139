"""A compound card as a figure: the title with the compound's IC50, CC50 and selectivity, the
strip of its wells between a negative and a positive control at one contrast, and the
dose-response plot below (the same card the napari viewer shows, on white for print).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from .card_data import build_card, card_inputs
from .channels import figure_settings
from .dose_response import draw_dose_response
from .montage import draw_strip
from .plot_style import LIGHT, new_figure
from .well_images import read_card_fields, render_card

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure

    from ..channel_settings import ChannelSetting
    from ..plate import Plate
    from .card_data import CardWell, CompoundCard, HitsSource
    from .well_images import SettingsSource

__all__ = ["card_figure_of", "compound_figure", "well_caption"]

CHARS_PER_INCH = 13  # of the 9 pt title: longer lines are wrapped


def well_caption(well: CardWell) -> str:
    """Three lines above a well's image: its name, its dose or role, activity · viability · call."""
    return f"{well.name}\n{well.label}\n{well.text.replace(chr(10), ' · ')}"


def compound_figure(card: CompoundCard, images: Mapping[str, np.ndarray], errors: Mapping[str, str] | None = None,
                    pixel_um: float | None = None, scale_bar_um: float | None = None) -> Figure:
    """The card as a figure.

    Parameters
    ----------
    card
        The compound's card (:func:`~.card_data.compound_card` or a loaded one's ``card``).
    images
        Well key -> RGB image (y, x, 3) uint8 at one contrast (:func:`~.well_images.render_card`).
    errors
        Well key -> why it has no image (shown in its place).
    pixel_um
        µm per image pixel, for the scale bar (None: no bar; the caption says so).
    scale_bar_um
        The bar's length in µm (None: a round length; 0: none).
    """
    errors = errors or {}
    n = max(len(card.wells), 1)
    width = max(1.35 * n + 0.3, 6.0)
    fig = new_figure(width, 6.2)
    strip, plot = cast("Any", fig.subfigures(2, 1, height_ratios=[1.0, 1.5]))  # typed as one, returns two
    draw_strip(strip, [images.get(w.key) for w in card.wells], [well_caption(w) for w in card.wells],
               [errors.get(w.key, "") for w in card.wells], pixel_um, scale_bar_um, fontsize=6)
    ax = plot.add_subplot(1, 1, 1)
    draw_dose_response(ax, card.plot, LIGHT)
    lines = [card.title, *textwrap.wrap(card.summary, int(width * CHARS_PER_INCH))]
    if card.flags:
        lines += textwrap.wrap(f"flags: {card.flags}", int(width * CHARS_PER_INCH))
    fig.suptitle("\n".join(lines), fontsize=9, color=LIGHT.text)
    if pixel_um is None and images and scale_bar_um != 0:
        fig.text(0.5, 0.005, "no scale bar: the file gives no pixel size in µm", ha="center", va="bottom",
                 fontsize=6, color=LIGHT.text)
    fig.set_layout_engine("constrained")
    return fig


def card_figure_of(hits: HitsSource, compound_id: str, plate: Plate | None,
                   settings: SettingsSource | Mapping[str, ChannelSetting] | None = None,
                   scale_bar_um: float | None = None) -> Figure:
    """Make, read and draw one compound's card (in a worker: fits curves and reads pixels).

    ``hits``: the plate's hit calling (``PlateHits`` in napari, :class:`~.called_plate.CalledPlate`
    elsewhere); ``settings`` as for :func:`~.channels.figure_settings` (None: the plate's own).
    """
    card = build_card(card_inputs(hits, compound_id))
    keys = [w.key for w in card.wells]
    if plate is None:
        return compound_figure(card, {}, dict.fromkeys(keys, "no plate"), None, scale_bar_um)
    fields = read_card_fields(plate, keys)
    names = [n for key in fields.raw for n in fields.channels[key]]
    shown = figure_settings(plate, names, [(fields.channels[k], a) for k, a in fields.raw.items()], settings)
    return compound_figure(card, render_card(fields, shown), fields.errors, fields.common_pixel_um(), scale_bar_um)
