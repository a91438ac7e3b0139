"""The "Plate browser" dock: a thin view of the viewer's plate browser (controller and state).

Plate summary, go-to line (a well "C07", "C7", "C/7", or a view address "plate.zarr#C07/2"),
"Copy address" of the view on screen, previous/next well and field, back to the overview, a compact well grid, field selector and "tile fields", label display, channel
settings of the whole plate, and the hotkeys. Every action is a controller call; the dock
reads ``ctrl.state`` when the controller's signals say something changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from imaging_explorer.plate import well_name

from ..browser.hotkeys import BROWSER_KEYS
from ..browser.platemap_text import compound_line
from ..browser.problems import plate_problems
from ..browser.readouts_text import well_line
from ..browser.view_address_link import address_of_view, go_to_address, read_goto_text
from ..keys import help_text
from ..session import browser_for
from .channel_panel import ChannelPanel
from .problems_panel import ProblemsPanel
from .signals import connect_while_alive
from .well_grid import WellGrid

if TYPE_CHECKING:
    import napari


class BrowserDock(QWidget):
    """Dock widget of the plate browser (npe2 widget contribution)."""

    def __init__(self, viewer: napari.viewer.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.ctrl = browser_for(viewer)
        self.channel_panel: QWidget | None = None
        layout = QVBoxLayout(self)
        self._build_navigation(layout)
        self._build_well(layout)
        self.channel_slot = QVBoxLayout()
        layout.addLayout(self.channel_slot)
        keys = QLabel(f"<small>Hotkeys (canvas focused):<br>{help_text(BROWSER_KEYS)}<br>"
                      "click a well in the overview to open it</small>")
        keys.setWordWrap(True)
        layout.addWidget(keys)
        layout.addStretch(1)
        connect_while_alive(self, [
            (self.ctrl.plate_opened, self._plate_opened),
            (self.ctrl.view_changed, self._view_changed),
            (self.ctrl.overview_shown, self._clear_goto),  # Home: what was typed is stale
            (self.ctrl.well_failed, self._well_failed),
            (self.ctrl.overview_progress, self._progress),
            (self.ctrl.platemap_changed, self._show_compound),
            (self.ctrl.problems_changed, self._show_problems),
            (self.ctrl.analysis_view.changed, self._show_readouts),
        ])
        if self.ctrl.plate is not None:
            self._plate_opened()
            self._view_changed()

    def _build_navigation(self, layout: QVBoxLayout) -> None:
        """Summary, go-to line, well/field/overview buttons, where the user is, the compound."""
        self.summary = QLabel("No plate open: drop a plate folder (.zarr) on napari")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.problems = ProblemsPanel()  # "12 wells cannot be read ▸": well -> reason
        layout.addWidget(self.problems)

        row = QHBoxLayout()
        self.goto = QLineEdit()
        self.goto.setPlaceholderText("go to well, e.g. C07, or an address plate.zarr#C07/2")
        self.goto.setToolTip("a well of this plate (C07, C7, C/7), or a view address LOCATION#WELL/FIELD: "
                             "a well and field of this plate or of another one (opened first)")
        self.goto.returnPressed.connect(lambda: self.go_to(self.goto.text()))
        row.addWidget(QLabel("go to"))
        row.addWidget(self.goto)
        self.copy_button = QPushButton("Copy address")
        self.copy_button.setToolTip("copies the address of this view, e.g. /data/plate.zarr#C07/2, for partners: "
                                    "pasted into their go-to box (or `imaging-explorer open`) it shows the same "
                                    "well and field")
        self.copy_button.clicked.connect(lambda: self.copy_address())
        row.addWidget(self.copy_button)
        layout.addLayout(row)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # paths and reasons, never markup
        # a copied address can be selected and copied again by hand
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)

        row = QHBoxLayout()
        for text, tip, slot in (
            ("◀ well", "previous well (PageUp)", self.previous_well),
            ("well ▶", "next well (PageDown)", self.next_well),
            ("◀ field", "previous field (,)", self.previous_field),
            ("field ▶", "next field (.)", self.next_field),
            ("overview", "back to the plate overview (Home)", self.show_overview),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, slot=slot: slot())
            row.addWidget(button)
        layout.addLayout(row)

        self.where = QLabel("")
        self.compound = QLabel("compound: — (no plate map)")
        self.compound.setWordWrap(True)
        layout.addWidget(self.where)
        row = QHBoxLayout()
        row.addWidget(self.compound, 1)
        self.review_button = QPushButton("Review…")
        self.review_button.setToolTip("open the Review dock: call wells hit / candidate / reject / unsure")
        self.review_button.clicked.connect(lambda: self.open_review())
        row.addWidget(self.review_button)
        self.hits_button = QPushButton("Hits…")
        self.hits_button.setToolTip("open the Hits dock: plate QC (Z′), hit compounds ranked, their compound cards "
                                    "(needs analysis results and a plate map)")
        self.hits_button.clicked.connect(lambda: self.open_hits())
        row.addWidget(self.hits_button)
        layout.addLayout(row)
        self.readouts = QLabel("")  # the well's analysis readouts, when there are results
        self.readouts.setWordWrap(True)
        self.readouts.setVisible(False)
        layout.addWidget(self.readouts)

    def _build_well(self, layout: QVBoxLayout) -> None:
        """The well grid, field choice and tiling, how labels are drawn."""
        self.grid = WellGrid()
        self.grid.well_clicked.connect(self.show_well)
        layout.addWidget(self.grid)

        row = QHBoxLayout()
        self.field_box = QSpinBox()
        self.field_box.setMinimum(1)
        self.field_box.setToolTip("field shown (one at a time)")
        self.field_box.valueChanged.connect(self._field_chosen)
        self.tile_box = QCheckBox("tile fields")
        self.tile_box.setToolTip("all fields of the well side by side")
        self.tile_box.toggled.connect(self.ctrl.set_tiled)
        row.addWidget(QLabel("field"))
        row.addWidget(self.field_box)
        row.addWidget(self.tile_box)
        layout.addLayout(row)

        row = QHBoxLayout()
        self.contour_box = QCheckBox("outlines")
        self.contour_box.setChecked(self.ctrl.well_layers.contour > 0)
        self.contour_box.setToolTip("labels as outlines (checked) or filled")
        self.contour_box.toggled.connect(lambda on: self.ctrl.well_layers.set_contour(1 if on else 0))
        self.opacity = QSlider(Qt.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(round(self.ctrl.well_layers.opacity * 100))
        self.opacity.setToolTip("opacity of the labels")
        self.opacity.valueChanged.connect(lambda v: self.ctrl.well_layers.set_opacity(v / 100))
        row.addWidget(QLabel("labels"))
        row.addWidget(self.contour_box)
        row.addWidget(self.opacity)
        layout.addLayout(row)

    # ------------------------------------------------------------------ public, typed

    @property
    def current_well(self) -> str | None:
        """Key of the well on screen ("C/7"), None on the overview."""
        return self.ctrl.state.well if self.ctrl.state.mode == "well" else None

    @property
    def current_field(self) -> int:
        """Index (0-based) of the field on screen."""
        return self.ctrl.state.field

    def show_well(self, well: str, field: int | None = None) -> str | None:
        """Open a well by name ("C07", "C7", "C/7"); shows the reason when there is none."""
        try:
            key = self.ctrl.show_well(well, field)
        except ValueError as e:
            self._say(str(e), error=True)
            return None
        self._say("")
        return key

    def go_to(self, text: str) -> str | None:
        """What the go-to box does: a well name opens that well of this plate; a view address
        ("/data/plate.zarr#C07/2") its well and field, after opening its plate when that is
        another one. Returns the well key when shown at once (None: an error, the overview, or
        a plate still opening); the reason of an error is shown below the box."""
        try:
            address = read_goto_text(text, self.ctrl.plate)
            if address is None:
                return self.show_well(text)
            shown_now = go_to_address(self.ctrl, address)
        except ValueError as e:
            self._say(str(e), error=True)
            return None
        self._say("" if shown_now else f"opening {address.location} …")
        return self.ctrl.state.asked_well if shown_now else None

    def copy_address(self) -> str | None:
        """Put the address of the view on screen on the clipboard (and show it); None with the
        reason shown when there is no plate."""
        try:
            address = address_of_view(self.ctrl)
        except ValueError as e:
            self._say(str(e), error=True)
            return None
        if address is None:
            self._say("no plate open: nothing to copy", error=True)
            return None
        text = address.format()
        clipboard = QApplication.clipboard()
        if clipboard is None:  # no QApplication: nothing to copy to
            self._say(f"no clipboard; the address is {text}", error=True)
            return None
        clipboard.setText(text)
        self._say(f"copied: {text}")
        return text

    def next_well(self) -> str | None:
        return self.ctrl.next_well()

    def previous_well(self) -> str | None:
        return self.ctrl.previous_well()

    def next_field(self) -> int | None:
        return self.ctrl.next_field()

    def previous_field(self) -> int | None:
        return self.ctrl.previous_field()

    def show_overview(self) -> None:
        self.ctrl.show_overview()

    def open_review(self) -> Any:
        """Open (or show) the Review dock of this viewer."""
        from .review_dock import show_review_dock

        return show_review_dock(self.viewer)

    def open_hits(self) -> Any:
        """Open (or show) the Hits dock of this viewer."""
        from .hits_dock import show_hits_dock

        return show_hits_dock(self.viewer)

    # ------------------------------------------------------------------ controller events

    def _plate_opened(self) -> None:
        plate = self.ctrl.plate
        if plate is None:
            return
        n_fields = sum(len(w.fields) for w in plate.wells.values())
        missing = f", {len(plate.missing_wells)} missing" if plate.missing_wells else ""
        self._summary = (f"<b>{plate.name}</b> · NGFF {plate.version} · {len(plate.rows)}×{len(plate.columns)} · "
                         f"{len(plate.wells)} wells{missing} · {n_fields} fields")
        self.summary.setText(self._summary)
        self._clear_goto()  # names and errors of the previous plate
        self.grid.set_plate(plate)
        self._show_problems()
        if self.channel_panel is not None:
            self.channel_panel.setParent(None)
            self.channel_panel.deleteLater()
        self.channel_panel = ChannelPanel(plate, self.ctrl.settings)
        self.channel_slot.addWidget(self.channel_panel)

    def _show_problems(self) -> None:
        self.problems.set_problems(plate_problems(self.ctrl.plate, self.ctrl.state))

    def _clear_goto(self) -> None:
        self.goto.clear()
        self._say("")

    def _say(self, text: str, error: bool = False) -> None:
        """The line below the go-to box: an error in red, anything else (a copied address) plain."""
        self.message.setStyleSheet("color: #ff8080;" if error else "")
        self.message.setText(text)

    def _view_changed(self) -> None:
        plate, state = self.ctrl.plate, self.ctrl.state
        pending = state.pending
        if pending is not None:
            self.where.setText(f"loading {well_name(pending.well)} · field {pending.field + 1}…")
        elif state.mode == "well" and state.well is not None and plate is not None:
            n = len(plate.wells[state.well].fields)
            fields = f"fields 1–{n} tiled" if state.tiled else f"field {state.field + 1}/{n}"
            self.where.setText(f"<b>{well_name(state.well)}</b> · {fields}")
        else:
            self.where.setText("plate overview: click a well, or type its name")
        key = state.asked_well
        self.grid.select_well(key)
        self._show_compound()
        self._show_readouts()
        self.field_box.blockSignals(True)
        self.tile_box.blockSignals(True)
        try:
            n = len(plate.wells[key].fields) if key and plate else 1
            self.field_box.setMaximum(max(1, n))
            self.field_box.setValue((pending.field if pending else state.field) + 1)
            self.tile_box.setChecked(state.tiled)
        finally:
            self.field_box.blockSignals(False)
            self.tile_box.blockSignals(False)

    def _show_compound(self) -> None:
        state = self.ctrl.state
        self.compound.setText(compound_line(state.platemap, state.asked_well, state.platemap_error,
                                            state.platemap_loading))

    def _show_readouts(self) -> None:
        analysis, key = self.ctrl.analysis_view, self.ctrl.state.asked_well
        text = well_line(analysis.well(key), analysed=analysis.wells is not None) if key is not None else ""
        self.readouts.setText(text)
        self.readouts.setVisible(bool(text))

    def _field_chosen(self, value: int) -> None:
        key = self.ctrl.state.asked_well
        if key is not None:
            self.ctrl.show_well(key, value - 1, tiled=False)

    def _well_failed(self, key: str, reason: str) -> None:
        self.grid.mark_failed(key, reason)
        self._say(f"{well_name(key)} could not be loaded: {reason}", error=True)

    def _progress(self, done: int, total: int) -> None:
        text = getattr(self, "_summary", "")
        self.summary.setText(text if done >= total else f"{text}<br>overview: {done}/{total} fields")

