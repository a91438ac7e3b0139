"""A plate heatmap: one value per well on the plate's grid, row letters and column numbers
beside it, wells without a value grey, and optional short marks ("H" for hits, "×" for
QC-flagged wells). Fonts and cells shrink with the plate, so 96, 384 and 1536 wells all read.

Wells are keyed as the hit tables write them ("B03", "b3", "B/3" are one well: the row is
matched by name, the column by number, :func:`imaging_explorer.platemap.split_well_label`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd

from ..platemap import split_well_label
from .plot_style import LIGHT, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["MISSING_COLOR", "heatmap_figure", "plate_grid"]

MISSING_COLOR = "#c8c8c8"  # wells without a value


def _sizes(n_rows: int, n_cols: int) -> tuple[float, float]:
    """(cell side in inches, font size) for a plate of this many rows and columns."""
    widest = max(n_cols, n_rows * 1.5)
    if widest <= 12:
        return 0.42, 9.0
    if widest <= 24:
        return 0.30, 7.0
    return 0.17, 4.5


def _pairs(values: Mapping[str, Any] | pd.DataFrame | pd.Series, column: str | None) -> list[tuple[str, Any]]:
    """(well, value) pairs of a mapping, a Series or a DataFrame (its ``well`` column or index)."""
    if isinstance(values, pd.DataFrame):
        frame = values.set_index("well") if "well" in values.columns else values
        if column is None:
            numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
            if len(numeric) != 1:
                raise ValueError(f"heatmap: name the column to show (numeric columns: {', '.join(map(str, numeric))})")
            column = str(numeric[0])
        if column not in frame.columns:
            raise ValueError(f"heatmap: no column {column!r} in the table")
        return [(str(k), v) for k, v in frame[column].items()]
    return [(str(k), v) for k, v in values.items()]


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def plate_grid(pairs: Sequence[tuple[str, Any]], rows: Sequence[str], columns: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Well name -> (row index, column index) on the plate's grid.

    Raises
    ------
    ValueError
        Names that are not wells of this grid (the message quotes a few).
    """
    row_index = {str(r).strip().upper(): i for i, r in enumerate(rows)}
    col_index: dict[str, int] = {}
    for i, c in enumerate(columns):
        name = str(c).strip()
        col_index.setdefault(str(int(name)) if name.isdigit() else name.upper(), i)
    out, unknown = {}, []
    for well, _ in pairs:
        split = split_well_label(well)
        if split is not None:
            r, c = split[0], str(split[1])
        else:  # odd names ("1/A"): row and column as written
            r, _, c = (part.strip().upper() for part in well.partition("/"))
            c = str(int(c)) if c.isdigit() else c
        if r in row_index and c in col_index:
            out[well] = (row_index[r], col_index[c])
        else:
            unknown.append(well)
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ValueError(f"heatmap: well(s) not on the {len(rows)} x {len(columns)} plate: "
                         f"{', '.join(unknown[:5])}{more}")
    return out


def heatmap_figure(values: Mapping[str, Any] | pd.DataFrame | pd.Series, rows: Sequence[str],
                   columns: Sequence[str], title: str = "", label: str = "", cmap: str = "viridis",
                   vmin: float | None = None, vmax: float | None = None, marks: Mapping[str, str] | None = None,
                   column: str | None = None, note: str = "") -> Figure:
    """A plate heatmap.

    Parameters
    ----------
    values
        Well -> value: a mapping, a Series, or a DataFrame (wells in its ``well`` column or
        index; ``column`` names the value, or its only numeric column is used). NaN = no value.
    rows, columns
        The plate's row and column names in order (e.g. ``plate.rows``, ``plate.columns``).
    title, label
        The figure's title; the colour bar's label.
    cmap, vmin, vmax
        A matplotlib colour map and its range (default: the values' range).
    marks
        Well -> short text drawn in the well (e.g. "H" for hits, "×" for QC-flagged).
    note
        A line below the plate (e.g. what the marks mean).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        A well that is not on the grid, or a table whose value column is unclear.
    """
    rows, columns = [str(r) for r in rows], [str(c) for c in columns]
    pairs = _pairs(values, column)
    mark_pairs = [(str(k), str(v)) for k, v in (marks or {}).items() if str(v)]
    where = plate_grid(pairs + mark_pairs, rows, columns)
    grid = np.full((len(rows), len(columns)), np.nan)
    for well, value in pairs:
        grid[where[well]] = _float(value)
    cell, font = _sizes(len(rows), len(columns))
    fig = new_figure(len(columns) * cell + 1.8, len(rows) * cell + 1.2 + (0.2 if note else 0.0))
    ax = fig.add_subplot(1, 1, 1)
    colormap = matplotlib.colormaps[cmap].with_extremes(bad=MISSING_COLOR)
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=colormap, vmin=vmin, vmax=vmax, aspect="equal",
                      interpolation="nearest")
    ax.set_xticks(range(len(columns)), labels=columns, fontsize=font)
    ax.set_yticks(range(len(rows)), labels=rows, fontsize=font)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_xticks(np.arange(-0.5, len(columns)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for well, text in mark_pairs:
        r, c = where[well]
        ax.text(c, r, text, ha="center", va="center", fontsize=font * 0.9, color="black", fontweight="bold")
    bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.ax.tick_params(labelsize=font)
    if label:
        bar.set_label(label, fontsize=font)
    if title:
        ax.set_title(title, fontsize=font + 2, color=LIGHT.text, pad=font * 2)
    if note:
        fig.text(0.01, 0.01, note, fontsize=font, color=LIGHT.text, ha="left", va="bottom")
    fig.set_layout_engine("tight", rect=(0, 0.04 if note else 0, 1, 1))
    return fig
