"""The compound card's dose-response plot: a small matplotlib canvas in napari's colours.

Activity (rising) and viability (falling) of each well against concentration on a log axis, the
fitted 4PL curves, the 50 % line, IC50 and CC50 marked where the curves cross it, and a legend.
Wells that hit calling excluded are drawn hollow. The data comes ready from the card's worker
(:class:`~imaging_explorer._napari.browser.compound_card_data.DoseResponse`); drawing is all
this does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from qtpy.QtCore import Qt

if TYPE_CHECKING:
    from ..browser.compound_card_data import DoseResponse

ACTIVITY_COLOR = "#ff9f43"
VIABILITY_COLOR = "#54a0ff"
DARK = {"background": "#262930", "foreground": "#414851", "text": "#f0f1f2"}  # napari's dark theme


def _theme_colors(theme: Any) -> dict[str, str]:
    """background / foreground / text of a napari theme (its name or the Theme), dark by default."""
    try:
        from napari.utils.theme import get_theme

        found = get_theme(theme) if isinstance(theme, str) else theme
        return {key: getattr(found, key).as_hex() for key in DARK}
    except Exception:  # noqa: BLE001 - an unknown theme: the dark one
        return dict(DARK)


class DoseResponsePlot(FigureCanvasQTAgg):
    """Points and fitted curves of one compound; :meth:`show_data` redraws, :meth:`clear` empties."""

    def __init__(self, theme: Any = "dark", width: float = 4.2, height: float = 2.8) -> None:
        self.colors = _theme_colors(theme)
        figure = Figure(figsize=(width, height), dpi=90, facecolor=self.colors["background"], layout="tight")
        super().__init__(figure)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the card
        self.axes = figure.add_subplot(1, 1, 1)
        self.clear("no compound")

    def _style(self) -> None:
        ax, c = self.axes, self.colors
        ax.set_facecolor(c["background"])
        for spine in ax.spines.values():
            spine.set_color(c["foreground"])
        ax.tick_params(colors=c["text"], labelsize=8)
        ax.xaxis.label.set_color(c["text"])
        ax.yaxis.label.set_color(c["text"])

    def clear(self, text: str = "") -> None:
        """An empty plot saying ``text`` (e.g. "loading…")."""
        ax = self.axes
        ax.clear()
        self._style()
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=self.colors["text"])
        self.draw_idle()

    def show_data(self, data: DoseResponse, title: str = "") -> None:
        """Draw one compound's points, curves and 50 % points."""
        if not data.has_points:
            self.clear("no dose-response data")
            return
        ax = self.axes
        ax.clear()
        self._style()
        ax.set_xscale("log")
        ax.axhline(50.0, color=self.colors["text"], linewidth=0.8, linestyle="--", alpha=0.5, label="50 %")
        self._series(data, data.activity, data.activity_curve, data.ic50, ACTIVITY_COLOR, "activity", "IC50")
        self._series(data, data.viability, data.viability_curve, data.cc50, VIABILITY_COLOR, "viability", "CC50")
        values = np.concatenate([data.activity, data.viability])
        values = values[np.isfinite(values)]
        low = min(-10.0, float(values.min()) - 5.0) if len(values) else -10.0
        high = max(115.0, float(values.max()) + 5.0) if len(values) else 115.0
        ax.set_ylim(low, high)
        ax.set_xlabel("concentration (µM)", fontsize=8)
        ax.set_ylabel("% (activity, viability)", fontsize=8)
        if title:
            ax.set_title(title, fontsize=9, color=self.colors["text"])
        legend = ax.legend(fontsize=7, loc="best", frameon=True, framealpha=0.8, facecolor=self.colors["background"],
                           edgecolor=self.colors["foreground"], labelcolor=self.colors["text"])
        legend.set_draggable(True)
        self.draw_idle()

    def _series(self, data: DoseResponse, y: np.ndarray, curve: np.ndarray, at_50: float, color: str,
                name: str, label_50: str) -> None:
        ax = self.axes
        x = data.concentration
        shown = np.isfinite(x) & (x > 0) & np.isfinite(y)
        kept, dropped = shown & ~data.excluded, shown & data.excluded
        if not shown.any():
            return
        ax.scatter(x[kept], y[kept], s=22, color=color, zorder=3, label=f"{name} (wells)")
        if dropped.any():
            ax.scatter(x[dropped], y[dropped], s=22, facecolors="none", edgecolors=color, zorder=3,
                       label=f"{name}: excluded")
        if len(data.curve_x) and np.isfinite(curve).any():
            ax.plot(data.curve_x, curve, color=color, linewidth=1.5, label=f"{name} 4PL fit")
        if math.isfinite(at_50) and at_50 > 0:
            ax.axvline(at_50, color=color, linewidth=0.8, linestyle=":")
            ax.plot([at_50], [50.0], marker="D", markersize=6, color=color, markeredgecolor=self.colors["text"],
                    zorder=4, linestyle="none", label=f"{label_50} {at_50:.3g} µM")
