"""Plate-wide contrast from the thumbnails: robust windows, useless file windows, slider ranges."""

from __future__ import annotations

import numpy as np
import pytest

from imaging_explorer.overview import (
    ChannelEstimate,
    ContrastSampler,
    robust_window,
    window_is_useless,
)
from imaging_explorer.overview.contrast import data_range, useless_reason


def test_robust_window_ignores_a_few_saturated_pixels():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.integers(100, 4000, 100_000, dtype=np.uint16), np.full(20, 65535, np.uint16)])
    lo, hi = robust_window(values)
    assert 100 <= lo < 200 and 3900 < hi < 4000
    assert lo == int(lo) and hi == int(hi)  # integer data: whole-number limits


def test_robust_window_of_flat_or_missing_data():
    assert robust_window(np.array([], np.uint16)) is None
    assert robust_window(np.full(50, 7, np.uint16)) == (7.0, 8.0)
    # percentiles that meet (one bright pixel in 10000) fall back to min and max
    values = np.zeros(10_000, np.uint16)
    values[0] = 900
    assert robust_window(values) == (0.0, 900.0)
    assert robust_window(np.array([0.25, 0.5, 0.75], np.float32))[0] == pytest.approx(0.25, abs=0.01)


@pytest.mark.parametrize(("window", "dtype", "data_max", "useless"), [
    ((0, 65535), "uint16", 4095, True),  # faim-ipa: the whole uint16 range on 12-bit data
    ((0, 65535), "uint16", 60000, False),  # the data fills the range: that window shows it
    ((0, 4095), "uint16", 4095, False),
    ((100, 65535), "uint16", 4095, False),  # not the whole range: someone chose it
    ((0, 255), "uint8", 200, False),
    ((-32768, 32767), "int16", 1000, False),  # data from the window's start would fill half
    ((0.0, 1.0), "float32", 0.01, False),  # float data has no range to cover
])
def test_useless_windows(window, dtype, data_max, useless):
    assert window_is_useless(window, np.dtype(dtype), data_max) is useless


def test_signed_data_near_zero_does_not_fill_the_whole_int16_range():
    assert window_is_useless((-32768, 32767), np.dtype("int16"), 1000, data_min=0)
    assert not window_is_useless((-32768, 32767), np.dtype("int16"), 30000, data_min=-30000)


def test_useless_reason_says_why():
    assert useless_reason((0, 65535), np.dtype("uint16"), 4000) == "the file's window 0–65535 spans the whole uint16 range"
    assert useless_reason((0, 4095), np.dtype("uint16"), 4000) == ""


def test_data_range_is_the_data_widened_a_little_within_the_dtype():
    lo, hi = data_range(80, 3969, np.dtype("uint16"))
    assert lo == 0 and 3969 < hi < 3969 * 1.1  # not below the dtype's minimum, not up to 65535
    lo, hi = data_range(1000, 2000, np.dtype("uint16"))
    assert 900 <= lo < 1000 and 2000 < hi <= 2100
    assert data_range(5, 5, np.dtype("uint16"))[1] > 5
    assert data_range(250, 255, np.dtype("uint8"))[1] == 255


def test_sampler_gives_one_estimate_per_channel_and_skips_empty_tiles():
    rng = np.random.default_rng(1)
    sampler = ContrastSampler(n_tiles=4)
    for _ in range(3):
        tile = np.stack([rng.integers(100, 500, (32, 32)), rng.integers(1000, 3000, (32, 32))]).astype(np.uint16)
        sampler.add(tile)
    sampler.add(None)  # an unreadable field
    sampler.add(np.zeros((2, 32, 32), np.uint16))  # an empty well: absent chunks read as the fill value
    est = sampler.estimates()
    assert set(est) == {0, 1}
    assert 100 <= est[0].window[0] < est[0].window[1] <= 500 and est[0].low >= 100
    assert 1000 <= est[1].window[0] < est[1].window[1] <= 3000 and est[1].high < 3000
    assert est[1].dtype == np.dtype("uint16")
    assert est[0].useless((0, 65535)) and not est[0].useless(est[0].window)
    lo, hi = est[1].data_range
    assert lo <= est[1].low and est[1].high <= hi < 3300


def test_sampler_keeps_a_bounded_sample_per_tile():
    sampler = ContrastSampler(n_tiles=10_000, budget=100_000)
    assert sampler.per_tile == 256  # at least this many per tile, however many tiles
    sampler.add(np.arange(512 * 512, dtype=np.uint32).reshape(1, 512, 512))
    assert sum(a.size for a in sampler._samples[0]) == 256
    assert sampler.estimates()[0].high == 512 * 512 - 1  # min and max are exact, not sampled


def test_channel_estimate_is_a_plain_value():
    est = ChannelEstimate((80.0, 3969.0), 80.0, 3969.0, np.dtype("uint16"))
    assert est.useless((0, 65535)) == "the file's window 0–65535 spans the whole uint16 range"
    assert est.data_range[0] == 0 and est.data_range[1] < 4400
