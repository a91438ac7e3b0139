"""Channel settings <-> napari layer properties (colour, contrast, gamma, visibility).

One place turns a :class:`~imaging_explorer.channel_settings.ChannelSetting` into layer
properties and reads a user's edit of the layer controls back, so the overview and every
well view look the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from napari.layers import Image

    from imaging_explorer.channel_settings import ChannelSetting


def colormap_for(color: str | None) -> Any:
    """A napari colormap going from black to an ``RRGGBB`` colour (gray when unusable)."""
    from napari.utils.colormaps import Colormap

    hexcode = (color or "FFFFFF").lstrip("#").upper()
    try:
        rgb = [int(hexcode[i : i + 2], 16) / 255 for i in (0, 2, 4)] if len(hexcode) == 6 else None
    except ValueError:
        rgb = None
    if not rgb or max(rgb) == 0:  # black would be invisible
        rgb, hexcode = [1.0, 1.0, 1.0], "FFFFFF"
    return Colormap([[0, 0, 0, 1], [*rgb, 1]], name=f"#{hexcode.lower()}", display_name=f"#{hexcode}")


def color_of(layer: Image) -> str:
    """The ``RRGGBB`` colour at the top of a layer's colormap."""
    top = np.asarray(layer.colormap.colors[-1][:3], dtype=float)
    return "".join(f"{round(float(v) * 255):02X}" for v in np.clip(top, 0, 1))


def layer_kwargs(setting: ChannelSetting) -> dict[str, Any]:
    """Keyword arguments of ``Viewer.add_image`` / layer data tuples for a channel."""
    kwargs: dict[str, Any] = {
        "colormap": colormap_for(setting.color),
        "gamma": float(setting.gamma),
        "visible": bool(setting.visible),
        "blending": "additive",
    }
    if setting.contrast_limits is not None:
        kwargs["contrast_limits"] = tuple(setting.contrast_limits)
    return kwargs


def apply_range(layer: Image, setting: ChannelSetting) -> None:
    """Make the contrast slider span the data (``setting.data_range``) and the limits.

    napari's default is the dtype's range (0-65535 for 12-bit data leaves the useful part a
    few pixels wide) or, for layers made with contrast limits, just those limits.
    """
    limits = setting.contrast_limits
    if setting.data_range is not None:
        lo, hi = setting.data_range
    elif limits is not None:  # no data range yet: only make room for the limits
        lo, hi = layer.contrast_limits_range
    else:
        return
    if limits is not None:
        lo, hi = min(lo, limits[0]), max(hi, limits[1])
    if tuple(layer.contrast_limits_range) != (lo, hi):
        layer.contrast_limits_range = (lo, hi)


def apply_setting(layer: Image, setting: ChannelSetting, *, visible: bool | None = None) -> None:
    """Set a layer's look from a channel setting (only what differs, to spare redraws).

    ``visible`` overrides the setting's visibility (hidden overview layers stay hidden).
    """
    if color_of(layer) != setting.color.upper():
        layer.colormap = colormap_for(setting.color)
    apply_range(layer, setting)  # first: a new range clips the limits
    if setting.contrast_limits is not None:
        lo, hi = setting.contrast_limits
        if tuple(layer.contrast_limits) != (lo, hi):
            layer.contrast_limits = (lo, hi)
        # a lazy layer made without limits would reset them from its first slice; the plate's win
        if getattr(layer, "_should_calc_clims", False):
            layer._should_calc_clims = False
    if abs(layer.gamma - setting.gamma) > 1e-9:
        layer.gamma = setting.gamma
    want = setting.visible if visible is None else visible
    if layer.visible != want:
        layer.visible = want


def setting_changes(layer: Image, setting: ChannelSetting) -> dict[str, Any]:
    """What the user changed in the layer controls compared with the setting."""
    changes: dict[str, Any] = {}
    color = color_of(layer)
    if color != setting.color.upper():
        changes["color"] = color
    limits = tuple(float(v) for v in layer.contrast_limits)
    differs = setting.contrast_limits is None or any(
        abs(a - b) > 1e-9 for a, b in zip(limits, setting.contrast_limits))
    if differs and limits[0] < limits[1]:
        changes["contrast_limits"] = limits
    if abs(float(layer.gamma) - setting.gamma) > 1e-9:
        changes["gamma"] = float(layer.gamma)
    if bool(layer.visible) != setting.visible:
        changes["visible"] = bool(layer.visible)
    return changes
