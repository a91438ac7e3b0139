"""The analysis' segmentations and per-cell readouts of a well's fields (read in the well's worker).

The store's ``labels.zarr`` mirrors the plate's field paths (``<field>/labels/{nuclei,cells}``),
so the plate's own bounded label reader (:func:`~imaging_explorer.plate.source.read_labels`)
reads it: the same lazy levels, scale and translation as a plate's labels. Their layers are
named "nuclei (analysis)" so that they never mix with the plate's own "nuclei". No Qt, no napari.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imaging_explorer.analysis.results_store import AnalysisResults
    from imaging_explorer.plate import Field, Labels
    from imaging_explorer.plate.source import PlateSource

ANALYSIS_SUFFIX = " (analysis)"

#: one label reader per results (it keeps the fields' label metadata once read)
_sources: weakref.WeakKeyDictionary[Any, PlateSource] = weakref.WeakKeyDictionary()
_lock = threading.Lock()  # wells and the read-ahead load in different workers


def analysis_name(name: str) -> str:
    """"nuclei" -> "nuclei (analysis)": the layer says where it comes from."""
    return f"{name}{ANALYSIS_SUFFIX}"


def is_analysis(name: str) -> bool:
    return name.endswith(ANALYSIS_SUFFIX)


def _source(results: AnalysisResults) -> PlateSource:
    from imaging_explorer.io.documents import ZarrDocs
    from imaging_explorer.io.location import Location
    from imaging_explorer.plate.source import PlateSource

    with _lock:
        source = _sources.get(results)
        if source is None:
            docs, _ = ZarrDocs.open_root(Location(str(results.store.labels_root)))
            source = PlateSource(docs, [])  # its notes ("no colours") are not the user's concern
            _sources[results] = source
        return source


def analysis_labels(results: AnalysisResults, fields: list[Field]) -> dict[str, dict[str, Labels]]:
    """Field path -> "nuclei (analysis)" / "cells (analysis)" -> label image; a field the
    analysis has no labels for has none (three batched metadata reads for all fields)."""
    source = _source(results)
    source.load_labels(fields)
    return {f.path: {analysis_name(n): labels for n, labels in source.labels_of(f).items()} for f in fields}


def field_readouts(results: AnalysisResults, well: str, fields: list[Field]) -> dict[str, dict[int, dict[int, dict]]]:
    """Field path -> time point -> label -> that cell's row of the objects table (one filtered
    read of the well's rows, so the hover text looks a cell up without touching the table)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(results.folder / "objects.parquet", filters=[("well", "==", well)])
    frame = table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    if "t" not in frame.columns:
        frame["t"] = 0
    out: dict[str, dict[int, dict[int, dict]]] = {}
    for fld in fields:
        mine = frame[frame["field"] == fld.index]
        out[fld.path] = {int(t): {int(k): v for k, v in rows.drop_duplicates("label").set_index("label")
                                  .to_dict("index").items()}
                         for t, rows in mine.groupby("t", sort=True)}
    return out


def time_axes(labels: Labels) -> bool:
    """Whether an analysis label image has a t axis (every time point was analysed)."""
    return labels.roles.t is not None


def on_image_axes(levels: list[Any], label_names: tuple[str, ...], image_shape: tuple[int, ...],
                  image_names: tuple[str, ...]) -> list[Any]:
    """``(t, y, x)`` label levels as the field's image axes (without c, e.g. ``t, z, y, x``):
    an axis the labels lack (z) is broadcast, so napari, which lines layers up by their last
    axes, shows each time point's segmentation at every z of that time point. Read here (the
    well's worker); the broadcast is a view, no copy per z plane."""
    import numpy as np

    out = []
    for level in levels:
        array = np.asarray(level)
        expand = tuple(slice(None) if name in label_names else None for name in image_names)
        out.append(np.broadcast_to(array[expand], image_shape[:len(image_names) - 2] + array.shape[-2:]))
    return out


def read_analysis(results: AnalysisResults, well: str, fields: list[Field]
                  ) -> tuple[dict[str, dict[str, Labels]], dict[str, dict[int, dict[int, dict]]], str]:
    """The fields' analysis labels and readouts, and why they are missing ("" when not);
    results that cannot be read never stop the well from showing."""
    try:
        return analysis_labels(results, fields), field_readouts(results, well, fields), ""
    except Exception as e:  # noqa: BLE001 - the well shows without them; the user is told why
        return {}, {}, f"{type(e).__name__}: {e}"
