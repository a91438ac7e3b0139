"""Plate maps kept in a plate's zarr attributes: one table on the plate, or one record per well.

Apart from the file readers because it reads the plate's metadata (through its document
source) rather than a file; what it finds is checked like any other table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from .cells import _norm
from ..errors import PlateMapError

if TYPE_CHECKING:
    from ..plate import Plate

ATTRIBUTE_KEY = "platemap"


def _table_from_attr(value: object) -> pd.DataFrame | None:
    if isinstance(value, list) and all(isinstance(r, Mapping) for r in value):
        return pd.DataFrame.from_records(list(value)) if value else None
    if isinstance(value, Mapping) and value and all(isinstance(v, list) for v in value.values()):
        return pd.DataFrame({k: v for k, v in value.items()})
    return None


def _from_plate_attrs(plate: Plate) -> tuple[str, pd.DataFrame] | None:
    """The plate map held in the plate's or its wells' attributes, as (label, table)."""
    source = getattr(plate, "_source", None)
    docs = getattr(source, "docs", None)
    if docs is None:
        return None
    root = docs.group_attrs_many([""]).get("") or {}
    if ATTRIBUTE_KEY in root:
        table = _table_from_attr(root[ATTRIBUTE_KEY])
        if table is None:
            raise PlateMapError(f"{plate.location} (attribute {ATTRIBUTE_KEY!r})",
                                ["expected a list of records or a dict of equally long columns"])
        return f"{plate.location} (attribute {ATTRIBUTE_KEY!r})", table
    paths = list(plate.wells)
    attrs = docs.group_attrs_many(paths) if paths else {}
    records = []
    for path in paths:
        rec = (attrs.get(path) or {}).get(ATTRIBUTE_KEY)
        if isinstance(rec, Mapping):
            well = plate.wells[path]
            rest = {k: v for k, v in rec.items() if _norm(k) not in ("well", "row", "column")}
            records.append({"row": well.row, "column": well.column, **rest})
    if not records:
        return None
    return f"{plate.location} (well attributes {ATTRIBUTE_KEY!r})", pd.DataFrame.from_records(records)
