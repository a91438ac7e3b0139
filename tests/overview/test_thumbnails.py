"""Thumbnails of whole plates: equal to zarr-python's reads, and one bad field never spoils the rest."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import zarr
from builders import multiscales, write_attrs

import imaging_explorer as ie
from imaging_explorer.errors import PlateError
from imaging_explorer.overview import build_mosaic, choose_level, iter_thumbnails, plate_layout, read_thumbnails

pytestmark = pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")


def _fields(plate):
    return {f.path: f for w in plate.wells.values() for f in w.fields}


def _zarr_level(plate_path, field, level):
    return zarr.open_array(store=str(plate_path), path=field.arrays[level].key, mode="r")[...]


@pytest.mark.parametrize("fixture", ["tiny_plate", "tiny_plate_v04"])
def test_sample_plate_thumbnails_equal_zarr_reads(request, fixture):
    path = request.getfixturevalue(fixture)
    plate = ie.open_plate(path)
    thumbs = read_thumbnails(plate)
    assert thumbs.errors == {}
    fields = _fields(plate)
    assert set(thumbs) == set(fields)
    for key, f in fields.items():
        level = choose_level(f)
        assert thumbs.levels[key] == level and f.arrays[level].shape[-1] == 64
        assert np.array_equal(thumbs[key], _zarr_level(path, f, level))


def test_choose_level_rules(tiny_plate):
    f = next(iter(ie.open_plate(tiny_plate).wells.values())).fields[0]  # levels 256, 128, 64
    assert [choose_level(f, m) for m in (64, 65, 128, 200, 256, 1000)] == [2, 1, 1, 0, 0, 0]


def _copy(src, tmp_path):
    return shutil.copytree(src, tmp_path / "plate.zarr")


def test_corrupted_chunk_fails_only_its_field(tiny_plate, tmp_path):
    path = _copy(tiny_plate, tmp_path)
    (path / "A/1/0/2/c/1/0/0").write_bytes(b"garbage, not a blosc frame" * 4)
    plate = ie.open_plate(path)
    thumbs = read_thumbnails(plate)
    assert thumbs["A/1/0"] is None and "A/1/0/2" in thumbs.errors["A/1/0"]
    assert set(thumbs.errors) == {"A/1/0"}
    for key, f in _fields(plate).items():
        if key != "A/1/0":
            assert np.array_equal(thumbs[key], _zarr_level(path, f, 2))


def test_truncated_chunk_of_v2_plate(tiny_plate_v04, tmp_path):
    path = _copy(tiny_plate_v04, tmp_path)
    chunk = path / "B/1/0/2/0/0/0"
    chunk.write_bytes(chunk.read_bytes()[:20])
    thumbs = read_thumbnails(ie.open_plate(path))
    assert set(thumbs.errors) == {"B/1/0"} and thumbs["B/1/0"] is None
    assert sum(v is not None for v in thumbs.values()) == len(thumbs) - 1


def test_store_error_fails_only_fields_that_need_the_key(tiny_plate, monkeypatch):
    plate = ie.open_plate(tiny_plate)
    loc = plate.store_location
    real = loc.read_bytes_many
    bad = "A/2/0/2/c/2/0/0"

    def flaky(keys, **kw):
        if bad in keys:
            raise PlateError(f"{loc}/{bad}", "connection reset")
        return real(keys, **kw)

    monkeypatch.setattr(loc, "read_bytes_many", flaky)
    steps = list(iter_thumbnails(plate, batch_size=2))
    assert [s.done for s in steps] == [2, 4, 5] and {s.total for s in steps} == {5}
    errors = {k: v for s in steps for k, v in s.thumbnails.errors.items()}
    assert list(errors) == ["A/2/0"] and "connection reset" in errors["A/2/0"]


def _odd_plate(root):
    """Not uniform: a sharded tczyx field, a larger cyx field in another well, a missing well."""
    rows, cols = ["A", "B"], ["1", "2", "3"]
    wells = ["A/1", "A/2", "B/3"]
    plate = {"name": "odd", "rows": [{"name": r} for r in rows], "columns": [{"name": c} for c in cols],
             "wells": [{"path": w, "rowIndex": rows.index(w[0]), "columnIndex": cols.index(w[2])} for w in wells]}
    write_attrs(root, "", {"plate": plate}, "0.5")
    rng = np.random.default_rng(1)
    specs = {"A/1": ("tczyx", (2, 2, 5, 80, 80), dict(chunks=(1, 1, 1, 16, 16), shards=(1, 1, 5, 48, 48))),
             "B/3": ("cyx", (2, 100, 100), dict(chunks=(1, 64, 64)))}
    for well, (axes, shape, kw) in specs.items():
        write_attrs(root, well, {"well": {"images": [{"path": "0"}, {"path": "1"}]}}, "0.5")
        for f in ("0", "1"):
            write_attrs(root, f"{well}/{f}", multiscales(["0", "1"], axes), "0.5")
            group = zarr.open_group(str(root / well / f), mode="a")
            for k in range(2):
                lshape = shape[:-2] + tuple(n >> k for n in shape[-2:])
                group.create_array(str(k), shape=lshape, dtype="uint16", **kw)[...] = rng.integers(0, 900, lshape)
    return root


@pytest.fixture(scope="module")
def odd_plate(tmp_path_factory):
    return _odd_plate(tmp_path_factory.mktemp("odd") / "odd.zarr")


@pytest.mark.parametrize("z", ["middle", "max"])
def test_non_uniform_plate_thumbnails_layout_and_mosaic(odd_plate, z):
    path = odd_plate
    plate = ie.open_plate(path)
    assert sorted(plate.wells) == ["A/1", "B/3"] and "A/2" in plate.missing_wells
    thumbs = read_thumbnails(plate, z=z)
    assert thumbs.errors == {}
    tz = _zarr_level(path, plate.wells["A/1"].fields[1], 0)  # 80 px: level 0 (level 1 is 40 < 64)
    expected = tz[0].max(axis=1) if z == "max" else tz[0][:, 2]
    assert np.array_equal(thumbs["A/1/1"], expected)
    assert thumbs["B/3/0"].shape == (2, 100, 100)

    layout = plate_layout(plate)
    assert layout.tile == (80, 80) and layout.grid == (1, 2) and layout.missing == {"A/2": (0, 1)}
    mosaic = build_mosaic(layout, thumbs)
    assert len(mosaic) == 2 and mosaic[0].dtype == np.uint16 and mosaic[0].shape == layout.shape
    y0, x0, y1, x1 = layout.field_box("A/1/1")
    assert np.array_equal(mosaic[1][y0:y1, x0:x1], expected[1])
    y0, x0, y1, x1 = layout.field_box("B/3/0")  # 100 px into 80: 2x2 block mean, 50 px, centred
    inner = mosaic[0][y0 + 15 : y0 + 65, x0 + 15 : x0 + 65]
    assert np.array_equal(inner, thumbs["B/3/0"][0].reshape(50, 2, 50, 2).mean(axis=(1, 3)).astype(np.uint16))
    assert not mosaic[0][y0:y1, x0 : x0 + 15].any()
    y0, x0, y1, x1 = layout.cell_box(0, 1)  # the missing well stays empty
    assert not any(m[y0:y1, x0:x1].any() for m in mosaic)


def _break_field(plate, path, **doc_changes):
    """Give one field of an opened plate a damaged array document (what a lenient model might pass)."""
    import dataclasses

    f = _fields(plate)[path]
    info = f.arrays[0]
    doc = {**info.doc, **doc_changes}
    shape = tuple(doc.get("shape", info.shape))
    f._arrays = (dataclasses.replace(info, doc=doc, shape=shape),)
    f.thumbnail = (0, f._arrays[0])
    return f


def _only_broken(plate, thumbs, path):
    assert thumbs[path] is None and set(thumbs.errors) == {path}
    assert all(v is not None for k, v in thumbs.items() if k != path)


@pytest.mark.parametrize("fixture", ["tiny_plate", "tiny_plate_v04"])
def test_zero_chunk_side_costs_only_its_field(request, fixture):
    plate = ie.open_plate(request.getfixturevalue(fixture))
    f = _break_field(plate, "A/1/0")
    key = "chunks" if f.arrays[0].zarr_format == 2 else "chunk_grid"
    value = [1, 0, 256] if key == "chunks" else {"name": "regular", "configuration": {"chunk_shape": [1, 0, 256]}}
    _break_field(plate, "A/1/0", **{key: value})
    thumbs = read_thumbnails(plate)  # was ZeroDivisionError for the whole plate
    _only_broken(plate, thumbs, "A/1/0")
    assert "chunk shape" in thumbs.errors["A/1/0"]


def test_huge_field_without_pyramid_costs_only_its_field(tiny_plate):
    plate = ie.open_plate(tiny_plate)
    _break_field(plate, "B/1/0", shape=[3, 10**6, 10**6])
    thumbs = read_thumbnails(plate)  # was MemoryError for the whole plate
    _only_broken(plate, thumbs, "B/1/0")
    reason = thumbs.errors["B/1/0"]
    assert "level 0" in reason and "1000000×1000000 px" in reason and "too large for a thumbnail" in reason


def test_field_without_y_and_x_axes_costs_only_its_field(tiny_plate):
    import dataclasses

    plate = ie.open_plate(tiny_plate)
    f = _fields(plate)["A/2/0"]
    # one channel axis and two time axes: no plane to show
    axes = tuple(dataclasses.replace(a, name=n, type=k)
                 for a, n, k in zip(f.multiscale.axes, ["c", "t", "u"], ["channel", "time", "time"]))
    f.multiscale = dataclasses.replace(f.multiscale, axes=axes)
    thumbs = read_thumbnails(plate)
    _only_broken(plate, thumbs, "A/2/0")


def test_chunk_bombs_cost_only_their_field(tiny_plate, tmp_path):
    import struct

    path = _copy(tiny_plate, tmp_path)
    # zstd frame header claiming 16 GB (the sample plate's v3 arrays are zstd-compressed)
    bomb = struct.pack("<I", 0xFD2FB528) + bytes([0xC0, 0x58]) + struct.pack("<Q", 16 * 10**9) + b"\x0b\x00\x10\x07"
    codecs = json.dumps(json.loads((path / "A/1/0/2/zarr.json").read_text())["codecs"])
    assert "zstd" in codecs or "blosc" in codecs
    if "blosc" in codecs:  # a blosc header claiming 2 GB instead
        good = bytearray((path / "A/1/0/2/c/0/0/0").read_bytes())
        good[4:8] = struct.pack("<I", 2 * 10**9)
        bomb = bytes(good)
    (path / "A/1/0/2/c/0/0/0").write_bytes(bomb)
    thumbs = read_thumbnails(ie.open_plate(path))
    assert set(thumbs.errors) == {"A/1/0"}
    assert "A/1/0/2/c/0/0/0" in thumbs.errors["A/1/0"] and "this chunk can hold" in thumbs.errors["A/1/0"]


def test_a_chunk_the_store_refuses_costs_only_its_field(tiny_plate, monkeypatch):
    plate = ie.open_plate(tiny_plate)
    loc = plate.store_location
    real = loc.read_bytes_many
    bad = "A/2/0/2/c/1/0/0"

    def refusing(keys, **kw):
        got = real(keys, **kw)
        if bad in got:
            got[bad] = PlateError(f"{loc}/{bad}", "larger than the 1 MB limit (max_chunk_bytes)")
        return got

    monkeypatch.setattr(loc, "read_bytes_many", refusing)
    thumbs = read_thumbnails(plate)
    assert set(thumbs.errors) == {"A/2/0"} and "max_chunk_bytes" in thumbs.errors["A/2/0"]
    assert bad in thumbs.errors["A/2/0"]
