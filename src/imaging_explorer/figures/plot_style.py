"""Colours and canvases shared by the figures: a light theme for print and reports, napari's
dark theme for the card in the viewer, and new figures on the Agg canvas (never pyplot).
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["ACTIVITY_COLOR", "DARK", "LIGHT", "VIABILITY_COLOR", "PlotColors", "new_figure"]

ACTIVITY_COLOR = "#ff9f43"
VIABILITY_COLOR = "#54a0ff"


@dataclass(frozen=True)
class PlotColors:
    """A plot's background, axes (``foreground``) and text colours."""

    background: str
    foreground: str
    text: str


LIGHT = PlotColors(background="#ffffff", foreground="#808080", text="#202020")
DARK = PlotColors(background="#262930", foreground="#414851", text="#f0f1f2")  # napari's dark theme


def new_figure(width: float, height: float, colors: PlotColors = LIGHT) -> Figure:
    """A figure of ``width`` × ``height`` inches on its own Agg canvas (no pyplot, no global state)."""
    fig = Figure(figsize=(width, height), facecolor=colors.background)
    FigureCanvasAgg(fig)
    return fig
