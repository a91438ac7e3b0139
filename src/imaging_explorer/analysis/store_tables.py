"""The analysis store's tables, assembled from its per-field parts when a run ends.

``fields`` and ``wells`` are small (one row per field or well) and built in memory; ``objects``
(one row per cell) is streamed part by part into one Parquet file, so memory stays bounded by a
batch of rows, not by the plate. Column types are fixed here, so the tables are the same
whichever scheduler ran the fields and in whichever order they finished. No Qt, no napari.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .readouts import COUNTS, well_table

if TYPE_CHECKING:
    import pyarrow as pa

    from .results_store import AnalysisStore

__all__ = ["FieldKey", "fields_frame", "write_tables"]

KEY_COLUMNS = ("well", "field", "t", "path")
PROBLEM_COLUMNS = ("well", "field", "path", "error")
ROWS_PER_GROUP = 250_000  # objects rows buffered before a Parquet row group is written


@dataclass(frozen=True)
class FieldKey:
    """A field in plate order: its path, its well's key and its index in the well."""

    path: str
    well: str
    index: int


def _empty(columns: list[str]) -> pd.DataFrame:
    """A table without rows, its columns typed as a table with rows would have them."""
    types = {"field": "int64", "t": "int64", "field_count": "int64", "infected_fraction": "float64",
             **dict.fromkeys(COUNTS, "Int64")}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, "str")) for c in columns})


def fields_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The per-field table from the parts' rows, with fixed column types.

    ``well`` and ``path`` text; ``field`` and ``t`` int64; the counts nullable Int64 (no
    pathogen channel: ``infected_count`` is NA); every other readout float64.
    """
    frame = pd.DataFrame(list(rows))
    if frame.empty:  # no field done: the key columns and the counts all the same
        return _empty([*KEY_COLUMNS, *COUNTS, "infected_fraction"])
    rest = [c for c in frame.columns if c not in KEY_COLUMNS]
    frame = frame[[c for c in KEY_COLUMNS if c in frame.columns] + rest]
    for column in frame.columns:
        if column in ("well", "path"):
            frame[column] = frame[column].astype(str)
        elif column in ("field", "t"):
            frame[column] = frame[column].astype("int64")
        elif column in COUNTS:
            frame[column] = frame[column].astype("Int64")
        else:
            try:
                frame[column] = pd.to_numeric(frame[column]).astype("float64")
            except (TypeError, ValueError):
                pass  # a text readout (none today): kept as it is
    return frame


def _atomic_parquet(store: AnalysisStore, table: pa.Table, name: str) -> None:
    import os

    import pyarrow.parquet as pq

    meta = (table.schema.metadata or {}) | store.metadata(name)
    tmp = store.scratch / f"{name}-{uuid.uuid4().hex}.parquet"
    pq.write_table(table.replace_schema_metadata(meta), tmp)
    os.replace(tmp, store.folder / f"{name}.parquet")


def _frame_parquet(store: AnalysisStore, frame: pd.DataFrame, name: str) -> None:
    import pyarrow as pa

    _atomic_parquet(store, pa.Table.from_pandas(frame, preserve_index=False), name)


def _objects_schema(store: AnalysisStore, parts: list[FieldKey]) -> pa.Schema:
    """Every part's columns (fields may differ in channels), after the key columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = [pq.read_schema(store.part_path(k.path)).remove_metadata() for k in parts]
    merged = pa.unify_schemas(schemas, promote_options="permissive") if schemas else pa.schema([])
    keys = [pa.field("well", pa.string()), pa.field("field", pa.int64()), pa.field("t", pa.int64())]
    return pa.schema(keys + [f for f in merged if f.name not in ("well", "field", "t")])


def _part_objects(store: AnalysisStore, key: FieldKey, schema: pa.Schema) -> pa.Table:
    """One part's objects with its key columns, in the table's columns (absent ones null)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = pq.read_table(store.part_path(key.path))
    n = part.num_rows
    given = {"well": pa.array([key.well] * n, pa.string()), "field": pa.array([key.index] * n, pa.int64())}
    columns = [given[f.name] if f.name in given else
               part.column(f.name).cast(f.type) if f.name in part.column_names else pa.nulls(n, f.type)
               for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def _write_objects(store: AnalysisStore, parts: list[FieldKey]) -> None:
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _objects_schema(store, parts)
    schema = schema.with_metadata(store.metadata("objects"))
    tmp = store.scratch / f"objects-{uuid.uuid4().hex}.parquet"
    with pq.ParquetWriter(tmp, schema) as writer:
        batch: list[pa.Table] = []
        rows = 0
        for key in parts:
            batch.append(_part_objects(store, key, schema))
            rows += batch[-1].num_rows
            if rows >= ROWS_PER_GROUP:
                writer.write_table(pa.concat_tables(batch))
                batch, rows = [], 0
        if batch or not parts:
            writer.write_table(pa.concat_tables(batch) if batch else schema.empty_table())
    os.replace(tmp, store.folder / "objects.parquet")


def problems_frame(problems: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """``well``, ``field`` (NA for a whole well), ``path`` and ``error`` per problem."""
    frame = pd.DataFrame(list(problems), columns=list(PROBLEM_COLUMNS))
    frame["field"] = frame["field"].astype("Int64")
    for column in ("well", "path", "error"):
        frame[column] = frame[column].astype(str)
    return frame


def write_tables(store: AnalysisStore, done: list[FieldKey], problems: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Write ``fields``, ``wells``, ``problems`` and ``objects`` from the parts of ``done``.

    Parameters
    ----------
    store
        The analysis store.
    done
        The finished fields in plate order (the tables' row order).
    problems
        Rows for the problems table (``well``, ``field``, ``path``, ``error``).

    Returns
    -------
    pandas.DataFrame
        The fields table as written.
    """
    rows = [row | {"well": key.well, "field": key.index} for key in done for row in store.part_rows(key.path)]
    fields = fields_frame(rows)
    _frame_parquet(store, fields, "fields")
    wells = well_table(fields) if len(fields) else _empty(["well", "t", "field_count", *COUNTS, "infected_fraction"])
    _frame_parquet(store, wells, "wells")
    _frame_parquet(store, problems_frame(problems), "problems")
    _write_objects(store, done)
    return fields
