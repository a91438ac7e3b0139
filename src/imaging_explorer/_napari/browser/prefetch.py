"""Read the next well of the row-major order in the background while the user looks at one.

Reviewers step through wells one after another; with the next well already read, stepping
on only swaps layer data (measured here: a switch otherwise waits 0.1-0.3 s for the read).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .well_loading import LoadFailure, guarded_load_well
from .workers import start_worker

if TYPE_CHECKING:
    from imaging_explorer.plate import Plate

    from .state import Target
    from .well_loading import WellView


class WellPrefetch:
    """At most one well read ahead; a request for anything else cancels it."""

    def __init__(self) -> None:
        self._worker: Any = None
        self._target: Target | None = None
        self._view: WellView | None = None
        self._waiter: Callable[[WellView], None] | None = None

    def start(self, plate: Plate, target: Target) -> None:
        self.cancel()
        self._target = target
        self._worker = start_worker(guarded_load_well, plate, *target,
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
