"""Channel settings of the whole plate <-> the overview and well-view image layers.

A change in :class:`~imaging_explorer.channel_settings.ChannelSettings` (from the dock)
is applied to every layer of that channel. A change the user makes in napari's own layer
controls (contrast slider, colormap, gamma, eye icon) is written back to the settings,
debounced (a slider drag saves once), and so reaches the other view too. Changes the
controller makes itself (hiding the overview, loading a well) happen inside
:meth:`ChannelSync.quiet` and are not taken for user edits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .layer_style import apply_range, apply_setting, setting_changes

if TYPE_CHECKING:
    from imaging_explorer.channel_settings import ChannelSettings

_EVENTS = ("contrast_limits", "gamma", "colormap", "visible")
DEBOUNCE_MS = 300


class ChannelSync:
    """Keeps image layers and plate channel settings in step.

    ``layers_of(name)`` gives the layers of a channel with the visibility each should
    have when shown (None = the setting decides, False = keep hidden).
    """

    def __init__(self, settings: ChannelSettings, layers_of: Callable[[str], list[tuple[Any, bool | None]]],
                 on_problem: Callable[[str], None]) -> None:
        self.settings = settings
        self.layers_of = layers_of
        self.on_problem = on_problem  # an edit that could not be kept (told to the user)
        self._quiet = 0
        self._pending: dict[int, tuple[str, Any]] = {}
        self._connected: dict[int, Any] = {}
        self._timer: Any = None
        settings.changed.connect(self._setting_changed)

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Layer changes made inside are not user edits."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def watch(self, layer: Any, channel: str) -> None:
        """Listen to the user's edits of a layer's controls (once per layer).

        Also gives the layer the channel's slider range: napari makes a layer's range from
        its dtype or its first contrast limits, and layer data tuples cannot pass one.
        """
        with self.quiet():
            apply_range(layer, self.settings.get(channel))
        if id(layer) in self._connected:
            return
        self._connected[id(layer)] = layer

        def edited(event: Any = None, layer: Any = layer, channel: str = channel) -> None:
            if self._quiet:
                return
            self._pending[id(layer)] = (channel, layer)
            self._schedule()

        for name in _EVENTS:
            getattr(layer.events, name).connect(edited)

    def _schedule(self) -> None:
        from qtpy.QtCore import QTimer

        if self._timer is None:
            self._timer = QTimer()
            self._timer.setSingleShot(True)
            self._timer.setInterval(DEBOUNCE_MS)
            self._timer.timeout.connect(self.flush)
        self._timer.start()

    def flush(self) -> None:
        """Write pending layer edits into the settings now."""
        pending, self._pending = self._pending, {}
        for channel, layer in pending.values():
            changes = setting_changes(layer, self.settings.get(channel))
            if changes:
                try:
                    self.settings.update(channel, **changes)
                except (ValueError, OSError) as e:
                    self.on_problem(f"channel {channel}: {e}")

    def apply(self, channel: str) -> None:
        """Apply a channel's settings to all its layers."""
        setting = self.settings.get(channel)
        with self.quiet():
            for layer, visible in self.layers_of(channel):
                apply_setting(layer, setting, visible=visible)

    def _setting_changed(self, channel: str) -> None:
        self.apply(channel)

    def close(self) -> None:
        self.settings.changed.disconnect(self._setting_changed)
        if self._timer is not None:
            self._timer.stop()
        self._pending.clear()
