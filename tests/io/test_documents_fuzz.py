"""Property-based fuzzing of the metadata readers: whatever a document holds, the result is a value,
None, a PlateError value or a ValueError, never another exception."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imaging_explorer.errors import PlateError
from imaging_explorer.io import ArrayInfo, Location, ZarrDocs
from imaging_explorer.io.documents import parse_array_doc

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# any JSON value, Infinity and NaN included (Python's json reads and writes them)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)
sizes = st.lists(st.one_of(st.integers(-3, 2**40), st.booleans(), st.floats(), st.none(), st.text(max_size=3)), max_size=5)
dtypes = st.sampled_from(["uint8", "uint16", "<u2", ">f4", "float64", "bool", "string", "|O", "<U4", "int2", "complex64"])
codec = st.one_of(
    st.sampled_from(["bytes", "zstd", "gzip", "crc32c", "numcodecs.pickle", "vlen-utf8"]),
    st.fixed_dictionaries({"name": st.sampled_from(["bytes", "zstd", "sharding_indexed", "blosc", "pickle"])},
                          optional={"configuration": json_values}),
    json_values,
)
V3_FIELDS = {
    "shape": sizes | json_values,
    "data_type": dtypes | json_values,
    "chunk_grid": st.builds(lambda c: {"name": "regular", "configuration": {"chunk_shape": c}}, sizes) | json_values,
    "codecs": st.lists(codec, max_size=3) | json_values,
    "fill_value": st.sampled_from([0, "NaN", "0x0000", None, 1.5, -1]) | json_values,
}
V2_FIELDS = {
    "shape": sizes | json_values,
    "chunks": sizes | json_values,
    "dtype": dtypes | json_values,
    "compressor": st.none() | st.fixed_dictionaries({"id": st.sampled_from(["zlib", "blosc", "pickle"])}) | json_values,
    "filters": st.none() | st.lists(json_values, max_size=2) | json_values,
    "fill_value": st.sampled_from([0, None, "NaN"]) | json_values,
    "order": st.sampled_from(["C", "F"]) | json_values,
}
BASE = {
    3: {"zarr_format": 3, "node_type": "array", "shape": [2, 64, 64], "data_type": "uint16",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [1, 32, 32]}},
        "chunk_key_encoding": {"name": "default"}, "fill_value": 0, "codecs": [{"name": "bytes"}]},
    2: {"zarr_format": 2, "shape": [2, 64, 64], "chunks": [1, 32, 32], "dtype": "<u2", "compressor": None,
        "fill_value": 0, "order": "C", "filters": None},
}


def mutated(zarr_format):
    fields = V3_FIELDS if zarr_format == 3 else V2_FIELDS
    changes = st.dictionaries(st.sampled_from(sorted(fields)), st.just(None), min_size=1).flatmap(
        lambda keys: st.fixed_dictionaries({k: fields[k] for k in keys})
    )
    removed = st.sets(st.sampled_from(sorted(BASE[zarr_format])), max_size=2)
    return st.tuples(changes, removed).map(
        lambda cr: {k: v for k, v in {**BASE[zarr_format], **cr[0]}.items() if k not in cr[1]}
    )


def _parses_or_refuses(doc, zarr_format):
    try:
        info = parse_array_doc("a", doc, zarr_format)
    except ValueError:
        return
    assert isinstance(info, ArrayInfo)
    assert all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in info.shape)
    assert len(info.chunks) == len(info.shape) and all(n >= 1 for n in info.chunks)
    assert info.dtype.kind in "biuf"


@FUZZ
@given(mutated(3))
def test_v3_array_documents(doc):
    _parses_or_refuses(doc, 3)


@FUZZ
@given(mutated(2))
def test_v2_array_documents(doc):
    _parses_or_refuses(doc, 2)


@FUZZ
@given(json_values)
def test_any_json_value_as_a_document(value):
    for zarr_format in (2, 3):
        _parses_or_refuses(value, zarr_format)


def _mangle(raw: bytes, data) -> bytes:
    how = data.draw(st.sampled_from(["cut", "flip", "insert", "keep"]))
    if how == "keep" or not raw:
        return raw
    at = data.draw(st.integers(0, len(raw) - 1))
    if how == "cut":
        return raw[:at]
    byte = data.draw(st.integers(0, 255)).to_bytes(1, "big")
    return raw[:at] + byte + raw[at + (how == "flip"):]


@FUZZ
@given(st.data())
def test_mangled_documents_on_disk(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("p") / "p.zarr"
    (root / "A").mkdir(parents=True)
    zarr_format = data.draw(st.sampled_from([2, 3]))
    doc = data.draw(mutated(zarr_format))
    raw = _mangle(json.dumps(doc).encode(), data)
    if zarr_format == 3:
        (root / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group", "attributes": {}}')
        (root / "A" / "zarr.json").write_bytes(raw)
    else:
        (root / ".zgroup").write_text('{"zarr_format": 2}')
        (root / "A" / ".zarray").write_bytes(raw)
        (root / "A" / ".zattrs").write_bytes(_mangle(b'{"multiscales": []}', data))
    docs, _ = ZarrDocs.open_root(Location(root))
    for value in [*docs.arrays_many(["A"]).values(), *docs.group_attrs_many(["A"]).values()]:
        assert value is None or isinstance(value, (ArrayInfo, PlateError, dict))
