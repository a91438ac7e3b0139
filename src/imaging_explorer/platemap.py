"""Plate maps: which compound, at which concentration, in which well, and which wells are controls.

``read_platemap(source, plate=None)`` reads a CSV, TSV or Parquet file (or a pandas DataFrame,
or the plate map stored in a plate's zarr attributes) and returns a DataFrame indexed by the
plate's well key (``"B/3"``, as in ``plate.wells``) with the columns

==============  ==================================================================
row, column     the well's row and column names (as the plate writes them)
compound_id     text; "" where the well holds no compound
concentration   float, in µM; NaN where none is given
role            sample | neg_control | pos_control | empty
...             any other column of the source, kept as it is (SMILES, batch, ...)
==============  ==================================================================

Accepted input (column names are matched case-insensitively):

* the well as ``well`` (``A01``, ``A1``, ``A/1``, ``A-01`` or ``A_01``; also ``well_id``,
  ``well_name``), or as ``row`` + ``column`` (``col``); a numeric row counts from 1 (1 = A).
  When both are given they must agree. Columns are matched numerically (``03`` = ``3``).
* ``compound_id`` (or ``compound``).
* the concentration as ``concentration`` (or ``conc``) with a unit column (``unit``,
  ``units``, ``concentration_unit``) holding pM, nM, uM, µM, mM or M; or with the unit as a
  suffix: ``concentration_uM``, ``concentration_nM``, ``conc_mM``, ... A ``concentration``
  without any unit is taken as µM, with a :class:`PlateMapWarning`.
* ``role`` (or ``well_role``). Besides the four roles, these obvious spellings are accepted
  (case, spaces and hyphens do not matter): negative_control, negative, neg, neg_ctrl ->
  neg_control; positive_control, positive, pos, pos_ctrl -> pos_control; compound, test ->
  sample. Nothing else is guessed: a role named after a compound ("DMSO") is an error. A
  blank role (or no role column) means ``sample`` when the well has a compound, else ``empty``.

Every problem is collected and reported at once in a :class:`PlateMapError` naming the file and
the line (CSV/TSV: the line in the file, header = line 1; Parquet and DataFrames: the row,
first = row 1): wells outside the plate, wells listed twice, non-numeric or negative
concentrations, unknown units and roles. Wells inside the plate's grid that the plate does not
list (sparse acquisitions) are kept: a plate map describes the physical plate.

Plate maps inside a plate (read with ``read_platemap(plate)`` or :func:`find_platemap`):

* the plate group's attributes may hold ``"platemap"`` (beside ``"ome"`` / ``"plate"``, not
  inside them): a list of records ``[{"well": "B03", "compound_id": ..., ...}, ...]`` or a
  table as a dict of columns ``{"well": [...], "compound_id": [...], ...}``;
* else each well group's attributes may hold ``"platemap"``: one record for that well
  (``{"compound_id": ..., "concentration_uM": ..., "role": ...}``; the well comes from its path).
"""

from __future__ import annotations

import csv
import math
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "ROLES",
    "PlateMapError",
    "PlateMapWarning",
    "find_platemap",
    "parse_well_name",
    "read_platemap",
    "replicates",
]

ROLES = ("sample", "neg_control", "pos_control", "empty")
ATTRIBUTE_KEY = "platemap"

_ROLE_SYNONYMS = {
    **{r: r for r in ROLES},
    "negative_control": "neg_control", "negative": "neg_control", "neg": "neg_control", "neg_ctrl": "neg_control",
    "positive_control": "pos_control", "positive": "pos_control", "pos": "pos_control", "pos_ctrl": "pos_control",
    "compound": "sample", "test": "sample",
}
_UNITS = {"pm": 1e-6, "nm": 1e-3, "um": 1.0, "mm": 1e3, "m": 1e6}  # factor to µM
_WELL_RE = re.compile(r"^\s*([A-Za-z]+)\s*[/_:\- ]?\s*(\d+)\s*$")
_CONC_RE = re.compile(r"^(?:concentration|conc)(?:[_ \-]?\(?(pm|nm|um|µm|μm|mm|m)\)?)?$")
_MAX_LISTED = 50


class PlateMapError(ValueError):
    """A plate map cannot be used; ``problems`` lists every problem found ("line 4: ...")."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        shown = self.problems[:_MAX_LISTED]
        more = len(self.problems) - len(shown)
        text = "\n".join(f"  {p}" for p in shown) + (f"\n  … and {more} more" if more > 0 else "")
        n = len(self.problems)
        super().__init__(f"{source}: {n} problem{'s' if n != 1 else ''} in the plate map:\n{text}")


class PlateMapWarning(UserWarning):
    """A plate map was read with an assumption (e.g. a concentration without unit taken as µM)."""


# -- well names -------------------------------------------------------------------------------
def parse_well_name(text: str) -> tuple[str, int] | None:
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


class _Grid:
    """Turns (row, column) as found in a plate map into the plate's well key."""

    def __init__(self, plate: Any | None) -> None:
        self.plate = plate
        if plate is None:
            return
        self.rows = {str(r).upper(): str(r) for r in plate.rows}
        self.row_list = [str(r) for r in plate.rows]
        self.columns: dict[Any, str] = {}
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
        col_id: Any = int(column) if column.isdigit() else column
        if self.plate is None:
            if not row or not column:
                return "row or column missing"
            rname = row.upper()
            cname = str(col_id)
            return f"{rname}/{cname}", rname, cname
        rname = self.rows.get(row.upper())
        cname = self.columns.get(col_id)
        if rname is None or cname is None:
            span = f"rows {_span(self.row_list)}, columns {_span([str(c) for c in self.plate.columns])}"
            return f"well {row}{column} is not on the plate ({span})"
        return self.keys.get((rname, cname), f"{rname}/{cname}"), rname, cname


