"""A plate with a few dozen broken wells, one kind of damage or attack each (issue 9, items 1-6).

``write_broken_plate(root, zarr_format)`` writes a good 32-well plate (ome-zarr-py's writer, two
fields a well, 3 levels) and then breaks one well per case in ``CASES`` by editing its files:
bombs and lies in chunks, documents that are devices, FIFOs, symlink loops, truncated or not
UTF-8, nested 200,000 deep, impossible shapes and chunks, odd axes, NaN, a ``%`` in a path, odd
labels. ``GOOD_WELLS`` stay intact. Used by tests/hostile/test_hostile_corpus.py, and by hand:

    python tests/hostile/corpus.py /tmp/broken.zarr 3     # then: imaging-explorer open /tmp/broken.zarr

The FIFOs and the unreadable folder make the plate awkward to delete: ``repair(root)`` first.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: builders.py
from builders import multiscales, omezarr_plate, write_attrs

ROWS, COLUMNS = tuple("ABCD"), tuple("12345678")
LEVELS = ("s0", "s1", "s2")
BOMB_GIB = 4  # a gzip chunk of ~4 MB that inflates to 4 GiB (more than the runner's memory cap)


@dataclass(frozen=True)
class Case:
    """One broken well: what breaks it, where the damage must be reported, and in which words.

    ``scope``: "well" (the well is missing), "field" (its field 0 is reported: missing from the
    well, or an error of its thumbnail or pixels; field 1 opens), "warning" (the plate opens and
    warns), "labels" (the field's labels warn when read). ``words``: one of them, in lower
    case, is in the reason. ``validate``: one of them is in a problem ``ie.validate`` lists for
    the well (None: metadata is fine, only pixels are broken).
    """

    well: str
    name: str
    scope: str
    words: tuple[str, ...]
    validate: tuple[str, ...] | None
    breaks: Callable[[Path, str, int], None]


def _group_doc(folder: Path, fmt: int) -> Path:
    return folder / ("zarr.json" if fmt == 3 else ".zattrs")


def _array_doc(folder: Path, fmt: int) -> Path:
    return folder / ("zarr.json" if fmt == 3 else ".zarray")


def _ome(doc: dict[str, Any], fmt: int) -> dict[str, Any]:
    return doc["attributes"]["ome"] if fmt == 3 else doc


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))  # NaN and Infinity are written as JSON's readers accept them


def _chunk_files(level: Path) -> list[Path]:
    return [p for p in level.rglob("*") if p.is_file() and p.name not in ("zarr.json", ".zarray", ".zattrs")]


def _levels(well: Path) -> list[Path]:
    return [well / "0" / name for name in LEVELS]


def _replace(path: Path, make: Callable[[Path], None]) -> None:
    path.unlink()
    make(path)


@functools.cache
def gzip_bomb() -> bytes:
    """A gzip stream of BOMB_GIB GiB of zeros, built from one repeated flushed deflate block."""
    block = bytes(1 << 24)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)  # the same bytes each time
    count = BOMB_GIB << 6
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    body = segment * count + deflate.flush(zlib.Z_FINISH)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body + struct.pack("<II", crc, (count << 24) & 0xFFFFFFFF)


def zstd_liar() -> bytes:
    """A zstd frame whose header claims 16 GiB of content, holding 4 bytes."""
    header = struct.pack("<IB", 0xFD2FB528, 0xE0) + struct.pack("<Q", 16 << 30)  # 8-byte size, one segment
    return header + bytes([(4 << 3) | 1, 0, 0]) + b"abcd"  # one raw, last block of 4 bytes


# -- the cases ------------------------------------------------------------------------------------

def _gzip_bomb(root: Path, well: str, fmt: int) -> None:
    for level in _levels(root / well):
        def gzip(doc: dict[str, Any]) -> None:
            if fmt == 3:
                doc["codecs"] = [{"name": "bytes", "configuration": {"endian": "little"}},
                                 {"name": "gzip", "configuration": {"level": 1}}]
            else:
                doc["compressor"] = {"id": "gzip", "level": 1}
        _edit(_array_doc(level, fmt), gzip)
        for chunk in _chunk_files(level):
            chunk.write_bytes(gzip_bomb())


def _zstd_liar(root: Path, well: str, fmt: int) -> None:
    for level in _levels(root / well):
        for chunk in _chunk_files(level):
            chunk.write_bytes(zstd_liar())


def _array_field(key: str, value: Any, levels: int = 3) -> Callable[[Path, str, int], None]:
    """Set shape or chunks of field 0's arrays (the first ``levels`` levels)."""
    def breaks(root: Path, well: str, fmt: int) -> None:
        def change(doc: dict[str, Any]) -> None:
            if key == "chunks" and fmt == 3:
                doc["chunk_grid"]["configuration"]["chunk_shape"] = value
            elif key == "dtype":
                doc["data_type" if fmt == 3 else "dtype"] = value[fmt]
            else:
                doc[key] = value
        for level in _levels(root / well)[:levels]:
            _edit(_array_doc(level, fmt), change)
    return breaks


def _well_doc(make: Callable[[Path], None]) -> Callable[[Path, str, int], None]:
    return lambda root, well, fmt: _replace(_group_doc(root / well, fmt), make)


def _field_doc(make: Callable[[Path], None]) -> Callable[[Path, str, int], None]:
    return lambda root, well, fmt: _replace(_group_doc(root / well / "0", fmt), make)


def _chunks(make: Callable[[Path], None]) -> Callable[[Path, str, int], None]:
    def breaks(root: Path, well: str, fmt: int) -> None:
        for level in _levels(root / well):
            for chunk in _chunk_files(level):
                _replace(chunk, make)
    return breaks


def _truncated(path: Path) -> None:
    path.write_text('{"zarr_format": 3, "node_type": "group", "attributes": {"ome": {"version": "0.5", "we')


def _rewrite_bytes(change: Callable[[bytes], bytes]) -> Callable[[Path, str, int], None]:
    def breaks(root: Path, well: str, fmt: int) -> None:
        path = _group_doc(root / well / "0", fmt)
        path.write_bytes(change(path.read_bytes()))
    return breaks


def _deep(root: Path, well: str, fmt: int) -> None:
    path = _group_doc(root / well, fmt)
    depth = 200_000
    path.write_text(path.read_text().rstrip()[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}")


def _multiscale(change: Callable[[dict[str, Any]], None]) -> Callable[[Path, str, int], None]:
    def breaks(root: Path, well: str, fmt: int) -> None:
        _edit(_group_doc(root / well / "0", fmt), lambda doc: change(_ome(doc, fmt)))
    return breaks


def _no_yx(attrs: dict[str, Any]) -> None:
    attrs["multiscales"][0]["axes"] = [{"name": "t", "type": "time"}, {"name": "c", "type": "channel"},
                                       {"name": "z", "type": "space"}]


def _nan_scale(attrs: dict[str, Any]) -> None:
    attrs["multiscales"][0]["datasets"][0]["coordinateTransformations"][0]["scale"] = [1.0, float("nan"), 1.0]


def _nan_window(attrs: dict[str, Any]) -> None:
    window = {"start": float("nan"), "end": float("inf"), "min": 0, "max": 65535}
    attrs["omero"] = {"channels": [{"color": "FF0000", "window": window}, {"color": "00FF00", "window": window}]}


def _percent(root: Path, well: str, fmt: int) -> None:
    def change(doc: dict[str, Any]) -> None:
        for ref in _ome(doc, fmt)["plate"]["wells"]:
            if ref["path"] == well.replace("%3", ""):
                ref["path"] = well
    _edit(_group_doc(root, fmt), change)


def _labels(dtype: str, shape: tuple[int, int]) -> Callable[[Path, str, int], None]:
    def breaks(root: Path, well: str, fmt: int) -> None:
        import zarr

        version = "0.5" if fmt == 3 else "0.4"
        write_attrs(root, f"{well}/0/labels", {"labels": ["cells"]}, version)
        attrs = {**multiscales(["0"], "yx"), "image-label": {"colors": [{"label-value": 1, "rgba": [255, 0, 0, 255]}]}}
        write_attrs(root, f"{well}/0/labels/cells", attrs, version)
        group = zarr.open_group(str(root / well / "0" / "labels" / "cells"), mode="a", zarr_format=fmt)  # type: ignore[arg-type]
        group.create_array("0", shape=shape, dtype=dtype, chunks=shape)[...] = 1
    return breaks


def _unreadable(root: Path, well: str, fmt: int) -> None:
    os.chmod(root / well, 0)


CASES = [
    Case("A/1", "gzip bomb chunk", "field", ("decod", "size", "bytes", "large"), None, _gzip_bomb),
    Case("A/2", "zstd header claiming 16 GiB", "field", ("decod", "size", "bytes", "large", "zstd"), None, _zstd_liar),
    Case("A/3", "array shape [2, 1e6, 1e6]", "field", ("large", "size", "bytes", "memory"), None,
         _array_field("shape", [2, 1_000_000, 1_000_000])),
    Case("A/4", "well document is a link to /dev/zero", "well", ("regular", "device"), ("regular", "device"),
         _well_doc(lambda p: p.symlink_to("/dev/zero"))),
    Case("A/5", "chunks are links to /dev/zero", "field", ("regular", "device"), None,
         _chunks(lambda p: p.symlink_to("/dev/zero"))),
    Case("A/6", "field document is a FIFO", "field", ("fifo", "pipe", "regular"), ("fifo", "pipe", "regular"),
         _field_doc(lambda p: os.mkfifo(p))),
    Case("A/7", "chunks are FIFOs", "field", ("fifo", "pipe", "regular"), None, _chunks(lambda p: os.mkfifo(p))),
    Case("A/8", "truncated well JSON", "well", ("json",), ("json",), _well_doc(_truncated)),
    Case("B/1", "field JSON not UTF-8", "field", ("utf",), ("utf",),
         _rewrite_bytes(lambda raw: raw.replace(b'"multiscales"', b'"multi\xc3\x28scales"', 1))),
    Case("B/2", "Infinity in a shape", "field", ("whole number", "infinity", "integer", "inf"),
         ("whole number", "infinity", "integer", "inf"), _array_field("shape", [2, float("inf"), 32], levels=1)),
    Case("B/3", "well JSON nested 200,000 deep", "well", ("nest", "deep"), ("nest", "deep"), _deep),
    Case("B/4", "well document is a symlink loop", "well", ("loop",), ("loop",), _well_doc(lambda p: p.symlink_to(p.name))),
    Case("B/5", "well folder without read permission", "well", ("permission",), ("permission",), _unreadable),
    Case("B/6", "chunk shape 0", "field", ("zero", "chunk"), ("zero", "below 1"), _array_field("chunks", [2, 0, 32])),
    Case("B/7", "axes without y/x", "field", ("axis", "axes", "y/x", "plane", "2-d", "2d"), ("axes",), _multiscale(_no_yx)),
    Case("B/8", "NaN scale", "warning", ("finite", "nan"), ("finite",), _multiscale(_nan_scale)),
    Case("C/%31", "% in the well path", "well", ("unsafe", "%"), ("unsafe", "%"), _percent),
    Case("C/2", "a boolean in a shape", "field", ("whole number", "boolean"), ("whole number", "boolean"),
         _array_field("shape", [2, True, 32], levels=1)),
    Case("C/3", "negative chunk shape", "field", ("negative", "below 1"), ("negative", "below 1"),
         _array_field("chunks", [2, -32, 32])),
    Case("C/4", "a data type zarr cannot read", "field", ("data type",), ("data type",),
         _array_field("dtype", {2: "uint16", 3: "<u2"})),
    Case("C/5", "NaN / Infinity window", "warning", ("finite",), ("finite",), _multiscale(_nan_window)),
    Case("C/6", "float labels", "labels", ("integer",), ("integer",), _labels("float32", (32, 32))),
    Case("C/7", "labels of another size", "labels", ("y/x size",), ("y/x size",), _labels("uint32", (16, 16))),
]
GOOD_WELLS = ("C/8", "D/1", "D/2", "D/3", "D/4", "D/5", "D/6", "D/7", "D/8")


def write_good_plate(root: Path, zarr_format: int) -> Path:
    """A 4 x 8 plate, two fields of (2, 32, 32) a well: one well written by ome-zarr-py, copied."""
    version = "0.5" if zarr_format == 3 else "0.4"
    omezarr_plate(root, version=version, wells=("A/1",), rows=ROWS, columns=COLUMNS, fields=2, shape=(2, 32, 32), labels=False)
    wells = [f"{r}/{c}" for r in ROWS for c in COLUMNS]
    for well in wells[1:]:
        shutil.copytree(root / "A" / "1", root / well)
        row_doc = ".zgroup" if zarr_format == 2 else "zarr.json"  # each row is a group of its own
        if not (root / well[0] / row_doc).exists():
            shutil.copy(root / "A" / row_doc, root / well[0] / row_doc)

    def listing(doc: dict[str, Any]) -> None:
        plate = _ome(doc, zarr_format)["plate"]
        plate["wells"] = [{"path": w, "rowIndex": ROWS.index(w[0]), "columnIndex": COLUMNS.index(w[2])} for w in wells]
    _edit(_group_doc(root, zarr_format), listing)
    return root


def write_broken_plate(root: str | os.PathLike[str], zarr_format: int) -> dict[str, str]:
    """Write the corpus plate at ``root``; return {well path: a word its reason contains}."""
    root = Path(root)
    write_good_plate(root, zarr_format)
    for case in CASES:
        case.breaks(root, case.well, zarr_format)
    return {case.well: case.words[0] for case in CASES}


def repair(root: str | os.PathLike[str]) -> None:
    """Make the corpus deletable again (read permission back)."""
    for case in CASES:
        if case.breaks is _unreadable:
            path = Path(root) / case.well
            if path.exists():
                os.chmod(path, 0o755)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    for well, word in write_broken_plate(out, int(sys.argv[2]) if len(sys.argv) > 2 else 3).items():
        print(f"{well}: {word}")
