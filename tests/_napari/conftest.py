"""Fixtures of the napari-face tests: a small sample plate (the GUI ones are in gui/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def small_plate(tmp_path_factory: pytest.TempPathFactory):
    """3 x 4 wells (one missing), 2 fields of 256 px, labels; the SamplePlate paths."""
    import imaging_explorer as ie

    out = tmp_path_factory.mktemp("gui-plate")
    return ie.make_sample_plate(out / "plate.zarr", rows=3, columns=4, fields=2, size=256)
