"""ie.open_image: a single OME-Zarr image as one field; other groups refused with the reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import imaging_explorer as ie
from builders import omezarr_plate


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_image_opens_as_one_field_with_channels_levels_and_labels(tmp_path: Path, version: str) -> None:
    import zarr
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_labels

    fmt = FormatV05() if version == "0.5" else FormatV04()
    root = zarr.open_group(str(tmp_path / "img.zarr"), mode="w", zarr_format=fmt.zarr_format)
    data = np.arange(2 * 64 * 64, dtype=np.uint16).reshape(2, 64, 64)
    write_image(data, root, axes="cyx", fmt=fmt, scale_factors=[2, 4])
    write_labels(np.ones((64, 64), np.uint32), root, name="cells", axes="yx", fmt=fmt, scale_factors=[2, 4])

    image = ie.open_image(tmp_path / "img.zarr")
    assert len(image.field.channels) == 2
    assert [a.shape for a in image.field.arrays] == [(2, 64, 64), (2, 32, 32), (2, 16, 16)]
    assert list(image.field.labels) == ["cells"]
    np.testing.assert_array_equal(np.asarray(image.field.levels[0]), data)


def test_a_plate_is_not_an_image(tmp_path: Path) -> None:
    plate = omezarr_plate(tmp_path / "plate.zarr", labels=False)
    with pytest.raises(ie.PlateError, match="plate.zarr.*neither an HCS plate nor an image"):
        ie.open_image(plate)
