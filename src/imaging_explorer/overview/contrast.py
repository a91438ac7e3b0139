"""Contrast from the thumbnails: one robust window per channel for the whole plate.

The overview and every well view show a channel with the same window. When the file gives
none, or one that shows nothing (faim-ipa writes 0-65535 for 12-bit data), the window is
estimated once per channel from the thumbnails the overview reads anyway: percentiles of a
sample of every non-empty tile, so a few saturated spots or empty wells do not decide it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["ChannelEstimate", "ContrastSampler", "data_range", "robust_window", "useless_reason",
           "window_is_useless"]

PERCENTILES = (0.5, 99.9)
SAMPLE_BUDGET = 1 << 19  # values kept per channel for the whole plate (~1 MB for uint16)
MIN_PER_TILE = 256
# a window covering the whole dtype range is useless when the data fills less than this of it
USELESS_FRACTION = 0.25
RANGE_PAD = 0.05  # the slider range: the data's range widened by this much of it on each side


def robust_window(samples: np.ndarray, percentiles: tuple[float, float] = PERCENTILES) -> tuple[float, float] | None:
    """The ``percentiles`` of ``samples`` as a window (low < high); None without data.

    Integer data gets whole-number limits (floor, ceil). When the percentiles meet (an
    image that is mostly one value), the samples' min and max are used instead.
    """
    values = np.asarray(samples).ravel()
    if values.size == 0:
        return None
    lo, hi = (float(v) for v in np.percentile(values, percentiles))
    if not hi > lo:
        lo, hi = float(values.min()), float(values.max())
    if np.issubdtype(values.dtype, np.integer):
        lo, hi = float(math.floor(lo)), float(math.ceil(hi))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def _dtype_limits(dtype: np.dtype) -> tuple[float, float] | None:
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return float(info.min), float(info.max)
    return None


def useless_reason(window: tuple[float, float], dtype: np.dtype, data_max: float,
                   data_min: float | None = None) -> str:
    """Why ``window`` shows nothing of the data, or "" when it is usable.

    Useless: a window covering the whole range of an integer dtype while the data (from
    ``data_min``, default the window's start, to ``data_max``) fills less than a quarter of
    it, e.g. 0-65535 on 12-bit data.
    """
    limits = _dtype_limits(dtype)
    start, end = float(window[0]), float(window[1])
    if limits is None or not end > start:
        return ""
    low = start if data_min is None else max(start, data_min)
    if start <= limits[0] and end >= limits[1] and data_max - low < USELESS_FRACTION * (end - start):
        return f"the file's window {start:g}–{end:g} spans the whole {np.dtype(dtype).name} range"
    return ""


def window_is_useless(window: tuple[float, float], dtype: np.dtype, data_max: float,
                      data_min: float | None = None) -> bool:
    """True for a window that covers the whole dtype range but not the data (see :func:`useless_reason`)."""
    return bool(useless_reason(window, dtype, data_max, data_min))


def data_range(low: float, high: float, dtype: np.dtype | None = None, pad: float = RANGE_PAD) -> tuple[float, float]:
    """The data's range widened by ``pad`` of it on each side, within the dtype's limits."""
    span = high - low if high > low else 1.0
    lo, hi = low - pad * span, high + pad * span
    limits = _dtype_limits(dtype) if dtype is not None else None
    if limits is not None:
        lo, hi = max(lo, limits[0]), min(hi, limits[1])
        lo, hi = float(math.floor(lo)), float(math.ceil(hi))
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


@dataclass(frozen=True)
class ChannelEstimate:
    """What the thumbnails say about one channel.

    ``window``: robust contrast limits; ``low``/``high``: the thumbnails' min and max;
    ``dtype``: the data's dtype.
    """

    window: tuple[float, float]
    low: float
    high: float
    dtype: np.dtype

    @property
    def data_range(self) -> tuple[float, float]:
        """A slider range for the channel: the data's, a little wider (not the dtype's)."""
        return data_range(self.low, self.high, self.dtype)

    def useless(self, window: tuple[float, float]) -> str:
        """Why ``window`` shows nothing of this channel's data ("" when it is usable)."""
        return useless_reason(window, self.dtype, self.high, self.low)


class ContrastSampler:
    """Collects a bounded sample of every channel from thumbnails as they arrive.

    ``add`` each thumbnail (c, y, x); :meth:`estimates` gives one :class:`ChannelEstimate`
    per channel index. Tiles that are one value throughout (absent chunks, unreadable or
    empty fields) are left out. Meant for a worker thread; not thread-safe.
    """

    def __init__(self, n_tiles: int, budget: int = SAMPLE_BUDGET) -> None:
        self.per_tile = max(MIN_PER_TILE, budget // max(n_tiles, 1))
        self._samples: dict[int, list[np.ndarray]] = {}
        self._low: dict[int, float] = {}
        self._high: dict[int, float] = {}
        self._dtype: dict[int, np.dtype] = {}

    def add(self, thumbnail: np.ndarray | None) -> None:
        """Sample one thumbnail shaped (c, y, x); None (an unreadable field) is skipped."""
        if thumbnail is None:
            return
        for c, plane in enumerate(np.asarray(thumbnail)):
            flat = plane.ravel()
            if flat.size == 0:
                continue
            lo, hi = flat.min(), flat.max()
            if not lo < hi:
                continue  # an empty tile says nothing about the channel's contrast
            step = max(1, flat.size // self.per_tile)
            self._samples.setdefault(c, []).append(flat[::step][: self.per_tile].copy())
            self._low[c] = min(self._low.get(c, math.inf), float(lo))
            self._high[c] = max(self._high.get(c, -math.inf), float(hi))
            self._dtype[c] = np.result_type(self._dtype[c], flat.dtype) if c in self._dtype else flat.dtype

    def add_all(self, thumbnails: Iterable[np.ndarray | None]) -> None:
        for thumb in thumbnails:
            self.add(thumb)

    def estimates(self) -> dict[int, ChannelEstimate]:
        """Channel index -> estimate, for every channel some tile showed any contrast in."""
        out = {}
        for c, parts in self._samples.items():
            window = robust_window(np.concatenate(parts))
            if window is not None:
                out[c] = ChannelEstimate(window, self._low[c], self._high[c], self._dtype[c])
        return out
