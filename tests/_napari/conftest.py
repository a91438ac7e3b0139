"""Fixtures of the napari (GUI) tests: small sample plates, a viewer with a plate open."""

from __future__ import annotations


import pytest


@pytest.fixture(scope="session")
def small_plate(tmp_path_factory: pytest.TempPathFactory):
    """3 x 4 wells (one missing), 2 fields of 256 px, labels; the SamplePlate paths."""
    import imaging_explorer as ie

    out = tmp_path_factory.mktemp("gui-plate")
    return ie.make_sample_plate(out / "plate.zarr", rows=3, columns=4, fields=2, size=256)


@pytest.fixture
def open_plate_in(qtbot):
    """open_plate_in(viewer, path) -> controller, after the overview is filled."""
    from imaging_explorer._napari.controller import controller_for

    def run(viewer, path, wait=True):
        viewer.open(str(path), plugin="imaging-explorer")
        ctrl = controller_for(viewer)
        if wait:
            qtbot.waitUntil(lambda: ctrl.overview_loaded, timeout=20000)
        return ctrl

    return run


@pytest.fixture
def wait_for_well(qtbot):
    """wait_for_well(ctrl, key): until the well is on screen and nothing is loading."""

    def run(ctrl, key: str, timeout: int = 20000) -> None:
        qtbot.waitUntil(lambda: ctrl.mode == "well" and ctrl.current_well == key and not ctrl.loading, timeout=timeout)

    return run
