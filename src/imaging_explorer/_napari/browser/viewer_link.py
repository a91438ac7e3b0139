"""A weak link to a napari viewer: the browser lives as long as its viewer, not longer."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import napari


class ViewerLink:
    def __init__(self, viewer: napari.Viewer) -> None:
        self._ref = weakref.ref(viewer)

    @property
    def viewer(self) -> napari.Viewer:
        viewer = self._ref()
        if viewer is None:
            raise RuntimeError("the viewer of this plate browser is gone")
        return viewer

    @property
    def alive(self) -> bool:
        return self._ref() is not None

    @property
    def closed(self) -> bool:
        """The viewer is gone or its window closed: results still arriving from workers are dropped."""
        viewer = self._ref()
        return viewer is None or not hasattr(viewer.window, "_qt_window")  # napari deletes it on close
