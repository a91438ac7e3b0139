"""Well names and cell values of a plate map, normalised the same way wherever they are read.

``B03``, ``b3`` and ``B/3`` are one well; a blank cell is blank whether it came from a CSV
(``""``), Parquet (NaN, NA) or a zarr attribute (None); units and column names are compared
without case, spaces or hyphens.
"""

from __future__ import annotations

import math
import re
import pandas as pd

__all__ = ["split_well_label"]

_UNITS = {"pm": 1e-6, "nm": 1e-3, "um": 1.0, "mm": 1e3, "m": 1e6}  # factor to µM
_WELL_RE = re.compile(r"^\s*([A-Za-z]+)\s*[/_:\- ]?\s*(\d+)\s*$")


def split_well_label(text: str) -> tuple[str, int] | None:
    """``"B03"``, ``"b3"``, ``"B/3"`` -> ``("B", 3)``; None when it is not a well name."""
    m = _WELL_RE.match(str(text))
    return (m.group(1).upper(), int(m.group(2))) if m else None


def _row_letters(index: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (as plates name rows beyond Z)."""
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def is_blank(value: object) -> bool:
    """No value: None, NaN, pandas NA/NaT or an empty (whitespace) string; for table cells of any source."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        if value is pd.NA or value is pd.NaT:
            return True
    except TypeError:
        pass
    return isinstance(value, str) and not value.strip()


def _text(value: object) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _unit_factor(unit: str) -> float | None:
    u = unit.strip().replace("µ", "u").replace("μ", "u").lower()
    return _UNITS.get(u)
