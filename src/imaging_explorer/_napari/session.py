"""The per-viewer registry: each napari viewer has one session holding its plate browser and,
once the Review dock is open, its review, and once the Analysis dock is open, its analysis.

Everything that needs "the browser of this viewer" (the reader, docks, hotkeys, tests) asks
here. Sessions are kept weakly: closing a viewer frees them.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from .browser.controller import PlateController

if TYPE_CHECKING:
    import napari

    from .review.model import ReviewModel


class Session:
    """What imaging-explorer holds for one viewer."""

    def __init__(self, viewer: napari.Viewer) -> None:
        self.browser = PlateController(viewer)
        self.review: ReviewModel | None = None  # the Review dock's model, while the dock is open
        self.review_dock: Any = None  # the Review dock widget, while it is open
        self.wired = False  # docks and notifications connected (see docks.attach)
        self.review_keys_installed = False
        self.analysis: Any = None  # heatmap and run (analysis.viewer_analysis), once the Analysis dock opened


_SESSIONS: weakref.WeakKeyDictionary[Any, Session] = weakref.WeakKeyDictionary()


def real_viewer(viewer: Any) -> Any:
    """The viewer itself: napari hands plugin widgets a proxy of it (``PublicOnlyProxy``), which
    compares and hashes as the viewer but has its own id and lifetime."""
    return getattr(viewer, "__wrapped__", viewer)


def session_for(viewer: napari.Viewer) -> Session:
    """The viewer's session, made on first use."""
    viewer = real_viewer(viewer)
    session = _SESSIONS.get(viewer)
    if session is None:
        session = _SESSIONS[viewer] = Session(viewer)
    return session


def find_session(viewer: Any) -> Session | None:
    """The viewer's session if it has one (never makes one)."""
    return _SESSIONS.get(viewer) if viewer is not None else None


def browser_for(viewer: napari.Viewer) -> PlateController:
    """The viewer's plate browser (controller)."""
    return session_for(viewer).browser