def _span(names: list[str]) -> str:
    return f"{names[0]}–{names[-1]}" if len(names) > 1 else "".join(names) or "none"


# -- reading the source -----------------------------------------------------------------------
def _read_text_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) of a CSV/TSV file; line numbers as an editor shows them."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        text = fh.read()
    first = text.split("\n", 1)[0]
    if path.suffix.lower() in (".tsv", ".tab"):
        delimiter = "\t"
    else:  # CSV as written by Excel in some locales uses ";"; a TSV may be named .txt or .csv
        delimiter = max([",", "\t", ";"], key=first.count)
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    prev = 0
    for cells in reader:
        start, prev = prev + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append((start, cells))
    if header is None:
        raise PlateMapError(str(path), ["the file is empty (no header line)"])
    return header, rows


def _frame_rows(df: pd.DataFrame) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    return [str(c) for c in df.columns], [(i + 1, list(values)) for i, values in enumerate(df.itertuples(index=False))]


def _is_blank(value: Any) -> bool:
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


def _text(value: Any) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _unit_factor(unit: str) -> float | None:
    u = unit.strip().replace("µ", "u").replace("μ", "u").lower()
    return _UNITS.get(u)


def read_platemap(source: Any, plate: Any | None = None) -> pd.DataFrame:
    """Read and check a plate map; see the module documentation for the accepted forms.

    Parameters
    ----------
    source
        A path to a ``.csv`` / ``.tsv`` / ``.txt`` / ``.parquet`` file, a pandas DataFrame, or a
        :class:`~imaging_explorer.Plate` whose zarr attributes hold the plate map.
    plate
        The plate the map belongs to: wells are then checked against it and the index uses
        its well keys (``"B/3"`` or ``"B/03"``, whatever it writes). Without it, keys are
        ``"<ROW>/<column number>"``.

    Raises
    ------
    PlateMapError
        Listing every problem, each with its line (or row) number.
    """
    if hasattr(source, "wells") and hasattr(source, "fingerprint"):  # a Plate
        found = _from_plate_attrs(source)
        if found is None:
            raise PlateMapError(str(source.location), [f"no {ATTRIBUTE_KEY!r} attribute in the plate or its wells"])
        label, df = found
        return _build(label, *_frame_rows(df), plate=plate if plate is not None else source, where="row")
    if isinstance(source, pd.DataFrame):
        return _build("DataFrame", *_frame_rows(source), plate=plate, where="row")
    path = Path(os.fspath(source))
    if not path.is_file():
        raise PlateMapError(str(path), ["no such file"])
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(path)
        except ImportError as e:
            raise ImportError(f"{path}: reading Parquet plate maps needs pyarrow (pip install pyarrow): {e}") from e
        except Exception as e:  # noqa: BLE001 - any reader failure is a bad file for the user
            raise PlateMapError(str(path), [f"not a readable Parquet file ({e})"]) from e
        return _build(str(path), *_frame_rows(df), plate=plate, where="row")
    if suffix in (".csv", ".tsv", ".tab", ".txt"):
        try:
            header, rows = _read_text_table(path)
        except (UnicodeDecodeError, csv.Error) as e:
            raise PlateMapError(str(path), [f"not a readable text table ({e})"]) from e
        return _build(str(path), header, rows, plate=plate, where="line")
    raise PlateMapError(str(path), [f"unknown file type {suffix or '(none)'!r}: use .csv, .tsv or .parquet"])


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
            parsed = parse_well_name(_text(cell(c_well)))
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


# -- plate maps stored in a plate -------------------------------------------------------------
def _table_from_attr(value: Any) -> pd.DataFrame | None:
    if isinstance(value, list) and all(isinstance(r, Mapping) for r in value):
        return pd.DataFrame.from_records(list(value)) if value else None
    if isinstance(value, Mapping) and value and all(isinstance(v, list) for v in value.values()):
        return pd.DataFrame({k: v for k, v in value.items()})
    return None


def _from_plate_attrs(plate: Any) -> tuple[str, pd.DataFrame] | None:
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


def find_platemap(plate: Any) -> pd.DataFrame | None:
    """The plate map of a plate: from its zarr attributes, else a ``<stem>_platemap.csv`` (or
    ``.tsv`` / ``.parquet``) file beside a local plate folder; None when there is none.

    Raises PlateMapError when one is found but has problems.
    """
    if _from_plate_attrs(plate) is not None:
        return read_platemap(plate)
    location = str(plate.location)
    if "://" in location and not location.startswith("file://"):
        return None
    folder = Path(location.removeprefix("file://")).expanduser()
    stem = folder.name.removesuffix(".zarr").removesuffix(".ome")
    for suffix in (".csv", ".tsv", ".parquet"):
        candidate = folder.with_name(f"{stem}_platemap{suffix}")
        if candidate.is_file():
            return read_platemap(candidate, plate)
    return None


def replicates(platemap: pd.DataFrame, well_key: str) -> list[str]:
    """The other wells with the same compound at the same concentration (plate-map order).

    Wells without a compound have no replicates. Concentrations match within 1e-6 (relative),
    so that unit conversions do not split replicates; two missing concentrations match.
    """
    if well_key not in platemap.index:
        raise KeyError(f"well {well_key!r} is not in the plate map")
    me = platemap.loc[well_key]
    cpd = me["compound_id"]
    if _is_blank(cpd) or not str(cpd):
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
