"""One key-binding table type for the plate browser and the review, installed the same way.

napari gives the *active layer's* key bindings precedence over the viewer's, and some layer
types use our keys (Image: C = auto-contrast; Shapes: R = rectangle; Labels: Ctrl+Z = undo
paint). So a table is bound on the viewer and on each of our own layers, now and when napari
adds one, where ours win.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple


class KeyBinding(NamedTuple):
    key: str  # napari's key name, e.g. "PageDown", "Shift-N", "Control-Z"
    action: str  # what the owner's ``run(action)`` is called with
    description: str  # for help texts and napari's shortcut list


def help_text(bindings: Iterable[KeyBinding], separator: str = "<br>") -> str:
    """"<b>PageDown</b>: next well<br>…" for a dock's help line."""
    return separator.join(f"<b>{b.key.replace('Control-', 'Ctrl+')}</b>: {b.description}" for b in bindings)


def _runner(run: Callable[[str], None], binding: KeyBinding) -> Callable[[Any], None]:
    def pressed(_owner: Any) -> None:  # napari passes the viewer or the layer
        run(binding.action)

    pressed.__name__ = binding.action.replace(" ", "_")
    pressed.__doc__ = binding.description
    return pressed


def bind_keys(target: Any, bindings: Iterable[KeyBinding], run: Callable[[str], None]) -> None:
    """Bind every key of the table on a viewer or a layer (replacing what was bound there)."""
    for binding in bindings:
        target.bind_key(binding.key, _runner(run, binding), overwrite=True)


def install_keys(viewer: Any, bindings: Iterable[KeyBinding], run: Callable[[str], None],
                 is_ours: Callable[[Any], bool]) -> None:
    """Bind the table on the viewer, on its layers that ``is_ours`` accepts and on those added later."""
    table = list(bindings)
    bind_keys(viewer, table, run)
    for layer in viewer.layers:
        if is_ours(layer):
            bind_keys(layer, table, run)

    def inserted(event: Any) -> None:
        if is_ours(event.value):
            bind_keys(event.value, table, run)

    viewer.layers.events.inserted.connect(inserted)
