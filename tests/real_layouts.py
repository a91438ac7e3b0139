"""Small plates with the layouts real converters write (see issue "Real plates in napari").

Each is a few wells of small 12-bit-like images with spots, so contrast and projections matter:

- ``iohub``: axes named ``T, C, Z, Y, X`` (upper case), 3 channels, 2 z planes, 1 time point.
- ``tczyx``: lower-case ``t, c, z, y, x`` with 2 time points and 3 z planes (acquire-zarr style).
- ``tcyx``: a time-lapse without z.
- ``faim``: ``c, z, y, x`` with 4 channels all named "DAPI"-like repeats, all coloured ``73FF00``
  and windows 0-65535 on data that stays below 4096 (12-bit camera).
- ``no_well_metadata``: well groups without a ``well`` document (fields found by listing).
- ``wells_1536``: 32 x 48 wells (rows A..AF), a sparse handful written.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from builders import ZARR_FORMAT, write_attrs

KINDS = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}


def row_names(n: int) -> list[str]:
    letters = string.ascii_uppercase
    return [letters[i] if i < 26 else "A" + letters[i - 26] for i in range(n)]


def _image(shape: tuple[int, ...], seed: int, high: int = 4000) -> np.ndarray:
    """A dim background with a few bright square spots, values below ``high`` (12-bit data)."""
    rng = np.random.default_rng(seed)
    out = rng.integers(80, 200, size=shape, dtype=np.uint16)
    h, w = shape[-2:]
    for _ in range(4):
        y, x = int(rng.integers(0, h - 6)), int(rng.integers(0, w - 6))
        out[..., y : y + 6, x : x + 6] = int(rng.integers(high // 2, high))
    return out


def write_image(root: Path, key: str, axes: str, shape: tuple[int, ...], version: str = "0.5",
                upper: bool = False, omero: dict[str, Any] | None = None, seed: int = 0,
                levels: int = 2) -> None:
    """One multiscale image at ``key``: ``levels`` levels halving y and x; axes upper-cased if asked."""
    names = [a.upper() if upper else a for a in axes]
    attrs: dict[str, Any] = {
        "multiscales": [{
            "axes": [{"name": n, "type": KINDS[a], **({"unit": "micrometer"} if a in "zyx" else {})}
                     for n, a in zip(names, axes)],
            "datasets": [
                {"path": str(i), "coordinateTransformations": [
                    {"type": "scale", "scale": [1.0] * (len(axes) - 2) + [0.65 * 2**i] * 2}]}
                for i in range(levels)
            ],
        }],
    }
    if omero is not None:
        attrs["omero"] = omero
    write_attrs(root, key, attrs, version)
    group = zarr.open_group(str(root / key), mode="a", zarr_format=ZARR_FORMAT[version])
    data = _image(shape, seed)
    for i in range(levels):
        level = data[..., :: 2**i, :: 2**i]
        arr = group.create_array(str(i), shape=level.shape, dtype="uint16", chunks=level.shape)
        arr[...] = level


def real_plate(path: Path, axes: str = "cyx", shape: tuple[int, ...] = (2, 64, 64), *, upper: bool = False,
               rows: int = 2, columns: int = 3, wells: list[str] | None = None, fields: int = 1,
               omero: dict[str, Any] | None = None, well_metadata: bool = True, version: str = "0.5") -> Path:
    """A plate of ``rows`` x ``columns`` (all wells unless ``wells`` lists "B/3"-style paths)."""
    row_list = row_names(rows)
    col_list = [str(c + 1) for c in range(columns)]
    wells = wells or [f"{r}/{c}" for r in row_list for c in col_list]
    plate = {
        "name": path.stem,
        "rows": [{"name": r} for r in row_list],
        "columns": [{"name": c} for c in col_list],
        "wells": [{"path": w, "rowIndex": row_list.index(w.split("/")[0]),
                   "columnIndex": col_list.index(w.split("/")[1])} for w in wells],
        "field_count": fields,
    }
    write_attrs(path, "", {"plate": plate}, version)
    for n, well in enumerate(wells):
        if well_metadata:
            write_attrs(path, well, {"well": {"images": [{"path": str(f)} for f in range(fields)]}}, version)
        else:
            group = zarr.open_group(str(path), mode="a", zarr_format=ZARR_FORMAT[version])
            group.require_group(well)
        for f in range(fields):
            write_image(path, f"{well}/{f}", axes, shape, version, upper, omero, seed=n * 10 + f)
    return path


def faim_omero(channels: int = 4) -> dict[str, Any]:
    """faim-ipa style: every channel the same colour and a 0-65535 window (the data is 12-bit)."""
    return {"channels": [
        {"label": "DAPI", "color": "73FF00", "active": True,
         "window": {"min": 0, "max": 65535, "start": 0, "end": 65535}}
        for _ in range(channels)
    ]}


def iohub(path: Path) -> Path:
    return real_plate(path, "tczyx", (1, 3, 2, 64, 64), upper=True)


def tczyx(path: Path) -> Path:
    return real_plate(path, "tczyx", (2, 3, 3, 64, 64))


def tcyx(path: Path) -> Path:
    return real_plate(path, "tcyx", (3, 2, 64, 64))


def faim(path: Path) -> Path:
    return real_plate(path, "czyx", (4, 2, 64, 64), omero=faim_omero(4))


def no_well_metadata(path: Path) -> Path:
    return real_plate(path, "cyx", (2, 64, 64), well_metadata=False)


def wells_1536(path: Path) -> Path:
    wells = ["A/1", "A/48", "P/24", "AA/2", "AF/1", "AF/48"]
    return real_plate(path, "cyx", (1, 32, 32), rows=32, columns=48, wells=wells)


LAYOUTS = {"iohub": iohub, "tczyx": tczyx, "tcyx": tcyx, "faim": faim,
           "no_well_metadata": no_well_metadata, "wells_1536": wells_1536}
