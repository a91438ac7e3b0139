"""The screen view of one viewer: the mosaic in two layers, the screen loaded in a worker, clicks.

:meth:`ScreenView.open` reads the screen's plates in a worker (their layouts and readout tables,
not their pixels: :func:`load_screen`), each drawn as it arrives, with napari's progress bar.
Two layers whatever the number of plates (:mod:`.layers`), made empty when the screen is opened;
then the values layer is refreshed at most every :data:`REDRAW_MS`, the names overlay
(megabytes) at most every :data:`OVERLAY_REDRAW_S`: each update holds the GUI thread (50-150 ms
for 50 plates of 384 wells on a machine without a GPU).

A click on a plate opens it in the plate browser of the same viewer (the screen's layers are
hidden, not removed); Home on that plate's overview comes back here (``ctrl.above_overview``).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from ..browser.view_fit import fit_layers
from ..browser.viewer_link import ViewerLink
from ..browser.workers import start_worker
from .layers import ScreenLayers
from .mosaic import ScreenMosaic, entry_name
from .plate_link import ScreenPlateLink
from .pointer import install_screen_pointer
from .values import DEFAULT_READOUT

if TYPE_CHECKING:
    import napari
    import pandas as pd

    from imaging_explorer.hits import HitRule
    from imaging_explorer.screen import Screen, ScreenEntry, ScreenPlate

    from ..browser.controller import PlateController

__all__ = ["ScreenView", "load_screen", "prestart_readers_for"]

REDRAW_MS = 500  # the values layer is refreshed at most this often while plates arrive
OVERLAY_REDRAW_S = 2.0  # ... and the names overlay at most this often (12 MB for 50 x 384 wells)
LAYERS_WAIT_S = 3.0  # the worker waits this long at most for the layers to be made before reading plates


def load_screen(source: str, rule: HitRule | None, layers_made: threading.Event | None = None
                ) -> Iterator[list[ScreenEntry] | tuple[ScreenPlate, pd.DataFrame]]:
    """The screen's entries, then each plate with its QC table row as it is ready (runs in a
    worker). Local plates are read in worker processes: their pandas work then holds neither this
    process's GIL nor the GUI's core (in threads, the GUI and the readers slowed each other down:
    50 plates of 384 wells took 8-12 s instead of 4-6; benchmarks/screen_view.py). Remote plates
    wait on the network: threads, which first wait (a moment at most) for ``layers_made``, so that
    the GUI thread makes its layers and progress bar without them competing for the GIL."""
    from imaging_explorer.hits.hit_rule import DEFAULT_RULE
    from imaging_explorer.screen import iter_screen_plates, qc_table, screen_entries
    from imaging_explorer.screen.screen import any_remote

    entries = screen_entries(source)
    yield entries
    remote = any_remote(entries)
    if remote and layers_made is not None:
        layers_made.wait(LAYERS_WAIT_S)
    workers = None if remote else reader_processes()
    for plate in iter_screen_plates(entries, rule or DEFAULT_RULE, workers, processes=not remote):
        yield plate, qc_table([plate])  # the QC row is made here, not on the GUI thread


def prestart_readers_for(source: str) -> None:
    """Start the reader processes of a local screen ahead, e.g. while napari starts (their
    imports take about 1.5 s); remote screens are read in threads."""
    from imaging_explorer.screen import screen_entries
    from imaging_explorer.screen.plate_processes import prestart_readers
    from imaging_explorer.screen.screen import any_remote

    if not any_remote(screen_entries(source)):
        prestart_readers(reader_processes())


def reader_processes() -> int:
    """Processes reading local plates: every core but the GUI's, at least 2, at most 4. On 2 cores,
    2 readers finish 50 plates of 384 wells in 4.5 s rather than 5.3 s with 1, and the GUI still
    never freezes for more than 0.4 s (benchmarks/screen_view.py --readers N)."""
    return max(2, min((os.cpu_count() or 2) - 1, 4))


class ScreenView:
    """A screen's plates in one viewer; docks read ``mosaic`` and ``screen`` and follow ``changed``.
    One per viewer (``_qt.screen_dock.screen_view_for``), beside the viewer's plate browser."""

    changed = Signal()  # plates arrived, the readout changed, a screen opened or failed
    finished = Signal()  # every plate is there (``screen`` is set)
    shown_changed = Signal(bool)

    def __init__(self, viewer: napari.Viewer, ctrl: PlateController) -> None:
        self.link = ViewerLink(viewer)
        self.ctrl = ctrl  # the viewer's plate browser
        self.plates = ScreenPlateLink(self.ctrl)
        self.source = ""
        self.rule: HitRule | None = None
        self.mosaic: ScreenMosaic | None = None
        self.screen: Screen | None = None  # once every plate is loaded
        self.error = ""  # why the screen could not be opened
        self.qc_rows: dict[int, pd.DataFrame] = {}  # plate index -> its row of the QC table (made in the worker)
        self.loading = False
        self.shown = False
        self.layers = ScreenLayers()
        self.hover = ""  # the hover text of the point under the mouse
        self._gen = 0
        self._worker: Any = None
        self._layers_made: threading.Event | None = None
        self._progress: Any = None
        self._relaid = False  # the mosaic has new arrays: the layers take them and the camera fits
        self._redraw_due = False
        self._overlay_at = 0.0  # time.monotonic() of the last overlay upload
        self._overlay_dirty = False  # plates were drawn into the overlay since
        self._arrived_since = 0  # plates arrived since the progress bar was last updated
        ref = weakref.ref(self)
        self.ctrl.above_overview = lambda: bool((view := ref()) is not None and view.go_up())
        self.ctrl.plate_opened.connect(self._plate_opened)
        install_screen_pointer(viewer, ref)

    # ------------------------------------------------------------------ opening

    def open(self, source: str, rule: HitRule | None = None) -> None:
        """Open the screen at ``source`` (a folder of plates or a CSV index) in a worker; the
        mosaic fills in as plates arrive. A screen already loading is dropped."""
        self._stop()
        gen = self._gen
        self.layers.remove(self._viewer())
        self.source, self.rule, self.mosaic, self.screen, self.error = str(source), rule, None, None, ""
        self.qc_rows = {}
        self.loading = True
        self.show()  # the plate on screen gives way
        viewer = self._viewer()
        if viewer is not None:  # made now, empty: a cost of its own on the GUI thread, before the entries'
            self.layers.make(viewer, self.shown, DEFAULT_READOUT)
        self.changed.emit()
        self._layers_made = threading.Event()
        self._worker = start_worker(load_screen, str(source), rule, self._layers_made,
                                    yielded=lambda item: self._arrived(gen, item),
                                    errored=lambda exc: self._failed(gen, exc),
                                    finished=lambda: self._finished(gen))

    def _viewer(self) -> napari.Viewer | None:
        return self.link.viewer if self.link.alive else None

    def _arrived(self, gen: int, item: Any) -> None:
        if gen != self._gen or self.link.closed:
            return
        if isinstance(item, list):  # the entries: how many plates, and their names
            self.mosaic = ScreenMosaic([entry_name(e.location) for e in item], DEFAULT_READOUT)
            if not self.layers.present(self.link.viewer):
                self.layers.make(self.link.viewer, self.shown, self.mosaic.readout)
            self._start_progress(len(item))
            if self._layers_made is not None:
                self._layers_made.set()  # now the plates are read
            return
        if self.mosaic is None:
            return
        plate, qc_row = item
        self.qc_rows[plate.index] = qc_row
        self._relaid = self.mosaic.add(plate) or self._relaid
        self._overlay_dirty = True
        self._arrived_since += 1  # told to the progress bar with the next redraw (each update costs ~10 ms)
        self._redraw_soon()

    def _failed(self, gen: int, exc: BaseException) -> None:
        if gen != self._gen or self.link.closed:
            return
        self.error = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        if self.mosaic is None:  # nothing to show: no empty layers left behind
            self.layers.remove(self._viewer())
        self.ctrl.notice.emit("error", f"Cannot open the screen: {self.error}")
        self.changed.emit()

    def _finished(self, gen: int) -> None:
        if gen != self._gen or self.link.closed:
            return
        from imaging_explorer.hits.hit_rule import DEFAULT_RULE
        from imaging_explorer.screen import Screen

        self._worker = None
        self.loading = False
        self._end_progress()
        if self.mosaic is not None and not self.error:
            plates = tuple(self.mosaic.loaded)
            self.screen = Screen(self.source, plates, self.rule or DEFAULT_RULE)
            self.redraw(final=True)
            failed = [p.name for p in self.screen.failed]
            if failed:
                self.ctrl.notice.emit("warning", f"{len(failed)} of {len(plates)} plates failed: {', '.join(failed[:8])}")
        self.changed.emit()
        self.finished.emit()

    def _start_progress(self, total: int) -> None:
        from napari.utils import progress

        self._end_progress()
        self._progress = progress(total=total, desc="Opening screen")
        self._arrived_since = 0

    def _end_progress(self) -> None:
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    def _stop(self) -> None:
        """Drop the screen loading (its results are ignored from now on)."""
        self._gen += 1
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
        if self._layers_made is not None:
            self._layers_made.set()  # a worker waiting for layers goes on, to be dropped
        self._end_progress()

    # ------------------------------------------------------------------ layers

    def _redraw_soon(self, delay_ms: int = REDRAW_MS) -> None:
        if self._redraw_due:
            return
        from qtpy.QtCore import QTimer

        self._redraw_due = True
        gen = self._gen
        QTimer.singleShot(delay_ms, lambda: gen == self._gen and self.redraw())

    def redraw(self, final: bool = False) -> None:
        """Bring the layers up to date with the mosaic (made again when deleted); the overlay
        waits for its turn unless ``final`` or laid out anew."""
        self._redraw_due = False
        mosaic, viewer = self.mosaic, self._viewer()
        if mosaic is None or mosaic.values is None or viewer is None or self.link.closed:
            return
        if self._progress is not None and self._arrived_since:
            self._progress.update(self._arrived_since)
        self._arrived_since = 0
        relaid = self._relaid or not self.layers.present(viewer)
        if not self.layers.present(viewer):
            self.layers.make(viewer, self.shown, mosaic.readout)
        self.layers.show_values(mosaic)
        wait = OVERLAY_REDRAW_S - (time.monotonic() - self._overlay_at)
        if relaid or (self._overlay_dirty and (final or wait <= 0)):
            self.layers.show_overlay(mosaic)
            self._overlay_at, self._overlay_dirty = time.monotonic(), False
        elif self._overlay_dirty:
            self._redraw_soon(int(wait * 1000) + 1)  # the overlay's turn comes
        if relaid:
            self._relaid = False
            if self.shown:
                fit_layers(viewer, list(self.layers.layers.values()))
        self.changed.emit()

    def set_readout(self, readout: str) -> None:
        """Colour the plates by another column of their calls."""
        if self.mosaic is not None and readout and readout != self.mosaic.readout:
            self.mosaic.set_readout(readout)
            self.redraw()

    # ------------------------------------------------------------------ screen <-> plate

    def show(self) -> None:
        """The screen's layers on screen, fitted; the plate browser's plate closed."""
        if self.ctrl.plate is not None or self.ctrl.opener.busy:
            self.ctrl.opener.cancel()
            self.ctrl.close_plate()
            self.ctrl.view_changed.emit()
        self._set_shown(True)
        viewer = self._viewer()
        if viewer is None or self.mosaic is None or self.mosaic.layout is None:
            return
        if not self.layers.present(viewer):  # deleted by hand: made again (and fitted)
            self.redraw(final=True)
        else:
            fit_layers(viewer, list(self.layers.layers.values()))

    def _set_shown(self, shown: bool) -> None:
        self.layers.set_visible(shown)
        if shown != self.shown:
            self.shown = shown
            self.shown_changed.emit(shown)

    def go_up(self) -> bool:
        """From a plate's overview up to the screen (Home); False when there is no screen here."""
        if self.mosaic is None or self.mosaic.layout is None:
            return False
        self.show()
        return True

    def open_plate(self, plate: ScreenPlate, well: str | None = None, then: Any = None) -> None:
        """Open a plate of the screen in the plate browser (its overview, or ``well`` such as "C/7"),
        then call ``then()``. A plate that cannot be read says why."""
        if plate.error and not plate.rows:
            self.ctrl.notice.emit("error", f"Plate {plate.name} cannot be opened: {plate.error}")
            return
        self.plates.open(plate, well, then)

    def _plate_opened(self) -> None:
        self._set_shown(False)  # a plate's overview replaces the screen (Home comes back)

    # ------------------------------------------------------------------ pointer

    def click(self, position: tuple[float, ...]) -> ScreenPlate | None:
        """A click on the screen view: the plate under it opens (its overview)."""
        if not self.shown or self.mosaic is None or len(position) < 2:
            return None
        plate = self.mosaic.plate_at(float(position[-2]), float(position[-1]))
        if plate is not None:
            self.open_plate(plate)
        return plate

    def describe(self, position: tuple[float, ...]) -> str:
        """Hover text for a world position (the plate, its status, the well and its value)."""
        if not self.shown or self.mosaic is None or len(position) < 2:
            return ""
        return self.mosaic.describe(float(position[-2]), float(position[-1]))

    def close(self) -> None:
        """Forget the screen: its worker, progress and layers."""
        self._stop()
        self.layers.remove(self._viewer())
        self.mosaic = self.screen = None
        self.loading = self.shown = False
        self.changed.emit()
