"""Measurements on plate images: per-object region statistics (more readouts to come).

No Qt, no napari. ``import imaging_explorer`` does not import this package, so pandas and
scikit-image load only when measurements are asked for.
"""

from __future__ import annotations

from .regions import field_label_stats, label_at, label_stats

__all__ = ["field_label_stats", "label_at", "label_stats"]
