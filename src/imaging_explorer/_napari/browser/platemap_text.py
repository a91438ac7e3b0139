"""The plate map as people read it: the dock's compound line and the compound in the hover text.

Pure functions of the plate-map table (pandas, indexed by well key); the table itself is found
in a worker when a plate opens (:mod:`.platemap_loading`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from imaging_explorer.plate import well_name

if TYPE_CHECKING:
    import pandas as pd

ROLE_TEXT = {"neg_control": "negative control", "pos_control": "positive control", "sample": "sample", "empty": "empty"}


def _concentration(value: Any) -> str:
    try:
        conc = float(value)
    except (TypeError, ValueError):
        return ""
    if math.isnan(conc):
        return ""
    return f"{conc:g} µM"


def compound_short(platemap: pd.DataFrame | None, key: str | None) -> str:
    """"CPD-001 30 µM" (or "negative control DMSO", "empty"); "" when unknown."""
    if platemap is None or key is None or key not in platemap.index:
        return ""
    row = platemap.loc[key]
    cpd = str(row.get("compound_id", "") or "")
    role = str(row.get("role", "") or "")
    conc = _concentration(row.get("concentration"))
    parts = [p for p in (cpd, conc) if p]
    if role in ("neg_control", "pos_control"):
        parts.append(f"({ROLE_TEXT[role]})")
    elif role == "empty" and not cpd:
        parts.append("empty")
    return " ".join(parts)


def compound_line(platemap: pd.DataFrame | None, key: str | None, error: str = "", loading: bool = False) -> str:
    """The dock's compound line for a well: compound, concentration, role, replicate wells."""
    if error:
        return f"compound: plate map not usable ({error})"
    if platemap is None:
        return "compound: looking for the plate map…" if loading else "compound: — (no plate map)"
    if key is None:
        n = int((platemap["compound_id"].astype(str) != "").sum())
        return f"plate map: {len(platemap)} wells, {n} with a compound"
    if key not in platemap.index:
        return f"compound: {well_name(key)} is not in the plate map"
    row = platemap.loc[key]
    cpd = str(row.get("compound_id", "") or "") or "—"
    conc = _concentration(row.get("concentration"))
    role = ROLE_TEXT.get(str(row.get("role", "")), str(row.get("role", "")))
    from imaging_explorer.platemap import replicates  # pandas: only once a plate map is there

    text = f"compound: <b>{cpd}</b>" + (f" · {conc}" if conc else "") + f" · {role}"
    reps = replicates(platemap, key)
    if reps:
        text += " · replicates: " + ", ".join(well_name(k) for k in reps)
    elif str(row.get("compound_id", "") or ""):
        text += " · no replicates"
    return text
