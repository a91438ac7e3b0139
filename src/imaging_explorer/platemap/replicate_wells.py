"""Replicates: the wells that got the same compound at the same concentration.

A question asked of a plate map once it is read (the viewer shows a well's replicates), not
part of reading it; named ``replicate_wells`` so as not to shadow the function in the package.
"""

from __future__ import annotations

import math
from typing import cast

import pandas as pd

from .cells import is_blank

__all__ = ["replicates"]


def replicates(platemap: pd.DataFrame, well_key: str) -> list[str]:
    """The other wells with the same compound at the same concentration (plate-map order).

    Wells without a compound have no replicates. Concentrations match within 1e-6 (relative),
    so that unit conversions do not split replicates; two missing concentrations match.
    """
    if well_key not in platemap.index:
        raise KeyError(f"well {well_key!r} is not in the plate map")
    me = cast(pd.Series, platemap.loc[well_key])  # one row: read_platemap refuses a well listed twice
    cpd = me["compound_id"]
    if is_blank(cpd) or not str(cpd):
        return []
    conc = float(me["concentration"])
    same = platemap[platemap["compound_id"] == cpd]
    out = []
    for key, c in zip(same.index, same["concentration"].astype(float)):
        if key == well_key:
            continue
        both_missing = math.isnan(conc) and math.isnan(c)
        if both_missing or (not math.isnan(c) and math.isclose(c, conc, rel_tol=1e-6, abs_tol=1e-12)):
            out.append(str(key))
    return out
