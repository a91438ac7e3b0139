"""Read a plate's metadata in a worker, then hand the plate to the browser (the window stays live).

``imaging_explorer.open_plate`` reads every well's and field's documents: 0.3 s for a local
384-well plate, 5-8 s over HTTP at 20 ms a request. The reader only decides "this is a plate"
(from the root document) and starts a :class:`PlateOpener`; the overview's layers are added
when the metadata is there. napari's progress shows while the read takes longer than a moment.
Only the newest open counts: a plate asked for meanwhile wins, an older read is dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .overview_loader import PROGRESS_DELAY_MS
from .workers import start_worker

if TYPE_CHECKING:
    from napari.types import LayerDataTuple

    from imaging_explorer.plate import Plate

    from .viewer_link import ViewerLink


class OpenFailure:
    """Why a plate could not be opened (the worker returns it instead of raising)."""

    def __init__(self, location: str, reason: str) -> None:
        self.location, self.reason = location, reason


def read_plate_metadata(location: str) -> Plate | OpenFailure:
    """``open_plate(location)``, never raising (runs in the worker thread)."""
    import imaging_explorer as ie

    try:
        return ie.open_plate(location)
    except ie.PlateError as e:
        return OpenFailure(e.location, e.reason)
    except Exception as e:  # noqa: BLE001 - any failure is told to the user, never a traceback dialog
        return OpenFailure(location, f"{type(e).__name__}: {e}")


def short_name(location: str) -> str:
    """The last part of a location ("plate.zarr"), for messages."""
    return os.path.basename(location.rstrip("/")) or location


def add_layer_data(viewer: Any, layer_data: list[LayerDataTuple]) -> list[Any]:
    """Add reader-style layer data to a viewer (what napari does with a reader's return value)."""
    from napari.layers import Layer

    return [viewer.add_layer(Layer.create(*datum)) for datum in layer_data]


class PlateOpener:
    """Reads the metadata of the plate asked for last in a worker; ``on_plate(plate)`` (GUI thread)
    returns the overview's layer data, which is then added to the viewer."""

    def __init__(self, link: ViewerLink, on_plate: Callable[[Plate], list[LayerDataTuple]],
                 notice: Callable[[str, str], None], changed: Callable[[], None]) -> None:
        self.link, self.on_plate, self.notice, self.changed = link, on_plate, notice, changed
        self.location: str | None = None  # being read, None when idle
        self._gen = 0
        self._progress: Any = None

    @property
    def busy(self) -> bool:
        return self.location is not None

    def start(self, location: str) -> None:
        """Read ``location``'s metadata in a worker; a read already running is dropped."""
        from qtpy.QtCore import QTimer

        self._gen += 1
        gen = self._gen
        self._end_progress()
        self.location = location
        QTimer.singleShot(PROGRESS_DELAY_MS, lambda: self._show_progress(gen))
        start_worker(read_plate_metadata, location, returned=lambda result: self._done(gen, result),
                     errored=lambda exc: self._done(gen, OpenFailure(location, f"{type(exc).__name__}: {exc}")))
        self.changed()

    def cancel(self) -> None:
        """Forget the read running (its result will be dropped)."""
        self._gen += 1
        self._end_progress()
        if self.location is not None:
            self.location = None
            self.changed()

    def _show_progress(self, gen: int) -> None:
        if gen != self._gen or self.location is None or self._progress is not None or self.link.closed:
            return
        from napari.utils import progress

        self._progress = progress(total=0, desc=f"Opening plate {short_name(self.location)}")  # indeterminate

    def _end_progress(self) -> None:
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    def _done(self, gen: int, result: Plate | OpenFailure) -> None:
        if gen != self._gen:
            return  # a newer open won
        self._end_progress()
        location, self.location = self.location, None
        if self.link.closed:
            return
        self.changed()
        if isinstance(result, OpenFailure):
            where = result.location if result.location != location else location
            self.notice("error", f"Cannot open {short_name(location or where)}: {result.reason} ({where})")
            return
        add_layer_data(self.link.viewer, self.on_plate(result))
