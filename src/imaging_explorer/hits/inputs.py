"""Where hit calling gets its inputs: per-well readouts (an analysis store or a table file) and
the plate map (given, or found beside the analysed plate). No Qt, no napari.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import HitsError

__all__ = ["Readouts", "find_store_platemap", "read_readouts"]

TABLE_SUFFIXES = (".parquet", ".csv", ".tsv")


@dataclass(frozen=True, eq=False)
class Readouts:
    """Per-well readouts, the per-field rows when known (for image QC), and where they came from."""

    wells: pd.DataFrame
    source: str  # the file named in messages
    store: Path | None = None  # the analysis store they came from, if any
    plate: str | None = None  # the analysed plate's location (from the store)
    fields: pd.DataFrame | None = None  # the store's per-field rows; None for a per-well table


def read_readouts(location: str | os.PathLike[str]) -> Readouts:
    """Per-well readouts from an analysis store folder (its ``wells.parquet``, with its
    ``fields.parquet`` for image QC) or a table file (``.parquet``, ``.csv``, ``.tsv``) with a
    ``well`` column (no fields then).

    Raises
    ------
    HitsError
        Nothing usable there (the message names the path and what was expected).
    """
    from ..analysis.results_store import AnalysisStoreError, open_results

    path = Path(location).expanduser()
    if path.is_dir():
        try:
            results = open_results(path)
            wells, fields = results.wells, results.fields
        except AnalysisStoreError as e:
            raise HitsError(str(path), str(e).removeprefix(f"{path}: ")) from None
        return Readouts(wells, str(path / "wells.parquet"), path, str(results.manifest.get("plate", "")) or None,
                        fields)
    if not path.is_file():
        raise HitsError(str(path), "no such file or folder (give an analysis store or a per-well readouts table)")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise HitsError(str(path), f"not a readouts table (expected {', '.join(TABLE_SUFFIXES)} or an analysis store)")
    try:
        wells = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    except (OSError, ValueError) as e:
        raise HitsError(str(path), f"cannot be read ({type(e).__name__}: {e})") from None
    if "well" not in wells.columns:
        raise HitsError(str(path), f"no 'well' column (columns: {', '.join(map(str, wells.columns[:8]))})")
    return Readouts(wells, str(path))


def find_store_platemap(readouts: Readouts) -> pd.DataFrame | None:
    """The plate map of the plate a store analysed: in the plate's attributes or a
    ``<stem>_platemap.csv`` beside it (local plates); None when there is none or no store."""
    if readouts.store is None or not readouts.plate:
        return None
    import warnings

    from ..plate import open_plate
    from ..platemap import find_platemap

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the plate's deviations are `validate`'s business
            plate = open_plate(readouts.plate)
    except (OSError, ValueError):
        return None  # the plate moved or is unreachable: the user gives --platemap
    return find_platemap(plate)
