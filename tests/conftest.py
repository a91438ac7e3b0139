"""Shared test fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest


def _env_folder(tmp_path_factory: pytest.TempPathFactory, variable: str, name: str) -> Iterator[Path]:
    """Point an IMAGING_EXPLORER_* folder variable at a temporary folder for the session."""
    folder = tmp_path_factory.mktemp(name)
    old = os.environ.get(variable)
    os.environ[variable] = str(folder)
    yield folder
    if old is None:
        os.environ.pop(variable, None)
    else:
        os.environ[variable] = old


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep tests out of the user's cache folder (the sample plate of the demo lives there)."""
    yield from _env_folder(tmp_path_factory, "IMAGING_EXPLORER_CACHE", "cache")


@pytest.fixture(autouse=True, scope="session")
def _private_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Channel settings and the review config go to a temporary folder, not the user's."""
    yield from _env_folder(tmp_path_factory, "IMAGING_EXPLORER_CONFIG", "config")


@pytest.fixture(autouse=True, scope="session")
def _private_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The default annotation store goes to a temporary folder, not the user's data folder."""
    yield from _env_folder(tmp_path_factory, "IMAGING_EXPLORER_DATA", "data")


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


# -- tests that need something outside the project ------------------------------------------------
# Skipped on a developer machine without it; in CI (CI=true) they fail instead, so a missing
# PostgreSQL or conformance folder cannot pass unseen.


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but this test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def unavailable():
    """``unavailable(reason)``: skip the test, or fail it under CI=true."""
    return _unavailable


# -- the annotation store on both back-ends -------------------------------------------------------
# ``store_url`` (and ``new_store_url()`` for a second store) run a store test on SQLite and on a
# throwaway PostgreSQL cluster (tests/pg_server.py). Without Debian's postgresql package the
# PostgreSQL half is skipped on a developer machine; in CI (CI=true) it fails instead.


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """A PostgreSQL cluster of the test session's own, on 127.0.0.1 (see tests/pg_server.py)."""
    from pg_server import DEBIAN_PACKAGE, PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        _unavailable(f"no PostgreSQL server binaries (initdb, pg_ctl): apt-get install {DEBIAN_PACKAGE}")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("no PostgreSQL driver: pip install 'psycopg[binary]>=3.1' (in the dev extra)")
    server = PostgresServer(bindir)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_backend(request: pytest.FixtureRequest) -> str:
    """The annotation store's back-end under test."""
    return request.param


@pytest.fixture
def new_store_url(store_backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    """``new_store_url(name="a")``: a new, empty annotation store location on the back-end under test."""
    def make(name: str = "a") -> str:
        if store_backend == "sqlite":
            return str(tmp_path / f"{name}.db")
        return request.getfixturevalue("postgres_server").create_database()

    return make


@pytest.fixture
def store_url(new_store_url) -> str:
    """A new, empty annotation store location (SQLite file or PostgreSQL database)."""
    return new_store_url()


@pytest.fixture(scope="session")
def analysed_sample(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The sample plate (8 x 12, 1 field, 192 px) analysed once, its results beside it (the browser
    finds them): ``made`` (SamplePlate), ``plate`` (opened), ``results``. Read only, please (the
    hits CLI's tests may add hits.csv to its store, as the command does)."""
    import imaging_explorer as ie
    from imaging_explorer.analysis.batch import analyze_plate
    from imaging_explorer.analysis.channel_roles import resolve_roles

    made = ie.make_sample_plate(tmp_path_factory.mktemp("analysed") / "plate.zarr", rows=8, columns=12, fields=1,
                                size=192)
    plate = ie.open_plate(str(made.plate))
    roles = resolve_roles(plate.wells["A/1"].fields[0].channels, "DAPI", "Cell", "Pathogen")
    return SimpleNamespace(made=made, plate=plate, results=analyze_plate(plate, roles, workers=2).results)
