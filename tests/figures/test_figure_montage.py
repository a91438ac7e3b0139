"""Montages: the wells beside the controls at ONE contrast (a raw value is the same colour in
every well), laid side by side in montage_rgb, captioned with a scale bar in montage_figure."""

from __future__ import annotations

import numpy as np
import pytest

import imaging_explorer as ie
from imaging_explorer.channel_settings import ChannelSetting
from imaging_explorer.figures.montage import (
    GAP,
    montage_figure,
    montage_rgb,
    render_montage,
)
from imaging_explorer.figures.scale_bar import SCALE_BAR_GID
from imaging_explorer.figures.well_images import read_card_fields

WELLS = [("A1", "neg. control"), ("B02", "CPD-001 10 µM"), ("D/2", "CPD-001 1.1 µM"), ("A6", "pos. control")]


@pytest.fixture(scope="module")
def plate(figure_plate):
    return ie.open_plate(str(figure_plate))


def test_one_contrast_for_controls_and_wells(plate) -> None:
    # no limits set: one window is estimated from all four images together
    only_dapi = {n: ChannelSetting(n, "FFFFFF", None, visible=n == "DAPI") for n in ("DAPI", "Cell", "Pathogen")}
    montage = render_montage(plate, WELLS, settings=only_dapi)
    assert montage.keys == ["A/1", "B/2", "D/2", "A/6"] and not montage.errors
    fields = read_card_fields(plate, montage.keys)
    colour_of: dict[int, tuple[int, ...]] = {}
    clashes = 0
    for key in montage.keys:
        dapi = fields.raw[key][fields.channels[key].index("DAPI")]
        for value, colour in zip(dapi.ravel(), montage.images[key].reshape(-1, 3)):
            seen = colour_of.setdefault(int(value), tuple(int(c) for c in colour))
            clashes += seen != tuple(int(c) for c in colour)
    assert clashes == 0 and len(colour_of) > 20
    levels = {int(v) for img in montage.images.values() for v in np.unique(img[..., 0])}
    assert len(levels) > 10  # a real grey ramp, not one flat colour


def test_montage_rgb_lays_the_wells_side_by_side(plate) -> None:
    montage = render_montage(plate, WELLS)
    rgb = montage_rgb(plate, WELLS)
    h, w = montage.tile
    assert rgb.shape == (h, 4 * w + 3 * GAP, 3) and rgb.dtype == np.uint8
    for i, key in enumerate(montage.keys):
        np.testing.assert_array_equal(rgb[:, i * (w + GAP):i * (w + GAP) + w], montage.images[key])
    assert not rgb[:, w:w + GAP].any()  # the gaps are black


def test_montage_figure_captions_and_scale_bar(plate) -> None:
    wells = [*WELLS[:2], ("Z9", "not on this plate")]
    fig = montage_figure(plate, wells, title="CPD-001")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["neg. control", "CPD-001 10 µM", "not on this plate"]
    assert [len(ax.images) for ax in fig.axes] == [1, 1, 0]  # the unknown well says why instead
    assert "store" in fig.axes[2].texts[0].get_text()
    bars = [a for ax in fig.axes for a in [*ax.patches, *ax.texts] if a.get_gid() == SCALE_BAR_GID]
    assert len(bars) == 2 and bars[1].get_text().endswith("µm")  # the bar and its length, on one image
    no_bar = montage_figure(plate, WELLS[:1], scale_bar_um=0)
    assert not [a for ax in no_bar.axes for a in ax.patches if a.get_gid() == SCALE_BAR_GID]
