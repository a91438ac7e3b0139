"""Fuzzing the chunk decoder's size checks: random, truncated and mutated data of every codec.

Whatever the bytes, a decode gives the values (never more bytes than the chunk holds) or a
ValueError: never another exception, never a large allocation (``tracemalloc`` peak).
"""

from __future__ import annotations

import tracemalloc

import numcodecs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imaging_explorer.io.bounded_codecs import bounded_decode

VALUES = (np.arange(16384) % 700).astype("u2")  # a 128 x 128 uint16 chunk
LIMIT = VALUES.nbytes
CODECS = {c.codec_id: c for c in [numcodecs.GZip(), numcodecs.Zlib(), numcodecs.BZ2(), numcodecs.LZMA(),
                                    numcodecs.Zstd(), numcodecs.Blosc(cname="lz4"), numcodecs.LZ4(),
                                    numcodecs.CRC32C(), numcodecs.Shuffle(elementsize=2)]}
ENCODED = {name: bytes(codec.encode(VALUES)) for name, codec in CODECS.items()}
# liblzma's decoder state may take up to its memory limit before it refuses a lying header
ALLOWED = {"lzma": 200 * 2**20}
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decode_bounded(name: str, data: bytes) -> None:
    tracemalloc.start()
    try:
        try:
            out = bounded_decode(CODECS[name], data, LIMIT)
        except ValueError:
            out = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if out is not None:
        assert np.asarray(numcodecs.compat.ensure_contiguous_ndarray(out)).nbytes <= LIMIT
    assert peak < ALLOWED.get(name, 4 * LIMIT + 4 * len(data) + 2**20), f"{name} allocated {peak} bytes"


@pytest.mark.parametrize("name", list(CODECS))
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes(name, data):
    _decode_bounded(name, data)


@pytest.mark.parametrize("name", list(CODECS))
@FUZZ
@given(cut=st.integers(min_value=0, max_value=10**6))
def test_truncated(name, cut):
    data = ENCODED[name]
    _decode_bounded(name, data[: cut % (len(data) + 1)])


@pytest.mark.parametrize("name", list(CODECS))
@FUZZ
@given(changes=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
       header=st.booleans())
def test_mutated(name, changes, header):
    data = bytearray(ENCODED[name])
    for where, value in changes:
        # half the time aim at the first 32 bytes, where the sizes and flags live
        data[where % min(len(data), 32 if header else len(data))] = value
    _decode_bounded(name, bytes(data))
