"""The npe2 reader and sample data without a viewer: detection and plain layer data (a script's view).
In a real viewer: gui/test_napari_plugin.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import imaging_explorer as ie
from imaging_explorer._napari.plugin import first_field, get_reader, read_plate, sample_plate


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


def test_sample_data_is_made_once(monkeypatch) -> None:
    import imaging_explorer.sample.cached as cache

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
    """A tczyx field with a channel axis named "ch" (typed "channel"), labels without c: the
    well view's pipeline (load_well -> layer data) gives the reader's layers too."""
    from types import SimpleNamespace as NS

    import dask.array as da

    from imaging_explorer.channel_settings import setting_from_file
    from imaging_explorer._napari.browser.layer_data import view_layer_data
    from imaging_explorer._napari.browser.well_loading import load_well, run_to_end

    def axes(*pairs):
        return NS(axes=tuple(NS(name=n, type=t) for n, t in pairs))

    image_axes = axes(("t", "time"), ("ch", "channel"), ("z", "space"), ("y", "space"), ("x", "space"))
    levels = [da.zeros((2, 3, 4, 64, 64), dtype="uint16"), da.zeros((2, 3, 4, 32, 32), dtype="uint16")]
    nuclei = NS(
        levels=[da.zeros((2, 4, 64, 64), dtype="uint32")],
        multiscale=axes(("t", "time"), ("z", "space"), ("y", "space"), ("x", "space")),
        scale=lambda level: (1.0, 2.0, 0.5, 0.5),
        translation=lambda level: (0.0, 0.0, 10.0, 20.0),
    )
    channels = [NS(name="DAPI", color="0000FF", window=(0, 500), visible=True),
                NS(name="GFP", color="00FF00", window=None, visible=True)]
    field = NS(path="C/07/0", index=0, multiscale=image_axes, channel_count=3, levels=levels,
               channels=channels, labels={"nuclei": nuclei},
               scale=lambda level: (1.0, 1.0, 2.0, 0.5 * 2**level, 0.5 * 2**level),
               translation=lambda level: (0.0, 0.0, 0.0, 10.0, 20.0))
    plate = NS(wells={"C/07": NS(name="C07", fields=[field])}, load_arrays=lambda fields: None)

    view = run_to_end(load_well(plate, "C/07", budget=None))
    layers = view_layer_data(view, {ch.name: setting_from_file(ch.name, ch) for ch in channels})

    assert [(kw["name"], kind) for _, kw, kind in layers] == [
        ("C07 DAPI", "image"), ("C07 GFP", "image"), ("C07 channel 2", "image"), ("C07 nuclei", "labels"),
    ]
    data, kw, _ = layers[0]
    assert [level.shape for level in data] == [(2, 4, 64, 64), (2, 4, 32, 32)]
    assert all(isinstance(level, da.Array) for level in data)  # a script gets lazy arrays
    assert kw["axis_labels"] == ("t", "z", "y", "x") and kw["scale"] == (1.0, 2.0, 0.5, 0.5)
    assert kw["translate"] == (0.0, 0.0, 10.0, 20.0)
    np.testing.assert_allclose(kw["colormap"].colors[-1][:3], _rgb("0000FF"))
    assert kw["contrast_limits"] == (0.0, 500.0) and "contrast_limits" not in layers[1][1]
    assert "colormap" not in layers[2][1]  # a channel no metadata describes: napari's default look
    labels_data, labels_kw, _ = layers[3]
    assert labels_data.shape == (2, 4, 64, 64) and not labels_kw["multiscale"]
    assert labels_kw["scale"] == (1.0, 2.0, 0.5, 0.5)


def test_get_reader_of_a_url_reads_only_the_root_document(tiny_plate: Path, monkeypatch) -> None:
    """Deciding "this is a plate" must not read the plate (that froze napari 5-8 s for 384 wells)."""
    from builders import serve_folder

    from imaging_explorer._napari import plugin

    opened: list[str] = []
    monkeypatch.setattr(ie, "open_plate", lambda location, *a, **k: opened.append(location))
    with serve_folder(tiny_plate.parent) as url:
        assert plugin.get_reader(f"{url}/{tiny_plate.name}") is plugin.read_plate
        assert plugin.get_reader(f"{url}/absent.zarr") is None
    assert opened == []


def test_root_documents_name_what_is_wrong(tmp_path: Path) -> None:
    from imaging_explorer._napari.plugin import is_plate_document, root_documents

    broken = tmp_path / "broken.zarr"
    broken.mkdir()
    (broken / "zarr.json").write_text('{"zarr_format": 3, "node_type": "gr')  # cut short
    docs, reason = root_documents(str(broken))
    assert docs == {} and "zarr.json" in reason
    assert root_documents(str(tmp_path / "absent"))[1]
    assert is_plate_document({".zattrs": {"plate": {"wells": []}}})
    assert is_plate_document({"zarr.json": {"attributes": {"ome": {"plate": {}}}}})
    assert not is_plate_document({"zarr.json": {"attributes": {"ome": {"multiscales": []}}}})
