"""How close the overview's lean read path comes to the floor, and how far zarr-python is.

Makes (once) a 384-well x 2-field x 3-channel sample plate of 512 px fields in zarr v3 (NGFF
0.5) and v2 (NGFF 0.4) under ``--dir``, then prints per plate, best and median of
``--repeat`` runs (warm OS file cache, one process):

  floor     the same metadata documents open_plate reads and the chunk files of the level
            the overview shows, read with open()/json and decoded with numcodecs, one thread
  cold      open_plate + plate_layout + read_thumbnails + build_mosaic, no cache
  cached    the same with a thumbnail cache that already holds the plate
  zarr      zarr-python's public API: open_array(...)[...] of that level of every field

Goals (issue 3): cold within 3x of the floor, cached within 2x.

    python benchmarks/overview_floor.py [--dir /tmp/ie-bench] [--repeat 5] [--rows 16 --columns 24]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numcodecs
import numpy as np

import imaging_explorer as ie
from imaging_explorer.overview import ThumbnailCache, build_mosaic, plate_layout, read_thumbnails

MIN_SIZE = 64


def make_plates(folder: Path, rows: int, columns: int, fields: int, size: int) -> dict[str, Path]:
    """The benchmark plates, written once (the sample writer renames into place when complete)."""
    out = {}
    for version in ("0.5", "0.4"):
        path = folder / f"plate-{version}-{rows}x{columns}x{fields}-{size}.zarr"
        if not path.exists():
            t0 = time.perf_counter()
            ie.make_sample_plate(path, rows=rows, columns=columns, fields=fields, size=size, version=version)
            print(f"made {path} in {time.perf_counter() - t0:.1f} s")
        out[version] = path
    return out


# -- the floor: nothing but open(), json and numcodecs ----------------------------------------
def _json(path: str) -> dict | None:
    try:
        with open(path, "rb") as f:
            return json.loads(f.read())
    except FileNotFoundError:
        return None


def _attrs(root: str, key: str, v3: bool) -> dict:
    if v3:
        attrs = _json(f"{root}/{key}/zarr.json")["attributes"]
        return attrs.get("ome", attrs)
    return _json(f"{root}/{key}/.zattrs")


def floor(root: str) -> dict[str, np.ndarray]:
    """Read what the overview reads, the plainest way; field path -> decoded chunks of the level."""
    v3 = os.path.exists(f"{root}/zarr.json")
    wells = [w["path"] for w in _attrs(root, "", v3)["plate"]["wells"]]
    out = {}
    for well in wells:
        if not os.path.isdir(f"{root}/{well}"):
            continue  # the sample plate lists one well that is not in the store
        for image in _attrs(root, well, v3)["well"]["images"]:
            key = f"{well}/{image['path']}"
            datasets = _attrs(root, key, v3)["multiscales"][0]["datasets"]
            docs = [_json(f"{root}/{key}/{d['path']}/{'zarr.json' if v3 else '.zarray'}") for d in datasets]
            level = max(i for i, d in enumerate(docs) if min(d["shape"][-2:]) >= MIN_SIZE)
            doc, akey = docs[level], f"{key}/{datasets[level]['path']}"
            if v3:
                chunks = doc["chunk_grid"]["configuration"]["chunk_shape"]
                spec = doc["codecs"][1]
                codec = numcodecs.get_codec({"id": spec["name"], **spec["configuration"]})
                sep, prefix, dtype = "/", "c/", np.dtype(doc["data_type"])
            else:
                chunks, codec = doc["chunks"], numcodecs.get_codec(doc["compressor"])
                sep, prefix, dtype = doc.get("dimension_separator", "."), "", np.dtype(doc["dtype"])
            planes = []
            for idx in np.ndindex(*[-(-n // c) for n, c in zip(doc["shape"], chunks)]):
                with open(f"{root}/{akey}/{prefix}{sep.join(map(str, idx))}", "rb") as f:
                    planes.append(np.frombuffer(codec.decode(f.read()), dtype).reshape(chunks))
            out[key] = planes[0] if len(planes) == 1 else np.concatenate(planes)  # one chunk per channel here
    return out


# -- ours and zarr-python ----------------------------------------------------------------------
def ours(root: str, cache: ThumbnailCache | None) -> tuple[dict, list[np.ndarray]]:
    plate = ie.open_plate(root)
    layout = plate_layout(plate, min_size=MIN_SIZE)
    thumbs = read_thumbnails(plate, min_size=MIN_SIZE, cache=cache)
    if thumbs.errors:
        raise RuntimeError(f"unreadable fields: {thumbs.errors}")
    return thumbs, build_mosaic(layout, thumbs)


def zarr_python(store: object, keys: list[str]) -> None:
    import zarr

    for key in keys:
        zarr.open_array(store=store, path=key, mode="r")[...]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default="/tmp/ie-bench", type=Path)
    parser.add_argument("--rows", type=int, default=16)
    parser.add_argument("--columns", type=int, default=24)
    parser.add_argument("--fields", type=int, default=2)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ie.PlateWarning)
    args.dir.mkdir(parents=True, exist_ok=True)
    plates = make_plates(args.dir, args.rows, args.columns, args.fields, args.size)

    from zarr.storage import LocalStore

    for version, path in plates.items():
        root = str(path)
        plate = ie.open_plate(root)
        n_fields = sum(len(w.fields) for w in plate.wells.values())
        print(f"\nNGFF {version} (zarr v{plate.zarr_format}): {len(plate.wells)} wells, {n_fields} fields, "
              f"{args.size} px, {len(plate.wells[next(iter(plate.wells))].fields[0].arrays)} levels")
        f_min, f_med, ref = timed(lambda: floor(root), args.repeat)
        c_min, c_med, (thumbs, mosaic) = timed(lambda: ours(root, None), args.repeat)
        assert set(thumbs) == set(ref) and all(np.array_equal(thumbs[k], ref[k]) for k in ref), "differs from floor"
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            cache = ThumbnailCache(tmp)
            ours(root, cache)  # fill it
            h_min, h_med, _ = timed(lambda: ours(root, cache), args.repeat)
            size = sum(p.stat().st_size for p in Path(tmp).glob("*.npz"))
        t0 = time.perf_counter()
        plate = ie.open_plate(root)
        t_open = time.perf_counter() - t0
        t0 = time.perf_counter()
        read_thumbnails(plate, min_size=MIN_SIZE)
        t_read = time.perf_counter() - t0
        keys = [f"{k}/{thumbs.levels[k]}" for k in thumbs]  # sample dataset paths are "0", "1", ...
        z_min, z_med, _ = timed(lambda: zarr_python(LocalStore(root, read_only=True), keys), max(1, args.repeat // 2))
        print(f"  mosaic: {len(mosaic)} x {mosaic[0].shape} {mosaic[0].dtype}; cache file {size / 1e6:.1f} MB")
        print(f"  {'':8} {'best':>8} {'median':>8}   ratio to floor (best)")
        for name, lo, med in [("floor", f_min, f_med), ("cold", c_min, c_med), ("cached", h_min, h_med),
                              ("zarr", z_min, z_med)]:
            print(f"  {name:8} {lo:8.3f} {med:8.3f}   {lo / f_min:6.2f}x")
        print(f"  of cold: open_plate {t_open:.3f} s, read_thumbnails {t_read:.3f} s")
        print(f"  goals: cold <= 3x floor: {'met' if c_min <= 3 * f_min else 'MISSED'}; "
              f"cached <= 2x floor: {'met' if h_min <= 2 * f_min else 'MISSED'}; "
              f"zarr-python / cold: {z_min / c_min:.1f}x")


if __name__ == "__main__":
    main()
