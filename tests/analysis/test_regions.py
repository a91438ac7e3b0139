"""Per-object statistics of a field: hand-checked numbers, the sample plate's nuclei, odd axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import imaging_explorer as ie
from builders import hand_plate, multiscales, omezarr_plate, write_attrs
from imaging_explorer.analysis import field_label_stats, label_at, label_stats


def tiny() -> tuple[np.ndarray, np.ndarray]:
    labels = np.zeros((4, 5), np.uint16)
    labels[0, 0:2] = 1          # pixels (0,0) (0,1)
    labels[2:4, 3:5] = 3        # pixels (2,3) (2,4) (3,3) (3,4); id 2 absent
    image = np.zeros((2, 4, 5), np.uint16)
    image[0] = np.arange(20).reshape(4, 5)
    image[1] = 7
    return labels, image


def test_label_stats_by_hand():
    labels, image = tiny()
    df = label_stats(labels, image, ["A", "B"])
    assert list(df.columns) == ["label", "area", "centroid_y", "centroid_x", "mean_A", "mean_B"]
    assert df["label"].tolist() == [1, 3]
    assert df["area"].tolist() == [2, 4]
    assert df["centroid_y"].tolist() == [0.0, 2.5]
    assert df["centroid_x"].tolist() == [0.5, 3.5]
    assert df["mean_A"].tolist() == [0.5, (13 + 14 + 18 + 19) / 4]
    assert df["mean_B"].tolist() == [7.0, 7.0]


def test_label_stats_one_channel_2d_and_empty():
    labels, image = tiny()
    assert label_stats(labels, image[0], ["A"])["mean_A"].tolist() == [0.5, 16.0]
    empty = label_stats(np.zeros_like(labels), image, ["A", "B"])
    assert empty.empty and list(empty.columns) == ["label", "area", "centroid_y", "centroid_x", "mean_A", "mean_B"]
    assert label_at(empty, 1) is None


@pytest.mark.parametrize(("labels", "image", "names"), [
    (np.zeros((4, 5), int), np.zeros((2, 4, 6)), ["A", "B"]),
    (np.zeros((4, 5), int), np.zeros((2, 4, 5)), ["A"]),
    (np.zeros((4, 5), int), np.zeros((2, 4, 5)), ["A", "A"]),
    (np.full((4, 5), 0.5), np.zeros((2, 4, 5)), ["A", "B"]),
])
def test_label_stats_refuses_what_does_not_fit(labels, image, names):
    with pytest.raises(ValueError):
        label_stats(labels, image, names)


def test_label_at():
    labels, image = tiny()
    df = label_stats(labels, image, ["A", "B"])
    row = label_at(df, 3)
    assert row == {"label": 3, "area": 4, "centroid_y": 2.5, "centroid_x": 3.5, "mean_A": 16.0, "mean_B": 7.0}
    assert type(row["label"]) is int and type(row["mean_A"]) is float
    assert label_at(df, 2) is None and label_at(df, 0) is None


def test_sample_plate_nuclei(tiny_plate: Path):
    plate = ie.open_plate(tiny_plate)
    checked = 0
    for well in plate.wells.values():
        field = well.fields[0]
        df = field_label_stats(field, "nuclei")
        truth = np.asarray(field.labels["nuclei"].levels[0])
        ids = np.unique(truth[truth > 0])
        assert len(df) == len(ids) and df["label"].tolist() == ids.tolist()
        assert df["area"].sum() == (truth > 0).sum()
        if len(df):
            dapi = np.asarray(field.levels[0][0])
            assert (df["mean_DAPI"] > dapi[truth == 0].mean()).all()
            assert list(df.columns[-3:]) == ["mean_DAPI", "mean_Cell", "mean_Pathogen"]
            checked += 1
        assert field_label_stats(field, "nuclei") is df  # remembered for the hover read-out
    assert checked >= 3


def test_lower_level_and_errors(tiny_plate: Path):
    plate = ie.open_plate(tiny_plate)
    field = plate.wells["B/1"].fields[0]
    full, half = field_label_stats(field, "nuclei"), field_label_stats(field, "nuclei", level=1)
    assert len(half) <= len(full) and (half["area"] < full.set_index("label").loc[half["label"], "area"].values).all()
    with pytest.raises(ValueError, match="no labels 'cells'.*nuclei"):
        field_label_stats(field, "cells")
    with pytest.raises(ValueError, match="level 9"):
        field_label_stats(field, "nuclei", level=9)


@pytest.mark.parametrize(("axes", "shape"), [("czyx", (2, 3, 32, 32)), ("tczyx", (2, 2, 3, 32, 32)),
                                             ("zyx", (3, 32, 32)), ("yx", (32, 32))])
def test_field_axes(tmp_path: Path, axes, shape):
    # omezarr_plate: one 8 x 8 square (label 1) at y, x 8..15, one label plane for every t and z
    path = omezarr_plate(tmp_path / "p.zarr", wells=("A/1",), fields=1, shape=shape, axes=axes)
    field = ie.open_plate(path).wells["A/1"].fields[0]
    data = np.asarray(field.levels[0])
    data = data[1] if "t" in axes else data  # t = 1 asked for below
    data = data if "c" in axes else data[np.newaxis]  # -> c, [z,] y, x
    t = 1 if "t" in axes else 0
    df = field_label_stats(field, "nuclei", t=t)
    assert df["label"].tolist() == [1] and df["area"].tolist() == [64]
    assert (df["centroid_y"].item(), df["centroid_x"].item()) == (11.5, 11.5)
    first = f"mean_{field.channels[0].name}"
    middle = data[:, 1] if "z" in axes else data  # the middle of 3 planes by default
    assert df[first].item() == pytest.approx(middle[0, 8:16, 8:16].mean())
    if "z" in axes:
        z0 = field_label_stats(field, "nuclei", t=t, z=0)
        assert z0[first].item() == pytest.approx(data[0, 0, 8:16, 8:16].mean())
        with pytest.raises(ValueError, match="z = 5"):
            field_label_stats(field, "nuclei", t=t, z=5)


def test_label_pyramid_of_another_depth(tmp_path: Path):
    """Image levels 64, 32, 16 px; label levels 64, 16 px: levels are matched by y, x shape."""
    import zarr

    path = hand_plate(tmp_path / "p.zarr", wells=("A/1",), shape=(2, 64, 64), levels=("0", "1", "2"))
    field_key = "A/1/0"
    write_attrs(path, f"{field_key}/labels", {"labels": ["nuclei"]}, "0.5")
    attrs = multiscales(["0", "1"], axes="yx")
    attrs["multiscales"][0]["datasets"][1]["coordinateTransformations"][0]["scale"] = [4.0, 4.0]
    write_attrs(path, f"{field_key}/labels/nuclei", {**attrs, "image-label": {}}, "0.5")
    group = zarr.open_group(str(path / field_key / "labels" / "nuclei"), mode="a")
    full = np.zeros((64, 64), np.uint32)
    full[8:24, 8:24] = 5
    group.create_array("0", data=full)
    group.create_array("1", data=full[::4, ::4])
    field = ie.open_plate(path).wells["A/1"].fields[0]
    assert [a.shape for a in field.labels["nuclei"].levels] == [(64, 64), (16, 16)]
    assert field_label_stats(field, "nuclei", level=0)["area"].tolist() == [256]
    assert field_label_stats(field, "nuclei", level=2)["area"].tolist() == [16]
    with pytest.raises(ValueError, match="no level has the image's y, x shape"):
        field_label_stats(field, "nuclei", level=1)
