"""Plates for the tests: written by ome-zarr-py's writer, or by hand to craft odd and bad cases."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import zarr

ZARR_FORMAT = {"0.4": 2, "0.5": 3}


def omezarr_plate(
    path: Path,
    version: str = "0.5",
    wells: tuple[str, ...] = ("A/1", "A/2", "B/1"),
    rows: tuple[str, ...] = ("A", "B"),
    columns: tuple[str, ...] = ("1", "2"),
    fields: int = 2,
    shape: tuple[int, ...] = (2, 64, 64),
    axes: str = "cyx",
    labels: bool = True,
) -> Path:
    """A plate written entirely by ome-zarr-py (it writes ``s0``-style dataset paths)."""
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_labels, write_plate_metadata, write_well_metadata

    fmt = FormatV05() if version == "0.5" else FormatV04()
    root = zarr.open_group(str(path), mode="w", zarr_format=fmt.zarr_format)
    write_plate_metadata(root, list(rows), list(columns), list(wells), fmt=fmt, name="omezarr-plate", field_count=fields)
    rng = np.random.default_rng(0)
    for well in wells:
        row, col = well.split("/")
        group = root.require_group(row).require_group(col)
        write_well_metadata(group, [str(i) for i in range(fields)], fmt=fmt)
        for i in range(fields):
            fg = group.require_group(str(i))
            image = rng.integers(0, 1000, size=shape, dtype=np.uint16)
            write_image(image, fg, axes=axes, fmt=fmt, scale_factors=[2, 4])
            if labels:
                yx = shape[-2:]
                mask = np.zeros(yx, np.uint32)
                mask[8:16, 8:16] = 1
                label_axes = axes.replace("c", "")
                mask = mask.reshape((1,) * (len(label_axes) - 2) + yx)
                write_labels(mask, fg, name="nuclei", axes=label_axes, fmt=fmt, scale_factors=[2, 4])
    return path


def write_attrs(root: Path, key: str, attrs: dict[str, Any], version: str) -> None:
    """A group at ``key`` with OME attributes, wrapped for the version's zarr format."""
    folder = root / key if key else root
    folder.mkdir(parents=True, exist_ok=True)
    if ZARR_FORMAT[version] == 3:
        doc = {"zarr_format": 3, "node_type": "group", "attributes": {"ome": {"version": "0.5", **attrs}}}
        (folder / "zarr.json").write_text(json.dumps(doc))
    else:
        (folder / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
        (folder / ".zattrs").write_text(json.dumps(_with_v04_versions(attrs)))


def _with_v04_versions(attrs: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(attrs))
    for kind in ("plate", "well", "image-label"):
        if kind in out:
            out[kind].setdefault("version", "0.4")
    for ms in out.get("multiscales", []):
        ms.setdefault("version", "0.4")
    return out


def multiscales(paths: list[str], axes: str = "cyx") -> dict[str, Any]:
    kinds = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
    return {
        "multiscales": [
            {
                "axes": [{"name": a, "type": kinds[a]} for a in axes],
                "datasets": [
                    {"path": p, "coordinateTransformations": [{"type": "scale", "scale": [1.0] * (len(axes) - 2) + [2.0**i] * 2}]}
                    for i, p in enumerate(paths)
                ],
            }
        ]
    }


def hand_plate(
    path: Path,
    version: str = "0.5",
    wells: tuple[str, ...] = ("A/1", "B/2"),
    rows: tuple[str, ...] = ("A", "B"),
    columns: tuple[str, ...] = ("1", "2"),
    fields: tuple[str, ...] = ("0",),
    shape: tuple[int, ...] = (2, 32, 32),
    axes: str = "cyx",
    levels: tuple[str, ...] = ("0", "1"),
    write_wells: tuple[str, ...] | None = None,
) -> Path:
    """A plate made document by document, so that tests can then break one piece of it."""
    plate = {
        "name": "hand",
        "rows": [{"name": r} for r in rows],
        "columns": [{"name": c} for c in columns],
        "wells": [
            {"path": w, "rowIndex": rows.index(w.split("/")[0]), "columnIndex": columns.index(w.split("/")[1])}
            for w in wells
        ],
    }
    write_attrs(path, "", {"plate": plate}, version)
    for w in wells if write_wells is None else write_wells:
        write_attrs(path, w, {"well": {"images": [{"path": f} for f in fields]}}, version)
        for f in fields:
            write_field(path, f"{w}/{f}", version, shape, axes, levels)
    return path


def write_field(root: Path, key: str, version: str, shape: tuple[int, ...], axes: str, levels: tuple[str, ...]) -> None:
    write_attrs(root, key, multiscales(list(levels), axes), version)
    group = zarr.open_group(str(root / key), mode="a", zarr_format=ZARR_FORMAT[version])
    for i, level in enumerate(levels):
        lshape = shape[:-2] + tuple(max(1, n >> i) for n in shape[-2:])
        arr = group.create_array(level, shape=lshape, dtype="uint16", chunks=lshape)
        arr[...] = (np.arange(np.prod(lshape)) % 1000).reshape(lshape).astype(np.uint16)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep the test output readable
        pass


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # fsspec opens many connections at once; a backlog of 5 drops some (1 s retries)


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve a folder over HTTP on loopback; yields its base URL."""
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
