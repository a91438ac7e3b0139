"""Per-plate activity heatmaps as small multiples: one small image per plate, every plate on the
same colour scale (0 % = negative controls, 100 % = positive controls), hits dotted white,
QC-flagged or excluded wells crossed, wells without a value grey.

Drawn straight into pixels (a colour map lookup, no matplotlib figure per plate): 50 plates of
384 wells take well under a second and a few kilobytes each. The one colour bar is a figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..figures.plot_style import new_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["ACTIVITY_RANGE", "CMAP", "activity_grid", "colorbar_figure", "tile_rgb"]

ACTIVITY_RANGE = (0.0, 100.0)  # % activity, clipped: one scale for every plate (as napari's screen view)
CMAP = "viridis"
MISSING = np.array([200, 200, 200], dtype=np.uint8)
TILE_WIDTH = 264  # px: the plate's width in the grid (cells shrink with the plate)
HIT_MARK = np.array([255, 255, 255], dtype=np.uint8)
FLAG_MARK = np.array([220, 30, 30], dtype=np.uint8)


def _flagged(calls: pd.DataFrame) -> np.ndarray:
    flag = calls["qc_flag"].astype(str).str.strip().replace({"nan": "", "None": "", "<NA>": ""}) \
        if "qc_flag" in calls else None
    out = np.zeros(len(calls), dtype=bool) if flag is None else np.array(flag != "", dtype=bool)
    if "excluded" in calls:
        out = out | np.array(calls["excluded"].fillna(False).astype(bool), dtype=bool)
    return out


def activity_grid(calls: pd.DataFrame, rows: tuple[str, ...], columns: tuple[str, ...],
                  value: str = "activity_pct") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, hit, flagged) on the plate's (rows, columns) grid from its called wells (columns
    ``row``, ``column``, ``value``, ``hit``, ``qc_flag``); wells off the grid are left out."""
    shape = (len(rows), len(columns))
    values, hit, flagged = np.full(shape, np.nan), np.zeros(shape, bool), np.zeros(shape, bool)
    if not len(calls) or "row" not in calls or "column" not in calls:
        return values, hit, flagged
    row_at = {str(r).upper(): i for i, r in enumerate(rows)}
    col_at: dict[str, int] = {}
    for i, name in enumerate(columns):
        col_at[str(name)] = i
        if str(name).isdigit():
            col_at.setdefault(str(int(name)), i)
    r = np.array([row_at.get(str(v).upper(), -1) for v in calls["row"]], dtype=int)
    c = np.array([col_at.get(str(v), col_at.get(str(v).lstrip("0") or "0", -1)) for v in calls["column"]], dtype=int)
    on = (r >= 0) & (c >= 0)
    if value in calls:
        values[r[on], c[on]] = calls[value].astype(float).to_numpy()[on]
    if "hit" in calls:
        hit[r[on], c[on]] = calls["hit"].fillna(False).astype(bool).to_numpy()[on]
    flagged[r[on], c[on]] = _flagged(calls)[on]
    return values, hit, flagged


def tile_rgb(values: np.ndarray, hit: np.ndarray, flagged: np.ndarray, width: int = TILE_WIDTH,
             value_range: tuple[float, float] = ACTIVITY_RANGE, cmap: str = CMAP) -> np.ndarray:
    """The plate as an RGB image (y, x, 3): one square per well with a 1 px gap, a white dot on
    hits, a red cross on flagged wells."""
    import matplotlib

    n_rows, n_cols = values.shape
    cell = max(3, width // max(n_cols, 1))
    lo, hi = value_range
    scaled = np.clip((values - lo) / (hi - lo), 0.0, 1.0)
    colours = (matplotlib.colormaps[cmap](np.nan_to_num(scaled))[..., :3] * 255).astype(np.uint8)
    colours[~np.isfinite(values)] = MISSING
    out = np.full((n_rows * cell, n_cols * cell, 3), 255, dtype=np.uint8)
    inner = cell - 1 if cell > 3 else cell
    big = np.repeat(np.repeat(colours, cell, axis=0), cell, axis=1)
    mask = np.zeros((cell, cell), bool)
    mask[:inner, :inner] = True
    out[np.tile(mask, (n_rows, n_cols))] = big[np.tile(mask, (n_rows, n_cols))]
    mid, dot = (inner - 1) // 2, max(1, inner // 4)
    for r, c in zip(*np.nonzero(hit)):
        y, x = r * cell + mid, c * cell + mid
        out[y - dot // 2:y - dot // 2 + dot, x - dot // 2:x - dot // 2 + dot] = HIT_MARK
    for r, c in zip(*np.nonzero(flagged & ~hit)):
        for i in range(inner):
            out[r * cell + i, c * cell + i] = FLAG_MARK
            out[r * cell + i, c * cell + inner - 1 - i] = FLAG_MARK
    return out


def colorbar_figure(label: str = "activity (%)", value_range: tuple[float, float] = ACTIVITY_RANGE,
                    cmap: str = CMAP) -> Figure:
    """A horizontal colour bar for the tiles, with what the marks mean."""
    import matplotlib
    from matplotlib.colors import Normalize

    fig = new_figure(4.5, 0.95)
    ax = fig.add_axes((0.05, 0.62, 0.9, 0.16))
    fig.colorbar(matplotlib.cm.ScalarMappable(Normalize(*value_range), matplotlib.colormaps[cmap]), cax=ax,
                 orientation="horizontal")
    ax.tick_params(labelsize=7)
    fig.text(0.5, 0.04, f"{label}, clipped to the scale\nwhite dot: hit; red cross: QC-flagged or excluded; "
             "grey: no value",
             ha="center", va="bottom", fontsize=7)
    return fig
