"""Stand-ins for the tests: the plate browser as the Qt-free review model sees it."""

from __future__ import annotations

from types import SimpleNamespace

from psygnal import Signal

import imaging_explorer as ie
from imaging_explorer._napari.browser.state import BrowserState


class InstantBrowser:
    """What the review needs of the plate browser; a well is "loaded" as soon as it is asked for."""

    plate_opened = Signal()
    view_changed = Signal()

    def __init__(self, plate: ie.Plate) -> None:
        self.plate, self.layout = plate, None  # no layout: no calls layer is drawn
        self.state = BrowserState()
        self.link = SimpleNamespace(alive=False)
        self.analysis_view = SimpleNamespace(wells=None)  # no analysis results

    def show_well(self, key: str) -> str:
        self.state.mode, self.state.well, self.state.pending = "well", key, None
        self.view_changed.emit()
        return key


def run_now(func, *args, returned, errored) -> None:
    """Run a worker's function here and now, reporting as napari's worker would."""
    try:
        outcome = func(*args)
    except Exception as e:  # noqa: BLE001 - as a worker reports it
        errored(e)
    else:
        returned(outcome)
