"""The analysis store of a plate: a folder of label images and Parquet tables, resumable per field.

Layout (DESIGN.md "Analysis outputs"; the folder from :mod:`.output_location`)::

    plate.analysis/
      analysis.json       the plate (location, fingerprint) and the parameters; written first
      labels.zarr/        OME-Zarr label images per field (:mod:`.label_images`)
      parts/B/3/0.parquet one finished field: its objects, its field rows (one per time point) in
                          the file's metadata
      objects.parquet     one row per cell:  well, field, t, label, nucleus_area_px, area_px,
                          mean_<ch>, integrated_<ch> (per channel), infected
      fields.parquet      one row per field: well, field, t, path, nuclei_count, cell_count,
                          infected_count, infected_fraction, infection_threshold, area_mean_px,
                          nucleus_area_mean_px, mean_<ch>, saturated_fraction,
                          saturated_fraction_<ch>, focus, background
      wells.parquet       one row per well (and t): well, t, field_count, the counts summed,
                          the means weighted by cells (readouts.well_table)
      problems.parquet    well, field, path, error: fields that failed, wells the plate lacks

``well`` is the plate's well key ("B/3", as ``plate.wells``), ``field`` the field's index in its
well, ``path`` the field's path ("B/3/0"); rows run in plate order (row, column, field). Every
Parquet file's key-value metadata holds ``table``, ``plate`` (location), ``fingerprint`` and
``parameters`` (JSON: the AnalysisParams and the channel roles).

Resuming: a field is done when its part file exists; labels are written before it and each file
is written under a temporary name and renamed, so an interrupted run leaves whole fields only.
The four tables are assembled from the parts when a run ends (:mod:`.store_tables`). No Qt, no
napari.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
import uuid
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..io.location import check_key
from .label_images import label_arrays, write_field_labels, write_root

if TYPE_CHECKING:
    from collections.abc import Sequence

    import zarr

    from ..plate import Plate
    from .channel_roles import ChannelRoles
    from .field_analysis import AnalysisParams, FieldResult

__all__ = ["AnalysisResults", "AnalysisStore", "AnalysisStoreError", "open_results", "parameters_doc"]

MANIFEST = "analysis.json"
FORMAT = "imaging-explorer analysis store"
FORMAT_VERSION = 2  # 2: a part holds one row per time point (``field_rows``)
TABLES = ("objects", "fields", "wells", "problems")
SCRATCH_MAX_AGE_S = 3600.0  # leftovers of a crashed writer older than this are removed


class AnalysisStoreError(ValueError):
    """An analysis store cannot be used as asked; the message names the folder and the reason."""


def parameters_doc(params: AnalysisParams, roles: ChannelRoles, channel_names: list[str]) -> dict[str, Any]:
    """The parameters as JSON-ready data: the analysis settings and the channel of each role."""
    chosen = {"nuclei": roles.nuclei, "cell": roles.cell, "pathogen": roles.pathogen}
    named = {role: None if i is None else {"index": i, "channel": channel_names[i] if i < len(channel_names) else None}
             for role, i in chosen.items()}
    return json.loads(json.dumps({"analysis": dataclasses.asdict(params), "roles": named}))


def _differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Dotted names of the settings that differ ("analysis.segmentation.min_snr: 5.0 -> 4.0")."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            out += _differences(old.get(key), new.get(key), f"{where}.{key}" if where else str(key))
        return out
    return [] if old == new else [f"{where}: {json.dumps(old)} -> {json.dumps(new)}"]


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """A readouts row as plain Python values (NA -> None), so it pickles small and fits JSON."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is pd.NA or value is None:
            out[key] = None
        elif isinstance(value, np.generic):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("imaging-explorer")
    except PackageNotFoundError:  # a source tree on sys.path, not installed
        return "unknown"


