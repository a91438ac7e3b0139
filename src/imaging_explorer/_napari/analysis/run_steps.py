"""A plate analysis as a generator for a napari thread worker: it yields as fields finish.

``analyze_plate`` reports each finished field through a callback in its own thread, and a
generator cannot yield from inside a callback: so the analysis runs in a plain thread and hands
its reports over a queue. Reports that arrive together are yielded as one step, and the partial
wells table (aggregated here, off the GUI thread) at most every :data:`TABLE_INTERVAL_S`.
No Qt.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from imaging_explorer.analysis.batch import BatchRun
    from imaging_explorer.analysis.channel_roles import ChannelRoles
    from imaging_explorer.analysis.field_analysis import AnalysisParams
    from imaging_explorer.plate import Plate

TABLE_INTERVAL_S = 0.25  # the heatmap redraws the whole grid for each table
_END = object()


@dataclass(frozen=True, eq=False)
class RunStep:
    """Fields done of the fields this run analyses, and the wells table of the fields done so far."""

    done: int
    total: int
    wells: pd.DataFrame | None = None  # None: unchanged since the last step


def run_steps(plate: Plate, roles: ChannelRoles, params: AnalysisParams, overwrite: bool,
              cancel: threading.Event) -> Generator[RunStep, None, BatchRun]:
    """Analyse ``plate``; yields a :class:`RunStep` as fields finish, returns the ``BatchRun``.

    Errors of the analysis (a store of other parameters, ...) are raised here, in the worker.
    """
    from imaging_explorer.analysis.batch import analyze_plate

    reports: queue.Queue[Any] = queue.Queue()
    box: dict[str, Any] = {}

    def analyse() -> None:
        try:
            box["run"] = analyze_plate(plate, roles, params, overwrite=overwrite, cancel=cancel,
                                       progress=lambda done, total, outcome: reports.put((done, total, outcome.rows)))
        except BaseException as e:  # noqa: BLE001 - raised again in the worker's thread
            box["error"] = e
        finally:
            reports.put(_END)

    thread = threading.Thread(target=analyse, name=f"analysis of {plate.name}", daemon=True)
    thread.start()
    yield RunStep(0, 0)
    yield from _steps(reports)
    thread.join()
    if "error" in box:
        raise box["error"]
    run = box["run"]
    if run.results is not None:  # read here, in the worker: the heatmap and the well view use them next
        _ = run.results.wells, run.results.fields
    return run


def _steps(reports: queue.Queue[Any]) -> Generator[RunStep, None, None]:
    """Steps until the end mark: reports waiting together make one step."""
    rows: list[dict[str, Any]] = []
    done = total = 0
    last_table, ended = 0.0, False
    while not ended:
        batch = [reports.get()]
        while not reports.empty():
            batch.append(reports.get_nowait())
        ended = batch[-1] is _END
        for report in batch:
            if report is not _END:
                done, total, field_rows = report
                rows += field_rows
        table = None
        if rows and (ended or time.monotonic() - last_table >= TABLE_INTERVAL_S):
            table, last_table = _wells(rows), time.monotonic()
        if len(batch) > ended or table is not None:
            yield RunStep(done, total, table)


def _wells(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    from imaging_explorer.analysis.readouts import well_table

    return well_table(pd.DataFrame(rows))
