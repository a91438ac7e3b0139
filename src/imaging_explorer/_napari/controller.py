"""One PlateController per viewer: the plate on screen, overview <-> well view, navigation.

The reader hands napari the overview's layer data and the controller adopts the layers
napari makes from it (recognised by a token in their metadata), then fills the mosaic in a
worker. Wells load in workers too; every request gets a generation number and only the
newest one's result is applied, so a held hotkey never queues dozens of wells.
"""

from __future__ import annotations

import time
import uuid
import weakref
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from imaging_explorer.plate.names import parse_well_name, step_well
from imaging_explorer.overview import plate_layout

from . import interaction
from .overview_layers import META_KEY, overview_layer_data
from .well_layers import WellLayers
from .well_prefetch import WellPrefetch

if TYPE_CHECKING:
    import napari

    from imaging_explorer.channel_settings import ChannelSettings
    from imaging_explorer.overview import OverviewLayout
    from imaging_explorer.plate import Plate

    from .overview_loader import OverviewLoader
    from .settings_sync import ChannelSync
    from .well_data import LoadFailure, WellView

LayerData = tuple[Any, dict[str, Any], str]
REFRESH_INTERVAL_S = 0.3
_CONTROLLERS: weakref.WeakKeyDictionary[Any, PlateController] = weakref.WeakKeyDictionary()


def controller_for(viewer: napari.Viewer, create: bool = True) -> PlateController | None:
    """The viewer's controller (made on first use when ``create``)."""
    ctrl = _CONTROLLERS.get(viewer)
    if ctrl is None and create:
        ctrl = _CONTROLLERS[viewer] = PlateController(viewer)
    return ctrl


