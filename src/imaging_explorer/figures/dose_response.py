"""A compound's dose-response plot: activity (rising) and viability (falling) of each well
against concentration on a log axis, the fitted 4PL curves, the 50 % line, IC50 and CC50 marked
where the curves cross it, and a legend. Wells that hit calling excluded are drawn hollow.

:func:`draw_dose_response` draws on any axes (the napari card's Qt canvas uses it in the
viewer's theme); :func:`dose_response_figure` makes a figure of its own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .plot_style import ACTIVITY_COLOR, LIGHT, VIABILITY_COLOR, PlotColors, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

    from .card_data import DoseResponse

__all__ = ["dose_response_figure", "draw_dose_response", "draw_message", "style_axes"]


def style_axes(ax: Axes, colors: PlotColors) -> None:
    """Background, spines, ticks and axis labels in the theme's colours."""
    ax.set_facecolor(colors.background)
    for spine in ax.spines.values():
        spine.set_color(colors.foreground)
    ax.tick_params(colors=colors.text, labelsize=8)
    ax.xaxis.label.set_color(colors.text)
    ax.yaxis.label.set_color(colors.text)


def draw_message(ax: Axes, text: str, colors: PlotColors = LIGHT) -> None:
    """Empty axes saying ``text`` (e.g. "loading…", "no dose-response data")."""
    ax.clear()
    style_axes(ax, colors)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=colors.text)


def draw_dose_response(ax: Axes, data: DoseResponse, colors: PlotColors = LIGHT, title: str = "") -> Legend | None:
    """Draw one compound's points, curves and 50 % points on ``ax`` (cleared first).

    Returns the legend (None when there is nothing to plot: the axes then say so).
    """
    if not data.has_points:
        draw_message(ax, "no dose-response data", colors)
        return None
    ax.clear()
    style_axes(ax, colors)
    ax.set_xscale("log")
    ax.axhline(50.0, color=colors.text, linewidth=0.8, linestyle="--", alpha=0.5, label="50 %")
    _series(ax, data, data.activity, data.activity_curve, data.ic50, ACTIVITY_COLOR, "activity", "IC50", colors)
    _series(ax, data, data.viability, data.viability_curve, data.cc50, VIABILITY_COLOR, "viability", "CC50", colors)
    values = np.concatenate([data.activity, data.viability])
    values = values[np.isfinite(values)]
    low = min(-10.0, float(values.min()) - 5.0) if len(values) else -10.0
    high = max(115.0, float(values.max()) + 5.0) if len(values) else 115.0
    ax.set_ylim(low, high)
    ax.set_xlabel("concentration (µM)", fontsize=8)
    ax.set_ylabel("% (activity, viability)", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9, color=colors.text)
    return ax.legend(fontsize=7, loc="best", frameon=True, framealpha=0.8, facecolor=colors.background,
                     edgecolor=colors.foreground, labelcolor=colors.text)


def _series(ax: Axes, data: DoseResponse, y: np.ndarray, curve: np.ndarray, at_50: float, color: str,
            name: str, label_50: str, colors: PlotColors) -> None:
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
        ax.plot([at_50], [50.0], marker="D", markersize=6, color=color, markeredgecolor=colors.text,
                zorder=4, linestyle="none", label=f"{label_50} {at_50:.3g} µM")


def dose_response_figure(data: DoseResponse, title: str = "", colors: PlotColors = LIGHT,
                         size: tuple[float, float] = (4.5, 3.0)) -> Figure:
    """A figure of its own with one compound's dose-response plot (see :func:`draw_dose_response`)."""
    fig = new_figure(*size, colors=colors)
    ax = fig.add_subplot(1, 1, 1)
    draw_dose_response(ax, data, colors, title)
    fig.set_layout_engine("tight")
    return fig
