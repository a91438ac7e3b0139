"""One PlateController per viewer: the plate on screen, overview <-> well view, navigation.

The only object that changes :class:`~.state.BrowserState`. Wells load in workers; every
request gets a generation number and only the newest one's result is applied, so a held
hotkey never queues dozens of wells. It tells the rest of the app what happened through its
signals only: it never opens docks or shows notifications (``notice`` carries what the user
should be told; :mod:`imaging_explorer._napari.docks` shows it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psygnal import Signal

from imaging_explorer.overview import plate_layout
from imaging_explorer.plate import parse_well_name, step_well, well_name

from .analysis_link import AnalysisLink
from .analysis_view import AnalysisView
from .channel_sync import ChannelSync
from .field_qc_marks import FieldQCMarks
from .hotkeys import install_browser_keys
from .hover import describe_position, install_hover_refresh
from .label_stats import measure_labels
from .layer_guard import LayerGuard, activate_channel_image
from .overview import PlateOverview
from .plate_hits import PlateHits
from .plate_opening import PlateOpener
from .platemap_loading import load_platemap
from .pointer import install_pointer
from .prefetch import WellPrefetch, warm_up
from .state import BrowserState, Target
from .view_fit import ViewFitter
from .viewer_link import ViewerLink
from .well_layers import WellLayers
from .well_loading import MEMORY_BUDGET, LoadFailure, WellView, guarded_load_well
from .workers import start_worker

if TYPE_CHECKING:
    from collections.abc import Callable

    import napari
    from napari.types import LayerDataTuple

    from imaging_explorer.channel_settings import ChannelSettings
    from imaging_explorer.overview import OverviewLayout
    from imaging_explorer.plate import Plate


class PlateController:
    """State of the plate browser in one viewer; docks and hotkeys call its methods."""

    plate_opened = Signal()  # the overview's layers are all there
    view_changed = Signal()  # overview/well/field shown, or asked for, changed
    overview_shown = Signal()  # the user went back to the overview (Home)
    loading_changed = Signal(bool)
    overview_progress = Signal(int, int)
    well_failed = Signal(str, str)  # well key, reason
    problems_changed = Signal()  # failed fields or wells were added to the state
    platemap_changed = Signal()  # the plate map of the open plate was found (or not)
    notice = Signal(str, str)  # "info", "warning" or "error", text for the user

    def __init__(self, viewer: napari.Viewer) -> None:
        self.link = ViewerLink(viewer)
        self.state = BrowserState()
        self.plate: Plate | None = None
        self.layout: OverviewLayout | None = None
        self.settings: ChannelSettings | None = None
        self.sync: ChannelSync | None = None
        self.overview: PlateOverview | None = None
        self.view: WellView | None = None
        self.stats: dict[tuple[str, str], Any] = {}  # (field path, labels) -> per-object table
        self.well_layers = WellLayers(self.link)
        self.prefetch = WellPrefetch()
        self._gen = 0
        self._worker: Any = None
        self._fitted = False  # the overview was fitted to the canvas once its first thumbnails came
        self.guard = LayerGuard(self.link)
        self.fitter = ViewFitter(self.link, self._view_layers)
        self.opener = PlateOpener(self.link, self.open_plate, self.notice.emit, self.view_changed.emit)
        self.analysis = AnalysisLink(self.notice.emit)  # the open plate's analysis results
        self.hover_parts: list[Callable[[tuple[float, ...]], str]] = []  # more hover text from other layers
        self.analysis_view = AnalysisView(self)  # their per-well table; the well re-read when they change
        self.hits = PlateHits(self)  # hit calling of the plate: analysis results + plate map + rule, in a worker
        self.above_overview: Callable[[], bool] | None = None  # Home on the overview goes up there (a screen)
        self.field_marks = FieldQCMarks(self)  # the fields image QC left out, crossed out on the overview
        install_pointer(viewer, self)
        install_hover_refresh(self)
        install_browser_keys(viewer, self)

    @property
    def viewer(self) -> napari.Viewer:
        return self.link.viewer

    @property
    def overview_loaded(self) -> bool:
        """True once every thumbnail of the overview is read and drawn into its layers (and no
        other plate's metadata is being read)."""
        return self.overview is not None and self.overview.loaded and not self.opener.busy

    # ------------------------------------------------------------------ opening

    def open_location(self, location: str) -> None:
        """Open the plate at ``location``: its metadata is read in a worker, then the overview is
        added (an error is a notice naming the location and the reason)."""
        self.opener.start(location)

    def open_plate(self, plate: Plate) -> list[LayerDataTuple]:
        """Prepare the overview of a plate; returns the layer data for napari to add."""
        from imaging_explorer.channel_settings import ChannelSettings

        if self.opener.busy:  # opened directly: a read still running must not replace it later
            self.opener.cancel()
        self.close_plate()
        self.plate, self.layout = plate, plate_layout(plate)
        self.settings = ChannelSettings.for_plate(plate)
        self.sync = ChannelSync(self.settings, self._layers_of_channel, lambda text: self.notice.emit("warning", text))
        self.overview = PlateOverview(self.link, plate, self.layout, self.settings, self.sync)
        self.overview.ready.connect(self._overview_ready)
        self.overview.progress.connect(self._overview_progress)
        self.overview.finished.connect(self._overview_finished)
        self.state.platemap_loading = True
        load_platemap(plate, self.set_platemap)
        self.analysis.load(plate)
        return self.overview.layer_data

    def set_platemap(self, plate: Plate, platemap: Any, error: str = "") -> None:
        """The plate map of ``plate`` (None: there is none); ignored when another plate is open."""
        if plate is not self.plate:
            return
        self.state.platemap, self.state.platemap_error, self.state.platemap_loading = platemap, error, False
        if error:
            self.notice.emit("warning", f"The plate map of {plate.name} cannot be used: {error}")
        self.platemap_changed.emit()

    def _overview_ready(self) -> None:
        self.state.mode = "overview"
        if self.overview is not None:
            activate_channel_image(self.viewer, self.overview.layers.values())
        self.plate_opened.emit()
        self.view_changed.emit()

    def _overview_progress(self, done: int, total: int) -> None:
        if self.state.mode == "overview" and not self._fitted:
            self._fitted = True
            self.fit_overview()
        self.overview_progress.emit(done, total)

    def _overview_finished(self, errors: dict[str, str]) -> None:
        # measured: started with the overview, the warm-up competes with it for 2 cores (first
        # 384-well plate 1.8 -> 3.2 s); the user reads the overview first anyway
        warm_up()
        if not errors or self.plate is None or self.overview is None:
            return
        self.state.failed_fields.update(errors)
        self.problems_changed.emit()
        if "*" in errors:
            self.notice.emit("error", f"Plate overview of {self.plate.name} stopped: {errors['*']}")
        fields = [p for p in errors if p != "*"]
        if fields:
            self.overview.mark_failed_fields(fields, visible=self.state.mode == "overview")
            first = errors[fields[0]]
            self.notice.emit("warning", f"{len(fields)} field(s) of {self.plate.name} could not be read (e.g. {first})")

    def close_plate(self) -> None:
        """Forget the plate on screen: stop its workers, remove its layers."""
        self._gen += 1
        self._quit_worker()
        self.prefetch.cancel()
        if self.sync is not None:
            self.sync.close()
        if self.overview is not None:
            self.overview.close()
        if self.link.alive:
            self.well_layers.clear()
        self.plate = self.layout = self.view = self.overview = None
        self._fitted = False
        self.analysis.clear()
        self.state.reset()
        self.stats.clear()

    # ------------------------------------------------------------------ views

    def _layers_of_channel(self, name: str) -> list[tuple[Any, bool | None]]:
        """A channel's image layers, each with the visibility it should have (None: its setting's)."""
        out: list[tuple[Any, bool | None]] = []
        over = self.state.mode == "overview"
        if self.overview is not None and name in self.overview.layers:
            out.append((self.overview.layers[name], None if over else False))
        if name in self.well_layers.images:
            out.append((self.well_layers.images[name], False if over else None))
        return [(layer, v) for layer, v in out if layer in self.viewer.layers]

    def _view_layers(self) -> list[Any]:
        """The layers of the view on screen (what a fit of the camera takes in)."""
        if self.state.mode == "well":
            return self.well_layers.layers()
        return self.overview.all_layers() if self.overview is not None else []

    def show_overview(self) -> None:
        """Back to the plate overview (pending well loads are dropped)."""
        self._gen += 1
        self._quit_worker()
        self.state.pending = None
        self.state.mode = "overview"
        if self.sync is not None:
            with self.sync.quiet():
                self.well_layers.park()
        if self.overview is not None:
            self.overview.set_visible(True)
            activate_channel_image(self.viewer, self.overview.layers.values())
        self.fit_overview()
        self.view_changed.emit()
        self.overview_shown.emit()

    def fit_overview(self) -> None:
        """Zoom so that the whole plate, with its row and column names, fills the canvas."""
        if self.state.mode == "overview" and self.overview is not None:
            self.fitter.fit()

    def describe(self, position: tuple[float, ...]) -> str:
        """Hover text for a world position in the current view (cheap; no reads)."""
        text = describe_position(self.state, self.plate, self.layout, self.view, self.well_layers.labels,
                                 self.stats, position)
        extra = [part for hover in self.hover_parts if (part := hover(position))]  # e.g. the heatmap's value
        return " · ".join([text, *extra]) if text and extra else text

    # ------------------------------------------------------------------ navigation

    def show_well(self, well: str, field: int | None = None, tiled: bool | None = None) -> str:
        """Load a well ("C07", "C7", "C/7" or a key of ``plate.wells``); returns its key.

        Raises ValueError (with a message for people) for a name that is no well here.
        """
        if self.plate is None:
            raise ValueError("no plate is open")
        key = well if well in self.plate.wells else parse_well_name(well, self.plate)
        same = key == self.state.well or (self.state.pending is not None and self.state.pending.well == key)
        if field is None:
            field = self.state.field if same else 0
        self._request(Target(key, field, self.state.tiled if tiled is None else tiled))
        return key

    def next_well(self, step: int = 1) -> str | None:
        """Open the next (or, with a negative step, previous) existing well in row-major order."""
        if self.plate is None:
            return None
        state = self.state
        base = state.pending.well if state.pending else state.well
        key = step_well(self.plate, base, step if base is not None else (1 if step > 0 else -1))
        if key is None or (key == base and state.mode == "well" and state.pending is None):
            return key
        self._request(Target(key, 0, state.tiled))
        return key

    def previous_well(self) -> str | None:
        return self.next_well(-1)

    def next_field(self, step: int = 1) -> int | None:
        """Show the next (previous) field of the well on screen, one at a time."""
        state = self.state
        base = state.pending or (Target(state.well, state.field, state.tiled) if state.well else None)
        if self.plate is None or base is None:
            return None
        n = len(self.plate.wells[base.well].fields)
        index = max(0, min(n - 1, base.field + step))
        if index != base.field or base.tiled:
            self._request(Target(base.well, index, False))
        return index

    def previous_field(self) -> int | None:
        return self.next_field(-1)

    def set_tiled(self, tiled: bool) -> None:
        """All fields of the well side by side (True) or one at a time (False)."""
        self.state.tiled = bool(tiled)
        if self.state.mode == "well" and self.state.well is not None:
            self._request(Target(self.state.well, self.state.field, self.state.tiled))

    def on_overview_click(self, position: tuple[float, ...]) -> str | None:
        """Open the well (and field) at a world position of the overview."""
        if self.state.mode != "overview" or self.layout is None:
            return None
        y, x = float(position[-2]), float(position[-1])
        hit = self.layout.well_at(y, x)
        if hit is None:
            self._explain_missing(y, x)
            return None
        self._request(Target(hit[0], hit[1] or 0, self.state.tiled))
        return hit[0]

    def _explain_missing(self, y: float, x: float) -> None:
        """A click on a crossed-out well says why it cannot be shown (as the go-to line does)."""
        layout, plate = self.layout, self.plate
        cell = layout.cell_at(y, x) if layout is not None else None
        if cell is None or layout is None or plate is None:
            return
        for path, rc in layout.missing.items():
            if rc == cell:
                try:
                    parse_well_name(path, plate)
                except ValueError as e:  # "'B/3': well B3 cannot be shown: <why>"
                    text = str(e).partition(": ")[2] or str(e)
                    self.notice.emit("info", text[:1].upper() + text[1:])
                return

    # ------------------------------------------------------------------ loading (latest wins)

    def _quit_worker(self) -> None:
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
            self.loading_changed.emit(False)

    def _request(self, target: Target) -> None:
        self._gen += 1
        gen = self._gen
        self._quit_worker()
        self.state.pending = target
        self.loading_changed.emit(True)
        self.view_changed.emit()
        if self.prefetch.take(target, lambda view: self._apply(gen, view, target.well)):
            return
        self._worker = start_worker(guarded_load_well, self.plate, *target, MEMORY_BUDGET, self.analysis.results,
                                    returned=lambda view: self._apply(gen, view, target.well),
                                    errored=lambda exc: self._failed(gen, target.well, exc))

    def _apply(self, gen: int, view: WellView | LoadFailure, key: str) -> None:
        if self.link.closed:
            self.prefetch.cancel()
            return
        if isinstance(view, LoadFailure):
            self._failed(gen, key, view.error)
            return
        if gen != self._gen or self.plate is None or self.settings is None or self.sync is None:
            return  # a newer request (or another plate) won
        self._worker = None
        entering, old = self.state.mode != "well", self.view
        self.view = view
        self.state.pending = None
        self.state.mode, self.state.well, self.state.field, self.state.tiled = "well", view.key, view.field_index, view.tiled
        if self.overview is not None:
            self.overview.set_visible(False)
        with self.sync.quiet():
            self.well_layers.show(view, self.settings)
        for name, layer in self.well_layers.images.items():
            self.sync.watch(layer, name)
        if entering or old is None or _extent(old) != _extent(view):
            self.fitter.fit()
        activate_channel_image(self.viewer, self.well_layers.images.values())
        self.state.failed_wells.pop(view.key, None)
        if view.problems:
            self._fields_blank(view)
        self.analysis_view.loaded(view)
        self.loading_changed.emit(False)
        self.view_changed.emit()
        measure_labels(view, self.stats)
        following = step_well(self.plate, view.key, 1)
        if following != view.key and following is not None:
            self.prefetch.start(self.plate, Target(following, 0, self.state.tiled), self.analysis.results)

    def _fields_blank(self, view: WellView) -> None:
        """Some fields of the well on screen could not be read: shown blank, the user told why."""
        self.state.failed_fields.update(view.problems)
        self.problems_changed.emit()
        index = {f.path: f.index for f in view.fields}
        for path, reason in view.problems.items():
            self.notice.emit("warning", f"Well {view.name}, field {index.get(path, 0) + 1} ({path}) could not be "
                                        f"read and is shown blank: {reason}")

    def _failed(self, gen: int, key: str, exc: BaseException) -> None:
        from imaging_explorer.errors import PlateError

        if self.link.closed:
            return
        reason = str(exc) if isinstance(exc, PlateError) else f"{type(exc).__name__}: {exc}"
        self.state.failed_wells[key] = reason
        self.well_failed.emit(key, reason)
        self.problems_changed.emit()
        if gen == self._gen:  # a stale request's failure is marked, not announced
            self._worker = None
            self.state.pending = None
            self.loading_changed.emit(False)
            self.view_changed.emit()
            self.notice.emit("error", f"Well {well_name(key)} could not be loaded: {reason}")


def _extent(view: WellView) -> tuple[Any, ...]:
    return tuple((s.kind, s.levels[0].shape, s.scale, s.translate) for s in view.layers)
