"""Shared test fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep tests out of the user's cache folder (the sample plate of the demo lives there)."""
    folder = tmp_path_factory.mktemp("cache")
    old = os.environ.get("IMAGING_EXPLORER_CACHE")
    os.environ["IMAGING_EXPLORER_CACHE"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("IMAGING_EXPLORER_CACHE", None)
    else:
        os.environ["IMAGING_EXPLORER_CACHE"] = old


@pytest.fixture(scope="session")
def tiny_plate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic plate (NGFF 0.5): 2 x 3 wells, 1 field, 256 px. Read only, please."""
    import imaging_explorer as ie

    out = tmp_path_factory.mktemp("tiny-0.5")
    return Path(ie.make_sample_plate(out / "plate.zarr", rows=2, columns=3, fields=1, size=256).plate)


@pytest.fixture(scope="session")
def tiny_plate_v04(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same small plate written as NGFF 0.4 (zarr v2). Read only, please."""
    import imaging_explorer as ie

    out = tmp_path_factory.mktemp("tiny-0.4")
    result = ie.make_sample_plate(out / "plate.zarr", rows=2, columns=3, fields=1, size=256, version="0.4")
    return Path(result.plate)


@pytest.fixture(autouse=True, scope="session")
def _plugin_known_to_npe2() -> None:
    """Run from a source tree (PYTHONPATH=src, package not installed), npe2 cannot
    discover the plugin through its entry point: register the manifest directly."""
    try:
        from npe2 import PluginManager, PluginManifest
    except ImportError:  # no napari in this environment: GUI tests are skipped anyway
        return
    pm = PluginManager.instance()
    pm.discover(include_npe1=False)
    if "imaging-explorer" not in pm._manifests:
        pm.register(PluginManifest.from_file(Path(__file__).resolve().parents[1] / "napari.yaml"))
