"""Read a plate map from where it is: a CSV/TSV/Parquet file, a DataFrame or the plate itself.

The entry points: :func:`read_platemap` turns each source into a header and numbered rows
(line numbers as an editor shows them) for :mod:`.validation`; :func:`find_platemap` looks
for a plate's map in its attributes or in a file beside the plate folder.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .attributes import ATTRIBUTE_KEY, _from_plate_attrs
from ..errors import PlateMapError
from .validation import _build

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from ..plate import Plate

__all__ = ["find_platemap", "read_platemap"]


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


def _is_plate(source: object) -> TypeIs[Plate]:
    return hasattr(source, "wells") and hasattr(source, "fingerprint")


def _frame_rows(df: pd.DataFrame) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    return [str(c) for c in df.columns], [(i + 1, list(values)) for i, values in enumerate(df.itertuples(index=False))]


def read_platemap(source: str | os.PathLike[str] | pd.DataFrame | Plate, plate: Plate | None = None) -> pd.DataFrame:
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
    if _is_plate(source):
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


def find_platemap(plate: Plate) -> pd.DataFrame | None:
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
