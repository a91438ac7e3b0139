"""A small analysed-to-be sample plate for the analysis tests: one per test module (each writes its own store)."""

from __future__ import annotations

import pytest

import imaging_explorer as ie
from imaging_explorer.analysis.channel_roles import resolve_roles


@pytest.fixture(scope="module")
def plate(tmp_path_factory: pytest.TempPathFactory) -> ie.Plate:
    out = tmp_path_factory.mktemp("analysis") / "plate.zarr"
    ie.make_sample_plate(out, rows=2, columns=3, fields=1, size=128)
    return ie.open_plate(out)


@pytest.fixture(scope="module")
def roles(plate: ie.Plate):
    return resolve_roles(plate.wells["A/1"].fields[0].channels)
