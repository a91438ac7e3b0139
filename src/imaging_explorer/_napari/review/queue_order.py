"""The review queue ordered by an analysis readout (e.g. wells with the most infected cells first).

Pure functions of the queue's wells and the per-well readouts table (indexed by well key); no
Qt, no store. Wells without a value (not analysed, NA) keep their queue order, after the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

QUEUE_ORDER = ""  # the queue's own order (plate order, or by compound)
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
