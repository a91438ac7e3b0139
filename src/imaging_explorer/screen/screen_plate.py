"""One plate of a screen: where it is, its layout, and its calls and QC when it has results.

A screen plate is read from the plate's root metadata document (name, rows, columns: no well is
opened), its analysis results (the per-well readouts, not the pixels) and its plate map. The
hit calling is :func:`~imaging_explorer.hits.analyse_plate`, as for a single plate. A plate that
cannot be used keeps the reason in ``error``; a plate without results is listed, not analysed.
The full :class:`~imaging_explorer.plate.Plate` is opened only when asked (:meth:`ScreenPlate.open`).
No Qt, no napari.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import PlateError, PlateMapError
from ..hits import HitRule, HitsError, PlateQC, analyse_plate
from ..hits.dose_response import compound_table
from ..hits.inputs import read_readouts
from ..hits.plate_qc import Z_PRIME_MIN
from ..io.location import Location
from ..plate.open import plate_metadata
from ..platemap import read_platemap
from .index import ScreenEntry

if TYPE_CHECKING:
    from ..plate import Plate

__all__ = ["ScreenPlate", "load_screen_plate"]

PLATEMAP_SUFFIXES = (".csv", ".tsv", ".parquet")


@dataclass(frozen=True, eq=False)
class ScreenPlate:
    """One plate of a screen, loaded. ``calls`` / ``qc`` / ``compounds`` are None without results."""

    entry: ScreenEntry
    index: int  # position in the screen's index
    name: str
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    error: str = ""  # why the plate cannot be used ("" = it can)
    readouts_source: str = ""  # the readouts used (a store's wells.parquet or a table)
    calls: pd.DataFrame | None = None  # one row per well: plate map, readouts, activities, calls
    qc: PlateQC | None = None

    @cached_property
    def compounds(self) -> pd.DataFrame | None:
        """One row per compound: dose-response fits, IC50, CC50, rank (None without calls).

        Fitted on first use: the fits cost more than the rest of the plate's calling, and the
        screen's QC table and view do not need them."""
        return None if self.calls is None else compound_table(self.calls)

    @property
    def location(self) -> str:
        return self.entry.location

    @property
    def analysed(self) -> bool:
        return self.calls is not None

    @property
    def passed(self) -> bool:
        """Usable and analysed, with a Z′ of at least 0.5 (an excellent assay, Zhang et al. 1999)."""
        return not self.error and self.qc is not None and self.qc.z_prime >= Z_PRIME_MIN

    @property
    def status(self) -> str:
        """One short phrase: ok, failed QC (and why), not analysed, or the error."""
        if self.error:
            return f"error: {self.error}"
        if self.qc is None:
            return "not analysed"
        if not self.passed:
            return f"failed QC: Z′ {self.qc.z_prime:.2f} < {Z_PRIME_MIN}"
        return "ok"

    def open(self) -> Plate:
        """The full plate model (reads every well's metadata; raises PlateError)."""
        from ..plate import open_plate

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deviations are `validate`'s business
            return open_plate(self.location)


def _stem(location: str) -> str:
    name = location.rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".ome.zarr", ".zarr"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def _layout(loc: Location) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The plate's name, rows and columns from its root document only."""
    _, _, meta, _ = plate_metadata(loc)
    return meta.name or _stem(str(loc)), tuple(meta.rows), tuple(meta.columns)


def _readouts_location(entry: ScreenEntry, loc: Location) -> Path | str:
    if entry.readouts:
        return entry.readouts
    from ..analysis.output_location import default_folder_at

    return default_folder_at(loc)


def _platemap(entry: ScreenEntry, loc: Location, plate_name: str) -> pd.DataFrame:
    """The given plate map, else ``<stem>_platemap.csv`` beside a local plate, else the plate's own."""
    if entry.platemap:
        return read_platemap(Path(entry.platemap))
    if loc.local_root is not None:
        root = loc.local_root
        for suffix in PLATEMAP_SUFFIXES:
            beside = root.with_name(f"{_stem(root.name)}_platemap{suffix}")
            if beside.is_file():
                return read_platemap(beside)
    from ..platemap import find_platemap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = find_platemap(ScreenPlate(entry, 0, plate_name).open())
    if found is None:
        raise PlateMapError(str(loc), ["no plate map: none in the plate's attributes or beside it, "
                                       "and none given in the screen index"])
    return found


def load_screen_plate(entry: ScreenEntry, index: int, rule: HitRule) -> ScreenPlate:
    """Read one plate's layout, results and plate map, and call its hits; never raises for the
    plate's own problems (they go to ``error``)."""
    name = _stem(entry.location)
    try:
        loc = Location(entry.location)
        name, rows, columns = _layout(loc)
    except (PlateError, OSError, ValueError) as e:
        return ScreenPlate(entry, index, name, error=_reason(e, entry.location))
    plate = ScreenPlate(entry, index, name, rows, columns)
    readouts_at = _readouts_location(entry, loc)
    if not entry.readouts and not Path(readouts_at).exists():
        return plate  # listed, not analysed
    try:
        readouts = read_readouts(readouts_at)
        platemap = _platemap(entry, loc, name)
        calls, qc = analyse_plate(readouts.wells, platemap, rule, source=readouts.source, fields=readouts.fields)
    except (HitsError, PlateMapError, PlateError, OSError, ValueError) as e:
        return ScreenPlate(entry, index, name, rows, columns, error=_reason(e, entry.location))
    return ScreenPlate(entry, index, name, rows, columns, "", readouts.source, calls, qc)


def _reason(error: BaseException, location: str) -> str:
    """The error's message without a leading copy of the plate's location (the table names it)."""
    return str(error).removeprefix(f"{location}: ").strip() or type(error).__name__
