"""Where a plate's analysis store goes: beside a local plate, in the user data folder for a URL.

DESIGN.md "Analysis outputs": never into the plate. A local ``plate.zarr`` gets
``plate.analysis/`` beside it (``plate.ome.zarr`` too); a plate opened by URL gets
``<data folder>/analysis/<name>-<hash of its location>/``, so the same URL finds the same store
again; ``out`` overrides both. No Qt, no napari.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .._dirs import data_dir

if TYPE_CHECKING:
    from ..io.location import Location
    from ..plate import Plate

__all__ = ["default_folder", "default_folder_at", "plate_source", "store_folder"]

ANALYSIS_SUFFIX = ".analysis"
URL_STORES = "analysis"  # sub-folder of the user data folder for plates opened by URL


def plate_source(plate: Plate) -> str:
    """The location a worker reopens the plate from: an absolute path for a local plate (a
    worker may run in another folder), else the URL as given."""
    loc = plate.store_location
    return str(loc.local_root) if loc.local_root is not None else plate.location.rstrip("/")


def _stem(name: str) -> str:
    for suffix in (".ome.zarr", ".zarr"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def _safe_name(text: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text).strip("._")
    return kept[:40] or "plate"


def default_folder(plate: Plate) -> Path:
    """``<stem>.analysis`` beside a local plate; for a URL, a folder in the user data folder
    named after the plate and keyed by a hash of its location."""
    return default_folder_at(plate.store_location)


def default_folder_at(loc: Location) -> Path:
    """:func:`default_folder` of a plate's location, without opening the plate (a screen lists
    many plates and reads only their results)."""
    root = loc.local_root
    if root is not None:
        return root.parent / f"{_stem(root.name)}{ANALYSIS_SUFFIX}"
    url = str(loc).rstrip("/")
    key = hashlib.sha256(url.encode()).hexdigest()[:16]
    name = _safe_name(_stem(url.rsplit("/", 1)[-1]))
    return data_dir() / URL_STORES / f"{name}-{key}"


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def store_folder(plate: Plate, out: str | os.PathLike[str] | None = None) -> Path:
    """The analysis store's folder for ``plate`` (absolute; not created).

    Parameters
    ----------
    plate
        The plate analysed.
    out
        A folder chosen by the user; None = :func:`default_folder`.

    Raises
    ------
    ValueError
        When the folder would be inside the plate, or would hold the plate.
    """
    folder = (Path(out).expanduser() if out is not None else default_folder(plate)).absolute()
    folder = folder.parent.resolve() / folder.name  # symlinked parents: compare real paths
    root = plate.store_location.local_root
    if root is not None and _inside(folder, root):
        raise ValueError(f"{folder}: the analysis store cannot go inside the plate {root} "
                         "(plates are never written); choose another folder with --out")
    if root is not None and _inside(root, folder):
        raise ValueError(f"{folder}: the analysis store cannot be a folder that holds the plate {root}; "
                         "choose another folder with --out")
    return folder
