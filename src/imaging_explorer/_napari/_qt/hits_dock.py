"""The "Hits" dock: a thin view of the plate's hit calling (:mod:`..browser.plate_hits`).

The rule form (magicgui) sets the hit rule, applied shortly after each change; hit calling runs
in a worker. Below: the plate's QC (Z′ below 0.5 and other warnings stand out) and the compounds,
hits first by rank. Double-click (or Enter) on a compound emits ``compound_chosen`` and opens its
compound card when there is one. "Save heatmap…" saves the plate's activity as a heatmap figure
(PNG or SVG; hits marked H, QC-flagged wells ×).
"""

from __future__ import annotations

import contextlib
import html
import math
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import Qt, QTimer, Signal
from qtpy.QtGui import QFont
from qtpy.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..browser.plate_hits import NO_PLATEMAP, NO_RESULTS, PlateHits, warm_up_hits
from ..docks import open_dock
from ..review.queue_order import readout_columns
from ..session import session_for
from .choice_table import ChoiceTable, cell_number
from .dock_room import dock_column
from .figure_saving import FigureSaving
from .hit_rule_form import HitRuleForm
from .signals import connect_while_alive

if TYPE_CHECKING:
    from collections.abc import Callable

    import napari
    import pandas as pd
    from matplotlib.figure import Figure

    from imaging_explorer.hits import PlateQC

MIN_HEIGHT = 420  # px the dock asks for when it opens: the form, the QC and a few compounds
APPLY_DELAY_MS = 300  # the rule is applied once the form stopped changing for this long
WARNING_COLOR = "#ff8c69"  # QC warnings and a Z′ below Z_PRIME_MIN, readable on napari's dark and light themes
Z_PRIME_MIN = 0.5  # as imaging_explorer.hits.plate_qc (not imported here: it pulls in scipy)
HEATMAP_NOTE = "H: hit · ×: QC-flagged or excluded · grey: no value"
COLUMNS = ("#", "compound", "activity %", "IC50 µM", "CC50 µM", "SI", "flags")
HEADER_TIPS = ("hit rank: by max activity, then potency (IC50)", "compound id (plate map)",
               "max activity over the tested doses (replicates averaged)", "fitted concentration of 50 % activity",
               "fitted concentration of 50 % viability",
               ("selectivity index CC50 / IC50 ('>': no cytotoxicity up to the top dose, "
                "so at least top dose / IC50)"), "why a fit or a call needs a second look")


def hits_for(viewer: napari.Viewer) -> PlateHits:
    """The hit calling of the viewer's plate (it lives on the plate browser)."""
    return session_for(viewer).browser.hits


def show_hits_dock(viewer: napari.Viewer) -> Any:
    """Show the viewer's Hits dock, with room for its hit list."""
    dock = open_dock(viewer, "Hits", HitsDock)
    if isinstance(dock, HitsDock):
        QTimer.singleShot(0, dock.take_room)
    return dock


def qc_html(qc: PlateQC) -> str:
    """The plate QC's lines as rich text: warnings, and the Z′ line when Z′ is low, stand out."""
    low = not (math.isfinite(qc.z_prime) and qc.z_prime >= Z_PRIME_MIN)
    out = []
    for n, line in enumerate(qc.lines()):
        text = html.escape(line.strip())
        if line.startswith("  "):
            text = "&nbsp;&nbsp;" + text
        if line.strip().startswith("warning:") or (n == 1 and low):
            text = f'<span style="color:{WARNING_COLOR}"><b>{text}</b></span>'
        elif n == 1:
            text = f"<b>{text}</b>"
        out.append(text)
    return "<br>".join(out)


def _number(value: Any, fmt: str = ".3g") -> str:
    return cell_number(value, fmt, missing="–")


