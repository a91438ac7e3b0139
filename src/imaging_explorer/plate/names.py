"""Well names typed by people, and walking a plate well by well. No Qt, no napari.

People type "C07", "c7", "C/7" or "C-07" for the same well, while the plate names its
column "7" or "07" (names are kept as the file writes them). These functions translate
between the two and give the row-major order the hotkeys walk in.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Plate

__all__ = ["parse_well_name", "step_well", "well_name", "well_order"]

# Separators people put between row and column: "C/7", "C-07", "C 07", "C_7", "C:7".
_SEPARATORS = re.compile(r"[\s/\-_:.]+")
# Without a separator: letters then digits ("C07", "AA12").
_LETTERS_DIGITS = re.compile(r"^([A-Za-z]+)(\d+)$")


def well_name(key: str | None) -> str:
    """How a well key is shown to people: "C/7" as "C7"; an em dash for no well."""
    return key.replace("/", "") if key else "—"


def _same_name(typed: str, name: str) -> bool:
    """Numbers compare by value ("7" == "07"), everything else case-insensitively."""
    if typed.isdigit() and name.isdigit():
        return int(typed) == int(name)
    return typed.casefold() == name.casefold()


def _find(typed: str, names: list[str]) -> str | None:
    if typed in names:  # an exact match wins over a numeric one ("7" and "07" both declared)
        return typed
    return next((n for n in names if _same_name(typed, n)), None)


def _split(text: str, plate: Plate) -> tuple[str, str] | None:
    """(row, column) as typed, or None when the text cannot be split."""
    parts = [p for p in _SEPARATORS.split(text) if p]
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) != 1:
        return None
    m = _LETTERS_DIGITS.match(parts[0])
    if m:
        return m.group(1), m.group(2)
    # Odd names (e.g. numeric rows): try every row name as a prefix, longest first.
    compact = parts[0].casefold()
    for row in sorted(plate.rows, key=len, reverse=True):
        if compact.startswith(row.casefold()) and len(compact) > len(row):
            return row, parts[0][len(row):]
    return None


def _range(names: list[str]) -> str:
    if not names:
        return "none"
    return names[0] if len(names) == 1 else f"{names[0]}..{names[-1]}"


def parse_well_name(text: str, plate: Plate) -> str:
    """The plate's key of a well typed by a person.

    Parameters
    ----------
    text
        What the user typed: "C07", "C7", "c7", "C/7", "C-07", " C 07 ", "AA12" ...
        Row names match case-insensitively; column names match by number when both
        are digits, so "C7" finds a column named "07" and "C07" one named "7".
    plate
        The plate whose row and column names decide the answer.

    Returns
    -------
    str
        The key in ``plate.wells``, e.g. ``"C/7"`` or ``"C/07"``.

    Raises
    ------
    ValueError
        When the text is not a well name, names a row or column the plate does not
        have, or a well that is not in the plate (with the reason from
        ``plate.missing_wells`` when it is listed there).
    """
    cleaned = str(text).strip()
    if not cleaned:
        raise ValueError("no well name given; type e.g. C07 or C/7")
    split = _split(cleaned, plate)
    if split is None:
        raise ValueError(f"cannot read a well name from {text!r}; type e.g. C07, C7 or C/7")
    row = _find(split[0], plate.rows)
    if row is None:
        raise ValueError(f"{text!r}: this plate has no row {split[0]!r} (rows {_range(plate.rows)})")
    column = _find(split[1], plate.columns)
    if column is None:
        raise ValueError(f"{text!r}: this plate has no column {split[1]!r} (columns {_range(plate.columns)})")
    key = f"{row}/{column}"
    if key in plate.wells:
        return key
    # Well paths normally read "row/column"; look at the wells themselves in case one does not.
    for k, well in plate.wells.items():
        if well.row == row and well.column == column:
            return k
    if key in plate.missing_wells:
        raise ValueError(f"{text!r}: well {row}{column} cannot be shown: {plate.missing_wells[key]}")
    raise ValueError(f"{text!r}: well {row}{column} is not in this plate (no image was acquired there)")


def well_order(plate: Plate) -> list[str]:
    """The plate's existing wells in row-major order.

    Parameters
    ----------
    plate
        The plate.

    Returns
    -------
    list of str
        Keys of ``plate.wells`` sorted by (row index, column index); missing wells are left out.
    """
    return sorted(plate.wells, key=lambda k: (plate.wells[k].row_index, plate.wells[k].column_index, k))


def _position(plate: Plate, key: str) -> tuple[int, int] | None:
    """(row index, column index) of a well key, also for wells that are not in ``plate.wells``."""
    if key in plate.wells:
        w = plate.wells[key]
        return w.row_index, w.column_index
    row, sep, column = key.partition("/")
    if sep and row in plate.rows and column in plate.columns:
        return plate.rows.index(row), plate.columns.index(column)
    return None


def step_well(plate: Plate, current: str | None, step: int) -> str | None:
    """The existing well ``step`` places after (or before, when negative) ``current``.

    Parameters
    ----------
    plate
        The plate.
    current
        A well key (``"C/7"``), or None when no well is shown yet. A missing well's key
        works too: the walk continues from where that well would be.
    step
        Wells to move in row-major order: 1 = next, -1 = previous.

    Returns
    -------
    str or None
        The well key; at either end the walk stops there (an existing ``current`` comes
        back unchanged). None when ``current`` is None and ``step`` is 0, or the plate has no wells.

    Raises
    ------
    ValueError
        When ``current`` names no well position of the plate.
    """
    order = well_order(plate)
    if not order:
        return None
    if current is None:
        if step == 0:
            return None
        return order[0] if step > 0 else order[-1]
    if current in plate.wells:
        i = order.index(current)
        return order[max(0, min(len(order) - 1, i + step))]
    pos = _position(plate, current)
    if pos is None:
        raise ValueError(f"{current!r} is not a well of this plate")
    # A well without images sits between two existing ones: one step lands on a neighbour.
    positions = [(plate.wells[k].row_index, plate.wells[k].column_index) for k in order]
    after = bisect.bisect_left(positions, pos)
    if step > 0:
        i = after + step - 1
    elif step < 0:
        i = after + step
    else:
        return current
    return order[max(0, min(len(order) - 1, i))]
