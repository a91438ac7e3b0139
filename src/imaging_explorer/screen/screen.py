"""A screen: many plates opened together, their QC side by side, their hits across plates.

:func:`open_screen` reads every plate's layout, results and plate map concurrently (threads: the
cost is reading files and, for remote plates, waiting on the network); a plate that fails costs
only itself. :func:`iter_screen_plates` yields the plates as they are ready, for a view that
fills in while the rest load. No Qt, no napari.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import pandas as pd

from ..hits import HitRule
from ..hits.hit_rule import DEFAULT_RULE
from ..io.location import is_url
from .index import ScreenEntry, screen_entries
from .plate_processes import iter_plates_in_processes
from .qc_table import qc_table
from .replicates import compounds_across_plates, hits_across_plates
from .screen_plate import ScreenPlate, load_screen_plate

__all__ = ["Screen", "iter_screen_plates", "open_screen"]

# Plates read at once. Locally the cost is pandas work under the GIL: 1 or 2 threads are the fastest
# (50 plates of 384 wells: 3.4 s with 1 or 2, 4.3 s with 8; benchmarks/screen_speed.py); over a
# network the cost is waiting, which more threads hide.
LOCAL_WORKERS = 2
REMOTE_WORKERS = 8

ScreenSource = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


@dataclass(frozen=True, eq=False)
class Screen:
    """The plates of a screen in index order, each with its calls and QC (or the reason it has none)."""

    source: str
    plates: tuple[ScreenPlate, ...]
    rule: HitRule = DEFAULT_RULE

    def plate(self, name: str) -> ScreenPlate:
        """The plate with this name (or location). Raises KeyError naming the known plates."""
        for p in self.plates:
            if name in (p.name, p.location):
                return p
        raise KeyError(f"{self.source}: no plate {name!r} (plates: {', '.join(p.name for p in self.plates[:10])})")

    def qc_table(self) -> pd.DataFrame:
        """One row per plate: status, Z′, robust Z′, signal window, control CVs, flagged wells, hits."""
        return qc_table(self.plates)

    def hits(self, include_failed: bool = False) -> pd.DataFrame:
        """The hit wells of every plate that passed QC (all analysed plates with ``include_failed``),
        strongest first."""
        return hits_across_plates(self.plates, include_failed)

    def compounds(self, include_failed: bool = False) -> pd.DataFrame:
        """Each compound over the plates that tested it: hit on how many, agreement, potency spread."""
        return compounds_across_plates(self.plates, include_failed)

    @property
    def failed(self) -> list[ScreenPlate]:
        """Plates with an error or a failed QC (not the ones merely not analysed)."""
        return [p for p in self.plates if p.error or (p.qc is not None and not p.passed)]


def _entries(source: ScreenSource | Sequence[ScreenEntry]) -> list[ScreenEntry]:
    if not isinstance(source, (str, os.PathLike)) and source and all(isinstance(s, ScreenEntry) for s in source):
        return list(source)  # type: ignore[arg-type]  # checked just above
    return screen_entries(source)  # type: ignore[arg-type]


def any_remote(entries: Sequence[ScreenEntry]) -> bool:
    """Whether some plate is read over a network (its reading waits rather than computes)."""
    return any(is_url(e.location) and not e.location.startswith("file://") for e in entries)


def _workers(entries: Sequence[ScreenEntry]) -> int:
    return REMOTE_WORKERS if any_remote(entries) else LOCAL_WORKERS


def iter_screen_plates(entries: Sequence[ScreenEntry], rule: HitRule = DEFAULT_RULE,
                       workers: int | None = None, processes: bool = False) -> Iterator[ScreenPlate]:
    """Load each plate concurrently and yield it when ready (completion order; ``index`` gives
    the screen's order). Closing the iterator early cancels the plates not yet started.
    ``workers`` None: 2 for local plates, 8 when some are remote.

    ``processes``: read the plates in worker processes rather than threads, so that their pandas
    work does not hold this process's GIL (a GUI thread stays smooth, and every core is used);
    each worker starts in about 1.5 s (:mod:`.plate_processes`)."""
    workers = workers or _workers(entries)
    n = max(1, min(workers, len(entries)))
    if processes:
        yield from iter_plates_in_processes(entries, rule, n)
        return
    with ThreadPoolExecutor(n, thread_name_prefix="screen-plate") as pool:
        futures = [pool.submit(load_screen_plate, entry, i, rule) for i, entry in enumerate(entries)]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def open_screen(source: ScreenSource | Sequence[ScreenEntry], rule: HitRule = DEFAULT_RULE,
                workers: int | None = None) -> Screen:
    """Open a screen: every plate's layout, analysis results, plate map, QC and hit calls.

    Parameters
    ----------
    source
        A folder of plates (``*.zarr``), a CSV/TSV index (columns ``plate``, and optionally
        ``platemap``, ``readouts``, ``batch``, ``date``), or a list of plate locations.
    rule
        The hit rule applied to every plate.
    workers
        Plates read at once (None: 2 for local plates, 8 when some are remote).

    Returns
    -------
    Screen
        Every plate, in the index's order; a plate that cannot be used carries its ``error``, a
        plate without analysis results has no calls (status "not analysed").

    Raises
    ------
    ScreenError
        A source that names no plate or an index with problems.
    """
    entries = _entries(source)
    plates = sorted(iter_screen_plates(entries, rule, workers), key=lambda p: p.index)
    text = source if isinstance(source, str) else os.fspath(source) if isinstance(source, os.PathLike) else \
        f"{len(entries)} plates"
    return Screen(str(text), tuple(plates), rule)