def _rank(value: Any) -> int | None:
    """A compound's hit rank (None: not a hit; NA, NaN or None in the table)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return int(x) if math.isfinite(x) else None


def compound_cells(row: pd.Series) -> list[str]:
    """One compound's row of the table, as text (COLUMNS' order)."""
    rank = _rank(row.get("rank"))
    note = str(row.get("selectivity_note") or "")
    selectivity = _number(row.get("selectivity_index"), ".3g")
    if note == ">" and selectivity != "–":
        selectivity = f"> {selectivity}"
    return [str(rank) if rank is not None else "",
            str(row.get("compound_id", "")), _number(row.get("max_activity_pct"), ".0f"),
            _number(row.get("ic50_um")), _number(row.get("cc50_um")), selectivity, str(row.get("flags") or "")]


class CompoundTable(ChoiceTable):
    """The compounds, one a row; the flags column takes the room left (elided)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(COLUMNS, HEADER_TIPS, stretch=len(COLUMNS) - 1, parent=parent)


class HitsDock(FigureSaving, QWidget):
    """Dock widget for the plate's hits (npe2 widget contribution "Hits")."""

    compound_chosen = Signal(str)  # compound id: double-click or Enter in the table
    figure_title = "Save the plate's activity heatmap"

    def __init__(self, viewer: napari.viewer.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.ctrl = session_for(viewer).browser
        self.hits = self.ctrl.hits
        warm_up_hits()  # scipy & co. load in the background, not when the form is first used
        self.form = HitRuleForm()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.qc = QLabel("")
        self.qc.setWordWrap(True)
        self.qc.setTextFormat(Qt.RichText)
        self.qc.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.table = CompoundTable()
        self.save_button = self.figure_button("Save heatmap…", "the plate's activity (%) as a heatmap figure, PNG "
                                              "or SVG (H: hits, ×: QC-flagged wells, grey: no value)")
        self.save_note = QLabel("")
        self.save_note.setWordWrap(True)
        self._ids: list[str] = []  # compound id of each table row
        self._apply_timer = QTimer(self)
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(APPLY_DELAY_MS)
        self._apply_timer.timeout.connect(self.apply)
        self._build()
        self._wire()
        if self.hits.chosen_rule is not None:  # else the rule is the default one the form shows
            self.form.set_rule(self.hits.chosen_rule)
        self._columns_changed()
        self._hits_changed()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.form.native)
        layout.addWidget(self.status)
        layout.addWidget(self.qc)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.save_note, 1)
        layout.addLayout(row)

    def _wire(self) -> None:
        self.form.changed.connect(lambda *_: self._apply_timer.start())
        self.table.chosen.connect(self._row_chosen)
        connect_while_alive(self, [
            (self.hits.changed, self._hits_changed),
            (self.ctrl.analysis_view.changed, self._columns_changed),
            (self.ctrl.platemap_changed, self._hits_changed),  # found or not: the status says which
        ])

    def take_room(self) -> None:
        """Ask the main window for half the dock area's height (at least MIN_HEIGHT; else the
        dock becomes a tab beside the tallest dock there): Qt would leave it a sliver below the
        Plate browser."""
        column = dock_column(self)
        if column is None:
            return
        window, frame, others, total = column
        room = total - sum(d.minimumSizeHint().height() for d in others)
        if others and room < MIN_HEIGHT:  # no room below the others: a tab beside the tallest one
            window.tabifyDockWidget(max(others, key=lambda d: d.height()), frame)
            frame.raise_()
            return
        window.resizeDocks([frame], [max(MIN_HEIGHT, total // 2)], Qt.Vertical)

    # ------------------------------------------------------------------ actions

    def apply(self) -> None:
        """Call the hits with the form's rule (in a worker; the view follows ``hits.changed``)."""
        self._apply_timer.stop()
        try:
            rule = self.form.values()
        except ValueError as e:
            self.status.setText(f"The rule cannot be used: {e}")
            return
        self.hits.set_rule(rule)

    def choose(self, compound_id: str) -> None:
        """A compound was chosen: tell listeners, and open its compound card if there is one."""
        self.compound_chosen.emit(compound_id)
        try:
            from .compound_card import show_compound_card
        except ImportError:
            return
        try:
            show_compound_card(self.viewer, compound_id)
        except Exception as e:  # noqa: BLE001 - a card that fails must not raise into Qt
            self.ctrl.notice.emit("error", f"The compound card of {compound_id} could not be shown: {e}")

    def figure_stem(self) -> str:
        plate = self.ctrl.plate
        return f"{plate.name if plate is not None else 'plate'}_activity"

    def make_figure(self) -> Callable[[], Figure] | None:
        """The plate's activity (%) as a heatmap: hits marked H, QC-flagged or excluded wells ×."""
        wells, plate, readout = self.hits.wells, self.ctrl.plate, self.hits.rule.readout
        if wells is None or plate is None:
            return None
        rows, columns, title = list(plate.rows), list(plate.columns), f"{plate.name}: activity ({readout})"

        def make() -> Figure:  # in the worker
            import pandas as pd

            from imaging_explorer.figures.called_plate import hit_marks
            from imaging_explorer.figures.heatmap import heatmap_figure

            values = pd.to_numeric(wells["activity_pct"], errors="coerce").astype(float)
            return heatmap_figure(values, rows, columns, title=title, label="activity (%)", marks=hit_marks(wells),
                                  note=HEATMAP_NOTE)

        return make

    def say(self, text: str, error: bool = False) -> None:
        with contextlib.suppress(RuntimeError):  # the dock was closed meanwhile
            self.save_note.setText(text)
            self.save_note.setStyleSheet(f"color: {WARNING_COLOR};" if error else "")

    def _row_chosen(self, row: int) -> None:
        if 0 <= row < len(self._ids):
            self.choose(self._ids[row])

    # ------------------------------------------------------------------ model -> view

    def _columns_changed(self) -> None:
        columns = readout_columns(self.ctrl.analysis_view.wells)
        if columns:
            self.form.set_columns(columns)

    def _hits_changed(self) -> None:
        hits = self.hits
        self.status.setText(self._status_text())
        self.qc.setText(qc_html(hits.qc) if hits.qc is not None else "")
        self.qc.setVisible(hits.qc is not None)
        self._fill_table(hits.compounds)
        self.save_button.setEnabled(hits.wells is not None)

    def _status_text(self) -> str:
        hits = self.hits
        if hits.busy:
            return "Calling hits…"
        if hits.error == NO_PLATEMAP and self.ctrl.state.platemap_loading:
            return "Looking for the plate map…"
        if hits.error:
            tips = {NO_RESULTS: "No analysis results for this plate yet: run the Analysis dock first.",
                    NO_PLATEMAP: "No plate map was found with this plate: hits need its controls and compounds."}
            return tips.get(hits.error, f"No hits: {hits.error}")
        compounds = hits.compounds
        n = len(hits.ranked_compounds())
        total = len(compounds) if compounds is not None else 0
        return f"{n} hit compound(s) of {total}; double-click one (or Enter) for its compound card."

    def _fill_table(self, compounds: pd.DataFrame | None) -> None:
        table = self.table
        table.setRowCount(0)
        self._ids = []
        if compounds is None:
            return
        table.setRowCount(len(compounds))
        bold = QFont()
        bold.setBold(True)
        for r, (_, row) in enumerate(compounds.iterrows()):
            self._ids.append(str(row["compound_id"]))
            is_hit = _rank(row.get("rank")) is not None
            texts = compound_cells(row)
            note = str(row.get("selectivity_note") or "")
            tips = {5: "no CC50 up to the top dose: SI ≥ top dose / IC50" if note == ">" else note,
                    len(COLUMNS) - 1: texts[-1]}
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(tips.get(c) or "double-click or Enter: the compound card")
                if c not in (1, len(COLUMNS) - 1):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if is_hit:
                    item.setFont(bold)
                table.setItem(r, c, item)
