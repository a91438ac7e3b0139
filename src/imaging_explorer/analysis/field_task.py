"""One field's batch task, as a worker runs it: reopen the plate, analyse the field, store it.

Plates do not pickle (their readers hold locks and open connections), so a task carries only
the plate's location and fingerprint and the field's path; a worker opens each plate once and
keeps it (a few plates per process). In the process that starts a run the open plate is shared
with the tasks (:func:`share_plate`), so local threads read through it directly. A task never
raises for a field that cannot be analysed: its outcome carries the error instead, so one bad
field costs only itself. No Qt, no napari.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PlateError
from .field_analysis import AnalysisParams, analyze_times
from .label_images import spatial_axes
from .results_store import AnalysisStore

if TYPE_CHECKING:
    from ..plate import Field, Plate
    from .channel_roles import ChannelRoles

__all__ = ["FieldOutcome", "FieldTask", "run_field", "share_plate"]

KEEP_PLATES = 4  # plates kept open per process (metadata only)
_plates: OrderedDict[str, Plate] = OrderedDict()
_plates_lock = threading.Lock()
_local_reads_lock = threading.Lock()
_local_reads_depth = 0
_local_reads_config: Any = None


@dataclass(frozen=True)
class FieldTask:
    """What a worker needs to analyse one field (small, picklable)."""

    plate: str  # the location to reopen the plate from (output_location.plate_source)
    fingerprint: str
    path: str  # the field's path, "B/3/0"
    well: str  # the well's key, "B/3"
    index: int  # the field's index in its well
    store: str  # the analysis store's folder
    roles: ChannelRoles
    params: AnalysisParams


@dataclass(frozen=True)
class FieldOutcome:
    """A finished field: its rows (the fields table's; one per time point), or the error that stopped it."""

    path: str
    well: str
    index: int
    rows: list[dict[str, Any]]
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


def share_plate(plate: Plate, location: str) -> None:
    """Let this process' tasks use ``plate`` (already open) for ``location``."""
    with _plates_lock:
        _plates[location] = plate
        _plates.move_to_end(location)
        while len(_plates) > KEEP_PLATES:
            _plates.popitem(last=False)


def _plate(location: str, fingerprint: str) -> Plate:
    """The plate at ``location``, opened once per process; PlateError when it changed."""
    from ..plate import open_plate

    with _plates_lock:
        plate = _plates.get(location)
        if plate is None or plate.fingerprint != fingerprint:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the process that started the run has reported them
                plate = open_plate(location)
            if plate.fingerprint != fingerprint:
                raise PlateError(location, "the plate changed since the analysis started (another fingerprint)")
            _plates[location] = plate
        _plates.move_to_end(location)
        while len(_plates) > KEEP_PLATES:
            _plates.popitem(last=False)
        return plate


def _field(task: FieldTask) -> Field:
    well = _plate(task.plate, task.fingerprint).wells.get(task.well)
    found = [f for f in well.fields if f.path == task.path] if well is not None else []
    if not found:
        raise PlateError(task.plate, f"field {task.path} is not in the plate")
    return found[0]


@contextlib.contextmanager
def _local_reads() -> Iterator[None]:
    """On a dask distributed worker, read the field's chunks with local threads.

    Inside a task, dask sends a nested ``compute()`` to the cluster and the task secedes from
    its worker's thread pool meanwhile: the field's chunks would be read on other workers and
    shipped over, and more fields would start than the cluster has threads (memory no longer
    bounded by the fields in flight). The setting is counted, so tasks that overlap in one
    worker do not undo each other's.
    """
    global _local_reads_depth, _local_reads_config
    if not _on_distributed_worker():
        yield
        return
    import dask

    with _local_reads_lock:
        if _local_reads_depth == 0:
            _local_reads_config = dask.config.set(scheduler="threads")
        _local_reads_depth += 1
    try:
        yield
    finally:
        with _local_reads_lock:
            _local_reads_depth -= 1
            if _local_reads_depth == 0:
                _local_reads_config.__exit__(None, None, None)


def _on_distributed_worker() -> bool:
    # dask imports distributed lazily inside a compute: another field's thread may see it half
    # imported (no get_worker yet), and then this is no cluster worker either
    get_worker = getattr(sys.modules.get("distributed"), "get_worker", None)
    if get_worker is None:
        return False
    try:
        get_worker()
    except ValueError:
        return False
    return True


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or "(no message)"
    return f"{type(error).__name__}: {text}"


def run_field(task: FieldTask) -> FieldOutcome:
    """Analyse one field and store its labels and part; the outcome carries its row or error."""
    start = time.perf_counter()
    try:
        with _local_reads():
            field = _field(task)
            results = analyze_times(field, task.roles, task.params, well=task.well)
        rows = AnalysisStore(Path(task.store)).write_field(task.path, results, spatial_axes(field))
    except Exception as e:  # noqa: BLE001 - one field's failure must cost only that field
        return FieldOutcome(task.path, task.well, task.index, [], _one_line(e), time.perf_counter() - start)
    return FieldOutcome(task.path, task.well, task.index, rows, None, time.perf_counter() - start)
