"""The compound card's data without Qt: on the analysed sample plate, the top hit's wells in
concentration order between the controls, their thumbnails at one contrast, the curves."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pytest
from psygnal import Signal

from imaging_explorer._napari.browser.card_thumbnails import (
    CardFields,
    compose_rgb,
    read_card_fields,
    render_card,
    settings_of,
)
from imaging_explorer._napari.browser.compound_card_data import (
    card_inputs,
    compound_card,
    load_card,
)
from imaging_explorer._napari.browser.plate_hits import PlateHits
from imaging_explorer._napari.browser.state import BrowserState
from imaging_explorer.channel_settings import ChannelSetting, ChannelSettings
from imaging_explorer.platemap import find_platemap

from stand_ins import run_now


class _Browser:
    """The plate browser's side PlateHits listens to; its workers run at once."""

    plate_opened = Signal()
    platemap_changed = Signal()

    def __init__(self, plate) -> None:
        self.plate = plate
        self.state = BrowserState()
        self.analysis = SimpleNamespace(results=None)
        self.analysis_view = SimpleNamespace(wells=None, changed=_Changed())


class _Changed:
    changed = Signal()

    def connect(self, slot) -> None:
        self.changed.connect(slot)


@pytest.fixture(scope="module")
def analysed(analysed_sample, tmp_path_factory):
    """The analysed sample plate (8 x 12, one field per well), its hit calling and its channel settings."""
    folder = tmp_path_factory.mktemp("card")
    plate = analysed_sample.plate
    browser = _Browser(plate)
    hits = PlateHits(browser, start=run_now)
    browser.analysis_view.wells = analysed_sample.results.wells.set_index("well")
    browser.state.platemap = find_platemap(plate)
    hits.refresh()
    assert hits.error == "" and hits.ranked_compounds()
    return plate, hits, ChannelSettings.for_plate(plate, folder / "config")


def test_top_hit_wells_in_concentration_order_between_controls(analysed) -> None:
    _, hits, _ = analysed
    top = hits.ranked_compounds()[0]
    card = compound_card(hits, top)
    roles = [w.role for w in card.wells]
    assert roles[0] == "neg_control" and roles[-1] == "pos_control"
    assert set(roles[1:-1]) == {"sample"}
    assert card.wells[0].key == hits.control_wells("neg_control")[0]
    assert card.wells[-1].key == hits.control_wells("pos_control")[0]
    samples = card.sample_wells
    assert sorted(w.key for w in samples) == sorted(hits.compound_wells(top).index)
    conc = [w.concentration for w in samples]
    assert conc == sorted(conc) and len(set(conc)) >= 4  # lowest dose first, as on the plot's x axis
    assert card.rank == 1 and card.title == f"{top} · hit rank 1"
    assert "IC50 " in card.summary and "selectivity" in card.summary
    # text per well: dose or role, activity, viability, the call
    assert card.wells[0].label == "neg. control" and card.wells[-1].label == "pos. control"
    assert samples[-1].label.endswith("µM") and "act " in samples[-1].text and "via " in samples[-1].text
    assert any(w.call == "hit" for w in samples)
    # the plot: one point per sample well, fitted curves, IC50 where the table has it
    plot = card.plot
    assert plot.has_points and len(plot.concentration) == len(samples)
    assert np.isfinite(plot.activity_curve).all() and len(plot.curve_x) == len(plot.activity_curve)
    assert plot.curve_x.min() < min(conc) and plot.curve_x.max() > max(conc)
    ic50 = float(hits.compounds.set_index("compound_id").loc[top, "ic50_um"])
    assert math.isclose(plot.ic50, ic50, rel_tol=1e-6) and card.fits.activity.fitted
    act = plot.activity_curve
    assert act[-1] > 50 > act[0]  # activity rises through 50 %


def test_thumbnails_one_shape_one_contrast(analysed) -> None:
    plate, hits, settings = analysed
    inputs = card_inputs(hits, hits.ranked_compounds()[0])
    loaded = load_card(inputs, plate, settings)
    keys = [w.key for w in loaded.card.wells]
    assert list(loaded.images) == keys and not loaded.fields.errors
    shapes = {img.shape for img in loaded.images.values()}
    assert len(shapes) == 1 and next(iter(shapes))[2] == 3
    assert all(img.dtype == np.uint8 and img.any() for img in loaded.images.values())
    # the controls differ visibly: the positive control has no pathogen (green) signal
    neg, pos = loaded.images[keys[0]], loaded.images[keys[-1]]
    assert neg[..., 1].mean() > 2 * pos[..., 1].mean()

    # one channel at a time: a pixel value is the same colour in every thumbnail
    shown = settings_of(settings, loaded.fields)
    for only in shown:
        alone = {n: dataclasses.replace(s, visible=n == only) for n, s in shown.items()}
        _same_colour_for_same_value(loaded.fields, render_card(loaded.fields, alone), only)
    # channels without limits yet share one window estimated from all the card's thumbnails
    auto = {n: dataclasses.replace(s, contrast_limits=None, visible=n == "DAPI") for n, s in shown.items()}
    _same_colour_for_same_value(loaded.fields, render_card(loaded.fields, auto), "DAPI")


def _same_colour_for_same_value(fields: CardFields, images: dict, channel: str) -> None:
    seen: dict[int, tuple[int, ...]] = {}
    clashes = 0
    for key, raw in fields.raw.items():
        plane = raw[fields.channels[key].index(channel)]
        rgb = images[key].reshape(-1, 3)
        for value, colour in zip(plane.ravel()[::7], rgb[::7]):
            before = seen.setdefault(int(value), tuple(int(c) for c in colour))
            clashes += before != tuple(int(c) for c in colour)
    assert len(seen) > 20 and clashes == 0


def test_compose_rgb_as_napari_draws_channels() -> None:
    image = np.array([[[100, 200, 300, 400]], [[0, 0, 50, 100]]], dtype=np.uint16)  # (c=2, y=1, x=4)
    magenta = ChannelSetting("A", "FF00FF", (200.0, 400.0))
    green = ChannelSetting("B", "00FF00", (0.0, 100.0), gamma=2.0)
    rgb = compose_rgb(image, ["A", "B"], {"A": magenta, "B": green})
    assert rgb.shape == (1, 4, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0].tolist() == [0, 0, 0]  # below the window
    assert rgb[0, 2].tolist() == [128, 64, 128]  # half way; green 0.5 ** 2
    assert rgb[0, 3].tolist() == [255, 255, 255]  # additive: magenta + green = white
    hidden = compose_rgb(image, ["A", "B"], {"A": magenta, "B": dataclasses.replace(green, visible=False)})
    assert hidden[0, 3].tolist() == [255, 0, 255]


def test_wells_the_store_lacks_get_a_reason(analysed) -> None:
    plate, hits, _ = analysed
    lacking = [k for k in hits.wells.index if k not in plate.wells]
    assert lacking  # the sample plate lists one well its store lacks
    fields = read_card_fields(plate, [lacking[0], "A/1"])
    assert "store" in fields.errors[lacking[0]] and "A/1" in fields.raw
