"""The browser's side of the analysis results: the per-well table, the well on screen kept current.

When results are found, made or dropped (``ctrl.analysis.changed``), the per-well table is
prepared in a worker (indexed by well key, so the dock's readouts line and the review queue's
order look wells up without reading), and the well on screen is read again with the new
segmentations (the read-ahead well, read with the old ones, is dropped). Qt-free (psygnal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psygnal import Signal

from .workers import start_worker

if TYPE_CHECKING:
    import pandas as pd

    from imaging_explorer.analysis.results_store import AnalysisResults

    from .controller import PlateController
    from .well_loading import WellView


def well_table(results: AnalysisResults) -> pd.DataFrame | None:
    """The results' per-well table indexed by well key (the first time point of each well);
    None when it cannot be read."""
    try:
        wells = results.wells
    except Exception:  # noqa: BLE001 - unreadable results: no readouts (the link told the user)
        return None
    if "t" in wells.columns:
        wells = wells.sort_values("t", kind="stable")
    return wells.drop_duplicates("well").set_index("well")


class AnalysisView:
    """The open plate's per-well readouts (``wells``) and its well view kept in step with the results."""

    changed = Signal()  # ``wells`` was replaced (None: no results)

    def __init__(self, ctrl: PlateController) -> None:
        self.ctrl = ctrl
        self.wells: pd.DataFrame | None = None
        self._told: set[str] = set()  # reasons already told, so that stepping through wells does not repeat them
        self._worker: Any = None
        ctrl.analysis.changed.connect(self._results_changed)

    def _results_changed(self) -> None:
        ctrl, results = self.ctrl, self.ctrl.analysis.results
        self.wells, self._told = None, set()
        ctrl.prefetch.cancel()
        self._reshow()
        self.changed.emit()
        if results is not None:
            self._worker = start_worker(well_table, results, returned=lambda table: self._table(results, table))

    def _table(self, results: AnalysisResults, table: pd.DataFrame | None) -> None:
        if results is not self.ctrl.analysis.results:
            return  # replaced meanwhile
        self.wells = table
        self.changed.emit()

    def _reshow(self) -> None:
        """Read the well on screen (or loading) again, as it was shown."""
        ctrl = self.ctrl
        state = ctrl.state
        if ctrl.plate is None:
            return
        if state.pending is not None:
            ctrl.show_well(state.pending.well, state.pending.field, state.pending.tiled)
        elif state.mode == "well" and state.well is not None:
            ctrl.show_well(state.well, state.field, state.tiled)

    def loaded(self, view: WellView) -> None:
        """A well view is on screen: tell the user once why its analysis results are missing."""
        reason = view.analysis_error
        if reason and reason not in self._told:
            self._told.add(reason)
            self.ctrl.notice.emit("warning", f"Analysis results of well {view.name} not shown: {reason}")

    def well(self, key: str | None) -> pd.Series | None:
        """The readouts of a well (None without results or a row for it)."""
        wells = self.wells
        if wells is None or key is None or key not in wells.index:
            return None
        return wells.loc[key]
