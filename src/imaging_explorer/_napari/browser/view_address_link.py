"""View addresses (``/data/plate.zarr#C07/2``) and the plate browser: the address of what is on
screen, and going to an address, now or once its plate is open. No Qt, no napari imports.

Opening a plate is asynchronous (metadata in a worker, then the overview), so an address of a
plate that is not on screen yet is remembered per controller and shown when the controller says
``plate_opened``; only the newest one is kept, and it is dropped if another plate opens first.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from imaging_explorer.io.location import is_url
from imaging_explorer.plate import (
    ViewAddress,
    parse_view_address,
    parse_well_name,
    well_name,
)
from imaging_explorer.plate.view_address import same_location

if TYPE_CHECKING:
    from imaging_explorer.plate import Plate

    from .controller import PlateController

# per controller: the address waiting for its plate to open, and the slot that will show it
_WAITING: weakref.WeakKeyDictionary[PlateController, Callable[[], None]] = weakref.WeakKeyDictionary()

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def address_of_view(ctrl: PlateController) -> ViewAddress | None:
    """The address of what the browser shows (or is loading): the well and its 1-based field,
    or the plate alone on the overview. None when no plate is open.

    Raises
    ------
    ValueError
        When the well's name cannot be written in an address (rows that are not letters).
    """
    if ctrl.plate is None:
        return None
    state = ctrl.state
    if state.pending is not None:
        key, field = state.pending.well, state.pending.field
    elif state.mode == "well" and state.well is not None:
        key, field = state.well, state.field
    else:
        return ViewAddress(ctrl.plate.location)
    well = ctrl.plate.wells.get(key)
    name = f"{well.row}/{well.column}" if well is not None else key
    return ViewAddress(ctrl.plate.location, name, field + 1)


def field_index_in(plate: Plate, address: ViewAddress) -> tuple[str, int]:
    """The well key and 0-based field index an address names in ``plate``.

    Raises
    ------
    ValueError
        When the plate has no such well (the reason from :func:`parse_well_name`) or the well
        has fewer fields than the address asks for.
    """
    if address.well is None:
        raise ValueError(f"{address} names no well")
    key = parse_well_name(address.well, plate)
    n = len(plate.wells[key].fields)
    if address.field is not None and address.field > n:
        raise ValueError(f"well {well_name(key)} has {n} field(s); the address asks for field {address.field}")
    return key, address.field_index


def show_address(ctrl: PlateController, address: ViewAddress) -> str | None:
    """Show the address's well and field (or the overview, for a bare location) of the plate on
    screen; returns the well key (None for the overview).

    Raises
    ------
    ValueError
        When no plate is open, the open plate is another one, or the well or field is not in it.
    """
    plate = ctrl.plate
    if plate is None:
        raise ValueError("no plate is open")
    if not same_location(plate.location, address.location):
        raise ValueError(f"{address} is not of the plate on screen ({plate.location})")
    if address.well is None:
        ctrl.show_overview()
        return None
    key, index = field_index_in(plate, address)
    ctrl.show_well(key, index, tiled=False)
    return key


def go_to_address(ctrl: PlateController, address: ViewAddress) -> bool:
    """Go to an address: at once when its plate is on screen (True), else open that plate and
    show the well when it is open (False; a wrong well then becomes an error notice).

    Raises
    ------
    ValueError
        When the plate is on screen and has no such well or field.
    """
    plate = ctrl.plate
    if plate is not None and not ctrl.opener.busy and same_location(plate.location, address.location):
        _WAITING.pop(ctrl, None)
        show_address(ctrl, address)
        return True
    reading = ctrl.opener.location
    if reading is None or not same_location(reading, address.location):
        ctrl.open_location(address.location)
    show_when_opened(ctrl, address)
    return False


def show_when_opened(ctrl: PlateController, address: ViewAddress) -> None:
    """Show the address's well once its plate is open (the next ``plate_opened``); an address
    asked for earlier is forgotten. Nothing happens when another plate opens instead."""
    old = _WAITING.pop(ctrl, None)
    if old is not None:
        ctrl.plate_opened.disconnect(old)
    if address.well is None:
        return  # the overview is what opening shows

    ref = weakref.ref(ctrl)  # the waiting slot must not keep a closed viewer's controller alive

    def opened() -> None:
        me = ref()
        if me is None:
            return
        if _WAITING.get(me) is opened:
            del _WAITING[me]
        me.plate_opened.disconnect(opened)
        if me.plate is None or not same_location(me.plate.location, address.location):
            return  # another plate won
        try:
            show_address(me, address)
        except ValueError as e:
            me.notice.emit("error", f"Cannot show {address}: {e}")

    _WAITING[ctrl] = opened
    ctrl.plate_opened.connect(opened)


def waits_for_plate(ctrl: PlateController) -> bool:
    """True while an address waits for its plate to open (see :func:`show_when_opened`)."""
    return ctrl in _WAITING


def read_goto_text(text: str, plate: Plate | None) -> ViewAddress | None:
    """What the go-to box holds: a view address, or None for a bare well name ("C07", "C/7").

    Text with a ``#``, a URL, or a path (absolute, ``~``, ``./``, a drive, ``.zarr``) is an
    address; so is any text that is no well of the open plate but names an existing folder.

    Raises
    ------
    ValueError
        For an address that cannot be read (see :func:`parse_view_address`).
    """
    cleaned = text.strip()
    if "#" in cleaned:
        return parse_view_address(cleaned)
    if plate is not None:
        try:
            parse_well_name(cleaned, plate)
            return None
        except ValueError:
            pass
    if _looks_like_location(cleaned):
        return parse_view_address(cleaned)
    return None  # shown as the well name it is not, with parse_well_name's reason


def _looks_like_location(text: str) -> bool:
    import os

    return (is_url(text) or text.startswith(("/", "~", "./", "../", "\\")) or bool(_WINDOWS_DRIVE.match(text))
            or text.rstrip("/\\").lower().endswith(".zarr") or os.path.isdir(os.path.expanduser(text)))
