"""One table per plate for hit calling: the plate map's wells beside their readouts.

The readouts' ``well`` names are matched to the plate map by row and column number, so
``"B03"``, ``"b3"`` and ``"B/3"`` are one well, and a plate map read with a plate whose keys
are zero-padded (``"B/03"``) still matches readouts written ``"B/3"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..platemap import split_well_label
from .errors import HitsError

__all__ = ["assay_table", "column_floats", "table_source"]

_PLATEMAP_COLUMNS = ("row", "column", "role")
_SHOWN = 5  # well names quoted in an error message


def table_source(table: pd.DataFrame) -> str:
    """The source :func:`assay_table` recorded in ``table.attrs`` (for error messages)."""
    return str(table.attrs.get("source", "readouts"))


def column_floats(table: pd.DataFrame, column: str) -> pd.Series:
    """A column as floats: nullable counts' NA and text become NaN."""
    return pd.to_numeric(table[column], errors="coerce").astype(float)


def _well_id(text: object) -> tuple[str, int] | str:
    """(row letters, column number) of a well name; the stripped text when it is not one."""
    return split_well_label(str(text)) or str(text).strip()


def _grid_id(row: object, column: object) -> tuple[str, int] | str:
    """The id of a plate-map well from its row and column names (``"03"`` is column 3)."""
    col = str(column).strip()
    return _well_id(f"{str(row).strip()}{col}") if col.isdigit() else f"{row}/{column}"


def _examples(names: list[str]) -> str:
    more = len(names) - _SHOWN
    return ", ".join(names[:_SHOWN]) + (f", … ({more} more)" if more > 0 else "")


def _first_time_point(readouts: pd.DataFrame) -> pd.DataFrame:
    """One row per well: the earliest ``t`` when the readouts have time points."""
    if "t" not in readouts.columns:
        return readouts
    return readouts.sort_values("t", kind="stable").drop_duplicates("well", keep="first")


def _unmapped_rows(ids: list[tuple[str, int] | str], keys: list[str], columns: pd.Index) -> pd.DataFrame:
    """Plate-map rows for readout wells the plate map does not list: role "" and no compound."""
    rows = [i if isinstance(i, tuple) else ("", "") for i in ids]  # not a well name: no row or column
    extra = pd.DataFrame(index=pd.Index(keys, name="well"), columns=columns, dtype=object)
    extra["row"] = [str(r) for r, _ in rows]
    extra["column"] = [str(c) for _, c in rows]
    if "compound_id" in columns:
        extra["compound_id"] = ""
    if "concentration" in columns:
        extra["concentration"] = np.nan
    extra["role"] = ""
    return extra


def assay_table(readouts: pd.DataFrame, platemap: pd.DataFrame, source: str = "readouts") -> pd.DataFrame:
    """The plate map's wells with their readouts, one row per well.

    Parameters
    ----------
    readouts
        Per-well readouts (``well`` as the plate writes it, ``"B/3"``, or ``"B03"``; optional
        ``t``; ``nuclei_count``, ``infected_fraction``, ``focus``, ...). With a ``t`` column
        only each well's first time point is used.
    platemap
        As :func:`imaging_explorer.platemap.read_platemap` returns it: indexed by well key, with
        ``row``, ``column``, ``compound_id``, ``concentration`` and ``role`` columns.
    source
        What the readouts are called in error messages (their file); kept in ``attrs["source"]``.

    Returns
    -------
    pandas.DataFrame
        Indexed by the plate map's well keys (index name ``well``), in plate-map order: the
        plate-map columns, then the readout columns (NaN / NA where a well has no readouts) and
        ``measured`` (the well has a readouts row). Readout wells that the plate map does not
        list are kept at the end with role ``""`` and no compound, so nothing measured silently
        disappears; no statistic treats them as samples or controls.

    Raises
    ------
    HitsError
        When the readouts have no ``well`` column or a well twice, the plate map lacks
        ``row`` / ``column`` / ``role``, a readout column has a plate-map column's name, or
        the two tables share no well.
    """
    if "well" not in readouts.columns:
        raise HitsError(source, f"no 'well' column (columns: {', '.join(map(str, readouts.columns)) or 'none'})")
    lacking = [c for c in _PLATEMAP_COLUMNS if c not in platemap.columns]
    if lacking:
        raise HitsError(source, f"the plate map has no {', '.join(lacking)} column(s): read it with read_platemap")
    reads = _first_time_point(readouts)
    read_ids = [_well_id(w) for w in reads["well"]]
    twice = pd.Series(read_ids).duplicated(keep=False).to_numpy()
    if twice.any():
        raise HitsError(source, f"wells listed twice: {_examples(sorted(set(reads['well'][twice].astype(str))))}")
    clash = sorted((set(reads.columns) - {"well"}) & (set(platemap.columns) | {"measured"}))
    if clash:
        raise HitsError(source, f"readout column(s) {', '.join(clash)} have the name of a plate-map column")

    by_id = dict(zip((_grid_id(r, c) for r, c in zip(platemap["row"], platemap["column"])), platemap.index))
    keys = [by_id.get(i) for i in read_ids]
    if not any(k is not None for k in keys):
        raise HitsError(source, f"none of its {len(read_ids)} wells ({_examples([str(w) for w in reads['well']])}) "
                                f"is in the plate map ({_examples([str(k) for k in platemap.index])})")
    # readout wells outside the plate map keep a canonical "B/3" key
    canonical = [f"{i[0]}/{i[1]}" if isinstance(i, tuple) else i for i in read_ids]
    index = [k if k is not None else c for k, c in zip(keys, canonical)]
    values = reads.drop(columns="well").set_axis(pd.Index(index, name="well"), axis=0)

    wells = platemap
    unmapped = [n for n, k in enumerate(keys) if k is None]
    if unmapped:
        extra = _unmapped_rows([read_ids[n] for n in unmapped], [canonical[n] for n in unmapped], platemap.columns)
        wells = pd.concat([platemap, extra])
    out = wells.join(values, how="left")
    out.index.name = "well"
    out["measured"] = out.index.isin(values.index)
    out.attrs["source"] = source
    return out
