"""The review's keys: H / C / R / U, Ctrl+Z, N / Shift+N, on the viewer and on our layers.

A key press looks up the viewer's review at that moment and does nothing when the Review dock
is not open.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from ..browser.layer_tags import is_ours
from ..keys import KeyBinding, install_keys

if TYPE_CHECKING:
    import napari

    from ..session import Session

REVIEW_KEYS = (
    KeyBinding("H", "hit", "call the well: hit"),
    KeyBinding("C", "candidate", "call the well: candidate"),
    KeyBinding("R", "reject", "call the well: reject"),
    KeyBinding("U", "unsure", "call the well: unsure"),
    KeyBinding("Control-Z", "undo", "undo your latest call on the well"),
    KeyBinding("N", "next", "next well of the review queue"),
    KeyBinding("Shift-N", "previous", "previous well of the review queue"),
)
CALL_KEYS = {b.action: b.key for b in REVIEW_KEYS[:4]}


def install_review_keys(viewer: napari.Viewer, session: Session) -> None:
    """Bind the review's keys once per viewer (they stay bound; without a review they do nothing)."""
    if session.review_keys_installed:
        return
    session.review_keys_installed = True
    ref = weakref.ref(session)

    def run(action: str) -> None:
        found = ref()
        review = found.review if found is not None else None
        if review is None:
            return
        if action == "undo":
            review.undo()
        elif action in ("next", "previous"):
            review.step_queue(1 if action == "next" else -1)
        else:
            review.call(action)

    install_keys(viewer, REVIEW_KEYS, run, is_ours)
