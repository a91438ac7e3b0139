"""Per-object measurements of the labels on screen, for the hover text (read in a worker)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .analysis_labels import is_analysis
from .workers import start_worker

if TYPE_CHECKING:
    from .well_loading import WellView

StatsKey = tuple[str, str]  # field path, label image name
#: Objects are measured on this pyramid level of the field (areas are in its pixels).
MEASURED_LEVEL = 0


def measure_labels(view: WellView, stats: dict[StatsKey, Any]) -> Any:
    """Measure the label images of the fields on screen not measured yet into ``stats``;
    returns the worker (None when there is nothing to do)."""
    from imaging_explorer.analysis.regions import field_label_stats

    todo = [(fld, spec.name) for fld in view.fields for spec in view.layers  # the analysis has its own tables
            if spec.kind == "labels" and not is_analysis(spec.name) and (fld.path, spec.name) not in stats]
    if not todo:
        return None

    def run() -> Iterator[tuple[StatsKey, Any]]:
        for fld, name in todo:
            try:
                yield (fld.path, name), field_label_stats(fld, name, level=MEASURED_LEVEL)
            except Exception:  # noqa: BLE001 - this field just has no measurements
                continue

    return start_worker(run, yielded=lambda item: stats.__setitem__(*item))
