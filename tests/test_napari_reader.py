"""The npe2 reader and sample data: plain layer data first, then in a real viewer (Xvfb)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import imaging_explorer as ie
from imaging_explorer._napari.reader import first_field, get_reader, read_plate


def _rgb(hexcode: str) -> np.ndarray:
    return np.array([int(hexcode[i : i + 2], 16) / 255 for i in (0, 2, 4)])


# --------------------------------------------------------------------------- get_reader


def test_get_reader_refuses_what_is_not_a_plate(tmp_path: Path, tiny_plate: Path) -> None:
    image = tmp_path / "image.zarr"  # a zarr group that is an image, not a plate
    image.mkdir()
    (image / "zarr.json").write_text(
        json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {"ome": {"multiscales": []}}})
    )
    broken = tmp_path / "broken.zarr"
    broken.mkdir()
    (broken / "zarr.json").write_text("{ not json")
    (tmp_path / "empty").mkdir()
    some_file = tmp_path / "notes.txt"
    some_file.write_text("hello")
    well = next(iter(ie.open_plate(str(tiny_plate)).wells.values()))

    for path in [image, broken, tmp_path / "empty", some_file, tmp_path / "absent.zarr", tiny_plate / well.path]:
        assert get_reader(str(path)) is None, path
    assert get_reader([str(tiny_plate), str(tiny_plate)]) is None  # a stack is not one plate
    assert get_reader([]) is None
    assert get_reader("") is None
    assert get_reader("ftp://example.invalid/plate.zarr") is None
    # a remote location that cannot be opened: None, no exception
    assert get_reader("http://127.0.0.1:9/nothing.zarr") is None


def test_get_reader_takes_plates(tiny_plate: Path, tiny_plate_v04: Path) -> None:
    for plate in (tiny_plate, tiny_plate_v04):
        assert callable(get_reader(str(plate)))
        assert callable(get_reader([str(plate)]))
        assert callable(get_reader(str(plate) + "/"))
        assert callable(get_reader(plate.as_uri()))


def test_layer_data_of_first_field(tiny_plate: Path) -> None:
    plate = ie.open_plate(str(tiny_plate))
    well, field = first_field(plate)
    layers = read_plate(str(tiny_plate))
    images = [layer for layer in layers if layer[2] == "image"]
    labels = [layer for layer in layers if layer[2] == "labels"]
    prefix = f"{well.row}{well.column}"

    assert [kw["name"] for _, kw, _ in images] == [f"{prefix} {c.name}" for c in field.channels]
    assert len(labels) == len(field.labels) >= 1
    assert {kw["name"] for _, kw, _ in labels} == {f"{prefix} {name}" for name in field.labels}
    spatial = field.axes.replace("c", "")
    for (data, kw, _), channel in zip(images, field.channels):
        assert kw["blending"] == "additive"
        assert len(data) == len(field.levels) > 1 and kw["multiscale"]
        assert data[0].ndim == len(spatial) and kw["axis_labels"] == tuple(spatial)
        assert len(kw["scale"]) == len(spatial) == len(kw["translate"])
        if channel.window is not None:
            assert kw["contrast_limits"] == tuple(channel.window)
    assert "c" not in labels[0][1]["axis_labels"]


# --------------------------------------------------------------------------- in napari


@pytest.mark.gui
def test_viewer_opens_plate_overview(make_napari_viewer, tiny_plate: Path, qtbot) -> None:
    """In a viewer the reader gives the plate overview (one mosaic per channel), filled in a worker."""
    from napari.layers import Image

    from imaging_explorer._napari.controller import controller_for

    plate = ie.open_plate(str(tiny_plate))
    _, field = first_field(plate)
    viewer = make_napari_viewer(show=True)

    viewer.open(str(tiny_plate), plugin="imaging-explorer")

    ctrl = controller_for(viewer)
    images = [layer for layer in viewer.layers if isinstance(layer, Image)]
    assert [layer.name for layer in images] == [f"overview {c.name}" for c in field.channels]
    assert len(images) == 3  # DAPI, Cell, Pathogen
    for layer, channel in zip(images, field.channels):
        assert layer.data.shape == ctrl.layout.shape
        np.testing.assert_allclose(layer.colormap.colors[-1][:3], _rgb(channel.color), atol=1e-2)
        assert layer.blending == "additive"
    qtbot.waitUntil(lambda: ctrl.overview_loaded, timeout=20000)

    shot = viewer.screenshot(canvas_only=True, flash=False)
    assert shot.ndim == 3 and shot.shape[0] > 50 and shot.shape[1] > 50
    rgb = shot[..., :3].astype(float)
    assert rgb.max() > 0 and rgb.std() > 1, "the screenshot is blank"


@pytest.mark.gui
def test_plugin_is_listed_and_sample_opens(make_napari_viewer, monkeypatch, qtbot) -> None:
    from napari.plugins import _npe2

    import imaging_explorer.sample.cached as cache

    monkeypatch.setattr(cache, "SAMPLE_PARAMS", {"rows": 2, "columns": 2, "fields": 1, "size": 256})
    viewer = make_napari_viewer()  # initialises napari's plugins
    assert "imaging-explorer" in _npe2.get_readers("plate.zarr")

    viewer.open_sample("imaging-explorer", "sample_plate")

    assert len(viewer.layers) >= 4  # three channel mosaics and the row/column names
    assert cache.cached_sample_plate() is not None
    from imaging_explorer._napari.controller import controller_for

    ctrl = controller_for(viewer)
    qtbot.waitUntil(lambda: ctrl.overview_loaded, timeout=20000)


def test_sample_data_is_made_once(monkeypatch) -> None:
    import imaging_explorer.sample.cached as cache
    from imaging_explorer._napari.sample_data import sample_plate

    monkeypatch.setattr(cache, "SAMPLE_PARAMS", {"rows": 1, "columns": 2, "fields": 1, "size": 128})
    folder = cache.sample_cache_path()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "half-written").write_text("an interrupted run left this")  # no marker: not a plate

    first = sample_plate()
    marker = next(folder.glob("*.txt"))
    stamp = marker.stat().st_mtime_ns
    second = sample_plate()

    assert not (folder / "half-written").exists()
    assert marker.stat().st_mtime_ns == stamp  # reused, not made again
    assert [kw["name"] for _, kw, _ in first] == [kw["name"] for _, kw, _ in second]
    assert [path.name for path in folder.parent.iterdir() if path.name.startswith(".")] == []


def test_layer_data_slices_the_channel_axis_wherever_it_is() -> None:
    """A tczyx field with a channel axis named "ch" (typed "channel"), labels without c."""
    from types import SimpleNamespace as NS

    import dask.array as da

    from imaging_explorer._napari.reader import field_layer_data

    def axes(*pairs):
        return NS(axes=tuple(NS(name=n, type=t) for n, t in pairs))

    image_axes = axes(("t", "time"), ("ch", "channel"), ("z", "space"), ("y", "space"), ("x", "space"))
    levels = [da.zeros((2, 3, 4, 64, 64), dtype="uint16"), da.zeros((2, 3, 4, 32, 32), dtype="uint16")]
    nuclei = NS(
        levels=[da.zeros((2, 4, 64, 64), dtype="uint32")],
        axes="tzyx",
        multiscale=axes(("t", "time"), ("z", "space"), ("y", "space"), ("x", "space")),
        scale=lambda level: (1.0, 2.0, 0.5, 0.5),
        translation=lambda level: (0.0, 0.0, 10.0, 20.0),
    )
    field = NS(
        axes="tczyx",
        multiscale=image_axes,
        levels=levels,
        channels=[NS(name="DAPI", color="0000FF", window=(0, 500)), NS(name="GFP", color="00FF00", window=None)],
        scale=lambda level: (1.0, 1.0, 2.0, 0.5 * 2**level, 0.5 * 2**level),
        translation=lambda level: (0.0, 0.0, 0.0, 10.0, 20.0),
        labels={"nuclei": nuclei},
    )
    well = NS(row="C", column="07", path="C/07")

    layers = field_layer_data(well, field)

    assert [(kw["name"], kind) for _, kw, kind in layers] == [
        ("C07 DAPI", "image"), ("C07 GFP", "image"), ("C07 channel 2", "image"), ("C07 nuclei", "labels"),
    ]
    data, kw, _ = layers[0]
    assert [level.shape for level in data] == [(2, 4, 64, 64), (2, 4, 32, 32)]
    assert kw["axis_labels"] == ("t", "z", "y", "x") and kw["scale"] == (1.0, 2.0, 0.5, 0.5)
    assert kw["translate"] == (0.0, 0.0, 10.0, 20.0) and kw["colormap"] == "blue"
    assert kw["contrast_limits"] == (0.0, 500.0) and "contrast_limits" not in layers[1][1]
    labels_data, labels_kw, _ = layers[3]
    assert labels_data.shape == (2, 4, 64, 64) and not labels_kw["multiscale"]
    assert labels_kw["scale"] == (1.0, 2.0, 0.5, 0.5)
