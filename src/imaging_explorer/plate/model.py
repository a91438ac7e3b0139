"""The plate model: Plate / Well / Field / Labels, built from metadata only.

Pixel data stays in the store: ``levels`` are lazy dask arrays over zarr
arrays, opened the first time they are asked for. No Qt, no napari.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..errors import PlateError
from ..io.documents import ArrayInfo
from ..ngff import Acquisition, AxisRoles, ImageLabel, Multiscale, axis_roles

if TYPE_CHECKING:
    import dask.array as da
    import numpy as np

    from ..io.location import Location
    from .source import PlateSource


@dataclass(frozen=True)
class Channel:
    """One channel of a field: ``name`` is unique within the field (for display),
    ``label`` is what the file says (names can repeat in real files)."""

    name: str
    color: str  # "RRGGBB"
    window: tuple[float, float] | None = None
    label: str = ""
    visible: bool = True
    limits: tuple[float, float] | None = None


class _MultiscaleImage:
    """Shared by fields and label images: levels, axes and transforms."""

    path: str
    multiscale: Multiscale
    _source: PlateSource

    @property
    def arrays(self) -> tuple[ArrayInfo, ...]:
        """Every level's array document, full resolution first."""
        raise NotImplementedError

    @property
    def axes(self) -> str:
        """The axis names as the file writes them, joined (e.g. ``"TCZYX"``)."""
        return self.multiscale.axis_names

    @property
    def roles(self) -> AxisRoles:
        """Which axis is t, c, z, y, x (by type, then name in any case) and canonical names."""
        return axis_roles(self.multiscale.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.arrays[0].shape

    @property
    def dtype(self) -> np.dtype:
        return self.arrays[0].dtype

    def scale(self, level: int = 0) -> tuple[float, ...]:
        """Physical size of one pixel at a level, per axis (dataset scale, then the multiscale's)."""
        ds = self.multiscale.datasets[level].scale
        glob = self.multiscale.scale or (1.0,) * len(ds)
        return tuple(float(a * b) for a, b in zip(ds, glob))

    def translation(self, level: int = 0) -> tuple[float, ...]:
        """World position of pixel 0 at a level, per axis."""
        n = len(self.axes)
        ds = self.multiscale.datasets[level].translation or (0.0,) * n
        glob_scale = self.multiscale.scale or (1.0,) * n
        glob_shift = self.multiscale.translation or (0.0,) * n
        return tuple(float(t * s + g) for t, s, g in zip(ds, glob_scale, glob_shift))

    @cached_property
    def levels(self) -> list[da.Array]:
        """Lazy arrays, full resolution first. Opening them reads array metadata only."""
        return [self._source.dask_array(info) for info in self.arrays]


@dataclass(eq=False)
class Labels(_MultiscaleImage):
    """A label image (segmentation) of a field."""

    name: str
    path: str
    multiscale: Multiscale
    _arrays: tuple[ArrayInfo, ...]
    image_label: ImageLabel | None
    _source: PlateSource = field(repr=False)

    @property
    def arrays(self) -> tuple[ArrayInfo, ...]:
        return self._arrays


@dataclass(eq=False)
class Field(_MultiscaleImage):
    """One field of view (a multiscale image) of a well.

    Opening a plate reads one array document per field, the thumbnail level's (``thumbnail``):
    the overview needs no other. ``arrays`` (every level) is read on first use.
    """

    path: str
    index: int
    acquisition: int | None
    multiscale: Multiscale
    thumbnail: tuple[int, ArrayInfo]  # (level, its array document) of the overview's thumbnail
    channels: list[Channel]
    _source: PlateSource = field(repr=False)
    _arrays: tuple[ArrayInfo, ...] | None = field(default=None, repr=False)

    @property
    def arrays(self) -> tuple[ArrayInfo, ...]:
        """Every level's array document, full resolution first; PlateError when one cannot be read."""
        if self._arrays is None:
            self._source.load_arrays([self])
        if self._arrays is None:
            raise self._source.array_error(self)
        return self._arrays

    def array(self, level: int) -> ArrayInfo:
        """One level's array document (the thumbnail level's without reading)."""
        return self.thumbnail[1] if level == self.thumbnail[0] else self.arrays[level]

    @property
    def dtype(self) -> np.dtype:
        return self.thumbnail[1].dtype

    @property
    def channel_count(self) -> int:
        """Size of the channel axis (1 without one); channels are not downsampled, any level tells."""
        c = self.roles.c
        return self.thumbnail[1].shape[c] if c is not None else 1

    @property
    def labels(self) -> dict[str, Labels]:
        """Label images by name; their metadata is read on first use."""
        return self._source.labels_of(self)


@dataclass(eq=False)
class Well:
    """A well that exists in the store, with its fields."""

    path: str
    row: str
    column: str
    row_index: int
    column_index: int
    fields: list[Field]
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Display name such as ``B3`` (names kept as the file writes them)."""
        return f"{self.row}{self.column}"


@dataclass(eq=False)
class Plate:
    """A screening plate: metadata of every well and field, arrays on demand."""

    location: str
    name: str
    version: str
    zarr_format: int
    rows: list[str]
    columns: list[str]
    wells: dict[str, Well]
    missing_wells: dict[str, str]
    acquisitions: list[Acquisition]
    field_count: int | None
    warnings: list[str]
    fingerprint: str  # hash of the plate metadata: the same plate wherever its folder is
    _source: PlateSource = field(repr=False)

    def well(self, row: str, column: str) -> Well:
        """The well at a row and column name; PlateError when it does not exist."""
        key = f"{row}/{column}"
        if key in self.wells:
            return self.wells[key]
        reason = self.missing_wells.get(key, "not in the plate metadata")
        raise PlateError(self.location, f"well {key}: {reason}")

    @property
    def store_location(self) -> Location:
        """The read-only location the plate's documents and chunks are read from."""
        return self._source.docs.location

    def load_arrays(self, fields: list[Field] | None = None) -> None:
        """Read every level's array document of ``fields`` (default: all) in one batch.

        Opening reads only the thumbnail level; a field whose other levels cannot be read gets
        a problem and its ``arrays`` raise PlateError.
        """
        every = [f for w in self.wells.values() for f in w.fields] if fields is None else fields
        self._source.load_arrays(every)

    def load_labels(self) -> None:
        """Read the label metadata of every field in a few batches (instead of one field at a time)."""
        self._source.load_labels([f for w in self.wells.values() for f in w.fields])
