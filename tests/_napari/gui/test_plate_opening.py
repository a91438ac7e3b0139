"""Opening a plate in napari: metadata read in a worker (the window stays live), errors as notices."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import imaging_explorer as ie

pytestmark = pytest.mark.gui


def test_plate_metadata_is_read_off_the_gui_thread(make_napari_viewer, tiny_plate: Path, open_plate_in,
                                                   monkeypatch) -> None:
    from builders import serve_folder

    real_open, threads = ie.open_plate, []

    def recording_open(location, *args, **kwargs):
        threads.append(threading.current_thread())
        return real_open(location, *args, **kwargs)

    monkeypatch.setattr(ie, "open_plate", recording_open)
    viewer = make_napari_viewer(show=True)
    with serve_folder(tiny_plate.parent) as url:
        for location in (str(tiny_plate), f"{url}/{tiny_plate.name}"):
            threads.clear()
            ctrl = open_plate_in(viewer, location)
            assert ctrl.plate is not None and ctrl.plate.location.rstrip("/").endswith(tiny_plate.name)
            assert threads and threading.main_thread() not in threads, location
            # the second plate replaced the first: one set of overview layers (3 channels, names)
            assert len([layer for layer in viewer.layers if layer.name.startswith("overview ")]) == 4


def test_a_plate_that_cannot_be_opened_is_a_notice(make_napari_viewer, tiny_plate: Path, qtbot,
                                                    monkeypatch) -> None:
    from imaging_explorer._napari.session import browser_for

    def failing_open(location, *args, **kwargs):
        raise ie.PlateError(f"{location}/A/1/zarr.json", "not valid JSON (cut short)")

    monkeypatch.setattr(ie, "open_plate", failing_open)
    viewer = make_napari_viewer(show=True)
    ctrl = browser_for(viewer)
    notices: list[tuple[str, str]] = []
    ctrl.notice.connect(lambda level, text: notices.append((level, text)))

    viewer.open(str(tiny_plate), plugin="imaging-explorer")  # no exception: napari is told "no layers"

    qtbot.waitUntil(lambda: not ctrl.opener.busy, timeout=20000)
    assert len(notices) == 1
    level, text = notices[0]
    assert level == "error" and "not valid JSON (cut short)" in text and "A/1/zarr.json" in text
    assert ctrl.plate is None and len(viewer.layers) == 0
