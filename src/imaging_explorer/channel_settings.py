"""Channel display settings for a whole plate, remembered per plate in the user's settings.

Set once per channel name, they apply to the overview and every well view. They live in
``<config>/channels/<plate fingerprint>.json`` (``<config>``: the user config folder, or
``IMAGING_EXPLORER_CONFIG``), never in the dataset: it may be read-only, remote, or shared
by reviewers with other tastes. No Qt, no napari: ``changed`` is a psygnal signal.

What is saved (and what "reset" goes back to) are the file's values; what is shown makes
them usable: a colour the file gives several channels is shown as distinct colours, and a
missing or useless window (0-65535 on 12-bit data) as the window estimated from the
thumbnails (:meth:`ChannelSettings.set_estimates`), the same for the overview and every well.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import tempfile
import threading
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from psygnal import Signal

from . import _dirs
from .channel_colors import distinct_colors
from .plate.names import well_order

if TYPE_CHECKING:
    from .plate import Channel, Plate

__all__ = ["ChannelSetting", "ChannelSettings", "ChannelSettingsWarning", "DataEstimate", "setting_from_file"]

_FORMAT = 1  # version of the settings file layout
_HEX = re.compile(r"^#?([0-9A-Fa-f]{6})$")
_FALLBACK_COLOR = "FFFFFF"  # a channel no field describes


class ChannelSettingsWarning(UserWarning):
    """The saved settings could not be used (defaults are used instead)."""


@dataclass(frozen=True)
class ChannelSetting:
    """How one channel is shown: ``color`` "RRGGBB", ``contrast_limits`` None = automatic.

    ``data_range`` (a slider range fitting the data) and ``note`` (why the colour or window
    shown is not the file's) are derived from the data, never saved.
    """

    name: str
    color: str
    contrast_limits: tuple[float, float] | None
    gamma: float = 1.0
    visible: bool = True
    data_range: tuple[float, float] | None = None
    note: str = ""


class DataEstimate(Protocol):
    """What the data says about a channel (:class:`imaging_explorer.overview.contrast.ChannelEstimate`)."""

    @property
    def window(self) -> tuple[float, float]: ...

    @property
    def data_range(self) -> tuple[float, float]: ...

    def useless(self, window: tuple[float, float]) -> str:
        """Why ``window`` shows nothing of the data; "" when it is usable."""
        ...


def _normalise(key: str, value: Any) -> Any:
    """The value in canonical form; TypeError / ValueError when it is not valid."""
    if key == "color":
        m = _HEX.match(value) if isinstance(value, str) else None
        if m:
            return m.group(1).upper()
    elif key == "contrast_limits":
        if value is None:
            return None
        if isinstance(value, str):  # "lo, hi = value" would take a two-letter string
            raise TypeError(value)
        lo, hi = (float(v) for v in value)
        if math.isfinite(lo) and math.isfinite(hi) and lo < hi:
            return lo, hi
    elif key == "gamma":
        if not isinstance(value, bool) and math.isfinite(gamma := float(value)) and gamma > 0:
            return gamma
    elif isinstance(value, bool):  # visible: bool("no") would be True
        return value
    raise ValueError(value)


_RULES = {
    "color": "colour must be hex 'RRGGBB' or '#RRGGBB'",
    "contrast_limits": "contrast limits must be (low, high) with finite low < high, or None",
    "gamma": "gamma must be a number > 0",
    "visible": "visible must be True or False",
}


def _check(name: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Validated and normalised changes; ValueError names the channel and the bad value."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in _RULES:
            raise ValueError(f"channel {name!r}: unknown setting {key!r} (one of {', '.join(_RULES)})")
        try:
            out[key] = _normalise(key, value)
        except (TypeError, ValueError):
            raise ValueError(f"channel {name!r}: {_RULES[key]}, got {value!r}") from None
    return out


def setting_from_file(name: str, channel: Channel | None) -> ChannelSetting:
    """The file's omero values: colour, window as contrast limits, active as visible."""
    if channel is None:
        return ChannelSetting(name, _FALLBACK_COLOR, None)
    window = channel.window
    # A window with start >= end cannot be contrast limits; let the viewer choose.
    limits = (float(window[0]), float(window[1])) if window and window[0] < window[1] else None
    m = _HEX.match(channel.color or "")
    return ChannelSetting(name, m.group(1).upper() if m else _FALLBACK_COLOR, limits, 1.0, bool(channel.visible))


class ChannelSettings:
    """Display settings of every channel of one plate, saved in the user's settings.

    Make one with :meth:`for_plate`. Settings are by channel name, so fields whose
    channels differ from the first field's share them by name.

    Attributes
    ----------
    changed : psygnal.Signal(str)
        Emitted with the channel name after a channel's settings changed.
    path : pathlib.Path
        The settings file of this plate.
    """

    changed = Signal(str)

    def __init__(self, plate: Plate, path: Path) -> None:
        self._plate = plate
        self.path = Path(path)
        self._lock = threading.RLock()  # widgets may ask from worker threads
        self._file_channels: dict[str, Channel] | None = None
        self._corrupt = False  # the file on disk is unreadable: set it aside before the first save
        self._estimates: dict[str, DataEstimate] = {}
        self._shown_colors: dict[str, tuple[str, str]] | None = None  # name -> (colour, note) for repeats
        # what is saved: the file's values until the user changes them (see _shown for what is shown)
        self._settings = {n: setting_from_file(n, ch) for n, ch in self._first_field_channels().items()}
        self._load()

    @classmethod
    def for_plate(cls, plate: Plate, config_dir: str | os.PathLike | None = None) -> ChannelSettings:
        """Saved settings of a plate, or its file's omero values when none are saved.

        Parameters
        ----------
        plate
            The plate; its ``fingerprint`` names the settings file.
        config_dir
            The config folder; default :func:`imaging_explorer._dirs.config_dir` (``IMAGING_EXPLORER_CONFIG``
            or the user config folder). The file is ``<config_dir>/channels/<fingerprint>.json``.

        Returns
        -------
        ChannelSettings
        """
        root = Path(config_dir) if config_dir is not None else _dirs.config_dir()
        return cls(plate, root / "channels" / f"{plate.fingerprint}.json")

    @property
    def names(self) -> list[str]:
        """Channel names: the first field's, then any other known ones."""
        with self._lock:
            return list(self._settings)

    @property
    def channels(self) -> list[ChannelSetting]:
        """Settings of every channel in :attr:`names` order."""
        with self._lock:
            return [self._shown(s) for s in self._settings.values()]

    def get(self, name: str) -> ChannelSetting:
        """Settings of a channel as shown; a channel not seen before gets its file's defaults.

        Parameters
        ----------
        name
            Channel name (``Channel.name`` of a field).

        Returns
        -------
        ChannelSetting
            A repeated file colour comes as a distinct colour, a missing or useless window
            as the estimated one once :meth:`set_estimates` gave it; ``note`` says so.
        """
        with self._lock:
            return self._shown(self._stored(name))

    def set_estimates(self, estimates: Mapping[str, DataEstimate]) -> None:
        """What the data says per channel (e.g. from the overview's thumbnails).

        Each gives the window used for channels whose window is missing (or set to
        automatic) or useless, and the range of the contrast sliders. Emits :attr:`changed`
        for every channel whose shown settings change; nothing is saved.
        """
        with self._lock:
            before = {name: self.get(name) for name in estimates}
            self._estimates.update(estimates)
            names = [name for name in estimates if self.get(name) != before[name]]
        for name in names:
            self.changed.emit(name)

    def _stored(self, name: str) -> ChannelSetting:
        if name not in self._settings:
            self._settings[name] = setting_from_file(name, self._file_channel(name))
        return self._settings[name]

    def _shown(self, stored: ChannelSetting) -> ChannelSetting:
        """The stored setting made usable for display (see the module docstring)."""
        name = stored.name
        notes: list[str] = []
        changes: dict[str, Any] = {}
        file = setting_from_file(name, self._file_channel(name))
        color, why = self._colors().get(name, (stored.color, ""))
        if why and stored.color == file.color:  # the file's colour, not one the user chose
            changes["color"] = color
            notes.append(why)
        estimate = self._estimates.get(name)
        if estimate is not None:
            limits = stored.contrast_limits
            if limits is None:
                changes["contrast_limits"] = estimate.window
                notes.append("auto contrast" + ("" if file.contrast_limits else ": the file gives no window"))
            elif limits == file.contrast_limits and (why := estimate.useless(limits)):
                changes["contrast_limits"] = estimate.window
                notes.append(f"auto contrast: {why}")
            changes["data_range"] = tuple(estimate.data_range)
        if notes:
            changes["note"] = "; ".join(notes)
        return dataclasses.replace(stored, **changes) if changes else stored

    def _colors(self) -> dict[str, tuple[str, str]]:
        """Channel name -> (colour shown, note) for the channels whose file colour repeats."""
        if self._shown_colors is None:
            first = list(self._first_field_channels())
            every = {ch.name: None for w in self._plate.wells.values() for f in w.fields for ch in f.channels}
            names = list(dict.fromkeys([*first, *every]))
            given = [setting_from_file(n, self._file_channel(n)).color for n in names]
            counts = Counter(given)
            self._shown_colors = {
                n: (new, f"colour: the file gives {counts[old]} channels #{old}")
                for n, old, new in zip(names, given, distinct_colors(given)) if new != old
            }
        return self._shown_colors

    def update(self, name: str, **changes: Any) -> ChannelSetting:
        """Change some settings of a channel, save them and emit :attr:`changed`.

        Parameters
        ----------
        name
            Channel name.
        **changes
            Any of ``color`` ("RRGGBB" or "#RRGGBB"), ``contrast_limits`` ((low, high) with
            low < high, or None for automatic), ``gamma`` (> 0), ``visible`` (bool).

        Returns
        -------
        ChannelSetting
            The new settings as shown (see :meth:`get`). If the file cannot be written
            (read-only home, full disk), a :class:`ChannelSettingsWarning` says so and the
            change holds for this session.

        Raises
        ------
        ValueError
            For an unknown setting or an invalid value; nothing changes then.
        """
        checked = _check(name, changes)
        with self._lock:
            old = self._stored(name)
            new = dataclasses.replace(old, **checked)
            if new == old:
                return self._shown(old)
            self._settings[name] = new
            self._save()
            shown = self._shown(new)
        self.changed.emit(name)  # outside the lock: slots may call back from other threads
        return shown

    def reset(self) -> None:
        """Back to the file's omero values for every channel; saves and emits for each."""
        with self._lock:
            for name in self._settings:
                self._settings[name] = setting_from_file(name, self._file_channel(name))
            self._save()
            names = list(self._settings)
        for name in names:
            self.changed.emit(name)

    def _first_field_channels(self) -> dict[str, Channel]:
        for key in well_order(self._plate):
            fields = self._plate.wells[key].fields
            if fields:
                return {ch.name: ch for ch in fields[0].channels}
        return {}

    def _file_channel(self, name: str) -> Channel | None:
        """The first channel of that name in any field (metadata only: no reads)."""
        if self._file_channels is None:
            every = [ch for w in self._plate.wells.values() for f in w.fields for ch in f.channels]
            # reversed: the first field that has a name decides its defaults
            self._file_channels = {ch.name: ch for ch in reversed(every)} | self._first_field_channels()
        return self._file_channels.get(name)

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as e:
            self._warn(f"cannot read {self.path}: {e}", 5)
            return
        try:
            doc = json.loads(text)
            entries = doc["channels"]
            if not isinstance(entries, dict) or not all(isinstance(e, dict) for e in entries.values()):
                raise TypeError("'channels' must map channel names to objects")
            loaded = {}
            for name, entry in entries.items():
                base = self._settings.get(name) or setting_from_file(name, self._file_channel(name))
                fields = {k: entry[k] for k in _RULES if k in entry}
                loaded[name] = dataclasses.replace(base, **_check(name, fields))
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            self._warn(f"settings file {self.path} is damaged ({e}); using the plate's own channel settings", 5)
            self._corrupt = True
            return
        self._settings.update(loaded)

    def _warn(self, message: str, depth: int = 4) -> None:
        # depth: frames up to the caller of update() / reset() (5: of for_plate())
        warnings.warn(message, ChannelSettingsWarning, stacklevel=depth)

    def _save(self) -> None:
        """Write the file atomically (temp + replace): a crash mid-write never leaves half a file.

        No fsync: sliders save often, and a file lost to a power cut only means defaults.
        """
        channels = {s.name: {"color": s.color, "contrast_limits": s.contrast_limits, "gamma": s.gamma,
                             "visible": s.visible} for s in self._settings.values()}
        doc = {"format": _FORMAT, "plate": self._plate.name, "fingerprint": self._plate.fingerprint,
               "channels": channels}
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._corrupt and self.path.exists():  # keep the damaged file for a look
                os.replace(self.path, self.path.with_suffix(".json.damaged"))
            self._corrupt = False
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=1)
            os.replace(tmp, self.path)
        except OSError as e:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            self._warn(f"cannot save channel settings to {self.path}: {e}; they hold for this session only")
