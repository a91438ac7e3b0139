"""A well's fields -> the specs of its layers, prepared off the GUI thread (no Qt, no napari).

This is the one field -> layers pipeline: the well view and the reader (without a viewer) both
use it. :func:`load_well` opens the arrays of a well's fields (metadata reads), slices out each
channel, tiles all fields when asked, and reads the pixels into memory when they are small
enough, so that napari's first draw does not read the store on the GUI thread. It is a
generator: it yields between steps, so a newer request can stop it early
(``worker.quit()``), and returns a :class:`WellView`. :mod:`.layer_data` turns the specs
into napari layer data.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from imaging_explorer.ngff import axis_roles
from imaging_explorer.overview.layout import tile_grid

from .analysis_labels import on_image_axes, read_analysis, time_axes

if TYPE_CHECKING:
    from imaging_explorer.analysis.results_store import AnalysisResults
    from imaging_explorer.plate import Field, Plate

#: Pixel data of a well view up to this many bytes is read into memory in the worker;
#: bigger views stay lazy (napari then reads only the tiles on screen).
MEMORY_BUDGET = 256 * 2**20
#: Largest y*x plane of a field's smallest level: napari reads that level's whole plane (its
#: first look, the thumbnail; a field without a pyramid is read whole), so a field without a
#: small enough level is refused with the reason rather than read (8192 x 8192).
MAX_PLANE_PIXELS = 8192 * 8192


@dataclass
class LayerSpec:
    """One layer of the well view: a channel (``kind="image"``) or a label image."""

    name: str  # channel or label image name
    kind: str  # "image" or "labels"
    levels: list[Any]  # full resolution first
    scale: tuple[float, ...]
    translate: tuple[float, ...]
    axis_labels: tuple[str, ...]


@dataclass
class WellView:
    """Everything the GUI needs to show one well (one field, or all fields tiled)."""

    key: str  # well path in plate.wells, e.g. "C/7"
    name: str  # "C7"
    field_index: int  # the field shown (the first one when tiled)
    tiled: bool
    fields: list[Field]  # the fields shown, in tile order
    grid: tuple[int, int] = (1, 1)  # tile rows, columns
    tile: tuple[float, float] = (0.0, 0.0)  # world size (y, x) of one tile
    origin: tuple[float, float] = (0.0, 0.0)  # world (y, x) of the top-left tile
    layers: list[LayerSpec] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # field path -> why its pixels are blank
    # field path -> time point -> label -> the cell's analysis row
    readouts: dict[str, dict[int, dict[int, dict]]] = field(default_factory=dict)
    analysis_error: str = ""  # why the analysis results of the well could not be shown

    def field_at(self, y: float, x: float) -> Field | None:
        """The field under a world point (y, x of the displayed plane), else None."""
        if not self.tiled:
            return self.fields[0] if self.fields else None
        ty, tx = self.tile
        if ty <= 0 or tx <= 0:
            return None
        r, c = math.floor((y - self.origin[0]) / ty), math.floor((x - self.origin[1]) / tx)
        i = r * self.grid[1] + c
        if 0 <= r < self.grid[0] and 0 <= c < self.grid[1] and i < len(self.fields):
            return self.fields[i]
        return None


def axis_info(image: Any) -> tuple[list[str], int | None]:
    """Canonical axis names of a field or label image (``T, C, Z, Y, X`` -> ``t, c, z, y, x``,
    napari's axis labels) and the index of its channel axis, found by type first, then name."""
    roles = axis_roles(image.multiscale.axes)
    return list(roles.names), roles.c


def _drop(seq: Any, i: int | None) -> tuple:
    return tuple(v for k, v in enumerate(seq) if k != i)


def _channel(level: Any, axis: int | None, index: int) -> Any:
    if axis is None:
        return level
    key = [slice(None)] * level.ndim
    key[axis] = index
    return level[tuple(key)]


def _tile(arrays: list[Any], grid: tuple[int, int]) -> Any:
    """One dask array with the arrays side by side on a grid (last two axes), zero padded."""
    import dask.array as da

    ndim = max(a.ndim for a in arrays)
    arrays = [a.reshape((1,) * (ndim - a.ndim) + a.shape) if a.ndim < ndim else a for a in arrays]
    shape = [max(a.shape[d] for a in arrays) for d in range(ndim)]
    dtype = arrays[0].dtype
    padded = []
    for a in arrays:
        a = da.asarray(a)
        pad = [(0, s - n) for s, n in zip(shape, a.shape)]
        padded.append(da.pad(a, pad) if any(p for _, p in pad) else a)
    blank = da.zeros(shape, dtype=dtype, chunks=padded[0].chunksize)
    rows = []
    for r in range(grid[0]):
        cells = [padded[r * grid[1] + c] if r * grid[1] + c < len(padded) else blank for c in range(grid[1])]
        rows.append(da.concatenate(cells, axis=-1))
    return da.concatenate(rows, axis=-2)


def _specs_of(obj: Any, name: str, kind: str, index: int | None = None) -> tuple[list[Any], tuple, tuple, tuple]:
    names, c = axis_info(obj)
    levels = [_channel(level, c, index or 0) for level in obj.levels]
    return levels, _drop(obj.scale(0), c), _drop(obj.translation(0), c), _drop(names, c)


def _analysis_spec(labels: Any, name: str, image: tuple | None) -> tuple[list[Any], tuple, tuple, tuple]:
    """An analysis label image's spec; a ``(t, y, x)`` one on the field's image axes (its time
    points lined up with the image's, any z broadcast)."""
    levels, scale, translate, names = _specs_of(labels, name, "labels")
    if image is None or not time_axes(labels) or names == image[3]:
        return levels, scale, translate, names
    image_levels, image_scale, image_translate, image_names = image
    lead = len(image_names) - 2
    levels = on_image_axes(levels, names, image_levels[0].shape, image_names)
    return (levels, tuple(image_scale[:lead]) + tuple(scale[-2:]), tuple(image_translate[:lead]) + tuple(translate[-2:]),
            image_names)


class LoadFailure:
    """What :func:`guarded_load_well` returns instead of raising (superqt's generator
    workers swallow a RuntimeError, e.g. a failed chunk decompression, without a signal)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def run_to_end(steps: Generator[None, None, WellView]) -> WellView:
    """Run a :func:`load_well` generator to its end in this thread; its view."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def guarded_load_well(*args: Any, **kwargs: Any) -> Generator[None, None, WellView | LoadFailure]:
    """:func:`load_well`, returning a :class:`LoadFailure` for any error."""
    try:
        return (yield from load_well(*args, **kwargs))
    except Exception as e:  # noqa: BLE001 - reported by the GUI with the well marked
        return LoadFailure(e)


def load_well(
    plate: Plate, key: str, field_index: int = 0, tiled: bool = False, budget: int | None = MEMORY_BUDGET,
    analysis: AnalysisResults | None = None,
) -> Generator[None, None, WellView]:
    """Prepare a well view; a generator that yields between steps and returns the view.

    ``analysis``: results whose segmentations are added after the plate's labels, with the
    cells' readouts for the hover text (:mod:`.analysis_labels`).

    Raises whatever the store raises (unreadable chunk, lost connection): the caller
    reports it and marks the well.
    """
    well = plate.wells[key]
    if not well.fields:
        raise ValueError(f"well {well.name} has no fields")
    field_index = max(0, min(field_index, len(well.fields) - 1))
    fields = list(well.fields) if tiled and len(well.fields) > 1 else [well.fields[field_index]]
    tiled = len(fields) > 1
    view = WellView(key, well.name, field_index, tiled, fields)
    plate.load_arrays(fields)  # every level's array document, one batch (opening read one level)
    extra: dict[str, dict[str, Any]] = {}
    if analysis is not None:
        extra, view.readouts, view.analysis_error = read_analysis(analysis, key, fields)
        yield
    per_field: list[dict[tuple[str, str], tuple]] = []
    for fld in fields:
        specs: dict[tuple[str, str], tuple] = {}
        n_channels = fld.channel_count
        for i in range(n_channels):
            ch_name = fld.channels[i].name if i < len(fld.channels) else f"channel {i}"
            specs[("image", ch_name)] = _specs_of(fld, ch_name, "image", i)
        yield
        for label_name, labels in fld.labels.items():  # label metadata: read here, not in the GUI
            specs[("labels", label_name)] = _specs_of(labels, label_name, "labels")
        for label_name, labels in extra.get(fld.path, {}).items():  # (y, x): napari aligns the last axes
            specs[("labels", label_name)] = _analysis_spec(labels, label_name, next(iter(specs.values()), None))
        per_field.append(specs)
        yield
    yield from _read_fields(plate, fields, per_field, view.problems, budget)
    first = per_field[0]
    order = list(first) + [k for specs in per_field[1:] for k in specs if k not in first]
    if tiled:
        view.grid = tile_grid(len(fields))
        ref = next(iter(first.values()))
        view.tile = (ref[0][0].shape[-2] * ref[1][-2], ref[0][0].shape[-1] * ref[1][-1])
        view.origin = (ref[2][-2], ref[2][-1])
    for kind, name in order:
        have = [specs.get((kind, name)) for specs in per_field]
        base = next(s for s in have if s is not None)
        levels, scale, translate, axis_labels = base
        if tiled:
            levels = _tile_levels(have, base, view.grid)
        view.layers.append(LayerSpec(name, kind, levels, scale, translate, axis_labels))
        yield
    yield from _materialize(view, budget)
    return view


def _tile_levels(have: list[tuple | None], base: tuple, grid: tuple[int, int]) -> list[Any]:
    import dask.array as da

    n_levels = min(len(s[0]) for s in have if s is not None)
    out = []
    for k in range(n_levels):
        ref = base[0][k]
        arrays = [s[0][k] if s is not None else da.zeros(ref.shape, ref.dtype, chunks=ref.shape) for s in have]
        out.append(_tile(arrays, grid))
    return out


def _field_location(plate: Plate, fld: Field) -> str:
    return f"{str(plate.location).rstrip('/')}/{fld.path}"


def _check_plane(plate: Plate, fld: Field, levels: list[Any]) -> None:
    """Refuse a field whose smallest level napari would have to read whole is too big."""
    from imaging_explorer.errors import PlateError

    smallest = levels[-1].shape
    plane = math.prod(smallest[-2:])
    if plane > MAX_PLANE_PIXELS:
        size = " x ".join(str(n) for n in smallest[-2:])
        raise PlateError(_field_location(plate, fld),
                         f"field {fld.index + 1} cannot be shown: its smallest resolution level is {size} pixels "
                         f"(more than {MAX_PLANE_PIXELS:,} in one plane) and it has no smaller pyramid level")


def _reason(e: BaseException) -> str:
    from imaging_explorer.errors import PlateError

    return str(e) if isinstance(e, PlateError) else f"{type(e).__name__}: {e}"  # a PlateError names its file


def _read_fields(plate: Plate, fields: list[Field], per_field: list[dict[tuple[str, str], tuple]],
                 problems: dict[str, str], budget: int | None) -> Generator[None, None, None]:
    """Read each field's pixels into memory (all levels within the budget, else the smallest),
    one field at a time: a field that cannot be read is blank, with its reason in ``problems``,
    and the rest of the well still shows. ``budget=None``: read nothing (a script's lazy view)."""
    import numpy as np

    for fld, specs in zip(fields, per_field):
        for spec in specs.values():
            _check_plane(plate, fld, spec[0])
    if budget is None:
        return
    total = sum(math.prod(a.shape) * np.dtype(a.dtype).itemsize
                for specs in per_field for spec in specs.values() for a in spec[0])
    for fld, specs in zip(fields, per_field):
        for key, (levels, *rest) in list(specs.items()):
            chosen = range(len(levels)) if total <= budget else [len(levels) - 1]
            try:
                read = {k: np.asarray(levels[k]) for k in chosen}
            except Exception as e:  # noqa: BLE001 - confined to this field, told to the user
                problems.setdefault(fld.path, _reason(e))
                read = {k: _blank(levels[k], k in chosen) for k in range(len(levels))}
            specs[key] = ([read.get(k, a) for k, a in enumerate(levels)], *rest)
            yield
    if len(problems) == len(fields):  # nothing of the view can be shown: the well fails, naming why
        from imaging_explorer.errors import PlateError

        fld = fields[0]
        raise PlateError(_field_location(plate, fld), f"field {fld.index + 1} cannot be read: {problems[fld.path]}")


def _blank(level: Any, in_memory: bool) -> Any:
    """Zeros in place of an unreadable level: in memory, or lazy (never allocated whole)."""
    import dask.array as da
    import numpy as np

    if in_memory:
        return np.zeros(level.shape, level.dtype)
    return da.zeros(level.shape, dtype=level.dtype, chunks=getattr(level, "chunksize", level.shape))


def _materialize(view: WellView, budget: int | None) -> Generator[None, None, None]:
    """Read every level into memory when the whole view fits the budget (else stay lazy);
    ``budget=None``: read nothing (a script gets lazy arrays)."""
    import numpy as np

    if budget is None:
        return

    total = sum(math.prod(a.shape) * np.dtype(a.dtype).itemsize for spec in view.layers for a in spec.levels)
    if total > budget:
        # stay lazy, but read the smallest level now: napari's first look goes there
        for spec in view.layers:
            spec.levels[-1] = np.asarray(spec.levels[-1])
            yield
        return
    for spec in view.layers:
        spec.levels = [np.asarray(a) for a in spec.levels]
        yield
