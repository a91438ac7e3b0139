"""The plate heatmap: wells placed by name whatever their spelling, missing wells grey, marks in
their wells, labels for every row and column from 96 to 1536 wells, unknown wells refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imaging_explorer.figures.heatmap import MISSING_COLOR, heatmap_figure
from imaging_explorer.figures.plot_style import LIGHT


def _letters(n: int) -> list[str]:
    return [chr(65 + i) if i < 26 else "A" + chr(65 + i - 26) for i in range(n)]


def _plate_axes(fig):
    return fig.axes[0]


@pytest.mark.parametrize(("n_rows", "n_cols"), [(8, 12), (16, 24), (32, 48)])
def test_every_row_and_column_is_labelled(n_rows, n_cols) -> None:
    rows, cols = _letters(n_rows), [str(c) for c in range(1, n_cols + 1)]
    values = {f"{r}{c:02d}": float(i) for i, (r, c) in enumerate((r, c) for r in rows for c in range(1, n_cols + 1))}
    fig = heatmap_figure(values, rows, cols, label="activity (%)")
    ax = _plate_axes(fig)
    assert [t.get_text() for t in ax.get_yticklabels()] == rows
    assert [t.get_text() for t in ax.get_xticklabels()] == cols
    sizes = {t.get_fontsize() for t in ax.get_yticklabels()}
    assert len(sizes) == 1


def test_fonts_shrink_with_the_plate() -> None:
    sizes = []
    for n_rows, n_cols in [(8, 12), (16, 24), (32, 48)]:
        rows, cols = _letters(n_rows), [str(c) for c in range(1, n_cols + 1)]
        ax = _plate_axes(heatmap_figure({}, rows, cols))
        sizes.append(ax.get_yticklabels()[0].get_fontsize())
    assert sizes[0] > sizes[1] > sizes[2]


def test_wells_land_where_their_names_say_and_missing_ones_are_grey() -> None:
    rows, cols = list("ABCDEFGHIJKLMNOP"), [f"{c:02d}" for c in range(1, 25)]  # zero-padded column names
    table = pd.DataFrame({"well": ["B03", "c/4", "P24"], "activity_pct": [10.0, 20.0, np.nan]})
    fig = heatmap_figure(table, rows, cols, vmin=0, vmax=20, marks={"B/3": "H"})
    ax = _plate_axes(fig)
    grid = ax.images[0].get_array()
    assert grid[1, 2] == 10.0 and grid[2, 3] == 20.0
    assert grid.mask[15, 23] and grid.mask[0, 0]  # NaN and absent wells: no value
    assert ax.images[0].cmap.get_bad().tolist() == pytest.approx(list(_rgba(MISSING_COLOR)))
    marks = [(t.get_text(), t.get_position()) for t in ax.texts]
    assert marks == [("H", (2, 1))]
    assert fig.get_facecolor()[:3] == pytest.approx(_rgba(LIGHT.background)[:3])


def _rgba(color: str) -> tuple[float, ...]:
    from matplotlib.colors import to_rgba

    return to_rgba(color)


def test_wells_off_the_plate_and_unclear_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="Q01"):
        heatmap_figure({"Q01": 1.0, "A01": 2.0}, list("AB"), ["1", "2"])
    with pytest.raises(ValueError, match="name the column"):
        heatmap_figure(pd.DataFrame({"well": ["A1"], "a": [1.0], "b": [2.0]}), list("AB"), ["1", "2"])
