"""Which plates make a screen: a folder of plates, a list of locations, or a CSV index.

The CSV index has one row per plate: ``plate`` (its location; relative paths are taken from the
index's folder), and optionally ``platemap``, ``readouts`` (an analysis store or per-well
table), ``batch`` and ``date``. Nothing is opened here: the entries only say where things are.
No Qt, no napari.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..io.location import is_url
from .errors import ScreenError

__all__ = ["INDEX_COLUMNS", "ScreenEntry", "is_screen_source", "screen_entries"]

PLATE_SUFFIXES = (".zarr",)  # a folder's plates: its sub-folders named *.zarr (*.ome.zarr too)
INDEX_COLUMNS = ("plate", "platemap", "readouts", "batch", "date")
_ALIASES = {"location": "plate", "path": "plate", "plate_location": "plate", "plate_map": "platemap",
            "results": "readouts", "analysis": "readouts"}
MAX_INDEX_BYTES = 16 * 1024 * 1024  # a screen index is a short table, never a data file


@dataclass(frozen=True)
class ScreenEntry:
    """Where one plate of the screen and its companions are; "" = not given (found by default)."""

    location: str
    platemap: str = ""
    readouts: str = ""
    batch: str = ""
    date: str = ""


def _resolved(text: str, folder: Path) -> str:
    """A location from the index: URLs as written, relative paths from the index's folder."""
    text = text.strip()
    if not text or is_url(text):
        return text
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else (folder / path).absolute())


def _read_index(path: Path) -> list[ScreenEntry]:
    if path.stat().st_size > MAX_INDEX_BYTES:
        raise ScreenError(str(path), f"larger than {MAX_INDEX_BYTES // 2**20} MiB: not a screen index")
    try:
        text = path.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(text.splitlines(), delimiter="\t" if path.suffix.lower() == ".tsv" else ","))
    except (UnicodeDecodeError, csv.Error) as e:
        raise ScreenError(str(path), f"not a readable CSV table ({e})") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ScreenError(str(path), "empty: expected a header with a 'plate' column and one row per plate")
    header = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in rows[0]]
    if "plate" not in header:
        raise ScreenError(str(path), f"no 'plate' column (columns: {', '.join(rows[0]) or 'none'}); "
                                     f"expected {', '.join(INDEX_COLUMNS)}")
    entries = []
    for line, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, (c.strip() for c in row)))
        if not cells.get("plate"):
            raise ScreenError(str(path), f"line {line}: no plate location")
        entries.append(ScreenEntry(_resolved(cells["plate"], path.parent), _resolved(cells.get("platemap", ""), path.parent),
                                   _resolved(cells.get("readouts", ""), path.parent),
                                   cells.get("batch", ""), cells.get("date", "")))
    return entries


def _is_plate_folder(path: Path) -> bool:
    return path.is_dir() and path.name.lower().endswith(PLATE_SUFFIXES)


_ZARR_MARKERS = ("zarr.json", ".zgroup", ".zattrs")


def is_screen_source(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` names a screen rather than one plate: a local CSV/TSV index, or a local
    folder that is neither named like a plate (``*.zarr``) nor a zarr group itself. URLs are plates."""
    text = os.fspath(location)
    if is_url(text):
        return False
    path = Path(text).expanduser()
    if path.is_file():
        return path.suffix.lower() in (".csv", ".tsv")
    return (path.is_dir() and not _is_plate_folder(path)
            and not any((path / marker).exists() for marker in _ZARR_MARKERS))


def screen_entries(source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[ScreenEntry]:
    """The plates of a screen, in the order given (a folder's plates sorted by name).

    Parameters
    ----------
    source
        A folder holding plate folders (``*.zarr``), a CSV/TSV index file, or a list of plate
        locations (paths or URLs).

    Raises
    ------
    ScreenError
        A source that names no plate, or an index that cannot be read (the message names it).
    """
    if not isinstance(source, (str, os.PathLike)):
        entries = [ScreenEntry(_resolved(os.fspath(s), Path.cwd())) for s in source]
        if not entries:
            raise ScreenError("(list)", "no plate locations given")
        return entries
    text = os.fspath(source)
    if is_url(text):
        return [ScreenEntry(text)]  # one remote plate: a screen of one
    path = Path(text).expanduser().absolute()
    if path.is_file():
        if path.suffix.lower() not in (".csv", ".tsv"):
            raise ScreenError(str(path), "not a screen index: give a .csv / .tsv index, a folder of plates or plates")
        return _read_index(path)
    if not path.is_dir():
        raise ScreenError(str(path), "no such file or folder")
    if _is_plate_folder(path):
        return [ScreenEntry(str(path))]  # one plate: a screen of one
    plates = sorted((p for p in path.iterdir() if _is_plate_folder(p)), key=lambda p: p.name.lower())
    if not plates:
        raise ScreenError(str(path), "no plates here (expected sub-folders named *.zarr, or a CSV index)")
    return [ScreenEntry(str(p)) for p in plates]
