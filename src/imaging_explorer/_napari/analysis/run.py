"""One viewer's analysis run: started in a napari thread worker, shown with napari's progress bar,
cancelled between fields; its results go to the browser's :class:`~..browser.analysis_link.AnalysisLink`.

The dock calls :meth:`AnalysisRun.start` and :meth:`AnalysisRun.cancel` and listens to the
signals; the heatmap listens to ``step`` to fill in as fields finish. Errors never escape into
Qt: they are ``failed`` and a notice of the controller (a napari notification).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from ..browser.workers import start_worker
from .run_steps import RunStep, run_steps

if TYPE_CHECKING:
    from imaging_explorer.analysis.batch import BatchRun
    from imaging_explorer.analysis.channel_roles import ChannelRoles
    from imaging_explorer.analysis.field_analysis import AnalysisParams
    from imaging_explorer.plate import Plate

    from ..browser.controller import PlateController


class AnalysisRun:
    """At most one analysis at a time for a viewer's open plate."""

    started = Signal()
    step = Signal(object)  # RunStep of the plate being analysed
    finished = Signal(object)  # BatchRun (cancelled or not)
    failed = Signal(str)  # why the run stopped
    running_changed = Signal(bool)

    def __init__(self, ctrl: PlateController) -> None:
        self.ctrl = ctrl
        self.plate: Plate | None = None  # the plate being analysed
        self.last: BatchRun | None = None
        self._worker: Any = None
        self._cancel = threading.Event()
        self.bar: Any = None  # napari's progress bar while running

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, plate: Plate, roles: ChannelRoles, params: AnalysisParams, overwrite: bool = False) -> None:
        """Analyse ``plate`` in the background (ignored while a run is going)."""
        from napari.utils import progress

        if self.running:
            return
        self.plate, self.last, self._cancel = plate, None, threading.Event()
        self.bar = progress(total=0, desc=f"Analysing {plate.name}")
        self._worker = start_worker(run_steps, plate, roles, params, overwrite, self._cancel,
                                    yielded=self._on_step, returned=self._on_done, errored=self._on_error)
        self.started.emit()
        self.running_changed.emit(True)

    def cancel(self) -> None:
        """Stop between fields: the fields in flight finish, no tables are written."""
        self._cancel.set()
        if self.bar is not None:
            self.bar.set_description(f"Cancelling the analysis of {self.plate.name if self.plate else ''}")

    @property
    def cancelling(self) -> bool:
        return self.running and self._cancel.is_set()

    def _on_step(self, step: RunStep) -> None:
        if self.bar is not None and step.total:
            if self.bar.total != step.total:
                self.bar.total = step.total
            self.bar.n = step.done
            self.bar.refresh()
        self.step.emit(step)

    def _on_done(self, run: BatchRun) -> None:
        plate = self.plate
        self._stop()
        self.last = run
        if run.results is not None and plate is not None:
            self.ctrl.analysis.set(plate, run.results)  # the heatmap and the well view read it there
        if run.failed:
            self.ctrl.notice.emit("warning", f"{len(run.failed)} field(s) of {run.total} could not be analysed "
                                             f"(e.g. {run.failed[0].path}: {run.failed[0].error})")
        self.finished.emit(run)

    def _on_error(self, error: BaseException) -> None:
        self._stop()
        text = f"The analysis stopped: {error}"
        self.ctrl.notice.emit("error", text)
        self.failed.emit(text)

    def _stop(self) -> None:
        self._worker = None
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.running_changed.emit(False)
