"""Channel colours and windows for figures: the user's settings of the plate when given, else
the plate's own (:class:`~imaging_explorer.channel_settings.ChannelSettings`: the file's colours,
made distinct when repeated, and its windows; a missing or useless window is replaced by one
estimated from the images shown, as the viewer does)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..channel_settings import ChannelSettings
from ..overview import ChannelEstimate, ContrastSampler

if TYPE_CHECKING:
    from ..channel_settings import ChannelSetting
    from ..plate import Plate
    from .well_images import SettingsSource

__all__ = ["figure_settings"]


def _estimates(images: Iterable[tuple[Sequence[str], np.ndarray]]) -> dict[str, ChannelEstimate]:
    """One estimate per channel name from (names, (c, y, x) image) pairs."""
    planes: dict[str, list[np.ndarray]] = {}
    for names, image in images:
        for name, plane in zip(names, image):
            planes.setdefault(name, []).append(plane)
    out = {}
    for name, found in planes.items():
        sampler = ContrastSampler(len(found))
        sampler.add_all(plane[None] for plane in found)
        estimate = sampler.estimates().get(0)
        if estimate is not None:
            out[name] = estimate
    return out


def figure_settings(plate: Plate, names: Iterable[str], images: Iterable[tuple[Sequence[str], np.ndarray]],
                    settings: SettingsSource | Mapping[str, ChannelSetting] | None = None) -> dict[str, ChannelSetting]:
    """Channel name -> setting for every name in ``names``.

    Parameters
    ----------
    plate
        The plate (its saved settings and file metadata are used when ``settings`` is None).
    names
        The channel names drawn.
    images
        (channel names, (c, y, x) image) of what is drawn: the estimates of missing windows.
    settings
        Settings to use as given (e.g. the viewer's ``ChannelSettings``, or a mapping); None: the
        plate's saved settings (read only, nothing is written).
    """
    wanted = list(dict.fromkeys(names))
    if settings is None:
        plate_settings = ChannelSettings.for_plate(plate)
        plate_settings.set_estimates(_estimates(images))
        settings = plate_settings
    out = {}
    for name in wanted:
        found = settings.get(name)
        if found is not None:
            out[name] = found
    return out
