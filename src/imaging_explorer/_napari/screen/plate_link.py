"""A screen plate opened in the plate browser gets what the screen knows about it.

A screen's readouts and plate map may live anywhere the index says (``p1_wells.csv``, a shared
plate-map folder), where the browser does not look. When the browser has opened the plate asked
for, its readouts table and (when the browser found none) its plate map are read in a worker and
handed to the browser, so the Hits dock, the compound card and the review queue work on it as
on a plate with analysis results beside it; analysis results found beside the plate still win.
Then the well asked for opens, and whatever was to follow (a compound card).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..browser.workers import start_worker

if TYPE_CHECKING:
    import pandas as pd

    from imaging_explorer.plate import Plate
    from imaging_explorer.screen import ScreenPlate

    from ..browser.controller import PlateController

__all__ = ["ScreenPlateLink", "same_location"]


def same_location(a: str, b: str) -> bool:
    """The same plate location (local paths compared resolved, URLs without a trailing slash)."""
    a, b = str(a).rstrip("/"), str(b).rstrip("/")
    if a == b:
        return True
    if "://" in a or "://" in b:
        return False
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def read_companions(screen_plate: ScreenPlate, plate: Plate) -> tuple[pd.DataFrame | None, pd.DataFrame | None, str]:
    """(readouts indexed by the plate's well keys, plate map from the index, problem) of a screen
    plate; runs in a worker. A table that cannot be used is None, with the reason."""
    from imaging_explorer.hits.inputs import read_readouts
    from imaging_explorer.plate import parse_well_name
    from imaging_explorer.platemap import read_platemap

    readouts = platemap = None
    problems = []
    try:
        if screen_plate.readouts_source:
            wells = read_readouts(screen_plate.readouts_source).wells
            if "t" in wells.columns:
                wells = wells.sort_values("t", kind="stable")
            keys = []
            for name in wells["well"].astype(str):
                try:
                    keys.append(parse_well_name(name, plate))
                except ValueError:
                    keys.append("")  # a well the plate has not: dropped below
            readouts = wells.assign(well=keys).query("well != ''").drop_duplicates("well").set_index("well")
    except (OSError, ValueError) as e:
        problems.append(f"readouts: {e}")
    try:
        if screen_plate.entry.platemap:
            platemap = read_platemap(Path(screen_plate.entry.platemap), plate)
    except (OSError, ValueError) as e:
        problems.append(f"plate map: {e}")
    return readouts, platemap, "; ".join(problems)


class ScreenPlateLink:
    """Opens screen plates in one viewer's plate browser and hands them their readouts."""

    def __init__(self, ctrl: PlateController) -> None:
        self.ctrl = ctrl
        self.expected: ScreenPlate | None = None  # the screen plate the browser is opening for us
        self._well: str | None = None
        self._then: Callable[[], None] | None = None
        self._worker: Any = None
        ctrl.plate_opened.connect(self._opened)

    def open(self, plate: ScreenPlate, well: str | None = None, then: Callable[[], None] | None = None) -> None:
        """Open ``plate`` in the browser (its overview), then ``well`` (a key such as "C/7") and ``then()``."""
        self.expected, self._well, self._then = plate, well, then
        ctrl = self.ctrl
        if ctrl.plate is not None and same_location(str(ctrl.plate.location), plate.location) and not ctrl.opener.busy:
            self._opened()  # already open: straight on to the well
            return
        ctrl.open_location(plate.location)

    def _opened(self) -> None:
        expected, opened = self.expected, self.ctrl.plate
        self.expected = None
        if expected is None or opened is None or not same_location(str(opened.location), expected.location):
            return  # another plate (opened by other means) or nothing asked for
        if self.ctrl.analysis_view.wells is None or self.ctrl.state.platemap is None:
            self._worker = start_worker(
                read_companions, expected, opened, returned=lambda got: self._companions(opened, *got),
                errored=lambda exc: self.ctrl.notice.emit("warning", f"{expected.name}: the screen's readouts "
                                                                     f"could not be read: {type(exc).__name__}: {exc}"))
        well, then, self._well, self._then = self._well, self._then, None, None
        if well is not None:
            try:
                self.ctrl.show_well(well)
            except ValueError as e:
                self.ctrl.notice.emit("warning", f"{expected.name}: {e}")
        if then is not None:  # after every listener of plate_opened (the compound card clears itself there)
            from qtpy.QtCore import QTimer

            QTimer.singleShot(0, then)

    def _companions(self, plate: Plate, readouts: Any, platemap: Any, problem: str) -> None:
        ctrl = self.ctrl
        if plate is not ctrl.plate:
            return  # another plate meanwhile
        if problem:
            ctrl.notice.emit("warning", f"{plate.name}: the screen's {problem}")
        view = ctrl.analysis_view
        if readouts is not None and ctrl.analysis.results is None and view.wells is None:
            view.wells = readouts  # as the analysis results' own table would be (indexed by well key)
            view.changed.emit()
        if platemap is not None:
            self._platemap(plate, platemap)

    def _platemap(self, plate: Plate, platemap: Any) -> None:
        """The index's plate map, unless the browser found one (it may still be looking)."""
        ctrl = self.ctrl
        if ctrl.state.platemap_loading:
            def found() -> None:
                ctrl.platemap_changed.disconnect(found)
                self._platemap(plate, platemap)

            ctrl.platemap_changed.connect(found)
            return
        if plate is ctrl.plate and ctrl.state.platemap is None:
            ctrl.set_platemap(plate, platemap)

