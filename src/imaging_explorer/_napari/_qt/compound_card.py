"""The "Compound card" dock: one compound's wells beside the controls, its curves and its calls.

:func:`show_compound_card` opens it (below the canvas: the strip wants width) for a compound, or
for the compound of the well on screen, or for the top hit. It shows the compound's rank, IC50,
CC50, selectivity and the fits' flags; the strip of well thumbnails (negative control, the doses
from low to high, positive control, all at the plate's channel settings; a click opens the well);
the dose-response plot; the reviewers' calls on the compound with their consensus and history;
and the buttons of a compound-level call; "Save figure…" saves it as PNG or SVG. Keys while the
card has focus follow the Review dock's: H / C / R / U call the compound, Ctrl+Z undoes, N /
Shift+N step through the hits by rank.

A thin view: the card's data is made and its thumbnails read in a worker
(:func:`~..browser.compound_card_data.load_card`); calls go through the Review dock's store
(:class:`~..review.compound_calls.CompoundCalls`), so the Review dock is opened with the card.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import QEvent, Qt, QTimer
from qtpy.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..browser.card_thumbnails import render_card, settings_of
from ..browser.compound_card_data import card_inputs, load_card
from ..browser.layer_tags import is_ours
from ..browser.workers import start_worker
from ..docks import open_dock, show_named_dock
from ..keys import help_text, install_keys
from ..session import real_viewer, session_for
from .card_helpers import (
    CARD_KEYS,
    OPEN_KEY,
    disconnect,
    focus_canvas,
    key_name,
    take_room,
    to_bottom,
)
from .compound_calls_panel import CallsPanel
from .compound_strip import WellStrip
from .dock_room import dock_frame
from .dose_response_plot import DoseResponsePlot
from .figure_saving import CardFigureSaving
from .signals import connect_while_alive

if TYPE_CHECKING:
    import napari

    from ..browser.compound_card_data import LoadedCard

PANEL_WIDTH = 270  # px of the calls column
ROOM_DELAY_MS = 200  # the Review dock, opened with the card, takes its room first
CARD_HEIGHT = 300  # px the card's dock asks for when it opens: numbers, strip, plot and calls without scrolling
POLL_INTERVAL_MS = 2000  # how often the card asks the store whether others called compounds
RERENDER_DELAY_MS = 150  # thumbnails are drawn again this long after the channel settings last changed
_CARDS: dict[int, Any] = {}  # id(viewer) -> its card, while open
_KEYED: weakref.WeakSet[Any] = weakref.WeakSet()  # viewers with the K key bound


def show_compound_card(viewer: napari.Viewer, compound_id: str | None = None) -> CompoundCardDock | None:
    """Open (or reuse) the viewer's compound card and show ``compound_id`` (None: the compound of
    the well on screen, else the top hit). Opens the Review dock too (its store takes the calls)."""
    viewer = real_viewer(viewer)
    session = session_for(viewer)
    if session.review is None:  # first: its store takes the calls, its reviewer name signs them
        show_named_dock(viewer, "Review")
    card = _CARDS.get(id(viewer))
    if card is None:
        card = open_dock(viewer, "Compound card", CompoundCardDock)
        if not isinstance(card, CompoundCardDock):
            return None
        to_bottom(card)
        QTimer.singleShot(ROOM_DELAY_MS, lambda: take_room(card, CARD_HEIGHT))  # once the Review dock settled
    install_card_key(viewer)
    card.panel.bind_review()
    frame = dock_frame(card)
    if frame is not None:
        frame.show()
        frame.raise_()
    card.show_compound(compound_id if compound_id is not None else card.default_compound())
    card.setFocus()
    return card


def install_card_key(viewer: napari.Viewer) -> None:
    """Bind K on the viewer (and our layers): the compound card of the well on screen."""
    viewer = real_viewer(viewer)
    if viewer in _KEYED:
        return
    _KEYED.add(viewer)
    ref = weakref.ref(viewer)

    def run(_action: str) -> None:
        found = ref()
        if found is not None and session_for(found).browser.plate is not None:
            show_compound_card(found)

    install_keys(viewer, [OPEN_KEY], run, is_ours)


class CompoundCardDock(CardFigureSaving, QWidget):
    """The compound card of one viewer (see the module docstring)."""

    def __init__(self, viewer: napari.viewer.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer = real_viewer(viewer)  # napari may hand a proxy
        self.session = session_for(viewer)
        self.ctrl = self.session.browser
        self.hits = self.ctrl.hits
        self.compound: str | None = None
        self.loaded: LoadedCard | None = None
        self.images: dict[str, Any] = {}  # well key -> RGB thumbnail on the strip (redrawn when the channels change)
        self._gen = 0
        self._tables: Any = None  # the hit calling's compound table the card was made from
        self._settings: Any = None  # the channel settings watched
        self._keys = {b.key: b.action for b in CARD_KEYS}
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build(viewer)
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_INTERVAL_MS)
        self.poll_timer.timeout.connect(self.panel.poll)
        self.poll_timer.start()
        self.render_timer = QTimer(self)
        self.render_timer.setSingleShot(True)
        self.render_timer.setInterval(RERENDER_DELAY_MS)
        self.render_timer.timeout.connect(self._render_again)
        key = id(viewer)
        _CARDS[key] = self
        connect_while_alive(self, [(self.hits.changed, self._hits_changed),
                                   (self.ctrl.plate_opened, self._plate_opened)],
                            on_destroyed=lambda: self._closed(key))
        self.panel.bind_review()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
            self.destroyed.connect(lambda *_: disconnect(app.focusChanged, self._focus_changed))
        self._focus_changed(None, QApplication.focusWidget())

    # ------------------------------------------------------------------ building

    def _build(self, viewer: Any) -> None:
        """Left: title, numbers, the strip; then the calls; right: the plot. In a scroll area, so
        that a short dock scrolls instead of squeezing rows together."""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        top = QHBoxLayout()
        layout.addLayout(top)
        left = QVBoxLayout()
        top.addLayout(left, 3)
        left.addLayout(self._title_row())
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.flags = QLabel("")
        self.flags.setWordWrap(True)
        self.flags.setStyleSheet("color: #f5b041;")
        numbers = QHBoxLayout()
        numbers.addWidget(self.summary, 3)
        numbers.addWidget(self.flags, 2)
        left.addLayout(numbers)
        self.strip = WellStrip(self._open_well)
        left.addWidget(self.strip)
        left.addStretch(1)
        self.panel = CallsPanel(self.session, CARD_KEYS[:4], self._open_review)
        self.panel.setFixedWidth(PANEL_WIDTH)
        top.addWidget(self.panel)
        self.plot = DoseResponsePlot(getattr(viewer, "theme", "dark"))
        self.plot.setMinimumSize(300, 170)
        top.addWidget(self.plot, 2)

    def _title_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.previous_button = QPushButton("◀ (Shift+N)")
        self.previous_button.setToolTip("previous compound in hit-rank order (Shift+N)")
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QPushButton("(N) ▶")
        self.next_button.setToolTip("next compound in hit-rank order (N)")
        self.next_button.clicked.connect(lambda: self.step(1))
        self.title = QLabel("no compound")
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.focus_hint = QLabel("")
        self.focus_hint.setToolTip(f"Keys while the card has the keyboard (click it):<br>{help_text(CARD_KEYS)}<br>"
                                   "On the canvas H / C / R / U call the well on screen (a click on a thumbnail "
                                   "opens its well and hands the keys to the canvas); <b>K</b> opens this card "
                                   "for the well on screen.")
        self.save_button = self.figure_button("Save figure…", "this card as a PNG or SVG figure")
        for widget in (self.previous_button, self.title, self.focus_hint, self.save_button, self.next_button):
            row.addWidget(widget, 1 if widget is self.title else 0)
        return row

    # ------------------------------------------------------------------ input

    def event(self, event: Any) -> bool:
        # our keys win over any window shortcut while the card has focus
        if event.type() == QEvent.Type.ShortcutOverride and key_name(event) in self._keys:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: Any) -> None:
        action = self._keys.get(key_name(event))
        if action is None:
            super().keyPressEvent(event)
            return
        event.accept()
        self.run(action)

    def run(self, action: str) -> None:
        """What a key of :data:`CARD_KEYS` does."""
        if action in ("next", "previous"):
            self.step(1 if action == "next" else -1)
        elif action == "undo":
            self.undo()
        else:
            self.call(action)

    def mousePressEvent(self, event: Any) -> None:
        self.setFocus()
        super().mousePressEvent(event)

    def _open_well(self, key: str) -> None:
        """Open a well of the strip; the keys then go to the canvas, so H / C / R / U call the well."""
        if self.ctrl.plate is None or key not in self.ctrl.plate.wells:
            self.panel.say("that well is not in the plate's store", error=True)
            return
        self.ctrl.show_well(key)
        focus_canvas(self)

    def _focus_changed(self, _old: Any, now: Any) -> None:
        if self._gen < 0:
            return  # closing
        mine = now is not None and (now is self or self.isAncestorOf(now))
        self.focus_hint.setText("keys: H C R U call this compound, N / Shift+N step" if mine
                                else "keys: on the canvas (click the card for its keys)")
        self.focus_hint.setStyleSheet("color: #2ecc71;" if mine else "color: #95a5a6;")

    def _open_review(self) -> None:
        if session_for(self.viewer).review_dock is None:
            show_named_dock(self.viewer, "Review")
        self.panel.bind_review()

    # ------------------------------------------------------------------ compounds

    def default_compound(self) -> str | None:
        """The compound of the well on screen (or loading), else the top hit, else None."""
        state = self.ctrl.state
        well = state.pending.well if state.pending is not None else state.well
        found = self.hits.compound_of(well) if well is not None else None
        ranked = self.hits.ranked_compounds()
        return found or (ranked[0] if ranked else None)

    def step(self, step: int) -> str | None:
        """Show the next (previous) compound in hit-rank order; None at the end of the list."""
        self.setFocus()
        ranked = self.hits.ranked_compounds()
        if not ranked:
            self.panel.say("no hits ranked yet" + (f" ({self.hits.error})" if self.hits.error else ""), error=True)
            return None
        if self.compound in ranked:
            i = ranked.index(self.compound) + step
        else:
            i = 0 if step > 0 else len(ranked) - 1
        if not 0 <= i < len(ranked):
            self.panel.say("last hit" if step > 0 else "first hit")
            return None
        self.show_compound(ranked[i])
        return ranked[i]

    def show_compound(self, compound_id: str | None) -> None:
        """Show a compound: its card is made and its thumbnails read in a worker."""
        self.compound = compound_id
        self.panel.show_compound(compound_id)
        if compound_id is None:
            self._clear(self.hits.error or "no hits: open a plate with analysis results and a plate map")
            return
        if self.hits.wells is None:
            self._clear(f"{compound_id}: hit calling is not ready ({self.hits.error or 'running'})")
            return
        self._load()

    def _clear(self, text: str) -> None:
        self._gen += 1
        self.loaded, self.images = None, {}
        self.title.setText(text if self.compound is None else self.compound)
        self.summary.setText("" if self.compound is None else text)
        self.flags.setText("")
        self.strip.set_wells([])
        self.plot.clear(text if self.compound is None else "no data")

    def _load(self) -> None:
        assert self.compound is not None
        self._gen += 1
        gen, inputs = self._gen, card_inputs(self.hits, self.compound)
        self._tables = self.hits.compounds
        self._watch_settings()
        self.title.setText(f"{self.compound} · loading…")
        self.plot.clear("loading…")
        start_worker(load_card, inputs, self.ctrl.plate, self.ctrl.settings,
                     returned=lambda loaded: self._loaded(gen, loaded),
                     errored=lambda exc: self._failed(gen, exc))

    def _loaded(self, gen: int, loaded: LoadedCard) -> None:
        if gen != self._gen:
            return  # another compound was asked for meanwhile
        card = loaded.card
        ranked = self.hits.ranked_compounds()
        rank = f" of {len(ranked)}" if card.rank is not None and ranked else ""
        self.title.setText(card.title + rank)
        self.summary.setText(card.summary)
        self.flags.setText(f"flags: {card.flags}" if card.flags else "")
        if not card.sample_wells:
            self.flags.setText(f"{card.compound_id}: no sample wells in the plate map")
        self.loaded, self.images = loaded, loaded.images
        self.strip.set_wells(card.wells, loaded.images, loaded.fields.errors)
        self.plot.show_data(card.plot)

    def _failed(self, gen: int, exc: BaseException) -> None:
        if gen == self._gen:
            self.panel.say(f"the card of {self.compound} could not be made: {type(exc).__name__}: {exc}", error=True)
            self.plot.clear("no data")

    # ------------------------------------------------------------------ the plate's changes

    def _hits_changed(self) -> None:
        if self.compound is not None and self.hits.compounds is not None and self.hits.compounds is not self._tables:
            self.show_compound(self.compound)  # a new rule or new results: the same compound, new numbers

    def _plate_opened(self) -> None:
        self.compound, self._tables = None, None
        self.panel.show_compound(None)
        self._clear("open a compound from the Hits dock (or press K on a well)")

    def _watch_settings(self) -> None:
        settings = self.ctrl.settings
        if settings is self._settings:
            return
        if self._settings is not None:
            with contextlib.suppress(Exception):  # already gone
                self._settings.changed.disconnect(self._settings_changed)
        self._settings = settings
        if settings is not None:
            settings.changed.connect(self._settings_changed)

    def _settings_changed(self, _name: str = "") -> None:
        self.render_timer.start()  # drags of a contrast slider come in bursts

    def _render_again(self) -> None:
        loaded, settings, gen = self.loaded, self.ctrl.settings, self._gen
        if loaded is None:
            return
        fields = loaded.fields
        start_worker(lambda: render_card(fields, settings_of(settings, fields)),
                     returned=lambda images: self._rendered(gen, images))

    def _rendered(self, gen: int, images: dict[str, Any]) -> None:
        if gen == self._gen and self.loaded is not None:
            self.images = images
            self.strip.set_images(images)

    def call(self, call: str) -> bool:
        """Call the compound on the card (hit, candidate, reject, unsure); False (and says why) when not now."""
        self.setFocus()
        return self.panel.call(call)

    def undo(self) -> bool:
        """Undo your latest call on the compound on the card."""
        self.setFocus()
        return self.panel.undo()

    def _closed(self, key: int) -> None:
        self._gen = -(1 << 30)  # a worker still running answers into nothing (its widgets are gone)
        if _CARDS.get(key) is self:
            del _CARDS[key]
        self.panel.unbind()
        if self._settings is not None:
            with contextlib.suppress(Exception):  # already gone
                self._settings.changed.disconnect(self._settings_changed)
