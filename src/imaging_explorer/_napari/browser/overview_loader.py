"""Fill the overview mosaic progressively: thumbnails read in a napari thread worker,
pasted into the mosaic arrays in that thread, layers refreshed on the GUI thread.

Plates seen before come from the thumbnail cache (user cache folder) in one step. The worker
also samples every thumbnail for the plate-wide contrast (:mod:`imaging_explorer.overview.contrast`)
and ends with one step carrying an estimate per channel.
Unreadable fields are collected and handed to ``on_done`` (a failure of the whole read under
the key ``"*"``); the rest of the plate keeps loading. The caller tells the user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from imaging_explorer.overview import (
    ContrastSampler,
    ThumbnailCache,
    Thumbnails,
    build_mosaic,
    iter_thumbnails,
)

from .workers import start_worker

if TYPE_CHECKING:
    import numpy as np

    from imaging_explorer.overview import ChannelEstimate, OverviewLayout
    from imaging_explorer.plate import Plate


PROGRESS_DELAY_MS = 1000  # loads shorter than ~1 s need no progress bar


class Step(NamedTuple):
    done: int
    total: int
    errors: dict[str, str]  # field path -> reason, for this step
    estimates: dict[int, ChannelEstimate] | None = None  # channel index -> estimate, in the last step only


def thumbnail_steps(
    plate: Plate, layout: OverviewLayout, mosaics: list[np.ndarray], cache: ThumbnailCache | None
) -> Iterator[Step]:
    """Read thumbnails batch by batch into ``mosaics`` (runs in a worker thread).

    Never raises: a failure of the whole read (e.g. a lost connection) comes as a last
    step with the error under the key ``"*"`` (superqt's generator workers would swallow
    a RuntimeError without any signal).
    """
    try:
        yield from _steps(plate, layout, mosaics, cache)
    except Exception as e:  # noqa: BLE001 - reported in the GUI
        yield Step(0, 0, {"*": f"{type(e).__name__}: {e}"})


def _steps(
    plate: Plate, layout: OverviewLayout, mosaics: list[np.ndarray], cache: ThumbnailCache | None
) -> Iterator[Step]:
    paths = [f.path for w in plate.wells.values() for f in w.fields]
    total = len(paths)
    collected = Thumbnails()
    sampler = ContrastSampler(total)
    key = None
    if cache is not None:
        try:
            key = cache.key(plate)
            collected.merge(cache.load(key, paths))
        except Exception:  # noqa: BLE001 - a cache problem is only a miss
            key = None
        if collected:
            build_mosaic(layout, collected, out=mosaics)
            sampler.add_all(collected.values())
            yield Step(len(collected), total, {})
    todo = [p for p in paths if p not in collected]
    start, fresh = len(collected), False
    if todo:
        for batch in iter_thumbnails(plate, todo):
            build_mosaic(layout, batch.thumbnails, out=mosaics)
            collected.merge(batch.thumbnails)
            sampler.add_all(batch.thumbnails.values())
            fresh = fresh or any(v is not None for v in batch.thumbnails.values())
            yield Step(start + batch.done, total, dict(batch.thumbnails.errors))
    if cache is not None and key is not None and fresh:
        try:
            cache.save(key, collected)
        except OSError:
            pass  # no cache this time; the overview itself is complete
    yield Step(len(collected), total, {}, sampler.estimates())  # percentiles once, here in the worker


class OverviewLoader:
    """Runs :func:`thumbnail_steps` in a napari worker with a progress bar.

    ``on_step(step)`` runs on the GUI thread after each batch; ``on_done(errors)`` once at
    the end with every failed field (field path -> reason; ``"*"``: the whole read stopped).
    """

    def __init__(
        self,
        plate: Plate,
        layout: OverviewLayout,
        mosaics: list[np.ndarray],
        on_step: Callable[[Step], None],
        on_done: Callable[[dict[str, str]], None],
        cache: ThumbnailCache | None = None,
    ) -> None:
        self.plate, self.layout, self.mosaics = plate, layout, mosaics
        self.on_step, self.on_done = on_step, on_done
        self.cache = cache if cache is not None else ThumbnailCache()
        self.errors: dict[str, str] = {}
        self.estimates: dict[int, ChannelEstimate] = {}  # channel index -> contrast estimate, once done
        self.worker: Any = None
        self.finished = False
        self._progress: Any = None
        self._done = 0

    def start(self) -> None:
        from qtpy.QtCore import QTimer

        # A progress bar costs ~0.5 s the first time (napari's activity dock repaints the
        # canvas): show it only for loads that are still running after a moment.
        QTimer.singleShot(PROGRESS_DELAY_MS, self._show_progress)
        self.worker = start_worker(thumbnail_steps, self.plate, self.layout, self.mosaics, self.cache,
                                   yielded=self._step, errored=self._failed, finished=self._finished)

    def _show_progress(self) -> None:
        from napari.utils import progress

        if self.finished or self._progress is not None:
            return
        total = sum(len(w.fields) for w in self.plate.wells.values())
        self._progress = progress(total=max(total, 1), desc=f"Plate overview {self.plate.name}")
        self._progress.n = self._done
        self._progress.refresh()

    def stop(self) -> None:
        if self.worker is not None and not self.finished:
            self.worker.quit()

    def _step(self, step: Step) -> None:
        self.errors.update(step.errors)
        if "*" in step.errors:
            return
        if step.estimates is not None:
            self.estimates = step.estimates
            return
        self._done = step.done
        if self._progress is not None:
            self._progress.n = step.done
            self._progress.refresh()
        self.on_step(step)

    def _failed(self, exc: BaseException) -> None:
        self.errors.setdefault("*", f"{type(exc).__name__}: {exc}")

    def _finished(self) -> None:
        self.finished = True
        if self._progress is not None:
            self._progress.close()
            self._progress = None
        self.on_done(dict(self.errors))
