"""The "Screen" dock: open a screen (a folder of plates or a CSV index), see every plate at once.

A thin view of :class:`~..screen.view.ScreenView`: the source line and "Open…", the readout the
plates are coloured by, the QC table (failed plates red, broken ones orange; a click opens the
plate), and the hits of every plate that passed QC in rank order (double-click or Enter opens
the hit's plate and well; "hit ▶" walks them in rank order across the plates; "Compound card"
opens its compound card too). "Write report…" writes
the screen's HTML report in a worker.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from qtpy.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..browser.plate_hits import warm_up_hits
from ..screen.view import ScreenView, reader_processes
from ..session import browser_for, real_viewer
from .choice_table import ChoiceTable
from .screen_tables import (
    HIT_COLUMNS,
    HIT_TIPS,
    QC_COLUMNS,
    QC_TIPS,
    hit_rows,
    qc_rows,
)
from .signals import connect_while_alive

if TYPE_CHECKING:
    import napari
    import pandas as pd

_VIEWS: weakref.WeakKeyDictionary[Any, ScreenView] = weakref.WeakKeyDictionary()


def screen_view_for(viewer: napari.Viewer) -> ScreenView:
    """The viewer's screen view, made on first use (it outlives the dock, not the viewer); the
    viewer's notifications and Plate browser dock are wired too (as when a plate is opened)."""
    from ..docks import attach
    from .browser_dock import BrowserDock

    viewer = real_viewer(viewer)
    view = _VIEWS.get(viewer)
    if view is None:
        attach(viewer, BrowserDock)
        view = _VIEWS[viewer] = ScreenView(viewer, browser_for(viewer))
    return view


def show_screen_dock(viewer: napari.Viewer, source: str | None = None) -> Any:
    """Show the viewer's Screen dock; with ``source``, open that screen in it."""
    from ..docks import show_named_dock

    dock = show_named_dock(viewer, "Screen")
    if source is not None and dock is not None:
        dock.open_source(source)
    return dock


