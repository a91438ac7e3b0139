"""Array documents are checked before anything decodes; group and array reads pass bad documents on
as PlateError values, one per path; a bad root document raises."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from builders import hand_plate

from imaging_explorer.errors import PlateError
from imaging_explorer.io import Location, ZarrDocs, set_read_limits
from imaging_explorer.io.documents import parse_array_doc


def v3_doc(**changes):
    doc = {
        "zarr_format": 3, "node_type": "array", "shape": [2, 64, 64], "data_type": "uint16",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [1, 32, 32]}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0, "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
    }
    return {**doc, **changes}


def v2_doc(**changes):
    doc = {"zarr_format": 2, "shape": [2, 64, 64], "chunks": [1, 32, 32], "dtype": "<u2", "compressor": None,
           "fill_value": 0, "order": "C", "filters": None}
    return {**doc, **changes}


def grid(chunks):
    return {"name": "regular", "configuration": {"chunk_shape": chunks}}


def sharded(shard, inner):
    return {"chunk_grid": grid(shard), "codecs": [{"name": "sharding_indexed", "configuration": {
        "chunk_shape": inner, "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
        "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}]}}]}


def test_good_documents_are_summarised():
    info = parse_array_doc("a", v3_doc(), 3)
    assert (info.shape, info.chunks, info.dtype) == ((2, 64, 64), (1, 32, 32), np.dtype("uint16"))
    assert parse_array_doc("a", v2_doc(dtype=">f4"), 2).dtype == np.dtype(">f4")
    assert parse_array_doc("a", v3_doc(**sharded([1, 64, 64], [1, 16, 16])), 3).chunks == (1, 16, 16)
    huge = parse_array_doc("a", v3_doc(shape=[3, 10**6, 10**6], chunk_grid=grid([1, 1024, 1024])), 3)
    assert huge.shape == (3, 10**6, 10**6)  # a huge array is fine: it is read lazily


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"shape": [2, True, 64]}, "not a whole number"),
        ({"shape": [2, 64.0, 64]}, "not a whole number"),
        ({"shape": [2, float("inf"), 64]}, "not a whole number"),
        ({"shape": [2, float("nan"), 64]}, "not a whole number"),
        ({"shape": [2, -64, 64]}, "negative"),
        ({"shape": "64"}, "not a list"),
        ({"chunk_grid": grid([1, 0, 32])}, "zero"),
        ({"chunk_grid": grid([1, 32])}, "2 chunk sizes for 3 dimensions"),
        ({"chunk_grid": {"name": "rectilinear", "configuration": {}}}, "regular chunk grid"),
        ({"data_type": "<u2"}, "zarr-python cannot read"),
        ({"data_type": {"name": "uint16"}}, "zarr-python cannot read"),
        ({"data_type": "string"}, "only numeric"),
        ({"data_type": "complex64"}, "only numeric"),
        ({"fill_value": 70000}, "fill value"),
        ({"fill_value": None}, "fill value"),
        ({"chunk_grid": grid([1, 2**20, 2**20])}, "decodes to"),
        ({"codecs": 5}, "not a list"),
        ({"codecs": [{"name": "numcodecs.pickle"}]}, "refused"),
        (sharded([1, 64, 64], [1, 24, 24]), "not a multiple"),
    ],
)
def test_bad_v3_documents_are_refused(changes, reason):
    with pytest.raises(ValueError, match=reason):
        parse_array_doc("a", v3_doc(**changes), 3)


def test_a_shard_index_larger_than_the_limit_is_refused():
    with pytest.raises(ValueError, match="shard index"):
        parse_array_doc("a", v3_doc(**sharded([1, 2**16, 2**16], [1, 1, 1])), 3)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"chunks": [1, 0, 32]}, "zero"),
        ({"chunks": [1, False, 32]}, "not a whole number"),
        ({"dtype": "|O"}, "zarr-python cannot read"),
        ({"dtype": [["a", "<u2"]]}, "only numeric"),
        ({"dtype": "<U4"}, "only numeric"),
        ({"order": "X"}, "order"),
        ({"filters": [{"id": "pickle"}]}, "refused"),
        ({"compressor": "zlib"}, "not a JSON object"),
    ],
)
def test_bad_v2_documents_are_refused(changes, reason):
    with pytest.raises(ValueError, match=reason):
        parse_array_doc("a", v2_doc(**changes), 2)


def test_the_decoded_limit_is_settable():
    previous = set_read_limits(max_decoded_bytes=1000)
    try:
        with pytest.raises(ValueError, match="limit of 1,000"):
            parse_array_doc("a", v3_doc(), 3)  # one 32 x 32 uint16 chunk: 2,048 bytes
    finally:
        set_read_limits(**dataclasses.asdict(previous))


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_bad_documents_come_back_per_path(tmp_path, version):
    root = hand_plate(tmp_path / "p.zarr", version=version, wells=("A/1", "B/2"))
    group_doc = "zarr.json" if version == "0.5" else ".zattrs"
    array_doc = "zarr.json" if version == "0.5" else ".zarray"
    (root / "A/1/0" / group_doc).write_bytes(b'{"truncated": ')
    meta = json.loads((root / "A/1/0/0" / array_doc).read_text())
    (root / "A/1/0/0" / array_doc).write_text(json.dumps({**meta, "shape": [2, True, 32]}))
    (root / "B/2/0/1" / array_doc).write_bytes(b"\xff")
    docs, _ = ZarrDocs.open_root(Location(root))
    attrs = docs.group_attrs_many(["A/1/0", "B/2/0", "C/3"])
    assert isinstance(attrs["A/1/0"], PlateError) and "not valid JSON" in attrs["A/1/0"].reason
    assert "multiscales" in str(attrs["B/2/0"]) and attrs["C/3"] is None
    arrays = docs.arrays_many(["A/1/0/0", "A/1/0/1", "B/2/0/0", "B/2/0/1", "B/2/0/9"])
    assert isinstance(arrays["A/1/0/0"], PlateError) and arrays["A/1/0/0"].location == f"{root}/A/1/0/0"
    assert isinstance(arrays["B/2/0/1"], PlateError) and "not UTF-8" in arrays["B/2/0/1"].reason
    assert arrays["A/1/0/1"].shape == arrays["B/2/0/0"].shape[:1] + (16, 16) and arrays["B/2/0/9"] is None


def test_identical_bad_documents_are_named_for_each_array(tmp_path):
    root = hand_plate(tmp_path / "p.zarr", wells=("A/1", "B/2"))
    for well in ("A/1", "B/2"):  # byte-identical: parsed once, reported for each
        meta = json.loads((root / well / "0/0/zarr.json").read_text())
        (root / well / "0/0/zarr.json").write_text(json.dumps({**meta, "shape": [2, -1, 32]}))
    docs, _ = ZarrDocs.open_root(Location(root))
    arrays = docs.arrays_many(["A/1/0/0", "B/2/0/0"])
    assert arrays["B/2/0/0"].location.endswith("B/2/0/0") and "'B/2/0/0'" in arrays["B/2/0/0"].reason


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("zarr.json", b'{"zarr_format": 3, "node_type": "gro', "not valid JSON"),
        ("zarr.json", b'{"zarr_format": 3, "node_type": "group", "attributes": [1]}', "attributes"),
        (".zattrs", b"\xff\xff", "not UTF-8"),
    ],
)
def test_a_bad_root_document_raises(tmp_path, name, content, reason):
    root = tmp_path / "p.zarr"
    root.mkdir()
    if name == ".zattrs":
        (root / ".zgroup").write_text('{"zarr_format": 2}')
    (root / name).write_bytes(content)
    with pytest.raises(PlateError, match=reason) as info:
        ZarrDocs.open_root(Location(root))
    assert name in info.value.location


def test_a_bad_consolidated_metadata_file_is_ignored(tmp_path):
    root = hand_plate(tmp_path / "p.zarr", version="0.4")
    (root / ".zmetadata").write_bytes(b"{broken")
    docs, attrs = ZarrDocs.open_root(Location(root))
    assert "plate" in attrs and docs.group_attrs_many(["A/1"])["A/1"]["well"]


@pytest.mark.parametrize(("zarr_format", "doc"), [
    (2, {"shape": [4], "chunks": [4], "dtype": "<u2", "compressor": {"id": "imagecodecs_jpeg2k"}, "filters": None}),
    (3, {"node_type": "array", "shape": [4], "data_type": "uint16",
         "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}},
         "chunk_key_encoding": {"name": "default"}, "fill_value": 0,
         "codecs": [{"name": "bytes"}, {"name": "numcodecs.zfpy"}]}),
])
def test_a_codec_whose_decoded_size_cannot_be_checked_is_refused_at_open(zarr_format, doc):
    with pytest.raises(ValueError, match="does not read"):
        parse_array_doc("A/1/0/0", doc, zarr_format)


@pytest.mark.parametrize("name", ["blosc", "zstd", "gzip", "lz4", "zlib", "bz2", "lzma", "shuffle", "delta",
                                  "crc32c", "bytes", "transpose", "sharding_indexed", "numcodecs.gzip"])
def test_the_codecs_read_here_stay_accepted(name):
    from imaging_explorer.io.bounded_codecs import is_read

    assert is_read(name)
