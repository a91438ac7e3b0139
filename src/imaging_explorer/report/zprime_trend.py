"""The Z′ trend across a screen's plates: Z′ and robust Z′ of each plate in the screen's order
(by date when every plate has one), the 0.5 line of an excellent assay, failing plates in red.

A drift (a reagent batch running out, a reader going off) shows as a slope long before plates
fail; a single bad plate shows as a red point below the line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..figures.plot_style import LIGHT, new_figure
from ..hits.plate_qc import Z_PRIME_MIN

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["FAIL_COLOR", "trend_order", "zprime_trend_figure"]

FAIL_COLOR = "#d62728"
PASS_COLOR = "#1f77b4"
MAX_LABELS = 40  # plate names on the x axis; more plates: every k-th name


def trend_order(qc: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The QC table in the trend's order and what the order is ("date" or "index order")."""
    dates = qc["date"].astype(str).str.strip()
    if len(qc) and (dates != "").all():
        return qc.assign(_d=dates).sort_values(["_d"], kind="stable").drop(columns="_d"), "date"
    return qc, "index order"


def zprime_trend_figure(qc: pd.DataFrame, title: str = "Z′ across plates") -> Figure:
    """Z′ (filled) and robust Z′ (hollow) per plate; failing plates red; the 0.5 line dashed.

    Parameters
    ----------
    qc
        The screen's QC table (:meth:`~imaging_explorer.screen.Screen.qc_table`): ``plate``,
        ``date``, ``passed``, ``z_prime``, ``robust_z_prime``. Plates without a Z′ (not
        analysed, or broken) are named on the axis without a point.
    title
        Above the plot.
    """
    ordered, how = trend_order(qc)
    n = len(ordered)
    x = np.arange(n)
    z = ordered["z_prime"].astype(float).to_numpy()
    rz = ordered["robust_z_prime"].astype(float).to_numpy()
    passed = ordered["passed"].astype(bool).to_numpy()
    fig = new_figure(min(max(4.0, 0.18 * n + 2.0), 11.0), 3.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.axhline(Z_PRIME_MIN, color=LIGHT.text, linestyle="--", linewidth=0.8, alpha=0.6, label=f"Z′ = {Z_PRIME_MIN}")
    ok, bad = passed & np.isfinite(z), ~passed & np.isfinite(z)
    if n:
        ax.plot(x[np.isfinite(z)], z[np.isfinite(z)], color=PASS_COLOR, linewidth=0.6, alpha=0.5)
    ax.scatter(x[ok], z[ok], s=22, color=PASS_COLOR, zorder=3, label="Z′")
    if bad.any():
        ax.scatter(x[bad], z[bad], s=30, color=FAIL_COLOR, marker="X", zorder=4, label="Z′ (failed)")
    shown = np.isfinite(rz)
    ax.scatter(x[shown], rz[shown], s=22, facecolors="none", edgecolors=[PASS_COLOR if ok else FAIL_COLOR for ok in passed[shown]],
               zorder=3, label="robust Z′")
    finite = np.concatenate([z[np.isfinite(z)], rz[np.isfinite(rz)]])
    low = min(-0.2, float(finite.min()) - 0.1) if len(finite) else -0.2
    ax.set_ylim(max(low, -2.0), 1.0)  # a very bad plate is clipped at -2 (its number is in the table)
    step = max(1, -(-n // MAX_LABELS))
    ax.set_xticks(x[::step], labels=[str(p) for p in ordered["plate"]][::step], rotation=60, ha="right", fontsize=7)
    ax.set_xlim(-0.7, max(n - 0.3, 0.7))
    ax.set_ylabel("Z′", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(f"{title} (plates by {how})", fontsize=9, color=LIGHT.text)
    ax.legend(fontsize=7, loc="lower left", frameon=True, framealpha=0.8)
    fig.set_layout_engine("tight")
    return fig
