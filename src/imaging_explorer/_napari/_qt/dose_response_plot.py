"""The compound card's dose-response plot: a small matplotlib canvas in napari's colours.

What is drawn (points, 4PL fits, the 50 % line, IC50 and CC50, legend) is the core's
(:func:`imaging_explorer.figures.dose_response.draw_dose_response`, the same as the saved
card figure); this canvas holds the Qt side: the theme's colours, no keyboard focus, a legend
that can be dragged out of the way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from qtpy.QtCore import Qt

from imaging_explorer.figures.dose_response import draw_dose_response, draw_message
from imaging_explorer.figures.plot_style import (
    ACTIVITY_COLOR,
    DARK,
    VIABILITY_COLOR,
    PlotColors,
)

if TYPE_CHECKING:
    from imaging_explorer.figures.card_data import DoseResponse

__all__ = ["ACTIVITY_COLOR", "VIABILITY_COLOR", "DoseResponsePlot"]


def _theme_colors(theme: Any) -> PlotColors:
    """background / foreground / text of a napari theme (its name or the Theme), dark by default."""
    try:
        from napari.utils.theme import get_theme

        found = get_theme(theme) if isinstance(theme, str) else theme
        return PlotColors(**{key: getattr(found, key).as_hex() for key in ("background", "foreground", "text")})
    except Exception:  # noqa: BLE001 - an unknown theme: the dark one
        return DARK


class DoseResponsePlot(FigureCanvasQTAgg):
    """Points and fitted curves of one compound; :meth:`show_data` redraws, :meth:`clear` empties."""

    def __init__(self, theme: Any = "dark", width: float = 4.2, height: float = 2.8) -> None:
        self.colors = _theme_colors(theme)
        figure = Figure(figsize=(width, height), dpi=90, facecolor=self.colors.background, layout="tight")
        super().__init__(figure)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the card
        self.axes = figure.add_subplot(1, 1, 1)
        self.clear("no compound")

    def clear(self, text: str = "") -> None:
        """An empty plot saying ``text`` (e.g. "loading…")."""
        draw_message(self.axes, text, self.colors)
        self.draw_idle()

    def show_data(self, data: DoseResponse, title: str = "") -> None:
        """Draw one compound's points, curves and 50 % points."""
        legend = draw_dose_response(self.axes, data, self.colors, title)
        if legend is not None:
            legend.set_draggable(True)
        self.draw_idle()
