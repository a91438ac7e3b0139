"""One panel per top hit: its wells on its best plate between a negative and a positive control,
all at ONE contrast (the compound card's strip, from the lean thumbnail path), captioned with
dose, activity and viability, and its dose-response curve with the 4PL fits.

The slow part (opening plates, reading pixels, fitting curves) runs in threads, one plate
opened once however many hits it has; the figures are drawn on the calling thread.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import PlateError
from ..figures.called_plate import CalledPlate
from ..figures.card_data import CompoundCard, compound_card
from ..figures.card_figure import well_caption
from ..figures.dose_response import draw_dose_response
from ..figures.montage import render_montage
from ..figures.plot_style import LIGHT, new_figure
from .html_document import esc
from .images import figure_png, rgb_png

if TYPE_CHECKING:
    from ..plate import Plate
    from ..screen import Screen, ScreenPlate
    from .html_document import HtmlDocument

__all__ = ["HitPanel", "add_hit_panels", "load_hit_panels"]

TILE = (128, 128)  # px: each well's thumbnail (fitted into it; a 128 px pyramid level fits whole)
MIN_SHOWN = 96  # px: thumbnails narrower than this are shown enlarged
WORKERS = 4  # plates read at once (files and network, not the CPU)


@dataclass
class HitPanel:
    """What one hit's panel shows: the card (wells, fits, numbers) and the wells' images, or why not."""

    compound_id: str
    plate: str
    card: CompoundCard | None = None
    images: dict[str, np.ndarray] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # why there is no card or no image at all ("" = none)


class _PlateCache:
    """Each plate opened once (by name), its failure remembered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._plates: dict[str, Plate | str] = {}

    def get(self, sp: ScreenPlate) -> Plate | str:
        with self._lock:
            lock = self._locks.setdefault(sp.name, threading.Lock())
        with lock:
            if sp.name not in self._plates:
                try:
                    self._plates[sp.name] = sp.open()
                except (PlateError, OSError, ValueError) as e:
                    self._plates[sp.name] = str(e) or type(e).__name__
            return self._plates[sp.name]


def _load(screen: Screen, compound_id: str, plate_name: str, plates: _PlateCache) -> HitPanel:
    panel = HitPanel(compound_id, plate_name)
    sp = screen.plate(plate_name)
    if sp.calls is None or sp.qc is None or sp.compounds is None:
        panel.problem = f"plate {plate_name} has no calls"
        return panel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fits of flat curves warn; the card says "no fit"
        panel.card = compound_card(CalledPlate(sp.calls, sp.qc, sp.compounds, screen.rule), compound_id)
    plate = plates.get(sp)
    if isinstance(plate, str):
        panel.problem = f"no images: plate {plate_name} could not be opened ({plate})"
        return panel
    wells = [(w.key, "") for w in panel.card.wells]
    try:
        montage = render_montage(plate, wells, tile=TILE)
    except (PlateError, OSError, ValueError) as e:
        panel.problem = f"no images: {e}"
        return panel
    panel.images, panel.errors = montage.images, montage.errors
    return panel


def load_hit_panels(screen: Screen, hits: Sequence[tuple[str, str]],
                    progress: Callable[[int, int], None] | None = None) -> list[HitPanel]:
    """The panels of (compound, best plate) pairs, in that order (reads pixels: threads)."""
    plates = _PlateCache()
    out: list[HitPanel | None] = [None] * len(hits)
    with ThreadPoolExecutor(max_workers=max(1, min(WORKERS, len(hits))), thread_name_prefix="report-hit") as pool:
        futures = {pool.submit(_load, screen, cid, plate, plates): i for i, (cid, plate) in enumerate(hits)}
        for done, (future, i) in enumerate(futures.items(), start=1):
            out[i] = future.result()
            if progress is not None:
                progress(done, len(hits))
    return [p for p in out if p is not None]


def _strip(doc: HtmlDocument, panel: HitPanel) -> str:
    assert panel.card is not None  # only called with a card
    parts = []
    for w in panel.card.wells:
        caption = well_caption(w)
        image = panel.images.get(w.key)
        if image is not None:
            shown = max(image.shape[1], MIN_SHOWN)  # a tiny thumbnail is enlarged by the browser
            body = doc.image(rgb_png(image), f"{panel.compound_id} well {w.name}", width=shown)
        else:
            why = panel.errors.get(w.key) or panel.problem or "no image"
            body = f"<div style=\"width:{TILE[1]}px;height:{TILE[0]}px;background:#404040;color:#fff;" \
                   f"font-size:0.8em\">{esc(why)}</div>"
        parts.append(f"<figure>{body}<figcaption>{esc(caption)}</figcaption></figure>")
    return "<div class=\"strip\">" + "".join(parts) + "</div>"


def _curve_png(card: CompoundCard, title: str) -> bytes:
    """The dose-response plot with fixed margins (a tight layout would double its cost: 20 of them)."""
    fig = new_figure(5.0, 3.0)
    ax = fig.add_axes((0.12, 0.15, 0.85, 0.75))
    draw_dose_response(ax, card.plot, LIGHT, title)
    return figure_png(fig)


def add_hit_panels(doc: HtmlDocument, panels: Sequence[HitPanel], total_hits: int) -> int:
    """One panel per hit; returns how many montages (strips with at least one image) were drawn."""
    doc.heading("Top hits: montages and dose-response", anchor="montages")
    if not panels:
        doc.paragraph(f"{total_hits} hit compound(s); none drawn here (--max-hits 0)." if total_hits
                      else "No hit compound: no montages.", cls="note")
        return 0
    more = f" (the top {len(panels)} of {total_hits}; --max-hits shows more)" if total_hits > len(panels) else ""
    doc.paragraph("Each hit's wells on its best plate, from the lowest dose to the highest, between a negative "
                  "and a positive control, all at one contrast; below, activity and viability against dose with "
                  f"the fitted 4PL curves{more}.", cls="note")
    montages = 0
    for number, panel in enumerate(panels, start=1):  # in the hit list's (screen-wide) order
        title = f"{panel.compound_id} on {panel.plate}"
        parts = [f"<div class=\"hit\" id=\"panel-{esc(panel.compound_id)}\"><h3>{number}. {esc(title)}</h3>"]
        if panel.card is not None:
            rank = panel.card.rank  # the plate's own rank, which may differ from the screen's
            on_plate = f"hit rank {rank} on {panel.plate}" if rank is not None else f"not a hit on {panel.plate}"
            parts.append(f"<p class=\"meta\">{esc(on_plate)} · {esc(panel.card.summary)}"
                         + (f" · flags: {esc(panel.card.flags)}" if panel.card.flags else "") + "</p>")
            parts.append(_strip(doc, panel))
            montages += bool(panel.images)
            parts.append(doc.image(_curve_png(panel.card, title), f"dose-response of {panel.compound_id}"))
        if panel.problem:
            parts.append(f"<p class=\"note\">{esc(panel.problem)}</p>")
        parts.append("</div>")
        doc.raw("".join(parts))
    return montages
