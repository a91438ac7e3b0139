"""Find the open plate's map in a worker (no file I/O on the GUI thread)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .workers import start_worker

if TYPE_CHECKING:
    from imaging_explorer.plate import Plate


def load_platemap(plate: Plate, done: Callable[[Plate, Any, str], None]) -> Any:
    """Look for ``plate``'s map in a worker; ``done(plate, table or None, error)`` gets the outcome."""

    def run() -> tuple[Any, str]:
        # imported here, in the worker: the first import of pandas took 2 s of the GUI thread
        from imaging_explorer.platemap import find_platemap

        try:
            return find_platemap(plate), ""
        except Exception as e:  # noqa: BLE001 - a bad plate map must not stop the browser
            return None, f"{type(e).__name__}: {e}"

    return start_worker(run, returned=lambda result: done(plate, *result))
