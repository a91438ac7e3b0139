"""Read the next well of the row-major order in the background while the user looks at one.

Reviewers step through wells one after another; with the next well already read, stepping
on only swaps layer data (measured here: a switch otherwise waits 0.1-0.3 s for the read).

The first well also pays once-per-process costs: importing dask.array (1.5-2 s) for the lazy
arrays, and what napari's first labels layer imports (0.2-1 s).
:func:`warm_up` pays them in a worker once the overview is drawn (started earlier, it slowed
the overview down on 2 cores).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .well_loading import MEMORY_BUDGET, LoadFailure, guarded_load_well
from .workers import start_worker

if TYPE_CHECKING:
    from imaging_explorer.analysis.results_store import AnalysisResults
    from imaging_explorer.plate import Plate

    from .state import Target
    from .well_loading import WellView


_warm_started = False  # once per process


def _first_use() -> None:
    """Import what a first well view would otherwise import on its way (in a worker).

    Only imports (Python's import lock makes them safe beside the GUI thread): building a
    napari layer here would race the GUI thread's first layers for pint's unit registry.
    """
    import dask.array as da

    # what napari's first Labels layer imports (listed by diffing sys.modules; ~0.2-1 s)
    import scipy.linalg  # noqa: F401
    import skimage.color
    import skimage.exposure  # noqa: F401

    with contextlib.suppress(RuntimeError):  # napari closed meanwhile: no new threads at shutdown
        da.ones(2, chunks=1).sum().compute()  # dask's first compute starts its thread pool


def warm_up() -> threading.Thread | None:
    """Pay the first well's one-time costs in a background thread, once per process; returns the
    thread (None when it was started before).

    A daemon thread, not a Qt worker: nobody waits for its result, and a viewer closed while it
    runs must not turn into a Qt worker signalling after Qt is gone (seen: an abort at exit).
    """
    global _warm_started
    if _warm_started:
        return None
    _warm_started = True
    thread = threading.Thread(target=_first_use, name="imaging-explorer warm-up", daemon=True)
    thread.start()
    return thread


class WellPrefetch:
    """At most one well read ahead; a request for anything else cancels it."""

    def __init__(self) -> None:
        self._worker: Any = None
        self._target: Target | None = None
        self._view: WellView | None = None
        self._waiter: Callable[[WellView], None] | None = None

    def start(self, plate: Plate, target: Target, analysis: AnalysisResults | None = None) -> None:
        """Read ``target`` ahead (with ``analysis``' segmentations: results that change later
        make the owner cancel this read)."""
        self.cancel()
        self._target = target
        self._worker = start_worker(guarded_load_well, plate, *target, MEMORY_BUDGET, analysis,
                                    returned=lambda view, t=target: self._done(t, view))

    def _done(self, target: Target, view: Any) -> None:
        if target != self._target:
            return
        self._worker = None
        waiter, self._waiter = self._waiter, None
        if isinstance(view, LoadFailure):
            self._target = None  # the real request reads it again and reports the error
            if waiter is not None:
                waiter(view)
            return
        if waiter is not None:
            self._target = None
            waiter(view)
        else:
            self._view = view

    def take(self, target: Target, on_ready: Callable[[Any], None]) -> bool:
        """Serve a request from the read-ahead: True when it will (now, or when the read ends)."""
        if target != self._target:
            self.cancel()
            return False
        if self._view is not None:
            view, self._view, self._target = self._view, None, None
            on_ready(view)
        else:
            self._waiter = on_ready
        return True

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.quit()
        self._worker = self._target = self._view = self._waiter = None
