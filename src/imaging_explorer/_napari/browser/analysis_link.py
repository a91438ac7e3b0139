"""The open plate's analysis results: found in a worker when a plate opens, replaced by a new run.

The heatmap, the well view (segmentations, readouts in the hover text) and the review queue
(ordered by a readout) read ``results`` and listen to ``changed``. Qt-free (psygnal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psygnal import Signal

from .workers import start_worker

if TYPE_CHECKING:
    from imaging_explorer.analysis.results_store import AnalysisResults
    from imaging_explorer.plate import Plate


def find_results(plate: Plate) -> tuple[AnalysisResults | None, str]:
    """The finished analysis in the plate's default store, with its per-well and per-field tables
    read; (None, "") when there is none, (None, reason) when it cannot be used."""
    from imaging_explorer.analysis.output_location import default_folder
    from imaging_explorer.analysis.results_store import open_results

    try:
        if not (default_folder(plate) / "analysis.json").is_file():
            return None, ""
        results = open_results(plate)
        if results.fingerprint != plate.fingerprint:
            return None, f"the results in {results.folder} are of another plate"
        _ = results.wells, results.fields  # read here, in the worker
    except Exception as e:  # noqa: BLE001 - unfinished or damaged results must not stop the browser
        return None, str(e)
    return results, ""


class AnalysisLink:
    """The analysis results of the plate on screen (None until found or made)."""

    changed = Signal()  # results found, replaced or dropped

    def __init__(self, notice: Any = None) -> None:
        self.results: AnalysisResults | None = None
        self._plate: Plate | None = None
        self._notice = notice  # notice(level, text), for results that cannot be used

    def load(self, plate: Plate) -> Any:
        """Look for ``plate``'s results in a worker; ``changed`` fires when some are found."""
        self._plate = plate

        def done(outcome: tuple[AnalysisResults | None, str]) -> None:
            results, reason = outcome
            if plate is not self._plate:
                return
            if reason and self._notice is not None:
                self._notice("warning", f"Analysis results of {plate.name} not shown: {reason}")
            if results is not None:
                self.set(plate, results)

        return start_worker(find_results, plate, returned=done)

    def set(self, plate: Plate, results: AnalysisResults | None) -> None:
        """New results of ``plate`` (e.g. a run just finished); ignored for a plate no longer open."""
        if plate is not self._plate:
            return
        self.results = results
        self.changed.emit()

    def clear(self) -> None:
        had = self.results is not None
        self.results, self._plate = None, None
        if had:
            self.changed.emit()
