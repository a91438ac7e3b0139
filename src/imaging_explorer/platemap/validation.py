"""Check a plate map table row by row and build the DataFrame; collect every problem on the way.

Whatever the source (CSV/TSV lines, Parquet or DataFrame rows, zarr attributes), the table
reaches this one place as a header and numbered rows: columns are matched by name, each row's
well, concentration (with its unit) and role are checked, and all problems are raised together.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from .cells import is_blank, _norm, _text, _unit_factor, split_well_label
from ..errors import PlateMapError, PlateMapWarning
from .grid import _Grid

if TYPE_CHECKING:
    from ..plate import Plate

__all__ = ["ROLES"]

ROLES = ("sample", "neg_control", "pos_control", "empty")

_ROLE_SYNONYMS = {
    **{r: r for r in ROLES},
    "negative_control": "neg_control", "negative": "neg_control", "neg": "neg_control", "neg_ctrl": "neg_control",
    "positive_control": "pos_control", "positive": "pos_control", "pos": "pos_control", "pos_ctrl": "pos_control",
    "compound": "sample", "test": "sample",
}
_CONC_RE = re.compile(r"^(?:concentration|conc)(?:[_ \-]?\(?(pm|nm|um|µm|μm|mm|m)\)?)?$")


@dataclass
class _Columns:
    """Where each known column sits in the header (None: absent), and the rest kept as extras."""

    well: int | None
    row: int | None
    col: int | None
    cpd: int | None
    role: int | None
    unit: int | None
    conc: int | None
    conc_factor: float | None  # from the concentration column's name ("concentration_nM")
    extras: list[int]


@dataclass
class _Table:
    """The checked rows, column by column."""

    keys: list[str] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    cols: list[str] = field(default_factory=list)
    cpds: list[str] = field(default_factory=list)
    concs: list[float] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    extras: list[list[Any]] = field(default_factory=list)


def _cell(cells: list[Any], i: int | None) -> Any:
    return cells[i] if i is not None and i < len(cells) else None


def _match_columns(source: str, header: list[str], where: str, problems: list[str]) -> _Columns:
    """Find the known columns by name; PlateMapError when no well column is there."""
    names = [_norm(h) for h in header]
    index_of: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in index_of and n:
            problems.append(f"{'line 1: ' if where == 'line' else ''}column {header[i]!r} appears twice")
        index_of.setdefault(n, i)

    def pick(*options: str) -> int | None:
        for o in options:
            if o in index_of:
                return index_of[o]
        return None

    c_well = pick("well", "well_id", "well_name", "wellname")
    c_row, c_col = pick("row", "row_name"), pick("column", "col", "column_name")
    c_cpd = pick("compound_id", "compound")
    c_role = pick("role", "well_role")
    c_unit = pick("unit", "units", "concentration_unit", "conc_unit")
    c_conc, conc_factor = None, None
    for i, n in enumerate(names):
        m = _CONC_RE.match(n)
        if m:
            c_conc = i
            conc_factor = _unit_factor(m.group(1)) if m.group(1) else None
            break
    if c_well is None and (c_row is None or c_col is None):
        problems.append("no well column: give 'well' (A01, A1 or A/1) or 'row' and 'column'")
        raise PlateMapError(source, problems)
    if c_conc is not None and conc_factor is None and c_unit is None:
        # stacklevel 4: the code that called read_platemap (via _build and read_platemap)
        warnings.warn(f"{source}: column {header[c_conc]!r} has no unit; taken as µM (name it concentration_uM "
                      "or add a unit column to be explicit)", PlateMapWarning, stacklevel=4)
        conc_factor = 1.0
    used = {i for i in (c_well, c_row, c_col, c_cpd, c_role, c_unit, c_conc) if i is not None}
    extras = [i for i in range(len(header)) if i not in used]
    return _Columns(c_well, c_row, c_col, c_cpd, c_role, c_unit, c_conc, conc_factor, extras)


def _find_well(cells: list[Any], c: _Columns, grid: _Grid, at: str) -> tuple[str, str, str] | str:
    """(key, row name, column name) of a row's well, or the problem to report."""
    found: tuple[str, str, str] | str
    if c.well is not None and _text(_cell(cells, c.well)):
        well = _text(_cell(cells, c.well))
        parsed = split_well_label(well)
        if parsed is None:
            return f"{at}: {well!r} is not a well name (use A01, A1 or A/1)"
        found = grid.key(parsed[0], str(parsed[1]))
        if isinstance(found, tuple) and c.row is not None and c.col is not None and _text(_cell(cells, c.row)):
            row, col = _text(_cell(cells, c.row)), _text(_cell(cells, c.col))
            other = grid.key(row, col)
            if isinstance(other, tuple) and other[0] != found[0]:
                return f"{at}: well {well} but row {row!r}, column {col!r}"
    elif c.row is not None and c.col is not None:
        found = grid.key(_text(_cell(cells, c.row)), _text(_cell(cells, c.col)))
    else:
        return f"{at}: no well given"
    return f"{at}: {found}" if isinstance(found, str) else found


