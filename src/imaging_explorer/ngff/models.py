"""Frozen records of OME-NGFF metadata, as the lenient parsers return them.

They hold only what the metadata says (no arrays, no store): the plate model is built
from them once, and layers and widgets read the model, never the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Axis:
    """One axis of a multiscale image: ``name`` (e.g. ``"c"``), ``type`` and ``unit``."""

    name: str
    type: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Dataset:
    """One resolution level: the array's path below the image group and its transform."""

    path: str
    scale: tuple[float, ...]
    translation: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Multiscale:
    """A multiscale image; ``datasets`` run from full resolution to the coarsest level.

    ``scale`` / ``translation`` are the optional multiscale-level coordinateTransformations,
    applied after each dataset's own transform.
    """

    version: str
    axes: tuple[Axis, ...]
    datasets: tuple[Dataset, ...]
    name: str | None = None
    scale: tuple[float, ...] | None = None
    translation: tuple[float, ...] | None = None

    @property
    def axis_names(self) -> str:
        """The axis names joined, e.g. ``"tczyx"`` or ``"yx"``."""
        return "".join(axis.name for axis in self.axes)

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return len(self.axes)


@dataclass(frozen=True)
class Channel:
    """Display settings of one channel (from ``omero``, or defaults).

    ``color`` is ``"RRGGBB"`` in upper case; ``window`` = (start, end); ``limits`` = (min, max).
    """

    label: str
    color: str
    window: tuple[float, float] | None = None
    limits: tuple[float, float] | None = None
    active: bool = True


@dataclass(frozen=True)
class WellRef:
    """A well listed in the plate: its group path and its place in the grid.

    ``rows[row_index] == row`` and ``columns[column_index] == column`` always hold for the
    ``PlateMeta`` it came from.
    """

    path: str
    row: str
    column: str
    row_index: int
    column_index: int


@dataclass(frozen=True)
class Acquisition:
    """One acquisition (imaging run) of the plate."""

    id: int
    name: str | None = None
    maximum_field_count: int | None = None
    description: str | None = None
    starttime: int | None = None
    endtime: int | None = None


@dataclass(frozen=True)
class PlateMeta:
    """The plate's metadata: row and column names as written, and the wells it lists."""

    version: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    wells: tuple[WellRef, ...]
    name: str | None = None
    acquisitions: tuple[Acquisition, ...] = ()
    field_count: int | None = None


@dataclass(frozen=True)
class ImageRef:
    """A field (image) of a well: its path below the well group and its acquisition."""

    path: str
    acquisition: int | None = None


@dataclass(frozen=True)
class WellMeta:
    """The well's metadata: its fields in the order listed."""

    version: str
    images: tuple[ImageRef, ...]


@dataclass(frozen=True)
class ImageLabel:
    """``image-label`` metadata of a label image.

    ``colors`` maps label value -> (r, g, b, a), each 0-255; ``properties`` maps label value
    -> the other keys of its properties entry; ``source_image`` is ``source.image`` if given.
    """

    version: str
    colors: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    properties: dict[int, dict] = field(default_factory=dict)
    source_image: str | None = None
