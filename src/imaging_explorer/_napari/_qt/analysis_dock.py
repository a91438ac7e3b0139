"""The "Analysis" dock: a thin view of the viewer's analysis (:mod:`..analysis.viewer_analysis`).

The form (magicgui) sets the channel roles and parameters; Run starts the analysis in a worker
(napari's progress bar shows it), Cancel stops it between fields; the heatmap fills in as fields
finish. Below: the readout the heatmap shows, whether it is shown, and its legend. Errors are
shown here and as napari notifications (the controller's notices), never raised into Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magicgui.widgets import CheckBox, ComboBox, Container, PushButton
from qtpy.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..analysis.heatmap import COLORMAP
from ..analysis.request import build_request
from ..analysis.viewer_analysis import ViewerAnalysis
from ..docks import open_dock
from ..session import session_for
from .analysis_form import AnalysisForm
from .analysis_legend import HeatmapLegend
from .signals import connect_while_alive

if TYPE_CHECKING:
    import napari

    from imaging_explorer.analysis.batch import BatchRun

    from ..analysis.run_steps import RunStep


def analysis_for(viewer: napari.Viewer) -> ViewerAnalysis:
    """The viewer's analysis (heatmap and run), made on first use and kept in its session."""
    session = session_for(viewer)
    if session.analysis is None:
        session.analysis = ViewerAnalysis(session.browser)
    return session.analysis


def show_analysis_dock(viewer: napari.Viewer) -> Any:
    """Show the viewer's Analysis dock."""
    return open_dock(viewer, "Analysis", AnalysisDock)


class AnalysisDock(QWidget):
    """Dock widget for analysing the open plate (npe2 widget contribution "Analysis")."""

    def __init__(self, viewer: napari.viewer.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.ctrl = session_for(viewer).browser
        self.analysis = analysis_for(viewer)
        self.form = AnalysisForm()
        self.run_button = PushButton(text="Run")
        self.cancel_button = PushButton(text="Cancel", enabled=False)
        self.readout = ComboBox(label="readout", choices=[], tooltip="the per-well readout the heatmap shows")
        self.show_heatmap = CheckBox(text="show heatmap (hides the images)", value=self.analysis.heatmap.shown)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.legend = HeatmapLegend()
        self._build()
        self._wire()
        self._plate_opened()
        self._heatmap_changed()

    def _build(self) -> None:
        buttons = Container(widgets=[self.run_button, self.cancel_button], layout="horizontal", labels=False)
        heatmap = Container(widgets=[self.readout, self.show_heatmap])
        layout = QVBoxLayout(self)
        for widget in (self.form.native, buttons.native, self.status, heatmap.native, self.legend):
            layout.addWidget(widget)
        layout.addStretch(1)

    def _wire(self) -> None:
        self.run_button.changed.connect(self.start)
        self.cancel_button.changed.connect(self.cancel)
        self.readout.changed.connect(self._readout_chosen)
        self.show_heatmap.changed.connect(self.analysis.heatmap.set_shown)
        run = self.analysis.run
        connect_while_alive(self, [
            (self.ctrl.plate_opened, self._plate_opened),
            (self.analysis.heatmap.changed, self._heatmap_changed),
            (run.running_changed, self._running_changed),
            (run.step, self._step),
            (run.finished, self._finished),
            (run.failed, self.status.setText),
        ])

    # ------------------------------------------------------------------ actions

    def start(self, _: Any = None) -> None:
        """Run the analysis with the form's values (an error is shown, not raised)."""
        plate = self.ctrl.plate
        if plate is None:
            self._error("Open a plate first.")
            return
        values = self.form.values()
        try:
            roles, params = build_request(plate, values)
        except (ValueError, TypeError) as e:
            self._error(str(e))
            return
        self.status.setText(f"Analysing {plate.name}…")
        self.analysis.run.start(plate, roles, params, overwrite=values.overwrite)

    def cancel(self, _: Any = None) -> None:
        self.analysis.run.cancel()
        self.status.setText("Cancelling: the fields in flight finish first…")

    def _readout_chosen(self, column: str | None) -> None:
        if column:
            self.analysis.heatmap.set_readout(column)

    def _error(self, text: str) -> None:
        self.status.setText(text)
        self.ctrl.notice.emit("error", text)

    # ------------------------------------------------------------------ model -> view

    def _plate_opened(self) -> None:
        self.form.set_plate(self.ctrl.plate)

    def _running_changed(self, running: bool) -> None:
        self.run_button.enabled = not running
        self.cancel_button.enabled = running
        self.form.enabled = not running

    def _step(self, step: RunStep) -> None:
        if step.total and not self.analysis.run.cancelling:
            self.status.setText(f"Analysing: {step.done} of {step.total} fields done")

    def _finished(self, run: BatchRun) -> None:
        if run.cancelled:
            self.status.setText(f"Cancelled after {run.computed} new field(s) of {run.total}; "
                                "Run again resumes where it stopped.")
            return
        failed = f", {len(run.failed)} failed" if run.failed else ""
        self.status.setText(f"Done: {run.computed} field(s) analysed, {run.skipped} already done{failed} "
                            f"({run.seconds:.1f} s). Results in {run.folder}")

    def _heatmap_changed(self) -> None:
        heatmap = self.analysis.heatmap
        columns = heatmap.readouts
        if list(self.readout.choices) != columns:
            with self.readout.changed.blocked():
                self.readout.choices = columns
        if columns and self.readout.value != heatmap.readout:
            with self.readout.changed.blocked():
                self.readout.value = heatmap.readout
        if self.show_heatmap.value != heatmap.shown:
            with self.show_heatmap.changed.blocked():
                self.show_heatmap.value = heatmap.shown
        limits = heatmap.grid.limits if heatmap.grid is not None else None
        self.legend.setVisible(bool(columns))
        self.legend.show_range(heatmap.readout, COLORMAP, limits)
