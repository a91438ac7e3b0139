"""A viewer's analysis: the heatmap and the run (the Analysis dock keeps one in the viewer's session,
so they outlive the dock; this package does not import the session, which imports the review)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .heatmap import PlateHeatmap
from .run import AnalysisRun

if TYPE_CHECKING:
    from imaging_explorer.analysis.batch import BatchRun

    from ..browser.controller import PlateController
    from .run_steps import RunStep


class ViewerAnalysis:
    """The heatmap fills in from a run's partial tables; a run shows the heatmap."""

    def __init__(self, ctrl: PlateController) -> None:
        self.ctrl = ctrl
        self.heatmap = PlateHeatmap(ctrl)
        self.run = AnalysisRun(ctrl)
        self.run.started.connect(self._started)
        self.run.step.connect(self._step)
        self.run.finished.connect(self._finished)

    def _started(self) -> None:
        self.heatmap.set_table(None)  # the old results are not this run's
        self.heatmap.set_shown(True)

    def _step(self, step: RunStep) -> None:
        if step.wells is not None and self.run.plate is self.ctrl.plate:
            self.heatmap.set_table(step.wells)

    def _finished(self, run: BatchRun) -> None:
        if run.results is None:  # cancelled: back to the results the plate had (if any)
            self.heatmap.show_results()

