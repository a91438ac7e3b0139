"""The review queue ordered by an analysis readout (e.g. wells with the most infected cells first),
or by hit rank (the hit compounds' wells, best compound first).

Pure functions of the queue's wells and the per-well readouts table (indexed by well key), or of
each well's compound rank; no Qt, no store. Wells without a value (not analysed, NA, not of a hit
compound) keep their queue order, after the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

QUEUE_ORDER = ""  # the queue's own order (plate order, or by compound)
HIT_RANK = ":hit rank"  # the hit compounds' wells in rank order (no readout column has this name)
NOT_READOUTS = ("t",)  # numeric columns that are keys, not readouts


def readout_columns(wells: pd.DataFrame | None) -> list[str]:
    """The numeric columns of a per-well table a queue can be ordered by."""
    if wells is None:
        return []
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return [str(c) for c in wells.columns
            if c not in NOT_READOUTS and is_numeric_dtype(wells[c]) and not is_bool_dtype(wells[c])]


def order_by_readout(wells: Sequence[str], table: pd.DataFrame | None, column: str,
                     descending: bool = False) -> list[str]:
    """``wells`` sorted by ``table[column]`` (ties and wells without a value keep their order,
    wells without a value last); unchanged for :data:`QUEUE_ORDER` or a column the table lacks."""
    if not column or table is None or column not in table.columns:
        return list(wells)
    import pandas as pd

    values = pd.to_numeric(table[column], errors="coerce").astype("float64")  # NA -> NaN
    valued: list[tuple[float, str]] = []
    rest: list[str] = []
    for key in wells:
        value = float(values[key]) if key in values.index else math.nan
        if math.isnan(value):
            rest.append(key)
        else:
            valued.append((-value if descending else value, key))
    valued.sort(key=lambda pair: pair[0])  # stable: ties keep the queue's order
    return [key for _, key in valued] + rest


def order_by_hit_rank(wells: Sequence[str], ranks: Mapping[str, tuple[int, float]]) -> list[str]:
    """The wells of hit compounds first, by their compound's rank and within a compound by
    concentration, highest first (replicates and wells without a concentration keep their queue
    order); then the other wells in queue order. ``ranks``: well key -> (rank, concentration)."""
    ranked: list[tuple[int, float, str]] = []
    rest: list[str] = []
    for key in wells:
        if key in ranks:
            rank, conc = ranks[key]
            ranked.append((rank, -conc if not math.isnan(conc) else math.inf, key))
        else:
            rest.append(key)
    ranked.sort(key=lambda item: item[:2])  # stable: replicates keep the queue's order
    return [key for *_, key in ranked] + rest


def order_queue(wells: Sequence[str], table: pd.DataFrame | None, order_by: str, descending: bool,
                hit_ranks: Callable[[], Mapping[str, tuple[int, float]]]) -> list[str]:
    """``wells`` in the chosen order: :data:`HIT_RANK` (``hit_ranks()`` asked only then), a
    readout column of ``table``, or the queue's own (:data:`QUEUE_ORDER`)."""
    if order_by == HIT_RANK:
        return order_by_hit_rank(wells, hit_ranks())
    return order_by_readout(wells, table, order_by, descending)