class AnalysisStore:
    """The store's folder: its manifest, label images and per-field parts (no tables read)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.labels_root = self.folder / "labels.zarr"
        self.parts = self.folder / "parts"
        self.scratch = self.folder / ".tmp"

    # -- the manifest -----------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """The store's ``analysis.json``; AnalysisStoreError when missing or not ours."""
        path = self.folder / MANIFEST
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AnalysisStoreError(f"{self.folder}: not an analysis store (no {MANIFEST})") from None
        except (OSError, ValueError) as e:
            raise AnalysisStoreError(f"{path}: cannot be read ({e})") from e
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise AnalysisStoreError(f"{path}: not an imaging-explorer analysis store manifest")
        if doc.get("format_version") != FORMAT_VERSION:
            raise AnalysisStoreError(f"{path}: store format {doc.get('format_version')!r}, this version reads "
                                     f"{FORMAT_VERSION}; use --overwrite to start over")
        return doc

    def metadata(self, table: str) -> dict[bytes, bytes]:
        """Parquet key-value metadata: the table's name, the plate and the parameters."""
        doc = self.manifest_cache
        return {b"table": table.encode(), b"plate": str(doc["plate"]).encode(),
                b"fingerprint": str(doc["fingerprint"]).encode(),
                b"parameters": json.dumps(doc["parameters"], sort_keys=True).encode(),
                b"software": str(doc.get("software", "")).encode()}

    @cached_property
    def manifest_cache(self) -> dict[str, Any]:
        return self.manifest()

    @classmethod
    def prepare(cls, folder: Path, plate: str, fingerprint: str, parameters: dict[str, Any],
                overwrite: bool = False) -> AnalysisStore:
        """Open the store at ``folder`` for an analysis, making it when new.

        Raises
        ------
        AnalysisStoreError
            The folder holds other files, or a store made with another plate or other
            parameters (unless ``overwrite``: then that store is replaced).
        """
        store = cls(folder)
        if folder.exists() and not folder.is_dir():
            raise AnalysisStoreError(f"{folder}: exists and is not a folder")
        if folder.is_dir() and any(folder.iterdir()):
            if not (folder / MANIFEST).is_file():  # other files: refused, even with overwrite
                raise AnalysisStoreError(f"{folder}: holds other files and no {MANIFEST}; the analysis "
                                         "needs a new or empty folder, or an analysis store")
            store.manifest()
            if overwrite:
                store._remove()
            else:
                store._check(fingerprint, parameters)
        if not (folder / MANIFEST).is_file():
            store._create(plate, fingerprint, parameters)
        store._clean_scratch()
        if not (store.labels_root / "zarr.json").is_file():
            write_root(store.labels_root, plate, fingerprint)
        return store

    def _check(self, fingerprint: str, parameters: dict[str, Any]) -> None:
        doc = self.manifest()
        if doc.get("fingerprint") != fingerprint:
            raise AnalysisStoreError(
                f"{self.folder}: made for another plate ({doc.get('plate')}, fingerprint {doc.get('fingerprint')}, "
                f"not {fingerprint}); use --overwrite to start over, or --out for another folder")
        changed = _differences(doc.get("parameters"), parameters)
        if changed:
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            raise AnalysisStoreError(f"{self.folder}: made with other parameters ({'; '.join(changed[:3])}{more}); "
                                     "use --overwrite to start over, or --out for another folder")

    def _remove(self) -> None:
        """Replace the old store: moved aside first, so a failure never leaves half of it."""
        aside = self.folder.with_name(f".{self.folder.name}.{uuid.uuid4().hex}.old")
        os.replace(self.folder, aside)
        shutil.rmtree(aside, ignore_errors=True)

    def _create(self, plate: str, fingerprint: str, parameters: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.scratch.mkdir(exist_ok=True)
        doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "plate": plate, "fingerprint": fingerprint,
               "parameters": parameters, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "software": f"imaging-explorer {_version()}"}
        self.write_atomic(self.folder / MANIFEST, json.dumps(doc, indent=2).encode())

    def _clean_scratch(self) -> None:
        self.scratch.mkdir(exist_ok=True)
        for entry in self.scratch.iterdir():
            try:
                if time.time() - entry.lstat().st_mtime > SCRATCH_MAX_AGE_S:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            except OSError:
                pass  # another run may be cleaning too

    # -- files ------------------------------------------------------------------------------
    def write_atomic(self, path: Path, data: bytes) -> None:
        tmp = self.scratch / f"{uuid.uuid4().hex}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def part_path(self, field_path: str) -> Path:
        """Where a field's part goes (the plate checked its paths; checked again: never outside)."""
        return self.parts / f"{check_key(field_path)}.parquet"

    def done(self, field_paths: list[str]) -> set[str]:
        """The fields among ``field_paths`` that a run has finished (their part exists)."""
        return {p for p in field_paths if self.part_path(p).is_file()}

    def write_field(self, field_path: str, results: Sequence[FieldResult], geometry: dict[str, Any]
                    ) -> list[dict[str, Any]]:
        """Store one field: its label images, then its part (which marks it done); return its rows.

        ``results``: one per time point analysed; several make ``(t, y, x)`` label images and a
        part whose objects carry their ``t``.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        def stacked(name: str) -> np.ndarray:  # (y, x) for one time point, (t, y, x) for several
            images = [getattr(r, name) for r in results]
            return images[0] if len(images) == 1 else np.stack(images)

        write_field_labels(self.labels_root, field_path, {"nuclei": stacked("nuclei"), "cells": stacked("cells")},
                           geometry, self.scratch)
        rows = [jsonable(r.row) | {"path": field_path} for r in results]
        objects = pd.concat([r.objects.assign(t=int(r.row.get("t", 0))) for r in results], ignore_index=True)
        table = pa.Table.from_pandas(objects, preserve_index=False)
        meta = (table.schema.metadata or {}) | self.metadata("part") | {b"field_rows": json.dumps(rows).encode()}
        tmp = self.scratch / f"{uuid.uuid4().hex}.parquet"
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        target = self.part_path(field_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        return rows

    def part_rows(self, field_path: str) -> list[dict[str, Any]]:
        """A finished field's rows (one per time point), from its part's metadata (the footer only is read)."""
        import pyarrow.parquet as pq

        meta = pq.read_schema(self.part_path(field_path)).metadata or {}
        return [dict(row) for row in json.loads(meta[b"field_rows"])]


class AnalysisResults:
    """A finished analysis: its tables (read on first use) and each field's label images."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.store = AnalysisStore(folder)
        self.folder = self.store.folder
        self.manifest = self.store.manifest()

    @property
    def fingerprint(self) -> str:
        return str(self.manifest["fingerprint"])

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.manifest["parameters"])

    def _table(self, name: str) -> pd.DataFrame:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.folder / f"{name}.parquet"
        if not path.is_file():
            done = len(list(self.store.parts.rglob("*.parquet"))) if self.store.parts.is_dir() else 0
            raise AnalysisStoreError(f"{self.folder}: the analysis is not finished ({done} field(s) done, no "
                                     f"{path.name}); run it again to finish it")
        # nullable booleans (``infected`` is NA without a pathogen channel) stay booleans
        return pq.read_table(path).to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)

    @cached_property
    def objects(self) -> pd.DataFrame:
        return self._table("objects")

    @cached_property
    def fields(self) -> pd.DataFrame:
        return self._table("fields")

    @cached_property
    def wells(self) -> pd.DataFrame:
        return self._table("wells")

    @cached_property
    def problems(self) -> pd.DataFrame:
        return self._table("problems")

    def field_path(self, well: str, field: int = 0) -> str:
        """The path of a well's field ("B/3", 0 -> "B/3/0") as the fields table has it."""
        hit = self.fields.loc[(self.fields["well"] == well) & (self.fields["field"] == field), "path"]
        if hit.empty:
            raise KeyError(f"{self.folder}: no results for well {well} field {field}")
        return str(hit.iloc[0])

    def labels(self, well_or_path: str, field: int | None = None) -> dict[str, zarr.Array]:
        """A field's label images (``"nuclei"``, ``"cells"``; lazy (y, x) zarr arrays).

        Give the field's path (``"B/3/0"``), or a well key and the field's index (``"B/3", 0``).
        """
        path = well_or_path if field is None else self.field_path(well_or_path, field)
        return label_arrays(self.store.labels_root, path)


def open_results(plate_or_folder: Plate | str | os.PathLike[str]) -> AnalysisResults:
    """The analysis results of a plate (its default store) or in a store folder.

    Raises
    ------
    AnalysisStoreError
        When there is no analysis store there (the message names the folder).
    """
    if isinstance(plate_or_folder, (str, os.PathLike)):
        return AnalysisResults(plate_or_folder)
    from .output_location import store_folder

    return AnalysisResults(store_folder(plate_or_folder))