class ScreenDock(QWidget):
    """Dock widget of the screen view (npe2 widget contribution "Screen")."""

    def __init__(self, viewer: napari.viewer.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.view: ScreenView = screen_view_for(viewer)
        warm_up_hits()  # pandas and scipy load while the user picks a screen, not when it opens
        self.source = QLineEdit(self.view.source)
        self.source.setPlaceholderText("folder of plates, or a screen index (.csv)")
        self.open_button = QToolButton()
        self.open_button.setText("Open…")
        self.open_button.setPopupMode(QToolButton.InstantPopup)
        self.readout = QComboBox()
        self.readout.setToolTip("the column of the plates' calls the plates are coloured by")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.qc = ChoiceTable(QC_COLUMNS, QC_TIPS, stretch=1)
        self.hits = ChoiceTable(HIT_COLUMNS, HIT_TIPS)
        self.previous_button = QPushButton("◀ hit")
        self.previous_button.setToolTip("the hit above in the list: its plate and well")
        self.next_button = QPushButton("hit ▶")
        self.next_button.setToolTip("the next hit in rank order, across the plates: its plate and well")
        self.card_button = QPushButton("Compound card")
        self.card_button.setToolTip("open the selected hit's plate and well, and its compound card")
        self.up_button = QPushButton("Screen view")
        self.up_button.setToolTip("back to the grid of plates (Home on a plate's overview)")
        self.report_button = QPushButton("Write report…")
        self.report_button.setToolTip("the screen's report: one HTML file with QC, heatmaps and hits")
        self._report_worker: Any = None
        self._hit_table: pd.DataFrame | None = None
        self._qc_rows: dict[int, tuple[Any, tuple[list[str], Any, Any]]] = {}  # id(plate) -> (plate, its row)
        self._qc_shown: tuple[int, ...] = ()  # the plates in the QC table (ids)
        self._build()
        self._wire()
        self._changed()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        line = QHBoxLayout()
        line.addWidget(self.source, 1)
        line.addWidget(self.open_button)
        layout.addLayout(line)
        readout = QHBoxLayout()
        readout.addWidget(QLabel("colour by"))
        readout.addWidget(self.readout, 1)
        readout.addWidget(self.up_button)
        layout.addLayout(readout)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("<b>Plates</b> (click one to open it)"))
        layout.addWidget(self.qc, 1)
        layout.addWidget(QLabel("<b>Hits across the screen</b> (double-click or Enter: its plate and well)"))
        layout.addWidget(self.hits, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.card_button)
        buttons.addStretch(1)
        buttons.addWidget(self.report_button)
        layout.addLayout(buttons)

    def _wire(self) -> None:
        menu = QMenu(self.open_button)
        menu.addAction("Folder of plates…", self._choose_folder)
        menu.addAction("Screen index (CSV)…", self._choose_index)
        self.open_button.setMenu(menu)
        # while a source is being chosen, the plates' reader processes import (about 1.5 s)
        menu.aboutToShow.connect(self._warm_readers)
        self.source.textEdited.connect(lambda _text: self._warm_readers())
        self.source.returnPressed.connect(lambda: self.open_source(self.source.text()))
        self.readout.activated.connect(lambda _i: self.view.set_readout(self.readout.currentText()))
        self.qc.cellClicked.connect(lambda row, _col: self.open_plate(row))
        self.qc.chosen.connect(self.open_plate)
        self.hits.chosen.connect(self.open_hit)
        self.previous_button.clicked.connect(lambda: self.step_hit(-1))
        self.next_button.clicked.connect(lambda: self.step_hit(1))
        self.card_button.clicked.connect(lambda: self.open_card())
        self.up_button.clicked.connect(lambda: self.view.go_up())
        self.report_button.clicked.connect(lambda: self.write_report())
        connect_while_alive(self, [(self.view.changed, self._changed), (self.view.finished, self._finished),
                                   (self.view.shown_changed, lambda _s: self._buttons())])

    # ------------------------------------------------------------------ actions

    def _warm_readers(self) -> None:
        if not self.view.loading:
            from imaging_explorer.screen.plate_processes import prestart_readers

            prestart_readers(reader_processes())

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A folder of plates (*.zarr)", self.source.text())
        if folder:
            self.open_source(folder)

    def _choose_index(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A screen index", self.source.text(),
                                              "Screen index (*.csv *.tsv);;All files (*)")
        if path:
            self.open_source(path)

    def open_source(self, source: str) -> None:
        """Open a screen: its plates load in a worker and fill the view as they come."""
        source = source.strip()
        if not source:
            self.status.setText("Give a folder of plates or a screen index (.csv).")
            return
        self.source.setText(source)
        self._qc_rows.clear()
        self._hit_table = None
        self.hits.setRowCount(0)
        self.view.open(source, self.view.ctrl.hits.chosen_rule)  # the Hits dock's rule, if one was set

    def _plate(self, row: int) -> Any:
        mosaic = self.view.mosaic
        plates = mosaic.plates if mosaic is not None else []
        return plates[row] if 0 <= row < len(plates) else None

    def open_plate(self, row: int) -> None:
        """Open the plate of a QC table row (its overview)."""
        plate = self._plate(row)
        if plate is not None:
            self.view.open_plate(plate)

    def _hit(self, row: int) -> Any:
        table = self._hit_table
        if table is None or not 0 <= row < len(table) or self.view.screen is None:
            return None
        return table.iloc[row]

    def open_hit(self, row: int, then: Any = None) -> bool:
        """Open a hit's plate and well (then ``then()``); False when the row is no hit."""
        hit, screen = self._hit(row), self.view.screen
        if hit is None or screen is None:
            return False
        if self.hits.currentRow() != row:
            self.hits.selectRow(row)  # the queue goes on from here
        self.view.open_plate(screen.plate(str(hit["plate"])), str(hit["well"]), then)
        return True

    def step_hit(self, step: int) -> int | None:
        """Walk the screen's hits in rank order: select the next (previous) one and open its plate
        and well; returns its row, None past either end."""
        rows = self.hits.rowCount()
        current = self.hits.currentRow()
        row = (0 if step > 0 else rows - 1) if current < 0 else current + step
        if not 0 <= row < rows:
            self.status.setText("last hit" if step > 0 else "first hit")
            return None
        self.open_hit(row)
        return row

    def open_card(self, row: int | None = None) -> None:
        """The compound card of the selected hit, once its plate and well are open."""
        row = self.hits.currentRow() if row is None else row
        hit = self._hit(row)
        if hit is None:
            self.status.setText("Select a hit first (the list below), then its compound card.")
            return
        compound = str(hit.get("compound_id", ""))
        self.open_hit(row, lambda: self._show_card(compound))

    def _show_card(self, compound: str) -> None:
        from .compound_card import show_compound_card

        try:
            show_compound_card(self.viewer, compound)
        except Exception as e:  # noqa: BLE001 - a card that fails must not raise into Qt
            self.view.ctrl.notice.emit("error", f"The compound card of {compound} could not be shown: {e}")

    def write_report(self, out: str | None = None) -> Any:
        """Write the screen's report (asks where); runs in a worker, the user is told when it is there."""
        from ..screen.report_writing import start_report

        screen = self.view.screen
        if screen is None:
            self.status.setText("Open a screen first; the report is written once every plate is loaded.")
            return None
        if out is None:
            out, _ = QFileDialog.getSaveFileName(self, "Write the screen's report", "screen-report.html",
                                                 "HTML report (*.html)")
            if not out:
                return None
        self.report_button.setEnabled(False)
        self._report_worker = start_report(screen, out, self.view.ctrl.notice.emit, self._report_done)
        return self._report_worker

    def _report_done(self) -> None:
        self._report_worker = None
        self._buttons()

    # ------------------------------------------------------------------ model -> view

    def _changed(self) -> None:
        mosaic = self.view.mosaic
        readouts = mosaic.readouts if mosaic is not None else []
        if readouts != [self.readout.itemText(i) for i in range(self.readout.count())]:
            self.readout.clear()
            self.readout.addItems(readouts)
        if mosaic is not None:
            self.readout.setCurrentText(mosaic.readout)
            shown = tuple(id(p) for p in mosaic.loaded)
            if shown != self._qc_shown:  # refilled only when plates arrived (it costs ~20 ms per fill)
                self._qc_shown = shown
                rows = [self._qc_row(p) for p in mosaic.loaded]
                self.qc.fill([r[0] for r in rows], {2, 3, 5}, [r[1] for r in rows], [r[2] for r in rows])
        else:
            self._qc_shown = ()
            self.qc.setRowCount(0)
        self.status.setText(self._status_text())
        self._buttons()

    def _qc_row(self, plate: Any) -> tuple[list[str], Any, Any]:
        """A plate's QC row, made once (the table is filled again as every plate arrives)."""
        row = self._qc_rows.get(id(plate))
        if row is None or row[0] is not plate:
            table = self.view.qc_rows.get(plate.index)
            if table is None:
                from imaging_explorer.screen import qc_table

                table = qc_table([plate])
            texts, back, fore = qc_rows(table)
            row = self._qc_rows[id(plate)] = (plate, (texts[0], back[0], fore[0]))
        return row[1]

    def _status_text(self) -> str:
        view, mosaic = self.view, self.view.mosaic
        if view.error:
            return f"Cannot open the screen: {view.error}"
        if mosaic is None:
            return "Loading the screen…" if view.loading else "Open a folder of plates or a screen index (.csv)."
        done, total = len(mosaic.loaded), len(mosaic.plates)
        if view.loading:
            return f"Loading plates: {done} of {total}…"
        failed = len(view.screen.failed) if view.screen is not None else 0
        hits = len(self._hit_table) if self._hit_table is not None else 0
        return (f"{total} plates, {failed} failed · {hits} hit wells on the plates that passed. "
                "Click a plate to open it; Home on its overview comes back.")

    def _finished(self) -> None:
        screen = self.view.screen
        self._hit_table = screen.hits() if screen is not None else None
        self.hits.fill(hit_rows(self._hit_table) if self._hit_table is not None else [], {0, 4})
        self.status.setText(self._status_text())
        self._buttons()

    def _buttons(self) -> None:
        ready = self.view.screen is not None
        for button in (self.card_button, self.previous_button, self.next_button):
            button.setEnabled(ready)
        self.report_button.setEnabled(ready and self._report_worker is None)
        self.up_button.setEnabled(self.view.mosaic is not None and not self.view.shown)
