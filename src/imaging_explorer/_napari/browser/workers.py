"""The one way the browser and the review start napari thread workers.

Every worker is created unstarted, with napari's error handler off (``_ignore_errors``: our
callers report errors themselves, as napari notifications with the well or field named), its
callbacks connected, then started.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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
    worker.start()
    return worker
