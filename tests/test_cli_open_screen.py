"""``imaging-explorer open SOURCE`` on a screen (a folder of plates or a CSV index): checked before
Qt starts, then napari opens on the screen view; a plate still opens as a plate."""

from __future__ import annotations

import pytest

from imaging_explorer.cli import main


@pytest.fixture
def no_display(monkeypatch):
    """No display, and napari must not start: a check that came after Qt would say "no display"."""
    from imaging_explorer._napari import launch

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(launch, "open_in_napari", lambda *a, **k: pytest.fail("napari started on a plate"))
    monkeypatch.setattr(launch, "open_screen_in_napari", lambda *a, **k: pytest.fail("napari started on a screen"))


def _error(capsys, *argv: str) -> str:
    assert main(["open", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("imaging-explorer: error:") and err.count("\n") == 1
    return err


def test_a_screen_that_names_no_plate_is_one_line_before_qt(tmp_path, capsys, no_display) -> None:
    empty = tmp_path / "campaign"
    empty.mkdir()
    assert "no plates here" in _error(capsys, str(empty))
    index = tmp_path / "index.csv"
    index.write_text("location_of_nothing\nx\n", encoding="utf-8")
    assert "no 'plate' column" in _error(capsys, str(index))


def test_a_good_screen_source_goes_on_to_napari(tmp_path, capsys, no_display) -> None:
    index = tmp_path / "index.csv"
    index.write_text("plate,batch\np1.zarr,B1\np2.zarr,B1\n", encoding="utf-8")
    assert "no display" in _error(capsys, str(index))  # the index was read; only the display is missing
    folder = tmp_path / "campaign"
    (folder / "p1.zarr").mkdir(parents=True)
    assert "no display" in _error(capsys, str(folder))


def test_a_plate_folder_is_still_a_plate(tmp_path, capsys, no_display) -> None:
    plate = tmp_path / "broken.zarr"  # named as a plate: the plate's own check speaks, not the screen's
    plate.mkdir()
    err = _error(capsys, str(plate))
    assert "no plates here" not in err and "broken.zarr" in err
