"""Saving a dock's figure (the compound card, the Hits dock's heatmap) as PNG or SVG: a button,
a file dialog, and the figure made and written in a worker, never on the GUI thread.

A dock mixes in :class:`FigureSaving` and gives :meth:`~FigureSaving.figure_stem` (the file name
offered), :meth:`~FigureSaving.make_figure` (a function the worker calls for the figure; None:
nothing to save now) and :meth:`~FigureSaving.say` (its status line). :class:`CardFigureSaving`
does so for the compound card (:func:`imaging_explorer.figures.compound_figure`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QFileDialog, QPushButton, QWidget

from ..browser.workers import start_worker

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FIGURE_DPI", "FIGURE_FILTERS", "CardFigureSaving", "FigureSaving", "ask_figure_path"]

FIGURE_FILTERS = "PNG image, 300 dpi (*.png);;SVG vector figure (*.svg)"
FIGURE_DPI = 300


def ask_figure_path(parent: QWidget | None, title: str, stem: str) -> str | None:
    """A file dialog for a figure; a name without .png / .svg gets the chosen format's. None: cancelled."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, str(Path.home() / f"{stem}.png"), FIGURE_FILTERS)
    if not path:
        return None
    if Path(path).suffix.lower() not in (".png", ".svg"):
        path += ".svg" if "svg" in chosen.lower() else ".png"
    return str(path)


class FigureSaving:
    """A dock that saves a figure (see the module docstring)."""

    figure_title = "Save as a figure"  # the dialog's title

    def figure_stem(self) -> str:
        """The file name offered (without suffix)."""
        return "figure"

    def make_figure(self) -> Callable[[], Figure] | None:
        """What the worker calls for the figure, holding what is on screen now; None: nothing to save."""
        return None

    def say(self, text: str, error: bool = False) -> None:
        """Show a status line."""

    def figure_button(self, text: str, tip: str) -> QPushButton:
        """A button that asks where and saves (it leaves the keyboard to the dock)."""
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(self.ask_save_figure)
        return button

    def ask_save_figure(self) -> None:
        """Ask where to save the figure (PNG or SVG), then save it in a worker."""
        if self.make_figure() is None:
            self.say("nothing to save yet", error=True)
            return
        path = ask_figure_path(self if isinstance(self, QWidget) else None, self.figure_title, self.figure_stem())
        if path is not None:
            self.save_figure(path)

    def save_figure(self, path: str | Path, dpi: float = FIGURE_DPI) -> Any:
        """Make the figure and write it to ``path`` (.png or .svg) in a worker; the status line
        says where it went. Returns the worker (None: nothing to save)."""
        make = self.make_figure()
        if make is None:
            self.say("nothing to save yet", error=True)
            return None

        def run() -> Path:
            from imaging_explorer.figures.export import save_figure

            return save_figure(make(), path, dpi=dpi)

        self.say(f"saving {Path(path).name}…")
        return start_worker(run, returned=lambda saved: self.say(f"saved {saved}"),
                            errored=lambda exc: self.say(f"not saved: {exc}", error=True))


class CardFigureSaving(FigureSaving):
    """The compound card's figure: the card on screen, its thumbnails at the channel settings shown
    (mixed into :class:`~.compound_card.CompoundCardDock`: ``compound``, ``loaded``, ``images``,
    ``panel``)."""

    figure_title = "Save the compound card as a figure"
    compound: str | None
    loaded: Any
    images: dict[str, Any]
    panel: Any
    _gen: int

    def figure_stem(self) -> str:
        return f"{self.compound}_card"

    def make_figure(self) -> Callable[[], Figure] | None:
        loaded, images = self.loaded, dict(self.images)
        if loaded is None:
            return None

        def make() -> Figure:  # in the worker
            from imaging_explorer.figures.card_figure import compound_figure

            fields = loaded.fields
            return compound_figure(loaded.card, images, fields.errors, fields.common_pixel_um())

        return make

    def say(self, text: str, error: bool = False) -> None:
        if self._gen >= 0:  # not closed meanwhile
            self.panel.say(text, error=error)
