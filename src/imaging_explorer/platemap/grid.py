"""Map a plate map's (row, column) onto the plate's own well keys, or say why it is not on the plate.

Apart from the checks because it holds the plate's layout: its rows, columns (numbers matched
numerically) and the keys it writes, including wells the plate lists as missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .cells import _row_letters

if TYPE_CHECKING:
    from ..plate import Plate


class _Grid:
    """Turns (row, column) as found in a plate map into the plate's well key."""

    def __init__(self, plate: Plate | None) -> None:
        self.plate = plate
        if plate is None:
            return
        self.rows = {str(r).upper(): str(r) for r in plate.rows}
        self.row_list = [str(r) for r in plate.rows]
        self.columns: dict[int | str, str] = {}
        for c in plate.columns:
            c = str(c)
            self.columns[int(c) if c.strip().isdigit() else c] = c
        # the plate's own keys (normally "row/column"), so that odd spellings still match
        self.keys: dict[tuple[str, str], str] = {}
        for key, well in plate.wells.items():
            self.keys[(str(well.row), str(well.column))] = key
        for key in getattr(plate, "missing_wells", {}):
            if key.count("/") == 1:
                r, c = key.split("/")
                self.keys.setdefault((r, c), key)

    def key(self, row: str, column: str) -> tuple[str, str, str] | str:
        """(key, row name, column name), or an error message."""
        row, column = str(row).strip(), str(column).strip()
        if row.isdigit():
            n = int(row)
            if self.plate is not None:
                if not 1 <= n <= len(self.row_list):
                    return f"row {row} is outside the plate (rows 1..{len(self.row_list)})"
                row = self.row_list[n - 1]
            else:
                row = _row_letters(n) if n > 0 else row
        col_id: int | str = int(column) if column.isdigit() else column
        if self.plate is None:
            if not row or not column:
                return "row or column missing"
            return f"{row.upper()}/{col_id}", row.upper(), str(col_id)
        rname = self.rows.get(row.upper())
        cname = self.columns.get(col_id)
        if rname is None or cname is None:
            span = f"rows {_span(self.row_list)}, columns {_span([str(c) for c in self.plate.columns])}"
            return f"well {row}{column} is not on the plate ({span})"
        return self.keys.get((rname, cname), f"{rname}/{cname}"), rname, cname


def _span(names: list[str]) -> str:
    return f"{names[0]}–{names[-1]}" if len(names) > 1 else "".join(names) or "none"