def _concentration(cells: list[Any], c: _Columns, at: str, problems: list[str]) -> float:
    """The row's concentration in µM; NaN when none is given or it is not usable (reported)."""
    raw = _cell(cells, c.conc)
    if is_blank(raw):
        return math.nan
    try:
        value = float(str(raw).strip().replace(",", ".") if isinstance(raw, str) else raw)
    except (TypeError, ValueError):
        problems.append(f"{at}: concentration {_text(raw)!r} is not a number")
        return math.nan
    if math.isnan(value):
        return math.nan
    factor = c.conc_factor
    if c.unit is not None:
        unit = _text(_cell(cells, c.unit))
        if unit:
            factor = _unit_factor(unit)
            if factor is None:
                problems.append(f"{at}: unknown concentration unit {unit!r} (use pM, nM, uM, µM, mM or M)")
        elif factor is None:
            problems.append(f"{at}: concentration {_text(raw)} has no unit")
    if value < 0 or math.isinf(value):
        problems.append(f"{at}: concentration {_text(raw)} must be a finite number ≥ 0")
    elif factor is not None:
        return value * factor
    return math.nan


def _check_rows(header: list[str], rows: list[tuple[int, list[Any]]], c: _Columns, grid: _Grid, where: str,
                problems: list[str]) -> _Table:
    """Check every row; the good ones make the table, the problems of the others are collected."""
    out = _Table(extras=[[] for _ in c.extras])
    seen: dict[str, int] = {}
    for number, cells in rows:
        at = f"{where} {number}"
        if where == "line" and len(cells) > len(header) and any(_text(v) for v in cells[len(header):]):
            problems.append(f"{at}: {len(cells)} cells but the header has {len(header)} columns")
        found = _find_well(cells, c, grid, at)
        if isinstance(found, str):
            problems.append(found)
            continue
        key, rname, cname = found
        if key in seen:
            problems.append(f"{at}: well {rname}{cname} is listed twice (also {where} {seen[key]})")
            continue
        seen[key] = number
        cpd = _text(_cell(cells, c.cpd))
        conc = _concentration(cells, c, at, problems)
        role_text = _text(_cell(cells, c.role))
        role = _ROLE_SYNONYMS.get(_norm(role_text)) if role_text else ("sample" if cpd else "empty")
        if role is None:
            problems.append(f"{at}: unknown role {role_text!r} (use {', '.join(ROLES)})")
            continue
        out.keys.append(key)
        out.rows.append(rname)
        out.cols.append(cname)
        out.cpds.append(cpd)
        out.concs.append(conc)
        out.roles.append(role)
        for j, i in enumerate(c.extras):
            v = _cell(cells, i)
            out.extras[j].append("" if v is None else v)
    return out


def _frame(source: str, header: list[str], extras: list[int], table: _Table, plate: Plate | None) -> pd.DataFrame:
    """The plate map DataFrame: known columns first, then the extras; in plate order with a plate."""
    data: dict[str, Any] = {"row": table.rows, "column": table.cols, "compound_id": table.cpds,
                            "concentration": pd.array(table.concs, dtype="float64"), "role": table.roles}
    for j, i in enumerate(extras):
        name = str(header[i]).strip() or f"column_{i + 1}"
        while name in data:
            name += "_"
        data[name] = table.extras[j]
    df = pd.DataFrame(data, index=pd.Index(table.keys, name="well"))
    if plate is not None:  # plate order: row by row
        rpos = {r: i for i, r in enumerate(str(r) for r in plate.rows)}
        cpos = {c: i for i, c in enumerate(str(c) for c in plate.columns)}
        order = sorted(range(len(df)), key=lambda k: (rpos.get(table.rows[k], 0), cpos.get(table.cols[k], 0)))
        df = df.iloc[order]
    df.attrs["source"] = source
    return df


def _build(source: str, header: list[str], rows: list[tuple[int, list[Any]]], plate: Plate | None,
           where: str) -> pd.DataFrame:
    """Check a table (header and numbered rows) and build the plate map; PlateMapError lists every problem."""
    problems: list[str] = []
    columns = _match_columns(source, header, where, problems)
    table = _check_rows(header, rows, columns, _Grid(plate), where, problems)
    if problems:
        raise PlateMapError(source, problems)
    return _frame(source, header, columns.extras, table, plate)
