"""The one way the browser and the review start napari thread workers.

Every worker is created unstarted, with napari's error handler off (``_ignore_errors``: our
callers report errors themselves, as napari notifications with the well or field named), its
callbacks connected, then started.

Qt's global thread pool (where napari's workers run) is sized to the CPU count (2 here), and
Qt borrows threads from it for its own work: the GUI thread converting an image (the spinning
GIF napari shows beside a progress bar) hands parts to the pool and waits, holding Python's
lock. With every pool thread one of our Python workers waiting for that lock, the window froze
for good (seen under test: a plate's metadata, plate map and thumbnail workers at once). So the
pool always keeps :data:`SPARE_THREADS` threads beyond our running workers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SPARE_THREADS = 2  # pool threads left for Qt's own work beside our workers
_running: set[int] = set()  # ids of our workers that have not finished


def _make_room() -> None:
    """Grow Qt's global pool so that our running workers leave :data:`SPARE_THREADS` free."""
    from qtpy.QtCore import QThreadPool

    pool = QThreadPool.globalInstance()
    if pool is None:
        return
    need = len(_running) + SPARE_THREADS
    if pool.maxThreadCount() < need:
        pool.setMaxThreadCount(need)


def start_worker(
    func: Callable[..., Any],
    *args: Any,
    returned: Callable[[Any], None] | None = None,
    errored: Callable[[BaseException], None] | None = None,
    yielded: Callable[[Any], None] | None = None,
    finished: Callable[[], None] | None = None,
) -> Any:
    """Run ``func(*args)`` (a function or generator) in a napari thread worker; returns the worker."""
    from napari.qt.threading import create_worker

    worker = create_worker(func, *args, _start_thread=False, _ignore_errors=True)
    for signal, slot in (("returned", returned), ("errored", errored), ("yielded", yielded), ("finished", finished)):
        if slot is not None and hasattr(worker, signal):
            getattr(worker, signal).connect(slot)
    key = id(worker)
    _running.add(key)
    worker.finished.connect(lambda: _running.discard(key))
    _make_room()
    worker.start()
    return worker
