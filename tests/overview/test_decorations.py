"""The overview's overlay: names in their row/column bands, crosses only on missing wells,
frames at the failed fields' boxes, bounded memory on 1536 wells."""

from __future__ import annotations

import string

import numpy as np
import pytest
from scipy import ndimage

from imaging_explorer.overview import OverviewLayout, draw_frames, plate_overlay
from imaging_explorer.overview.decorations import ERROR_COLOR, MAX_PIXELS


def _layout(n_rows: int, n_cols: int, tile: int = 64, fields: int = 2, missing=()) -> OverviewLayout:
    """A layout built directly (plate_layout needs a plate); grid of 1 x ``fields``."""
    letters = string.ascii_uppercase
    rows = tuple(letters[i] if i < 26 else "A" + letters[i - 26] for i in range(n_rows))
    cols = tuple(str(c + 1) for c in range(n_cols))
    wells, miss, flds = {}, {}, {}
    for r, row in enumerate(rows):
        for c, col in enumerate(cols):
            path = f"{row}/{col}"
            if (r, c) in missing:
                miss[path] = (r, c)
                continue
            wells[path] = (r, c)
            for i in range(fields):
                flds[f"{path}/{i}"] = (path, i)
    return OverviewLayout(rows=rows, columns=cols, tile=(tile, tile), grid=(1, fields), gap=max(2, tile // 8),
                          wells=wells, fields=flds, missing=miss, _cells={rc: p for p, rc in wells.items()},
                          _counts={p: fields for p in wells})


def _blobs(alpha: np.ndarray) -> list[tuple[slice, slice]]:
    labels, _ = ndimage.label(alpha > 0)
    return [s for s in ndimage.find_objects(labels) if s is not None]


def _bands(overlay, layout, axis: int) -> list[tuple[float, float]]:
    """Overlay pixel interval [start, end) of each row (axis 0) or column (axis 1) pitch."""
    pitch, n = layout.pitch[axis], (len(layout.rows), len(layout.columns))[axis]
    origin = overlay.top if axis == 0 else overlay.left
    return [(origin + i * pitch / overlay.scale, origin + (i + 1) * pitch / overlay.scale) for i in range(n)]


@pytest.mark.parametrize(("n_rows", "n_cols", "tile", "fields"), [(8, 12, 128, 2), (16, 24, 64, 2), (32, 48, 32, 1),
                                                                  (32, 48, 128, 2)])
def test_names_sit_in_their_bands_and_never_touch(n_rows, n_cols, tile, fields) -> None:
    layout = _layout(n_rows, n_cols, tile, fields)
    overlay = plate_overlay(layout)
    alpha = overlay.data[..., 3]
    top, left = overlay.top, overlay.left
    assert alpha[:top, left:].any() and alpha[top:, :left].any()
    assert not alpha[top:, left:].any()  # nothing over the wells of a full plate
    # column names: every ink blob lies inside one column's pitch, every column has ink
    cols = _bands(overlay, layout, 1)
    owner = []
    for ys, xs in _blobs(alpha[:top, left:]):
        x0, x1 = xs.start + left, xs.stop + left
        inside = [i for i, (a, b) in enumerate(cols) if a - 0.5 <= x0 and x1 <= b + 0.5]
        assert len(inside) == 1, f"a column name blob spans {x0}..{x1}: names touch"
        owner.append(inside[0])
    assert sorted(set(owner)) == list(range(n_cols))
    rows = _bands(overlay, layout, 0)
    owner = []
    for ys, xs in _blobs(alpha[top:, :left]):
        y0, y1 = ys.start + top, ys.stop + top
        inside = [i for i, (a, b) in enumerate(rows) if a - 0.5 <= y0 and y1 <= b + 0.5]
        assert len(inside) == 1, f"a row name blob spans {y0}..{y1}: names touch"
        owner.append(inside[0])
    assert sorted(set(owner)) == list(range(n_rows))


def test_translate_puts_the_plate_at_world_zero_and_names_at_negative_coordinates() -> None:
    layout = _layout(16, 24, 64, 2)
    overlay = plate_overlay(layout)
    k, (ty, tx) = overlay.scale, overlay.translate
    # world position of an overlay pixel's centre: translate + index * scale
    assert ty + (overlay.top - 0.5) * k == pytest.approx(-0.5)  # the overlay's plate edge is mosaic edge -0.5
    assert tx + (overlay.left - 0.5) * k == pytest.approx(-0.5)
    assert ty < 0 and tx < 0
    h, w = layout.shape
    assert overlay.data.shape[0] * k >= h and overlay.data.shape[1] * k >= w  # covers the whole plate


def test_crosses_only_on_missing_wells() -> None:
    missing = {(1, 1), (3, 7), (15, 23)}
    layout = _layout(16, 24, 64, 2, missing=missing)
    overlay = plate_overlay(layout)
    ink = overlay.data[..., 3] > 0
    for r in range(16):
        for c in range(24):
            r0, c0, r1, c1 = overlay.box(layout.cell_box(r, c))
            cell = overlay.data[r0:r1, c0:c1]
            if (r, c) in missing:
                assert cell[..., 3].sum() > 0 and (cell[..., 0] > cell[..., 1]).any()  # red ink
                # both diagonals: the corners and the centre are inked
                h, w = r1 - r0, c1 - c0
                assert ink[r0, c0] and ink[r1 - 1, c1 - 1] and ink[r0, c1 - 1] and ink[r1 - 1, c0]
                assert ink[r0 + h // 2 - 1 : r0 + h // 2 + 2, c0 + w // 2 - 1 : c0 + w // 2 + 2].any()
            else:
                assert not cell[..., 3].any(), (r, c)


def test_memory_is_bounded_on_1536_wells() -> None:
    big = _layout(32, 48, 320, 1)  # tiles about as large as the texture limit lets
    overlay = plate_overlay(big)
    assert overlay.data.shape[0] * overlay.data.shape[1] <= MAX_PIXELS
    assert overlay.data.dtype == np.uint8 and overlay.data.shape[2] == 4
    small = plate_overlay(big, max_pixels=500_000)
    assert small.data.shape[0] * small.data.shape[1] <= 500_000
    assert small.font_size < overlay.font_size and small.data[..., 3].any()


def test_frames_drawn_at_the_field_boxes() -> None:
    layout = _layout(8, 12, 128, 2)
    overlay = plate_overlay(layout)
    before = overlay.data.copy()
    drawn = draw_frames(overlay, layout, ["B/3/1", "not/a/field"])
    assert list(drawn) == ["B/3/1"]
    r0, c0, r1, c1 = drawn["B/3/1"]
    assert (r0, c0, r1, c1) == overlay.box(layout.field_box("B/3/1"))
    orange = np.all(overlay.data == ERROR_COLOR, axis=-1)
    # the border of the box is orange all around, its inside and everything outside untouched
    assert orange[r0, c0:c1].all() and orange[r1 - 1, c0:c1].all()
    assert orange[r0:r1, c0].all() and orange[r0:r1, c1 - 1].all()
    assert not orange[r0 + 5 : r1 - 5, c0 + 5 : c1 - 5].any()
    outside = np.ones(orange.shape, bool)
    outside[r0:r1, c0:c1] = False
    assert np.array_equal(overlay.data[outside], before[outside])
    # the neighbouring field of the same well is not framed
    n0, m0, n1, m1 = overlay.box(layout.field_box("B/3/0"))
    assert not orange[n0 + 3 : n1 - 3, m0 + 3 : m1 - 3].any()
