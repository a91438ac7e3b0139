"""Plate layout for 96/384/1536 wells: inside the texture limit, no overlaps, hover round-trips."""

from __future__ import annotations

import string
from types import SimpleNamespace

import numpy as np
import pytest

from imaging_explorer.overview import MAX_TEXTURE, build_mosaic, fit_tile, plate_layout


def _row_names(n):
    letters = string.ascii_uppercase
    return [letters[i] if i < 26 else "A" + letters[i - 26] for i in range(n)]  # ... Z, AA ... AF


def _fake_plate(n_rows, n_cols, fields=2, side=512, levels=4, skip=()):
    """Just the metadata plate_layout reads; real plates of 1536 wells take too long to write."""
    rows, cols = _row_names(n_rows), [str(c + 1) for c in range(n_cols)]
    axes = [SimpleNamespace(name=a) for a in "cyx"]
    wells, missing = {}, {}
    for r, row in enumerate(rows):
        for c, col in enumerate(cols):
            path = f"{row}/{col}"
            if (r, c) in skip:
                missing[path] = "not in the store"
                continue
            arrays = [SimpleNamespace(shape=(3, side >> k, side >> k)) for k in range(levels)]
            thumb = max([k for k in range(levels) if side >> k >= 64] or [0])  # as opening chooses it
            fs = [SimpleNamespace(path=f"{path}/{i}", multiscale=SimpleNamespace(axes=axes), arrays=arrays,
                                  thumbnail=(thumb, arrays[thumb]), array=arrays.__getitem__)
                  for i in range(fields)]
            wells[path] = SimpleNamespace(row_index=r, column_index=c, fields=fs)
    return SimpleNamespace(rows=rows, columns=cols, wells=wells, missing_wells=missing)


def _check(layout, plate):
    h, w = layout.shape
    assert h <= MAX_TEXTURE and w <= MAX_TEXTURE
    boxes = np.array([layout.field_box(p) for p in layout.fields])
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= h).all() and (boxes[:, 3] <= w).all()
    # no two field tiles overlap: paint them on a grid at tile resolution
    ty, tx = layout.tile
    assert (boxes[:, 2] - boxes[:, 0] == ty).all() and (boxes[:, 3] - boxes[:, 1] == tx).all()
    starts = set(map(tuple, boxes[:, :2].tolist()))
    assert len(starts) == len(boxes)
    py, px = layout.pitch
    assert py > layout.grid[0] * ty and px > layout.grid[1] * tx  # a gap between wells
    for path, (well, i) in layout.fields.items():
        y0, x0, y1, x1 = layout.field_box(path)
        assert layout.well_at((y0 + y1) / 2, (x0 + x1) / 2) == (well, i)
        assert layout.well_at(y0, x0) == (well, i) and layout.well_at(y1 - 0.01, x1 - 0.01) == (well, i)
    assert layout.well_at(-1, 5) is None and layout.well_at(h + 1, 5) is None and layout.well_at(5, w + 1) is None
    assert layout.well_at(py - layout.gap / 2, 1) is None  # in the gap


@pytest.mark.parametrize(("n_rows", "n_cols", "fields"), [(8, 12, 1), (16, 24, 2), (16, 24, 4), (32, 48, 2), (32, 48, 9)])
def test_layout_sizes(n_rows, n_cols, fields):
    plate = _fake_plate(n_rows, n_cols, fields, skip={(1, 1)})
    layout = plate_layout(plate)
    _check(layout, plate)
    assert layout.grid[0] * layout.grid[1] >= fields and layout.grid[1] - layout.grid[0] in (0, 1)
    assert layout.missing == {"B/2": (1, 1)}
    y0, x0, y1, x1 = layout.cell_box(1, 1)
    assert layout.well_at((y0 + y1) / 2, (x0 + x1) / 2) is None and layout.cell_at(y0 + 1, x0 + 1) == (1, 1)


def test_1536_rows_and_names():
    layout = plate_layout(_fake_plate(32, 48, 1))
    assert layout.rows[-6:] == ("AA", "AB", "AC", "AD", "AE", "AF")
    centers = layout.row_centers()
    y0, _, y1, _ = layout.well_box("AF/48")
    assert centers["AF"] == (y0 + y1) / 2 and layout.column_centers()["48"] == layout.well_center("AF/48")[1]


@pytest.mark.parametrize(("n_rows", "n_cols"), [(16, 24), (32, 48)])
def test_large_fields_shrink_under_the_texture_limit(n_rows, n_cols):
    plate = _fake_plate(n_rows, n_cols, fields=4, side=4096, levels=1)  # napari-ome-zarr#84
    layout = plate_layout(plate)
    _check(layout, plate)
    assert layout.tile[0] < 4096 and max(layout.shape) > MAX_TEXTURE * 0.8  # shrunk, not more than needed
    small = plate_layout(plate, max_texture=2048)
    assert max(small.shape) <= 2048


def test_explicit_tile_and_gap():
    layout = plate_layout(_fake_plate(2, 3, 3), tile=(20, 30), gap=5)
    assert layout.tile == (20, 30) and layout.grid == (2, 2) and layout.gap == 5
    assert layout.shape == (2 * 45 - 5, 3 * 65 - 5)
    x = 60 + 5  # second well column starts after one pitch
    assert layout.well_at(25, x + 1) == ("A/2", 2)
    assert layout.well_at(25, x + 31) == ("A/2", None)  # fourth slot of a three-field well


def test_fit_tile():
    img = np.arange(2 * 8 * 12, dtype=np.uint16).reshape(2, 8, 12)
    assert fit_tile(img, (8, 12)) is img
    up = fit_tile(img, (16, 30))
    assert up.shape == (2, 16, 24) and up[1, 3, 5] == img[1, 1, 2]
    down = fit_tile(img, (4, 4))
    assert down.shape == (2, 2, 4) and down.dtype == img.dtype
    assert down[0, 0, 0] == img[0, :3, :3].mean().astype(np.uint16)


def test_mosaic_places_channels_and_leaves_missing_empty():
    plate = _fake_plate(2, 2, fields=2, side=16, levels=1, skip={(0, 1)})
    layout = plate_layout(plate, tile=16, gap=2)
    thumbs = {f"{w}/{i}": np.full((3 if w != "B/2" else 2, 16, 16), 10 * (k + 1) + i, np.uint16)
              for k, w in enumerate(["A/1", "B/1", "B/2"]) for i in range(2)}
    thumbs["B/1/1"] = None
    mosaic = build_mosaic(layout, thumbs)
    assert len(mosaic) == 3 and all(m.shape == layout.shape == (34, 66) for m in mosaic)
    y0, x0, y1, x1 = layout.field_box("A/1/1")
    assert (mosaic[2][y0:y1, x0:x1] == 11).all()
    y0, x0, y1, x1 = layout.field_box("B/1/1")
    assert not mosaic[0][y0:y1, x0:x1].any()
    y0, x0, y1, x1 = layout.field_box("B/2/0")
    assert (mosaic[1][y0:y1, x0:x1] == 30).all() and not mosaic[2][y0:y1, x0:x1].any()
    assert not mosaic[0][0:16, 34:66].any()  # the missing well A/2
    assert [m.shape for m in build_mosaic(layout, {}, n_channels=2)] == [(34, 66)] * 2
    # pasting batch by batch into existing arrays gives the same mosaic
    parts = build_mosaic(layout, {}, n_channels=3)
    for key in thumbs:
        assert build_mosaic(layout, {key: thumbs[key]}, out=parts) is parts
    assert all(np.array_equal(a, b) for a, b in zip(parts, mosaic))
