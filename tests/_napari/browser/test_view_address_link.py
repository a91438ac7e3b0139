"""View addresses and the plate browser, without Qt: the address of the view, going to one now
or once its plate is open, and what the go-to box takes for an address."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from psygnal import Signal

from imaging_explorer._napari.browser.state import BrowserState, Target
from imaging_explorer._napari.browser.view_address_link import (
    address_of_view,
    go_to_address,
    read_goto_text,
    show_address,
    waits_for_plate,
)
from imaging_explorer.plate import ViewAddress, Well


def fake_plate(location: str, fields: int = 2):
    wells = {key: Well(key, key[0], key[2:], "AB".index(key[0]), int(key[2:]) - 1, [object()] * fields)
             for key in ("A/1", "A/2", "B/2")}
    return SimpleNamespace(location=location, rows=["A", "B"], columns=["1", "2"], wells=wells, missing_wells={})


class FakeController:
    """What the address link uses of a PlateController; records the calls."""

    plate_opened = Signal()
    notice = Signal(str, str)

    def __init__(self, plate=None) -> None:
        self.plate, self.state = plate, BrowserState()
        self.opener = SimpleNamespace(busy=False, location=None)
        self.calls: list[tuple] = []

    def show_well(self, well, field=None, tiled=None):
        self.calls.append(("well", well, field, tiled))
        self.state.pending = Target(well, field, False)
        return well

    def show_overview(self):
        self.calls.append(("overview",))

    def open_location(self, location):
        self.calls.append(("open", location))
        self.opener.busy, self.opener.location = True, location

    def finish_opening(self, plate):  # the worker read the metadata; the overview is there
        self.opener.busy, self.opener.location = False, None
        self.plate = plate
        self.plate_opened.emit()


def test_the_address_of_the_view_follows_the_state():
    ctrl = FakeController()
    assert address_of_view(ctrl) is None  # no plate
    ctrl.plate = fake_plate("/data/p.zarr")
    assert address_of_view(ctrl) == ViewAddress("/data/p.zarr")  # the overview
    ctrl.state.mode, ctrl.state.well, ctrl.state.field = "well", "B/2", 1
    assert str(address_of_view(ctrl)) == "/data/p.zarr#B02/2"
    ctrl.state.pending = Target("A/1", 0, False)  # what the user asked for counts, while it loads
    assert str(address_of_view(ctrl)) == "/data/p.zarr#A01/1"


def test_an_address_of_the_plate_on_screen_is_shown_at_once():
    ctrl = FakeController(fake_plate("/data/p.zarr"))
    assert go_to_address(ctrl, ViewAddress("/data/p.zarr/", "b2", 2)) is True
    assert ctrl.calls == [("well", "B/2", 1, False)]
    with pytest.raises(ValueError, match="has 2 field"):
        show_address(ctrl, ViewAddress("/data/p.zarr", "B02", 3))
    with pytest.raises(ValueError, match="no row 'C'"):
        go_to_address(ctrl, ViewAddress("/data/p.zarr", "C01"))
    go_to_address(ctrl, ViewAddress("/data/p.zarr"))
    assert ctrl.calls[-1] == ("overview",)


def test_an_address_of_another_plate_opens_it_then_shows_the_well():
    ctrl = FakeController(fake_plate("/data/p.zarr"))
    notices = []
    ctrl.notice.connect(lambda level, text: notices.append((level, text)))
    assert go_to_address(ctrl, ViewAddress("http://h/q.zarr", "A02", 2)) is False
    assert ctrl.calls == [("open", "http://h/q.zarr")] and waits_for_plate(ctrl)
    ctrl.finish_opening(fake_plate("http://h/q.zarr"))
    assert ctrl.calls[-1] == ("well", "A/2", 1, False) and not waits_for_plate(ctrl)
    ctrl.finish_opening(fake_plate("http://h/q.zarr"))  # shown once, not at every later opening
    assert len(ctrl.calls) == 2 and not notices

    # a well the other plate lacks: an error notice once it is open, nothing raised
    go_to_address(ctrl, ViewAddress("http://h/r.zarr", "B01"))
    ctrl.finish_opening(fake_plate("http://h/r.zarr"))
    assert notices == [("error", ("Cannot show http://h/r.zarr#B01: 'B01': well B1 is not in this plate "
                                  "(no image was acquired there)"))]


def test_only_the_newest_waiting_address_counts_and_another_plate_drops_it():
    ctrl = FakeController()
    go_to_address(ctrl, ViewAddress("http://h/q.zarr", "A01"))
    go_to_address(ctrl, ViewAddress("http://h/q.zarr", "B02", 2))  # same plate, still reading: not re-opened
    assert ctrl.calls == [("open", "http://h/q.zarr")]
    ctrl.finish_opening(fake_plate("http://h/q.zarr"))
    assert ctrl.calls[1:] == [("well", "B/2", 1, False)]
    go_to_address(ctrl, ViewAddress("http://h/r.zarr", "A01"))
    ctrl.finish_opening(fake_plate("http://h/other.zarr"))  # the user dropped another plate meanwhile
    assert ctrl.calls[-1] == ("open", "http://h/r.zarr")


def test_what_the_go_to_box_takes_for_an_address(tmp_path):
    plate = fake_plate(str(tmp_path / "p.zarr"))
    for well in ("A2", "a/2", "B02", "B 2"):
        assert read_goto_text(well, plate) is None
    assert read_goto_text("Z9", plate) is None  # not a well here, not a location: the well's error is shown
    assert read_goto_text("/data/q.zarr#B02/2", plate) == ViewAddress("/data/q.zarr", "B02", 2)
    assert read_goto_text("https://h/q.zarr", plate) == ViewAddress("https://h/q.zarr")
    assert read_goto_text(f"{tmp_path}/p.zarr", None) == ViewAddress(str(tmp_path / "p.zarr"))
    (tmp_path / "screens").mkdir()
    assert read_goto_text(str(tmp_path / "screens"), plate) == ViewAddress(str(tmp_path / "screens"))
    with pytest.raises(ValueError, match="field 0 does not exist"):
        read_goto_text("q.zarr#B2/0", plate)
