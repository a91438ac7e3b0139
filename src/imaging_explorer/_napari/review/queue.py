"""The review queue: which wells N / Shift+N (and auto-advance) step through, and in which order.

These are pure functions of the plate, its plate map and the reviewer's current calls (no Qt, no
store, no napari), kept apart from the review model so that the filtering, the compound sort and the "where am I in the queue" rule
can be read and tested on their own.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from imaging_explorer.plate import Plate

#: queue filters: label -> (only wells you have not called, roles kept or None, sort by compound)
QUEUES = {
    "all wells": (False, None, False),
    "unreviewed (by you)": (True, None, False),
    "unreviewed samples": (True, ("sample",), False),
    "samples by compound": (False, ("sample",), True),
    "controls": (False, ("neg_control", "pos_control"), False),
}


def plate_wells(plate: Plate) -> list[str]:
    """The plate's wells in navigation order."""
    from imaging_explorer.plate import well_order

    return [k for k in well_order(plate) if k in plate.wells]


def queue_wells(plate: Plate | None, platemap: pd.DataFrame | None, name: str, called: Collection[str],
                just_called: str | None = None) -> list[str]:
    """The wells of queue *name* in review order; *called*: the wells you have a call in force on,
    *just_called*: a well called a moment ago (its write may still be running)."""
    if plate is None:
        return []
    unreviewed, roles, by_compound = QUEUES[name]
    wells = plate_wells(plate)
    pm = platemap
    if roles is not None and pm is not None:
        wells = [k for k in wells if k in pm.index and str(pm.at[k, "role"]) in roles]
    if unreviewed:
        done = set(called) | ({just_called} if just_called else set())
        wells = [k for k in wells if k not in done]
    if by_compound and pm is not None:
        def key(k: str) -> tuple:
            conc = float(pm.at[k, "concentration"]) if k in pm.index else math.nan
            return (str(pm.at[k, "compound_id"]) if k in pm.index else "~", -conc if conc == conc else 0.0)
        wells.sort(key=key)
    return wells


def queue_step(wells: Sequence[str], order: Sequence[str], plate: Plate, here: str | None, step: int) -> int:
    """Index in *wells* of the well *step* away from *here*; out of range at the queue's end.
    *order*: the queue before the just-called well was filtered out (where *here* sat)."""
    if here in wells:
        return wells.index(here) + step
    if here is None:
        return 0 if step > 0 else len(wells) - 1
    # the current well left the queue (just called): the next one after it
    full = order if here in order else plate_wells(plate)
    after = [k for k in (full[full.index(here) + 1:] if step > 0 else reversed(full[:full.index(here)]))
             if k in wells] if here in full else []
    return wells.index(after[0]) if after else (len(wells) if step > 0 else -1)
