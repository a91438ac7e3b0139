"""The npe2 reader and sample data in a real viewer (Xvfb)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import imaging_explorer as ie
from imaging_explorer._napari.plugin import first_field

pytestmark = pytest.mark.gui


def _rgb(hexcode: str) -> np.ndarray:
    return np.array([int(hexcode[i : i + 2], 16) / 255 for i in (0, 2, 4)])



def test_viewer_opens_plate_overview(make_napari_viewer, tiny_plate: Path, qtbot) -> None:
    """In a viewer the reader gives the plate overview (one mosaic per channel), filled in a worker."""
    from napari.layers import Image

    from imaging_explorer._napari.session import browser_for

    plate = ie.open_plate(str(tiny_plate))
    _, field = first_field(plate)
    viewer = make_napari_viewer(show=True)

    viewer.open(str(tiny_plate), plugin="imaging-explorer")

    ctrl = browser_for(viewer)
    qtbot.waitUntil(lambda: ctrl.overview_loaded, timeout=20000)  # metadata and thumbnails read in workers
    images = [layer for layer in viewer.layers if isinstance(layer, Image) and not layer.rgb]  # not the names overlay
    assert [layer.name for layer in images] == [f"overview {c.name}" for c in field.channels]
    assert len(images) == 3  # DAPI, Cell, Pathogen
    for layer, channel in zip(images, field.channels):
        assert layer.data.shape == ctrl.layout.shape
        np.testing.assert_allclose(layer.colormap.colors[-1][:3], _rgb(channel.color), atol=1e-2)
        assert layer.blending == "additive"

    shot = viewer.screenshot(canvas_only=True, flash=False)
    assert shot.ndim == 3 and shot.shape[0] > 50 and shot.shape[1] > 50
    rgb = shot[..., :3].astype(float)
    assert rgb.max() > 0 and rgb.std() > 1, "the screenshot is blank"


def test_plugin_is_listed_and_sample_opens(make_napari_viewer, monkeypatch, qtbot) -> None:
    from napari.plugins import _npe2

    import imaging_explorer.sample.cached as cache

    monkeypatch.setattr(cache, "SAMPLE_PARAMS", {"rows": 2, "columns": 2, "fields": 1, "size": 256})
    viewer = make_napari_viewer()  # initialises napari's plugins
    assert "imaging-explorer" in _npe2.get_readers("plate.zarr")

    viewer.open_sample("imaging-explorer", "sample_plate")

    assert len(viewer.layers) >= 4  # three channel mosaics and the row/column names
    assert cache.cached_sample_plate() is not None
    from imaging_explorer._napari.session import browser_for

    ctrl = browser_for(viewer)
    qtbot.waitUntil(lambda: ctrl.overview_loaded, timeout=20000)
