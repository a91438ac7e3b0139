"""Analyse a whole plate on dask, field by field, into its analysis store; resumable.

``analyze_plate(plate, roles)`` runs one task per field not yet in the store (local threads by
default, processes, or an existing dask distributed cluster), reports each finished field, can
be cancelled between fields, and when every field has run assembles the store's tables (sorted
by well, then field, whatever ran them). A field that fails is listed in the problems table and
reported; it costs only itself, and the next run tries it again. On a cluster the workers must
see the store's folder (a shared file system) and be able to open the plate by its location.
No Qt, no napari.
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .field_analysis import AnalysisParams
from .field_task import FieldOutcome, FieldTask, share_plate
from .output_location import plate_source, store_folder
from .results_store import AnalysisResults, AnalysisStore, parameters_doc
from .schedulers import Cancel, connect, default_workers, run_distributed, run_local
from .store_tables import FieldKey, write_tables

if TYPE_CHECKING:
    from distributed import Client

    from ..plate import Plate
    from .channel_roles import ChannelRoles

__all__ = ["BatchRun", "Progress", "analyze_plate", "plate_fields"]

#: ``progress(done, total, outcome)``: ``done`` of the ``total`` fields this run analyses.
Progress = Callable[[int, int, FieldOutcome], None]


@dataclass
class BatchRun:
    """What a run did, and its results when every field has run."""

    folder: Path  # the analysis store
    total: int  # fields of the plate
    skipped: int  # done by an earlier run (resumed)
    computed: int  # analysed by this run
    failed: list[FieldOutcome] = field(default_factory=list)  # fields this run could not analyse
    cancelled: bool = False
    seconds: float = 0.0
    results: AnalysisResults | None = None  # None when cancelled (the tables are not written)


def plate_fields(plate: Plate) -> list[FieldKey]:
    """Every field of the plate, in plate order: row, column, then field index."""
    wells = sorted(plate.wells.items(), key=lambda kv: (kv[1].row_index, kv[1].column_index, kv[0]))
    return [FieldKey(f.path, key, f.index) for key, well in wells for f in well.fields]


def _check(scheduler: object, workers: int | None, processes: bool) -> int:
    if workers is not None and (isinstance(workers, bool) or operator.index(workers) < 1):
        raise ValueError(f"workers must be a positive number, got {workers!r}")
    if scheduler is not None and (workers is not None or processes):
        raise ValueError("workers and processes apply to local runs; a dask cluster (scheduler) has its own workers")
    return workers or default_workers()


def _problems(plate: Plate, keys: list[FieldKey], failed: list[FieldOutcome]) -> list[dict[str, object]]:
    """Failed fields in plate order, then the wells the plate lists but cannot read."""
    order = {k.path: i for i, k in enumerate(keys)}
    rows: list[dict[str, object]] = [
        {"well": o.well, "field": o.index, "path": o.path, "error": o.error}
        for o in sorted(failed, key=lambda o: order.get(o.path, len(order)))]
    rows += [{"well": w, "field": None, "path": w, "error": reason} for w, reason in plate.missing_wells.items()]
    return rows


def analyze_plate(plate: Plate, roles: ChannelRoles, params: AnalysisParams | None = None,
                  out: str | os.PathLike[str] | None = None, *, scheduler: str | Client | None = None,
                  workers: int | None = None, processes: bool = False, overwrite: bool = False,
                  progress: Progress | None = None, cancel: Cancel | None = None) -> BatchRun:
    """Segment and measure every field of ``plate`` into its analysis store.

    Parameters
    ----------
    plate
        The plate (local or by URL; it is only read).
    roles
        Channel roles, e.g. ``resolve_roles(first_field.channels)``.
    params
        Analysis settings; None = the defaults.
    out
        The store's folder; None = beside a local plate, or in the user data folder for a URL
        (:mod:`.output_location`).
    scheduler
        None = run here; a dask scheduler address (``"tcp://host:8786"``) or a
        ``distributed.Client`` = run on that cluster.
    workers
        Local threads (or processes); None = one per CPU.
    processes
        Run locally in worker processes instead of threads.
    overwrite
        Replace a store made with another plate or other parameters instead of refusing.
    progress
        Called in this thread as each field finishes: ``progress(done, total, outcome)``.
    cancel
        Checked between fields (e.g. a ``threading.Event``); once set, no field starts.

    Returns
    -------
    BatchRun
        Counts, failures and, unless cancelled, the results (tables and label images).

    Raises
    ------
    AnalysisStoreError
        The store holds another plate's or other parameters' results (without ``overwrite``),
        or the folder holds other files.
    ValueError
        Bad options, or a store folder inside the plate.
    """
    params = params or AnalysisParams()
    n_workers = _check(scheduler, workers, processes)
    client, own = connect(scheduler) if scheduler is not None else (None, False)  # a bad address: before any write
    try:
        return _run(plate, roles, params, out, client, n_workers, processes, overwrite, progress, cancel)
    finally:
        if own and client is not None:
            client.close()


def _run(plate: Plate, roles: ChannelRoles, params: AnalysisParams, out: str | os.PathLike[str] | None,
         client: Client | None, workers: int, processes: bool, overwrite: bool, progress: Progress | None,
         cancel: Cancel | None) -> BatchRun:
    keys = plate_fields(plate)
    first = next((w.fields[0] for w in plate.wells.values() if w.fields), None)
    names = [ch.name for ch in first.channels] if first is not None else []
    source = plate_source(plate)
    store = AnalysisStore.prepare(store_folder(plate, out), source, plate.fingerprint,
                                  parameters_doc(params, roles, names), overwrite)
    done = store.done([k.path for k in keys])
    tasks = [FieldTask(source, plate.fingerprint, k.path, k.well, k.index, str(store.folder), roles, params)
             for k in keys if k.path not in done]
    share_plate(plate, source)  # threads (and in-process cluster workers) read through this plate
    if client is None and not processes:  # every level's array document in one batch, not one per field
        plate.load_arrays([f for w in plate.wells.values() for f in w.fields if f.path not in done])
    outcomes: list[FieldOutcome] = []

    def on_outcome(outcome: FieldOutcome) -> None:
        outcomes.append(outcome)
        if progress is not None:
            progress(len(outcomes), len(tasks), outcome)

    start = time.perf_counter()
    if client is None:
        cancelled = run_local(tasks, workers, processes, on_outcome, cancel)
    else:
        cancelled = run_distributed(tasks, client, on_outcome, cancel)
    failed = [o for o in outcomes if not o.ok]
    run = BatchRun(store.folder, len(keys), len(done), len(outcomes) - len(failed), failed, cancelled)
    if cancelled:  # the fields in flight when cancelled finished too, unreported
        run.computed = len(store.done([k.path for k in keys])) - len(done)
    else:
        finished = [k for k in keys if store.part_path(k.path).is_file()]
        write_tables(store, finished, _problems(plate, keys, failed))
        run.results = AnalysisResults(store.folder)
    run.seconds = time.perf_counter() - start
    return run
