"""A single OME-Zarr image (not a plate) opens as image and label layers; any other zarr group is
refused with a notification that names the path and the reason; non-zarr paths stay silent.
The viewer tests (marked gui) check the same in napari."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from imaging_explorer._napari import docks
from imaging_explorer._napari.plugin import get_reader

CHANNELS = (("DAPI", "0000FF"), ("GFP", "00FF00"), ("RFP", "FF0000"))


def omezarr_image(path: Path, version: str) -> Path:
    """One c, y, x image written by ome-zarr-py (3 levels, 0.5 µm pixels, omero), with labels."""
    import zarr
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_labels

    fmt = FormatV05() if version == "0.5" else FormatV04()
    root = zarr.open_group(str(path), mode="w", zarr_format=fmt.zarr_format)
    image = np.random.default_rng(0).integers(0, 1000, size=(3, 64, 64), dtype=np.uint16)
    omero = {"channels": [{"label": n, "color": c, "window": {"start": 10, "end": 900, "min": 0, "max": 1000}}
                          for n, c in CHANNELS]}
    write_image(image, root, axes="cyx", fmt=fmt, scale_factors=[2, 4], scale={"y": 0.5, "x": 0.5}, omero=omero)
    mask = np.zeros((64, 64), np.uint32)
    mask[8:24, 8:24] = 1
    write_labels(mask, root, name="cells", axes="yx", fmt=fmt, scale_factors=[2, 4])
    return path


@pytest.fixture
def notices(monkeypatch) -> list[tuple[str, str]]:
    """Notifications the reader sends (the project's one ``notify``)."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(docks, "notify", lambda level, text: sent.append((level, text)))
    return sent


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_single_image_opens_as_layers(tmp_path: Path, version: str, notices) -> None:
    path = omezarr_image(tmp_path / f"image-{version}.zarr", version)
    reader = get_reader(str(path))
    assert callable(reader) and notices == []

    layers = reader(str(path))

    images = [layer for layer in layers if layer[2] == "image"]
    labels = [layer for layer in layers if layer[2] == "labels"]
    assert [kw["name"] for _, kw, _ in images] == [name for name, _ in CHANNELS]
    for (data, kw, _), (_, color) in zip(images, CHANNELS):
        assert kw["multiscale"] and len(data) == 3  # the three levels, lazily
        assert not isinstance(data[0], np.ndarray) and data[0].shape == (64, 64)
        assert tuple(kw["scale"]) == (0.5, 0.5) and kw["axis_labels"] == ("y", "x")
        assert kw["colormap"].name == f"#{color.lower()}"
        assert kw["contrast_limits"] == (10.0, 900.0)
    assert [kw["name"] for _, kw, _ in labels] == ["cells"]
    assert np.asarray(labels[0][0][0])[10, 10] == 1


def test_other_zarr_groups_are_refused_with_the_reason(tmp_path: Path, tiny_plate: Path, notices) -> None:
    plain = tmp_path / "plain.zarr"  # a zarr group without OME metadata
    plain.mkdir()
    (plain / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {}}))
    well = tiny_plate / "A" / "1"  # a well group of a plate
    broken = tmp_path / "broken.zarr"  # an image whose multiscales list is empty
    broken.mkdir()
    (broken / "zarr.json").write_text(json.dumps(
        {"zarr_format": 3, "node_type": "group", "attributes": {"ome": {"version": "0.5", "multiscales": []}}}))

    for path, reason in ((plain, "without OME-NGFF metadata"), (well, "an OME-Zarr well"),
                         (broken, "multiscales[0]")):
        notices.clear()
        assert get_reader(str(path)) is None
        assert len(notices) == 1, path
        level, text = notices[0]
        assert level == "warning" and str(path) in text and reason in text, text

    # what is not zarr at all is refused silently: napari then tries its other readers
    notices.clear()
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    for path in (tmp_path / "folder", tmp_path / "notes.txt", tmp_path / "absent.zarr"):
        assert get_reader(str(path)) is None
    assert notices == []


@pytest.mark.gui
def test_image_in_a_viewer_opens_without_the_plate_browser(make_napari_viewer, tmp_path: Path) -> None:
    from napari.layers import Image, Labels

    from imaging_explorer._napari._qt.browser_dock import BrowserDock

    path = omezarr_image(tmp_path / "image.zarr", "0.5")
    viewer = make_napari_viewer()

    viewer.open(str(path), plugin="imaging-explorer")

    images = [layer for layer in viewer.layers if isinstance(layer, Image)]
    assert [layer.name for layer in images] == [name for name, _ in CHANNELS]
    assert all(layer.multiscale and tuple(layer.scale) == (0.5, 0.5) for layer in images)
    assert [layer.name for layer in viewer.layers if isinstance(layer, Labels)] == ["cells"]
    assert not viewer.window._qt_window.findChildren(BrowserDock)


@pytest.mark.gui
def test_viewer_shows_why_a_group_is_refused(make_napari_viewer, tmp_path: Path) -> None:
    from napari.utils.notifications import notification_manager

    plain = tmp_path / "plain.zarr"
    plain.mkdir()
    (plain / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
    viewer = make_napari_viewer()
    before = len(notification_manager.records)

    with pytest.raises(ValueError, match="refused"):
        viewer.open(str(plain), plugin="imaging-explorer")

    texts = [n.message for n in notification_manager.records[before:]]
    assert any(str(plain) in t and "without OME-NGFF metadata" in t for t in texts), texts
