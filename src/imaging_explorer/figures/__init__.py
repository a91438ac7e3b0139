"""Figures for papers, slides and reports, without Qt: the plate overview, a plate heatmap, a
montage of wells at one contrast, a compound's dose-response plot and its card; saved as PNG
(at a chosen DPI) or SVG, or as PNG bytes to embed.

Every function returns a :class:`matplotlib.figure.Figure` made on the Agg canvas (never
pyplot's global state), so figures can be made in worker threads, the CLI and the napari plugin
alike::

    from imaging_explorer.figures import heatmap_figure, save_figure
    fig = heatmap_figure(wells["activity_pct"], plate.rows, plate.columns, label="activity (%)")
    save_figure(fig, "activity.svg")

Names are imported on first use (matplotlib and pandas load only when a figure is made).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .called_plate import CalledPlate, hit_marks
    from .card_figure import card_figure_of, compound_figure
    from .dose_response import dose_response_figure, draw_dose_response
    from .export import png_bytes, save_figure
    from .heatmap import heatmap_figure
    from .montage import montage_figure, montage_rgb, render_montage
    from .overview import overview_figure, overview_image

_WHERE = {
    "CalledPlate": "called_plate", "hit_marks": "called_plate",
    "card_figure_of": "card_figure", "compound_figure": "card_figure",
    "dose_response_figure": "dose_response", "draw_dose_response": "dose_response",
    "png_bytes": "export", "save_figure": "export",
    "heatmap_figure": "heatmap",
    "montage_figure": "montage", "montage_rgb": "montage", "render_montage": "montage",
    "overview_figure": "overview", "overview_image": "overview",
}

__all__ = [
    "CalledPlate",
    "card_figure_of",
    "compound_figure",
    "dose_response_figure",
    "draw_dose_response",
    "heatmap_figure",
    "hit_marks",
    "montage_figure",
    "montage_rgb",
    "overview_figure",
    "overview_image",
    "png_bytes",
    "render_montage",
    "save_figure",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
