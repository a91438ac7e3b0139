"""OME-NGFF metadata of the sample plate, and the zarr documents that carry it.

zarr-python's public API costs several milliseconds per node created (measured here: ~9 ms
for a group plus an array), which for 384 wells x 2 fields x 13 nodes (3 groups, 10 arrays)
would alone take a minute. So zarr-python writes each kind of node (plate, row, well, field subtree) once,
into an in-memory store, and :mod:`.writer` copies those exact bytes to every node of that
kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal

import numcodecs
import zarr
from zarr.codecs import BloscCodec, BloscShuffle
from zarr.storage import MemoryStore

from .layout import WellPlan
from .synth import CHANNELS, level_shapes
from .writer import CLEVEL, CNAME, SHUFFLE, chunk_side

VERSIONS = ("0.4", "0.5")
PIXEL_UM = 0.65
COLORS = {"DAPI": "0000FF", "Cell": "FF00FF", "Pathogen": "00FF00"}
WINDOWS = {"DAPI": (100, 2500), "Cell": (140, 900), "Pathogen": (90, 1500)}  # start, end
LABEL_COLORS = [(1, [230, 25, 75, 255]), (2, [60, 180, 75, 255]), (3, [255, 225, 25, 255]),
                (4, [0, 130, 200, 255])]


def _axis(name: str) -> dict:
    if name == "c":
        return {"name": "c", "type": "channel"}
    return {"name": name, "type": "space", "unit": "micrometer"}


def _multiscale(name: str, axes: str, n_levels: int, kind: str, version: str) -> dict:
    lead = [1.0] * (len(axes) - 2)
    ms = {
        "name": name,
        "axes": [_axis(a) for a in axes],
        "datasets": [
            {"path": str(k), "coordinateTransformations": [
                {"type": "scale", "scale": [*lead, PIXEL_UM * 2**k, PIXEL_UM * 2**k]}]}
            for k in range(n_levels)
        ],
        "type": kind,
        "metadata": {"method": "imaging_explorer.sample",
                     "description": "2x2 block mean" if kind == "mean" else "every second pixel"},
    }
    if version == "0.4":
        ms["version"] = "0.4"
    return ms


def _wrap(attrs: dict, version: str) -> dict:
    """NGFF 0.5 keeps everything under ``ome`` with one version; 0.4 has it inline."""
    return {"ome": {"version": "0.5", **attrs}} if version == "0.5" else attrs


def plate_attrs(name: str, plans: list[WellPlan], rows: list[str], columns: list[str],
                fields: int, version: str) -> dict:
    plate = {
        "name": name,
        "rows": [{"name": r} for r in rows],
        "columns": [{"name": c} for c in columns],
        "wells": [{"path": p.path, "rowIndex": p.row_index, "columnIndex": p.column_index} for p in plans],
        "acquisitions": [{"id": 0, "name": "synthetic infection assay", "maximumfieldcount": fields}],
        "field_count": fields,
    }
    if version == "0.4":
        plate["version"] = "0.4"
    return _wrap({"plate": plate}, version)


def well_attrs(fields: int, version: str) -> dict:
    well: dict = {"images": [{"path": str(f), "acquisition": 0} for f in range(fields)]}
    if version == "0.4":
        well["version"] = "0.4"
    return _wrap({"well": well}, version)


def image_attrs(n_levels: int, version: str) -> dict:
    channels = [
        {"label": ch, "color": COLORS[ch], "active": True, "coefficient": 1.0, "family": "linear",
         "inverted": False, "window": {"start": WINDOWS[ch][0], "end": WINDOWS[ch][1], "min": 0, "max": 65535}}
        for ch in CHANNELS
    ]
    return _wrap({
        "multiscales": [_multiscale("image", "cyx", n_levels, "mean", version)],
        "omero": {"channels": channels, "rdefs": {"model": "color", "defaultZ": 0, "defaultT": 0}},
    }, version)


def label_attrs(n_levels: int, version: str) -> dict:
    label: dict = {"colors": [{"label-value": v, "rgba": rgba} for v, rgba in LABEL_COLORS],
                   "source": {"image": "../../"}}
    if version == "0.4":
        label["version"] = "0.4"
    return _wrap({"multiscales": [_multiscale("nuclei", "yx", n_levels, "nearest", version)],
                  "image-label": label}, version)


def _zarr_format(version: str) -> Literal[2, 3]:
    return 3 if version == "0.5" else 2


def _documents(build: Callable[[MemoryStore], object]) -> list[tuple[str, bytes]]:
    """Run ``build(store)`` on an empty in-memory zarr store; return the documents it wrote.

    Empty zarr v2 ``.zattrs`` (``{}``; optional in the v2 spec) are left out: they would be
    ~8 % of all the files of a 0.4 plate, and files, not bytes, are what writing costs here.
    """
    store: dict = {}
    build(MemoryStore(store))
    docs = ((key, buf.to_bytes()) for key, buf in store.items())
    return sorted((key, data) for key, data in docs
                  if not (key.rsplit("/", 1)[-1] == ".zattrs" and json.loads(data) == {}))


def _array_kwargs(version: str, dims: str) -> dict:
    if version == "0.5":
        shuffle = {0: BloscShuffle.noshuffle, 1: BloscShuffle.shuffle, 2: BloscShuffle.bitshuffle}[SHUFFLE]
        return {"compressors": BloscCodec(cname=CNAME, clevel=CLEVEL, shuffle=shuffle),
                "chunk_key_encoding": {"name": "default", "separator": "/"}, "dimension_names": list(dims)}
    return {"compressors": numcodecs.Blosc(cname=CNAME, clevel=CLEVEL, shuffle=SHUFFLE),
            "chunk_key_encoding": {"name": "v2", "separator": "/"}}


def group_documents(attrs: dict, version: str) -> list[tuple[str, bytes]]:
    """The metadata document(s) of a group with ``attrs`` (zarr.json, or .zgroup + .zattrs)."""
    return _documents(lambda s: zarr.create_group(s, zarr_format=_zarr_format(version), attributes=attrs))


def field_documents(size: int, version: str) -> list[tuple[str, bytes]]:
    """All metadata documents of one field subtree (image, labels group, nuclei), relative keys."""
    sides = level_shapes(size)

    def build(store: MemoryStore) -> None:
        zf = _zarr_format(version)
        image = zarr.create_group(store, zarr_format=zf, attributes=image_attrs(len(sides), version))
        for k, side in enumerate(sides):
            c = chunk_side(side)
            image.create_array(str(k), shape=(len(CHANNELS), side, side), chunks=(1, c, c), dtype="uint16",
                               fill_value=0, **_array_kwargs(version, "cyx"))
        labels = image.create_group("labels", attributes=_wrap({"labels": ["nuclei"]}, version))
        nuclei = labels.create_group("nuclei", attributes=label_attrs(len(sides), version))
        for k, side in enumerate(sides):
            c = chunk_side(side)
            nuclei.create_array(str(k), shape=(side, side), chunks=(c, c), dtype="uint32",
                                fill_value=0, **_array_kwargs(version, "yx"))

    return _documents(build)