class PlateController:
    """State of the plate browser in one viewer; widgets and hotkeys call its methods."""

    plate_opened = Signal()
    view_changed = Signal()  # overview/well/field shown changed
    loading_changed = Signal(bool)
    overview_progress = Signal(int, int)
    well_failed = Signal(str, str)  # well key, reason
    platemap_changed = Signal()  # the plate map of the open plate was found (or not)

    def __init__(self, viewer: napari.Viewer) -> None:
        self._viewer = weakref.ref(viewer)
        self.plate: Plate | None = None
        self.layout: OverviewLayout | None = None
        self.settings: ChannelSettings | None = None
        self.sync: ChannelSync | None = None
        self.mode = "overview"  # or "well"
        self.current_well: str | None = None  # well key shown ("C/7")
        self.current_field = 0
        self.tiled = False
        self.view: WellView | None = None
        self.failed_wells: dict[str, str] = {}
        self.failed_fields: dict[str, str] = {}
        self.stats: dict[tuple[str, str], Any] = {}
        self.platemap: Any = None  # pandas DataFrame indexed by well key, once found
        self.platemap_error = ""
        self.platemap_loading = False
        self.hover_text = ""
        self.overview_layers: dict[str, Any] = {}  # channel name -> image layer
        self.helper_layers: dict[str, Any] = {}  # role -> names / missing / errors layer
        self.well_layers = WellLayers(viewer)
        self.prefetch = WellPrefetch()
        self.loader: OverviewLoader | None = None
        self._pending_done: dict[str, str] | None = None
        self._token = ""
        self._expected: set[str] = set()
        self._mosaics: list[Any] = []
        self._gen = 0
        self._target: tuple[str, int, bool] | None = None
        self._worker: Any = None
        interaction.install(viewer, self)

    @property
    def viewer(self) -> napari.Viewer:
        viewer = self._viewer()
        if viewer is None:
            raise RuntimeError("the viewer of this plate browser is gone")
        return viewer

    @property
    def loading(self) -> bool:
        """A well is being read (by its own worker or by the read-ahead)."""
        return self._target is not None

    # ------------------------------------------------------------------ opening

    def open_plate(self, plate: Plate) -> list[LayerData]:
        """Prepare the overview of a plate; returns the layer data for napari to add."""
        from imaging_explorer.channel_settings import ChannelSettings

        from .settings_sync import ChannelSync

        self.close_plate()
        self.plate, self.layout = plate, plate_layout(plate)
        self.settings = ChannelSettings.for_plate(plate)
        self.sync = ChannelSync(self.settings, self._layers_of_channel)
        self._token = uuid.uuid4().hex
        self._mosaics, data = overview_layer_data(plate, self.layout, self.settings, self._token)
        self._expected = {self._role_key(kw["metadata"][META_KEY]) for _, kw, _ in data}
        self.viewer.layers.events.inserted.connect(self._on_inserted)
        self._start_overview_loader()
        self._start_platemap_loader()
        return data

    def _start_platemap_loader(self) -> None:
        from .platemap_view import load_platemap

        self.platemap_loading = True
        self._platemap_worker = load_platemap(self)

    def set_platemap(self, plate: Plate, platemap: Any, error: str = "") -> None:
        """The plate map of ``plate`` (None: there is none); ignored when another plate is open."""
        if plate is not self.plate:
            return
        self.platemap, self.platemap_error, self.platemap_loading = platemap, error, False
        if error:
            from napari.utils.notifications import show_warning

            show_warning(f"The plate map of {plate.name} cannot be used: {error}")
        self.platemap_changed.emit()

    def _start_overview_loader(self) -> None:
        """Read thumbnails while napari is still making the layers (measured: the read
        otherwise waits for napari's first paint and then competes with it for the CPU)."""
        from .overview_loader import OverviewLoader

        self._stepped = False
        self._refreshed = 0.0
        self._pending_done: dict[str, str] | None = None
        self.loader = OverviewLoader(self.plate, self.layout, self._mosaics, self._overview_step, self._overview_done)
        self.loader.start()

    @property
    def overview_loaded(self) -> bool:
        """True once every thumbnail of the overview is read and drawn into its layers."""
        return self.loader is not None and self.loader.finished and not self._expected and self._pending_done is None

    @staticmethod
    def _role_key(meta: dict) -> str:
        return f"{meta['role']}:{meta.get('channel', '')}"

    def _on_inserted(self, event: Any) -> None:
        layer = event.value
        meta = layer.metadata.get(META_KEY) if isinstance(layer.metadata, dict) else None
        if not meta or meta.get("token") != self._token:
            return
        if meta["role"] == "overview":
            self.overview_layers[meta["channel"]] = layer
            self.sync.watch(layer, meta["channel"])
        else:
            self.helper_layers[meta["role"]] = layer
        self._expected.discard(self._role_key(meta))
        if not self._expected:
            self.viewer.layers.events.inserted.disconnect(self._on_inserted)
            self._overview_ready()

    def _overview_ready(self) -> None:
        self.mode = "overview"
        if self._pending_done is not None:  # the thumbnails were faster than napari
            self._overview_done(self._pending_done)
        interaction.open_dock(self.viewer)
        interaction.fit_later(self)
        self.plate_opened.emit()
        self.view_changed.emit()

    def _overview_step(self, step: Any) -> None:
        if self._viewer_closed():
            return
        first = not getattr(self, "_stepped", False)
        self._stepped = True
        # every refresh uploads the whole mosaic texture: at most a few per second;
        # the last one comes from _overview_done
        now = time.monotonic()
        if first or now - self._refreshed >= REFRESH_INTERVAL_S:
            self._refreshed = now
            for layer in self.overview_layers.values():
                layer.refresh()
        if first and self.mode == "overview":
            self.fit_overview()
        self.overview_progress.emit(step.done, step.total)

    def _overview_done(self, errors: dict[str, str]) -> None:
        from napari.utils.notifications import show_warning

        if self._viewer_closed():
            return
        if self._expected:  # layers not all made yet: finish in _overview_ready
            self._pending_done = errors
            return
        self._pending_done = None
        with self.sync.quiet():
            for name, layer in self.overview_layers.items():
                if self.settings.get(name).contrast_limits is None:
                    layer.reset_contrast_limits()
                layer.refresh()
        if not errors:
            return
        self.failed_fields.update(errors)
        interaction.mark_failed_fields(self, [p for p in errors if p != "*"])
        first = next(iter(errors.values()))
        show_warning(f"{len(errors)} field(s) of {self.plate.name} could not be read (e.g. {first})")

    def close_plate(self) -> None:
        """Forget the plate on screen: stop its workers, remove its layers."""
        self._gen += 1
        self._quit_worker()
        self.prefetch.cancel()
        if self.loader is not None:
            self.loader.stop()
        if self.sync is not None:
            self.sync.close()
        with_layers = [*self.overview_layers.values(), *self.helper_layers.values(), *self.well_layers.layers()]
        viewer = self._viewer()
        if viewer is not None:
            for layer in with_layers:
                if layer in viewer.layers:
                    viewer.layers.remove(layer)
        self.well_layers.images.clear()
        self.well_layers.labels.clear()
        self.overview_layers.clear()
        self.helper_layers.clear()
        self.plate = self.layout = self.view = self.current_well = self._target = None
        self.platemap, self.platemap_error, self.platemap_loading = None, "", False
        self.failed_wells.clear()
        self.failed_fields.clear()
        self.stats.clear()

    # ------------------------------------------------------------------ views

    def _layers_of_channel(self, name: str) -> list[tuple[Any, bool | None]]:
        out: list[tuple[Any, bool | None]] = []
        over = self.mode == "overview"
        if name in self.overview_layers:
            out.append((self.overview_layers[name], None if over else False))
        if name in self.well_layers.images:
            out.append((self.well_layers.images[name], False if over else None))
        return [(layer, v) for layer, v in out if layer in self.viewer.layers]

    def show_overview(self) -> None:
        """Back to the plate overview (pending well loads are dropped)."""
        self._gen += 1
        self._quit_worker()
        self._target = None
        self.mode = "overview"
        with self._quiet():
            self.well_layers.set_visible(False)
            for name in self.overview_layers:
                self.sync.apply(name)
            for layer in self.helper_layers.values():
                layer.visible = True
        self.fit_overview()
        self.view_changed.emit()

    def fit_overview(self) -> None:
        """Zoom so that the whole plate, with its row and column names, fills the canvas."""
        if self.mode != "overview" or self._viewer() is None:
            return
        shown = [lay for lay in [*self.overview_layers.values(), *self.helper_layers.values()]
                 if lay in self.viewer.layers]
        if shown:
            self.viewer.reset_view(layers=shown)

    def show_well(self, well: str, field: int | None = None, tiled: bool | None = None) -> str:
        """Load a well ("C07", "C7", "C/7" or a key of ``plate.wells``); returns its key.

        Raises ValueError (with a message for people) for a name that is no well here.
        """
        if self.plate is None:
            raise ValueError("no plate is open")
        key = well if well in self.plate.wells else parse_well_name(well, self.plate)
        same = key == self.current_well or (self._target is not None and self._target[0] == key)
        if field is None:
            field = self.current_field if same else 0
        self._request(key, field, self.tiled if tiled is None else tiled)
        return key

    def next_well(self, step: int = 1) -> str | None:
        """Open the next (or, with a negative step, previous) existing well in row-major order."""
        if self.plate is None:
            return None
        base = self._target[0] if self._target else self.current_well
        key = step_well(self.plate, base, step if base is not None else (1 if step > 0 else -1))
        if key is None or (key == base and self.mode == "well" and self._target is None):
            return key
        self._request(key, 0, self.tiled)
        return key

    def previous_well(self) -> str | None:
        return self.next_well(-1)

    def next_field(self, step: int = 1) -> int | None:
        """Show the next (previous) field of the well on screen, one at a time."""
        base = self._target if self._target else (self.current_well, self.current_field, self.tiled)
        if self.plate is None or base[0] is None:
            return None
        n = len(self.plate.wells[base[0]].fields)
        index = max(0, min(n - 1, base[1] + step))
        if index != base[1] or base[2]:
            self._request(base[0], index, False)
        return index

    def previous_field(self) -> int | None:
        return self.next_field(-1)

    def set_tiled(self, tiled: bool) -> None:
        """All fields of the well side by side (True) or one at a time (False)."""
        self.tiled = bool(tiled)
        if self.mode == "well" and self.current_well is not None:
            self._request(self.current_well, self.current_field, self.tiled)

    def on_overview_click(self, position: tuple[float, ...]) -> str | None:
        """Open the well (and field) at a world position of the overview."""
        if self.mode != "overview" or self.layout is None:
            return None
        hit = self.layout.well_at(float(position[-2]), float(position[-1]))
        if hit is None:
            return None
        self._request(hit[0], hit[1] or 0, self.tiled)
        return hit[0]

    # ------------------------------------------------------------------ loading

    def _quiet(self) -> Any:
        from contextlib import nullcontext

        return self.sync.quiet() if self.sync is not None else nullcontext()

    def _quit_worker(self) -> None:
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
            self.loading_changed.emit(False)

    def _request(self, key: str, field: int, tiled: bool) -> None:
        from napari.qt.threading import create_worker

        from .well_data import guarded_load_well

        self._gen += 1
        gen = self._gen
        self._quit_worker()
        self._target = (key, field, tiled)
        self.loading_changed.emit(True)
        self.view_changed.emit()
        if self.prefetch.take(self._target, lambda view, gen=gen, key=key: self._apply(gen, view, key)):
            return
        worker = create_worker(guarded_load_well, self.plate, key, field, tiled, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(lambda view, gen=gen, key=key: self._apply(gen, view, key))
        worker.errored.connect(lambda exc, gen=gen, key=key: self._failed(gen, key, exc))
        self._worker = worker
        worker.start()

    def _viewer_closed(self) -> bool:
        """The viewer is gone or its window closed: results still arriving from workers are dropped."""
        viewer = self._viewer()
        return viewer is None or not hasattr(viewer.window, "_qt_window")  # napari deletes it on close

    def _apply(self, gen: int, view: WellView | LoadFailure, key: str) -> None:
        from .well_data import LoadFailure

        if self._viewer_closed():
            self.prefetch.cancel()
            return

        if isinstance(view, LoadFailure):
            self._failed(gen, key, view.error)
            return
        if gen != self._gen or self.plate is None:
            return  # a newer request (or another plate) won
        self._worker, self._target = None, None
        entering = self.mode != "well"
        old = self.view
        self.view, self.mode = view, "well"
        self.current_well, self.current_field, self.tiled = view.key, view.field_index, view.tiled
        with self._quiet():
            for layer in self.overview_layers.values():
                layer.visible = False
            for layer in self.helper_layers.values():
                layer.visible = False
            self.well_layers.show(view, self.settings)
        for name, layer in self.well_layers.images.items():
            self.sync.watch(layer, name)
        if entering or old is None or _extent(old) != _extent(view):
            self.viewer.reset_view(layers=self.well_layers.layers())
        self.failed_wells.pop(view.key, None)
        self.loading_changed.emit(False)
        self.view_changed.emit()
        interaction.measure(self, view)
        following = step_well(self.plate, view.key, 1)
        if following != view.key:
            self.prefetch.start(self.plate, (following, 0, self.tiled))

    def _failed(self, gen: int, key: str, exc: BaseException) -> None:
        from napari.utils.notifications import show_error

        if self._viewer_closed():
            return
        reason = f"{type(exc).__name__}: {exc}"
        self.failed_wells[key] = reason
        self.well_failed.emit(key, reason)
        if gen == self._gen:  # a stale request's failure is marked, not announced
            self._worker, self._target = None, None
            self.loading_changed.emit(False)
            self.view_changed.emit()
            show_error(f"Well {key.replace('/', '')} could not be loaded: {reason}")


def _extent(view: WellView) -> tuple:
    return tuple((s.kind, s.levels[0].shape, s.scale, s.translate) for s in view.layers)
