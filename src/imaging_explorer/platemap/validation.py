"""Check a plate map table row by row and build the DataFrame; collect every problem on the way.

Whatever the source (CSV/TSV lines, Parquet or DataFrame rows, zarr attributes), the table
reaches this one place as a header and numbered rows: columns are matched by name, each row's
well, concentration (with its unit) and role are checked, and all problems are raised together.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import pandas as pd

from .cells import _is_blank, _norm, _text, _unit_factor, split_well_label
from ..errors import PlateMapError, PlateMapWarning
from .grid import _Grid

__all__ = ["ROLES"]

ROLES = ("sample", "neg_control", "pos_control", "empty")

_ROLE_SYNONYMS = {
    **{r: r for r in ROLES},
    "negative_control": "neg_control", "negative": "neg_control", "neg": "neg_control", "neg_ctrl": "neg_control",
    "positive_control": "pos_control", "positive": "pos_control", "pos": "pos_control", "pos_ctrl": "pos_control",
    "compound": "sample", "test": "sample",
}
_CONC_RE = re.compile(r"^(?:concentration|conc)(?:[_ \-]?\(?(pm|nm|um|µm|μm|mm|m)\)?)?$")


def _build(source: str, header: list[str], rows: list[tuple[int, list[Any]]], plate: Any | None, where: str) -> pd.DataFrame:
    problems: list[str] = []
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
        warnings.warn(f"{source}: column {header[c_conc]!r} has no unit; taken as µM (name it concentration_uM "
                      "or add a unit column to be explicit)", PlateMapWarning, stacklevel=3)
        conc_factor = 1.0
    used = {i for i in (c_well, c_row, c_col, c_cpd, c_role, c_unit, c_conc) if i is not None}
    extras = [i for i in range(len(header)) if i not in used]

    grid = _Grid(plate)
    seen: dict[str, int] = {}
    out_keys, out_rows, out_cols, cpds, concs, roles = [], [], [], [], [], []
    extra_values: list[list[Any]] = [[] for _ in extras]
    for number, cells in rows:
        at = f"{where} {number}"

        def cell(i: int | None, cells: list[Any] = cells) -> Any:
            return cells[i] if i is not None and i < len(cells) else None

        if where == "line" and len(cells) > len(header) and any(_text(c) for c in cells[len(header):]):
            problems.append(f"{at}: {len(cells)} cells but the header has {len(header)} columns")
        # the well
        found: tuple[str, str, str] | str
        if c_well is not None and _text(cell(c_well)):
            parsed = split_well_label(_text(cell(c_well)))
            if parsed is None:
                problems.append(f"{at}: {_text(cell(c_well))!r} is not a well name (use A01, A1 or A/1)")
                continue
            found = grid.key(parsed[0], str(parsed[1]))
            if isinstance(found, tuple) and c_row is not None and c_col is not None and _text(cell(c_row)):
                other = grid.key(_text(cell(c_row)), _text(cell(c_col)))
                if isinstance(other, tuple) and other[0] != found[0]:
                    problems.append(f"{at}: well {_text(cell(c_well))} but row {_text(cell(c_row))!r}, "
                                    f"column {_text(cell(c_col))!r}")
                    continue
        elif c_row is not None and c_col is not None:
            found = grid.key(_text(cell(c_row)), _text(cell(c_col)))
        else:
            problems.append(f"{at}: no well given")
            continue
        if isinstance(found, str):
            problems.append(f"{at}: {found}")
            continue
        key, rname, cname = found
        if key in seen:
            problems.append(f"{at}: well {rname}{cname} is listed twice (also {where} {seen[key]})")
            continue
        seen[key] = number
        # compound and concentration
        cpd = _text(cell(c_cpd))
        conc = math.nan
        raw = cell(c_conc)
        if not _is_blank(raw):
            try:
                value = float(str(raw).strip().replace(",", ".") if isinstance(raw, str) else raw)
            except (TypeError, ValueError):
                problems.append(f"{at}: concentration {_text(raw)!r} is not a number")
                value = math.nan
            if not math.isnan(value):
                factor = conc_factor
                if c_unit is not None:
                    unit = _text(cell(c_unit))
                    if unit:
                        factor = _unit_factor(unit)
                        if factor is None:
                            problems.append(f"{at}: unknown concentration unit {unit!r} (use pM, nM, uM, µM, mM or M)")
                    elif factor is None:
                        problems.append(f"{at}: concentration {_text(raw)} has no unit")
                if value < 0 or math.isinf(value):
                    problems.append(f"{at}: concentration {_text(raw)} must be a finite number ≥ 0")
                elif factor is not None:
                    conc = value * factor
        # role
        role_text = _text(cell(c_role))
        if role_text:
            role = _ROLE_SYNONYMS.get(_norm(role_text))
            if role is None:
                problems.append(f"{at}: unknown role {role_text!r} (use {', '.join(ROLES)})")
                continue
        else:
            role = "sample" if cpd else "empty"
        out_keys.append(key)
        out_rows.append(rname)
        out_cols.append(cname)
        cpds.append(cpd)
        concs.append(conc)
        roles.append(role)
        for j, i in enumerate(extras):
            v = cell(i)
            extra_values[j].append("" if v is None else v)
    if problems:
        raise PlateMapError(source, problems)
    data: dict[str, Any] = {"row": out_rows, "column": out_cols, "compound_id": cpds,
                            "concentration": pd.array(concs, dtype="float64"), "role": roles}
    for j, i in enumerate(extras):
        name = str(header[i]).strip() or f"column_{i + 1}"
        while name in data:
            name += "_"
        data[name] = extra_values[j]
    df = pd.DataFrame(data, index=pd.Index(out_keys, name="well"))
    if plate is not None:  # plate order: row by row
        rpos = {r: i for i, r in enumerate(str(r) for r in plate.rows)}
        cpos = {c: i for i, c in enumerate(str(c) for c in plate.columns)}
        order = sorted(range(len(df)), key=lambda k: (rpos.get(out_rows[k], 0), cpos.get(out_cols[k], 0)))
        df = df.iloc[order]
    df.attrs["source"] = source
    return df
