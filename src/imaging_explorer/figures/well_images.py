"""Wells' first fields as RGB images at one shared contrast, without Qt (the compound card's
strip, montages, reports).

:func:`read_card_fields` reads each well's first field on the overview's lean thumbnail path
(:func:`imaging_explorer.overview.read_thumbnails`) and fits them into one tile size;
:func:`render_card` composes them to RGB with the plate's channel settings as napari draws its
channel layers (black to the channel's colour over its contrast limits, gamma, additive
blending), every image with the same limits, so that a pixel value is the same colour in
every well. A channel without limits yet gets one window from all the images together. Both
are meant for a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..overview import fit_tile, read_thumbnails, robust_window
from .pixel_size import pixel_size_um

if TYPE_CHECKING:
    from ..channel_settings import ChannelSetting
    from ..plate import Plate

__all__ = ["CARD_MIN_SIZE", "MAX_TILE", "CardFields", "SettingsSource", "compose_rgb", "read_card_fields",
           "render_card", "settings_of", "shared_limits"]

CARD_MIN_SIZE = 96  # px: the smallest side of the pyramid level read for a card thumbnail
MAX_TILE = (128, 128)  # thumbnails are fitted into this, then centred in the largest one's shape


@dataclass
class CardFields:
    """The first field of each well, read: (c, y, x) one shape for all, channel names, and µm
    per shown pixel (a well whose file gives no pixel size has none)."""

    raw: dict[str, np.ndarray] = field(default_factory=dict)
    channels: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # well key -> why there is no thumbnail
    pixel_um: dict[str, float] = field(default_factory=dict)

    def common_pixel_um(self) -> float | None:
        """The pixel size (µm) every image shares; None when one lacks it or they differ."""
        sizes = {round(self.pixel_um.get(key, 0.0), 9) for key in self.raw}
        return next(iter(sizes)) if len(sizes) == 1 and next(iter(sizes)) > 0 else None


def _centred(image: np.ndarray, tile: tuple[int, int]) -> np.ndarray:
    """``image`` (c, y, x) in the middle of a zero tile (cropped when larger)."""
    out = np.zeros((image.shape[0], *tile), dtype=image.dtype)
    h, w = min(image.shape[1], tile[0]), min(image.shape[2], tile[1])
    y0, x0 = (tile[0] - h) // 2, (tile[1] - w) // 2
    out[:, y0:y0 + h, x0:x0 + w] = image[:, :h, :w]
    return out


def read_card_fields(plate: Plate, keys: Sequence[str], tile: tuple[int, int] = MAX_TILE,
                     min_size: int = CARD_MIN_SIZE) -> CardFields:
    """Read the first field of each well (in a worker); a well that cannot be shown gets a reason.

    Every image comes out with one shape: fitted into ``tile`` by an integer factor
    (:func:`~imaging_explorer.overview.fit_tile`), then centred in the largest one's shape.
    """
    out = CardFields()
    firsts = {}
    for key in keys:
        well = plate.wells.get(key)
        if well is None:
            out.errors[key] = "not in the plate's store"
        elif not well.fields:
            out.errors[key] = "no field"
        else:
            firsts[key] = well.fields[0]
    if not firsts:
        return out
    thumbs = read_thumbnails(plate, list(firsts.values()), min_size=min_size)
    for key, fld in firsts.items():
        image = thumbs.get(fld.path)
        if image is None:
            out.errors[key] = thumbs.errors.get(fld.path, "could not be read")
            continue
        fitted = fit_tile(image, tile)
        out.raw[key] = fitted
        out.channels[key] = [fld.channels[i].name if i < len(fld.channels) else f"channel {i}"
                             for i in range(image.shape[0])]
        size = pixel_size_um(fld, thumbs.levels.get(fld.path, 0))
        if size is not None and fitted.shape[-1]:
            out.pixel_um[key] = size * image.shape[-1] / fitted.shape[-1]
    if out.raw:
        shape = (max(a.shape[1] for a in out.raw.values()), max(a.shape[2] for a in out.raw.values()))
        out.raw = {key: _centred(image, shape) for key, image in out.raw.items()}
    return out


def _hex_rgb(color: str) -> np.ndarray:
    text = (color or "FFFFFF").lstrip("#")
    try:
        rgb = np.array([int(text[i:i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255.0
    except ValueError:
        rgb = np.ones(3)
    return rgb if rgb.max() > 0 else np.ones(3)  # black would be invisible (as layer_style does)


def compose_rgb(image: np.ndarray, names: Sequence[str], settings: Mapping[str, ChannelSetting],
                limits: Mapping[str, tuple[float, float]] | None = None) -> np.ndarray:
    """An RGB uint8 image (y, x, 3) of a (c, y, x) image as napari draws its channel layers:
    each visible channel black → its colour over its contrast limits with its gamma, added up.

    ``limits`` gives the window of channels whose setting has none (the same for every image).
    """
    rgb = np.zeros((*image.shape[1:], 3), dtype=np.float32)  # float32: a plate overview is large
    for plane, name in zip(image, names):
        setting = settings.get(name)
        if setting is not None and not setting.visible:
            continue
        window = (setting.contrast_limits if setting is not None else None) or (limits or {}).get(name)
        if window is None:
            continue
        lo, hi = window
        norm = np.clip((plane.astype(np.float32) - lo) / max(hi - lo, 1e-12), 0.0, 1.0)
        gamma = setting.gamma if setting is not None else 1.0
        if gamma != 1.0:
            norm = norm ** gamma
        rgb += norm[..., None] * _hex_rgb(setting.color if setting is not None else "FFFFFF").astype(np.float32)
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def shared_limits(fields: CardFields, settings: Mapping[str, ChannelSetting]) -> dict[str, tuple[float, float]]:
    """One window per channel that has no contrast limits yet, from every image of the card."""
    samples: dict[str, list[np.ndarray]] = {}
    for key, image in fields.raw.items():
        for plane, name in zip(image, fields.channels[key]):
            setting = settings.get(name)
            if setting is None or setting.contrast_limits is None:
                samples.setdefault(name, []).append(plane.ravel())
    out = {}
    for name, parts in samples.items():
        window = robust_window(np.concatenate(parts))
        if window is not None:
            out[name] = window
    return out


def render_card(fields: CardFields, settings: Mapping[str, ChannelSetting]) -> dict[str, np.ndarray]:
    """Well key -> RGB image (y, x, 3) uint8, all at the same contrast (in a worker)."""
    limits = shared_limits(fields, settings)
    return {key: compose_rgb(image, fields.channels[key], settings, limits) for key, image in fields.raw.items()}


class SettingsSource(Protocol):
    """The plate's channel settings (:class:`~imaging_explorer.channel_settings.ChannelSettings`)."""

    def get(self, name: str) -> ChannelSetting: ...


def settings_of(settings: SettingsSource | None, fields: CardFields) -> dict[str, ChannelSetting]:
    """The settings of every channel of the images, as shown now (None: no settings)."""
    if settings is None:
        return {}
    names = dict.fromkeys(n for names in fields.channels.values() for n in names)
    return {name: settings.get(name) for name in names}
