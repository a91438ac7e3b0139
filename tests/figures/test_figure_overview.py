"""The plate overview figure: the mosaic at the expected size with the plate's colours, row and
column names, a scale bar from the field's pixel size, and a caption when there is none."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import imaging_explorer as ie
from imaging_explorer.figures import overview as overview_module
from imaging_explorer.figures.export import png_bytes
from imaging_explorer.figures.overview import NO_SCALE, overview_figure, overview_image
from imaging_explorer.figures.scale_bar import SCALE_BAR_GID


@pytest.fixture(scope="module")
def small_plate(tmp_path_factory):
    made = ie.make_sample_plate(tmp_path_factory.mktemp("ov") / "p.zarr", rows=2, columns=3, fields=1, size=64)
    return ie.open_plate(str(made.plate))


def test_mosaic_size_colours_and_pixel_size(small_plate) -> None:
    image = overview_image(small_plate)
    layout = image.layout
    assert layout.tile == (64, 64) and image.rgb.shape == (*layout.shape, 3)
    assert layout.shape == (2 * 64 + 8, 3 * 64 + 2 * 8)  # gap: an eighth of the tile
    assert image.pixel_um == pytest.approx(0.65)  # the sample plate's 0.65 µm pixels, read at level 0
    y0, x0, y1, x1 = layout.well_box("A/1")
    assert image.rgb[y0:y1, x0:x1].any()  # a well with an image is not black
    y0, x0, y1, x1 = layout.cell_box(1, 1)  # B/2: listed but not in the store
    assert not image.rgb[y0:y1, x0:x1].any()


def test_figure_labels_and_scale_bar(small_plate) -> None:
    fig = overview_figure(small_plate, width=6.0)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    bar = [p for p in ax.patches if p.get_gid() == SCALE_BAR_GID]
    label = [t.get_text() for t in ax.texts if t.get_gid() == SCALE_BAR_GID]
    assert len(bar) == 1 and label == ["20 µm"]  # a round length up to a quarter of the 135 µm wide plate
    assert bar[0].get_width() == pytest.approx(20 / 0.65)  # in mosaic pixels
    with Image.open(io.BytesIO(png_bytes(fig, dpi=100))) as png:
        width, height = fig.get_size_inches() * 100
        assert png.size[0] == 600 and abs(png.size[1] - height) <= 1 and width == pytest.approx(600)


def test_no_pixel_size_no_bar_and_the_caption_says_so(small_plate, monkeypatch) -> None:
    monkeypatch.setattr(overview_module, "pixel_size_um", lambda *_: None)
    fig = overview_figure(small_plate)
    assert not [p for p in fig.axes[0].patches if p.get_gid() == SCALE_BAR_GID]
    assert any(NO_SCALE in t.get_text() for t in fig.texts)


def test_mosaic_is_capped(small_plate) -> None:
    image = overview_image(small_plate, max_side=100)
    assert max(image.rgb.shape[:2]) <= 100 and image.pixel_um > 0.65
    assert np.isfinite(image.pixel_um)
