"""Label measurements on a plate with iohub's upper-case axes (T, C, Z, Y, X) for image and labels."""

from __future__ import annotations

import numpy as np
import pytest
import real_layouts
import zarr
from builders import ZARR_FORMAT, write_attrs

import imaging_explorer as ie
from imaging_explorer.analysis import field_label_stats

pytestmark = pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")


def _upper_case_labels(path, field_key: str) -> None:
    """A label image like iohub's: axes T, C, Z, Y, X with one t, c and z plane; label 1 at 8..15."""
    write_attrs(path, f"{field_key}/labels", {"labels": ["nuclei"]}, "0.5")
    axes = [{"name": n.upper(), "type": real_layouts.KINDS[n]} for n in "tczyx"]
    datasets = [{"path": str(i), "coordinateTransformations": [
        {"type": "scale", "scale": [1.0, 1.0, 1.0, 0.65 * 2**i, 0.65 * 2**i]}]} for i in range(2)]
    write_attrs(path, f"{field_key}/labels/nuclei",
                {"multiscales": [{"axes": axes, "datasets": datasets}], "image-label": {}}, "0.5")
    group = zarr.open_group(str(path / field_key / "labels" / "nuclei"), mode="a",
                            zarr_format=ZARR_FORMAT["0.5"])
    full = np.zeros((1, 1, 1, 64, 64), np.uint32)
    full[..., 8:16, 8:16] = 1
    group.create_array("0", data=full)
    group.create_array("1", data=full[..., ::2, ::2])


def test_label_stats_on_upper_case_axes(tmp_path):
    path = real_layouts.iohub(tmp_path / "p.zarr")
    _upper_case_labels(path, "A/1/0")
    field = ie.open_plate(path).wells["A/1"].fields[0]
    data = np.asarray(field.levels[0])[0]  # c, z, y, x with 3 channels and 2 planes
    df = field_label_stats(field, "nuclei")
    assert df["label"].tolist() == [1] and df["area"].tolist() == [64]
    assert (df["centroid_y"].item(), df["centroid_x"].item()) == (11.5, 11.5)
    names = [ch.name for ch in field.channels]
    assert len(names) == 3
    for i, name in enumerate(names):  # the middle of 2 planes by default: z = 1
        assert df[f"mean_{name}"].item() == pytest.approx(data[i, 1, 8:16, 8:16].mean())
    z0 = field_label_stats(field, "nuclei", z=0)
    assert z0[f"mean_{names[2]}"].item() == pytest.approx(data[2, 0, 8:16, 8:16].mean())
    assert field_label_stats(field, "nuclei", level=1)["area"].tolist() == [16]
    with pytest.raises(ValueError, match="z = 2 is out of range"):
        field_label_stats(field, "nuclei", z=2)
