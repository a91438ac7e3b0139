"""Connections from models (psygnal) to a widget that end when the widget is destroyed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def connect_while_alive(widget: Any, pairs: Iterable[tuple[Any, Callable[..., Any]]],
                        on_destroyed: Callable[[], None] | None = None) -> None:
    """Connect each (signal, slot); disconnect them all (and call ``on_destroyed``) when
    ``widget`` is destroyed, so a model never calls into a deleted widget."""
    pairs = list(pairs)
    for signal, slot in pairs:
        signal.connect(slot)

    def teardown(*_: Any) -> None:
        if on_destroyed is not None:
            on_destroyed()
        for signal, slot in pairs:
            try:
                signal.disconnect(slot)
            except Exception:  # noqa: BLE001 - already gone
                pass

    widget.destroyed.connect(teardown)
