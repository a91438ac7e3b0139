"""Where every well and field goes in the plate mosaic, and the mosaic itself.

World coordinates are mosaic pixels (y down, x right, origin at the top-left well): one
image layer per channel with scale 1 and no translation lands exactly here, and markers
of later features (annotations, heatmaps) use :meth:`OverviewLayout.well_box` and friends.
Wells sit at (row_index, column_index) with a gap between them; the fields of a well are
tiled in a near-square grid inside the well's tile.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..ngff import axis_roles
from ..plate.field_arrays import THUMBNAIL_MIN_SIZE
from .thumbnails import choose_level

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..plate import Plate

#: Largest texture side most GPUs take (napari-ome-zarr#84 overflowed it on 384 wells).
MAX_TEXTURE = 16384

Box = tuple[int, int, int, int]  # y0, x0, y1, x1 (end exclusive), world coordinates


@dataclass(frozen=True)
class OverviewLayout:
    """Positions of wells and fields in the mosaic (world coordinates = mosaic pixels)."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    tile: tuple[int, int]  # (y, x) size of one field's tile
    grid: tuple[int, int]  # fields per well: (rows, columns)
    gap: int  # empty pixels between wells
    wells: dict[str, tuple[int, int]]  # well path -> (row index, column index)
    fields: dict[str, tuple[str, int]]  # field path -> (well path, index in the well)
    missing: dict[str, tuple[int, int]] = field(default_factory=dict)  # listed, unreadable wells
    _cells: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)
    _counts: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def pitch(self) -> tuple[int, int]:
        """Distance between the origins of neighbouring wells, (y, x)."""
        return self.grid[0] * self.tile[0] + self.gap, self.grid[1] * self.tile[1] + self.gap

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the mosaic."""
        py, px = self.pitch
        return max(len(self.rows) * py - self.gap, 0), max(len(self.columns) * px - self.gap, 0)

    def cell_box(self, row_index: int, column_index: int) -> Box:
        """Box of the well tile at a grid position (whether or not a well is there)."""
        py, px = self.pitch
        y0, x0 = row_index * py, column_index * px
        return y0, x0, y0 + py - self.gap, x0 + px - self.gap

    def well_box(self, well_path: str) -> Box:
        """Box of a well's tile."""
        return self.cell_box(*self.wells[well_path])

    def well_center(self, well_path: str) -> tuple[float, float]:
        y0, x0, y1, x1 = self.well_box(well_path)
        return (y0 + y1) / 2, (x0 + x1) / 2

    def field_box(self, field_path: str) -> Box:
        """Box of one field's tile inside its well."""
        well, i = self.fields[field_path]
        y0, x0, _, _ = self.well_box(well)
        ty, tx = self.tile
        y0, x0 = y0 + (i // self.grid[1]) * ty, x0 + (i % self.grid[1]) * tx
        return y0, x0, y0 + ty, x0 + tx

    def row_centers(self) -> dict[str, float]:
        """y of the middle of each row (for row names drawn left of the plate)."""
        return {r: i * self.pitch[0] + (self.pitch[0] - self.gap) / 2 for i, r in enumerate(self.rows)}

    def column_centers(self) -> dict[str, float]:
        """x of the middle of each column (for column names drawn above the plate)."""
        return {c: i * self.pitch[1] + (self.pitch[1] - self.gap) / 2 for i, c in enumerate(self.columns)}

    def cell_at(self, y: float, x: float) -> tuple[int, int] | None:
        """Grid position (row index, column index) of a well tile under a point, else None."""
        py, px = self.pitch
        if y < 0 or x < 0:
            return None
        r, c = int(y // py), int(x // px)
        if r >= len(self.rows) or c >= len(self.columns):
            return None
        if y - r * py >= py - self.gap or x - c * px >= px - self.gap:
            return None  # in the gap between wells
        return r, c

    def well_at(self, y: float, x: float) -> tuple[str, int | None] | None:
        """(well path, field index) under a world point; None outside every existing well.

        The field index is None over an empty slot of a well with fewer fields than the grid.
        """
        cell = self.cell_at(y, x)
        if cell is None or cell not in self._cells:
            return None
        well = self._cells[cell]
        y0, x0, _, _ = self.cell_box(*cell)
        i = int((y - y0) // self.tile[0]) * self.grid[1] + int((x - x0) // self.tile[1])
        return well, (i if i < self._counts[well] else None)


def tile_grid(n: int) -> tuple[int, int]:
    """(rows, columns) of the most nearly square grid for n tiles, filled row by row."""
    cols = max(1, math.ceil(math.sqrt(n)))
    return max(1, math.ceil(n / cols)), cols


def plate_layout(
    plate: Plate,
    tile: int | tuple[int, int] | None = None,
    min_size: int = THUMBNAIL_MIN_SIZE,
    gap: int | None = None,
    max_texture: int = MAX_TEXTURE,
) -> OverviewLayout:
    """Lay out every well and field of a plate from its metadata (no pixels are read).

    Parameters
    ----------
    plate
        An opened plate.
    tile
        Field tile size (side or (y, x)); by default the most common thumbnail shape
        at the levels :func:`choose_level` picks with ``min_size``.
    min_size
        As for :func:`read_thumbnails`.
    gap
        Pixels between wells; by default an eighth of the tile (at least 2).
    max_texture
        Largest mosaic side; the tile shrinks until the mosaic fits.

    Returns
    -------
    OverviewLayout
    """
    n_fields = max([len(w.fields) for w in plate.wells.values()] or [1])
    grid = tile_grid(n_fields)
    if tile is None:
        shapes: Counter[tuple[int, int]] = Counter()
        for w in plate.wells.values():
            for f in w.fields:
                roles = axis_roles(f.multiscale.axes)
                if roles.y is None or roles.x is None:
                    continue  # no image plane: its thumbnail fails and is framed, not sized
                info = f.array(choose_level(f, min_size))
                shapes[(info.shape[roles.y], info.shape[roles.x])] += 1
        tile = shapes.most_common(1)[0][0] if shapes else (min_size, min_size)
    ty, tx = (tile, tile) if isinstance(tile, int) else (int(tile[0]), int(tile[1]))
    n_rows, n_cols = max(len(plate.rows), 1), max(len(plate.columns), 1)

    def fits(ty: int, tx: int) -> tuple[bool, int]:
        g = gap if gap is not None else max(2, max(ty, tx) // 8)
        return n_rows * (grid[0] * ty + g) - g <= max_texture and n_cols * (grid[1] * tx + g) - g <= max_texture, g

    ok, g = fits(ty, tx)
    while not ok and max(ty, tx) > 1:  # shrink in small steps, keeping the aspect ratio
        ty, tx = max(1, ty * 15 // 16), max(1, tx * 15 // 16)
        ok, g = fits(ty, tx)
    wells = {p: (w.row_index, w.column_index) for p, w in plate.wells.items()}
    fields = {f.path: (p, i) for p, w in plate.wells.items() for i, f in enumerate(w.fields)}
    missing = {}
    for path in plate.missing_wells:
        r, _, c = path.partition("/")
        if r in plate.rows and c in plate.columns:
            missing[path] = (plate.rows.index(r), plate.columns.index(c))
    return OverviewLayout(
        rows=tuple(plate.rows), columns=tuple(plate.columns), tile=(ty, tx), grid=grid, gap=g,
        wells=wells, fields=fields, missing=missing,
        _cells={rc: p for p, rc in wells.items()},
        _counts={p: len(w.fields) for p, w in plate.wells.items()},
    )


def fit_tile(image: np.ndarray, tile: tuple[int, int]) -> np.ndarray:
    """Scale a (c, y, x) thumbnail by an integer factor so that it fits a tile (cheap, no resampling).

    Larger images are reduced by a block mean, smaller ones enlarged by pixel repetition;
    an image that matches the tile is returned as is.
    """
    h, w = image.shape[-2:]
    ty, tx = tile
    if h <= ty and w <= tx:
        k = min(ty // h, tx // w) if h and w else 1
        return image if k <= 1 else image.repeat(k, axis=-2).repeat(k, axis=-1)
    k = max(-(-h // ty), -(-w // tx))
    hh, ww = h // k * k, w // k * k
    if hh == 0 or ww == 0:
        return image[..., ::k, ::k][..., :ty, :tx]
    blocks = image[..., :hh, :ww].reshape(*image.shape[:-2], hh // k, k, ww // k, k)
    return blocks.mean(axis=(-3, -1)).astype(image.dtype)


def build_mosaic(
    layout: OverviewLayout,
    thumbnails: Mapping[str, np.ndarray | None],
    n_channels: int | None = None,
    out: list[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """One 2-D image per channel with every thumbnail in its field tile (centred).

    Parameters
    ----------
    layout
        From :func:`plate_layout`.
    thumbnails
        Field path -> (c, y, x) array or None (as from :func:`read_thumbnails`).
    n_channels
        Channels to build; the most any thumbnail has by default. Fields with fewer
        channels leave the others empty.
    out
        Mosaic arrays to paste into (e.g. batch by batch while thumbnails arrive); new
        zero arrays by default.

    Returns
    -------
    list of numpy.ndarray
        ``n_channels`` arrays of ``layout.shape`` in the thumbnails' dtype; empty
        (missing, unreadable) wells and fields are 0.
    """
    images = {p: a for p, a in thumbnails.items() if a is not None and p in layout.fields}
    if out is not None:
        n_channels = len(out)
    if n_channels is None:
        n_channels = max([a.shape[0] for a in images.values()] or [1])
    if out is None:
        dtype = np.result_type(*[a.dtype for a in images.values()]) if images else np.dtype("uint16")
        out = [np.zeros(layout.shape, dtype) for _ in range(n_channels)]
    for path, img in images.items():
        y0, x0, y1, x1 = layout.field_box(path)
        img = fit_tile(img, layout.tile)
        h, w = min(img.shape[-2], y1 - y0), min(img.shape[-1], x1 - x0)
        oy, ox = y0 + (y1 - y0 - h) // 2, x0 + (x1 - x0 - w) // 2
        for c in range(min(n_channels, img.shape[0])):
            out[c][oy : oy + h, ox : ox + w] = img[c, :h, :w]
    return out
