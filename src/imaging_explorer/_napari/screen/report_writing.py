"""The screen's HTML report written in a worker, with napari's progress while it is made."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..browser.workers import start_worker

if TYPE_CHECKING:
    from imaging_explorer.screen import Screen

__all__ = ["start_report"]


def _write(screen: Screen, out: str) -> Any:
    from imaging_explorer.report import write_report

    return write_report(screen, out)


def start_report(screen: Screen, out: str, notice: Callable[[str, str], None], done: Callable[[], None]) -> Any:
    """Write ``screen``'s report to ``out`` in a worker; ``notice(level, text)`` tells the outcome,
    ``done()`` is called either way. Returns the worker."""
    from napari.utils import progress

    bar = progress(total=0, desc="Writing the screen's report")

    def returned(summary: Any) -> None:
        notice("info", f"Report {summary.line()}")

    def errored(exc: BaseException) -> None:
        reason = str(exc) if isinstance(exc, (OSError, ValueError)) else f"{type(exc).__name__}: {exc}"
        notice("error", f"The report could not be written: {reason}")

    def finished() -> None:
        bar.close()
        done()

    return start_worker(_write, screen, out, returned=returned, errored=errored, finished=finished)
