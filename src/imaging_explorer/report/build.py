"""``write_report``: a screen (or one plate) as ONE self-contained HTML file for a partner: the
summary, the per-plate QC table and the Z′ trend, the activity heatmaps, the ranked hit list,
a montage and a dose-response curve per top hit, and the reviewers' calls with their consensus
and agreement. Images are embedded PNGs; the page fetches nothing and runs no script.

The file is written beside its target and renamed over it, so a failure leaves no half file
(and an older report in place). No Qt, no napari: the plugin runs it in a worker thread.
"""

from __future__ import annotations

import os
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..hits.hit_rule import DEFAULT_RULE
from ..screen import Screen, ScreenEntry, iter_screen_plates, screen_entries
from .heatmap_section import add_heatmap_section
from .hit_list import add_hit_list, best_plate, per_plate_numbers
from .hit_panels import add_hit_panels, load_hit_panels
from .html_document import HtmlDocument
from .qc_section import add_qc_section
from .review_source import match_plates, open_review_store
from .reviewers import ReviewSummary, add_reviewers_section
from .summary import add_summary, screen_counts

if TYPE_CHECKING:
    from ..annotations import AnnotationStore
    from ..hits import HitRule
    from ..screen.screen import ScreenSource

__all__ = ["REPORT_SUFFIXES", "Progress", "ReportSummary", "check_report_path", "write_report"]

REPORT_SUFFIXES = (".html", ".htm")
DEFAULT_MAX_HITS = 20

#: progress(stage, done, total): "plates", "hits", "writing"... (called on the writing thread)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReportSummary:
    """What was written: where, how big, how long it took, and what the report holds."""

    path: Path
    bytes: int
    seconds: float
    plates: int
    failed: list[str] = field(default_factory=list)  # failed QC or broken
    hit_compounds: int = 0
    panels: int = 0  # hits with a montage and a dose-response curve
    images: int = 0
    reviewed_plates: list[str] = field(default_factory=list)
    annotations: str = ""  # the store read ("" = none)

    @property
    def megabytes(self) -> float:
        return self.bytes / 1e6

    def line(self) -> str:
        """One line for the CLI: where, size, time, contents."""
        return (f"wrote {self.path} ({self.megabytes:.1f} MB, {self.seconds:.1f} s): {self.plates} plate(s), "
                f"{len(self.failed)} failed, {self.hit_compounds} hit compound(s), {self.panels} hit panel(s)"
                + (f", reviewers' calls on {len(self.reviewed_plates)} plate(s)" if self.reviewed_plates else ""))


def check_report_path(out: str | os.PathLike[str]) -> Path:
    """The report's path; ValueError (naming it) unless it ends in .html / .htm or is a folder."""
    path = Path(out).expanduser()
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; give the report's file name, e.g. {path / 'report.html'}")
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise ValueError(f"{path}: a report is one HTML file; give a name ending in .html "
                         f"(not {path.suffix or 'no suffix'!r})")
    return path


def _open(source: ScreenSource | Sequence[ScreenEntry], rule: HitRule, progress: Progress | None) -> Screen:
    """open_screen, telling ``progress`` as each plate is ready."""
    entries: list[ScreenEntry]
    if not isinstance(source, (str, os.PathLike)) and source and all(isinstance(s, ScreenEntry) for s in source):
        entries = [s for s in source if isinstance(s, ScreenEntry)]
        text = f"{len(entries)} plates"
    else:
        entries = screen_entries(source)  # type: ignore[arg-type]  # a path, URL or list of them
        text = os.fspath(source) if isinstance(source, (str, os.PathLike)) else f"{len(entries)} plates"
    plates = []
    for plate in iter_screen_plates(entries, rule):
        plates.append(plate)
        if progress is not None:
            progress("plates", len(plates), len(entries))
    return Screen(str(text), tuple(sorted(plates, key=lambda p: p.index)), rule)


def _title(screen: Screen) -> str:
    source = Path(screen.source.rstrip("/"))
    name = source.parent.name if source.suffix.lower() in (".csv", ".tsv") and source.parent.name else source.name
    return f"Plate report: {screen.plates[0].name}" if len(screen.plates) == 1 else f"Screen report: {name}"


def _write_atomically(text: str, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        data = text.encode("utf-8")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(data)


def write_report(source: Screen | ScreenSource | Sequence[ScreenEntry], out: str | os.PathLike[str], *,
                 annotations: str | os.PathLike[str] | AnnotationStore | None = None,
                 max_hits: int = DEFAULT_MAX_HITS, rule: HitRule | None = None,
                 progress: Progress | None = None) -> ReportSummary:
    """Write the screen's report as one self-contained HTML file.

    Parameters
    ----------
    source
        An opened :class:`~imaging_explorer.screen.Screen`, or what
        :func:`~imaging_explorer.screen.open_screen` takes: a folder of plates, a CSV index, a
        list of plate locations, or one plate (a screen of one).
    out
        The HTML file (``.html``); its folder is made when missing; an existing file is replaced.
    annotations
        The reviewers' store (path, ``postgresql://`` URL or an open store); None: the default
        store when it exists (no reviewers' section when it has none of the plates).
    max_hits
        The top hits that get a montage and a dose-response curve (all hits are listed).
    rule
        The hit rule when ``source`` is not an opened screen (default: the default rule).
    progress
        Called as ``progress(stage, done, total)`` while the report is made.

    Returns
    -------
    ReportSummary

    Raises
    ------
    ValueError
        ``out`` not ending in .html, or a negative ``max_hits``; ScreenError (a ValueError) for a
        source that names no plate.
    AnnotationStoreError
        A given store that cannot be read.
    """
    started = time.perf_counter()
    path = check_report_path(out)
    if max_hits < 0:
        raise ValueError(f"max_hits must be 0 or more, got {max_hits}")
    store, asked = open_review_store(annotations)  # a store asked for that is not there fails before any reading
    tell = progress or _silent
    try:
        screen = source if isinstance(source, Screen) else _open(source, rule or DEFAULT_RULE, progress)
        made = _compose(screen, store, asked, max_hits, tell)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        from .. import __version__

        tell("writing", 0, 1)
        text = made.doc.render(f"{screen.source} · made {now} by imaging-explorer {__version__}")
        size = _write_atomically(text, path)
        tell("writing", 1, 1)
    finally:
        if store is not None and store is not annotations:  # ours to close (a store given open stays open)
            store.close()
    return ReportSummary(path=path, bytes=size, seconds=time.perf_counter() - started, plates=len(screen.plates),
                         failed=[p.name for p in screen.failed], hit_compounds=made.hit_compounds,
                         panels=made.panels, images=made.doc.images, reviewed_plates=made.reviews.plates,
                         annotations=store.url if store is not None else "")


def _silent(stage: str, done: int, total: int) -> None:
    """No progress wanted."""


@dataclass
class _Made:
    """The page, and what the summary says of it."""

    doc: HtmlDocument
    reviews: ReviewSummary
    hit_compounds: int
    panels: int


def _compose(screen: Screen, store: AnnotationStore | None, asked: bool, max_hits: int, tell: Progress) -> _Made:
    """Every section in page order (the reviewers' first, off the page: the hit list shows their calls)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # medians of compounds without any fit: NaN is the answer
        qc, hits, compounds = screen.qc_table(), screen.hits(), screen.compounds()
    counts = screen_counts(screen, hits, compounds)
    doc, review, reviews = HtmlDocument(_title(screen)), HtmlDocument(""), ReviewSummary()
    if store is not None:
        tell("reviewers", 0, 1)
        matched = match_plates(store, screen)
        if matched or asked:
            reviews = add_reviewers_section(review, screen, store, matched)
        tell("reviewers", 1, 1)
    add_summary(doc, screen, counts)
    add_qc_section(doc, screen, qc)
    tell("heatmaps", 0, 1)
    add_heatmap_section(doc, screen)
    tell("heatmaps", 1, 1)
    numbers = per_plate_numbers(screen)
    top = compounds[compounds["is_hit"].astype(bool)].head(max_hits) if len(compounds) else compounds
    pairs = [(str(c["compound_id"]), plate) for _, c in top.iterrows() if (plate := best_plate(c, numbers)) is not None]
    add_hit_list(doc, screen, compounds, numbers, reviews.compound_calls, {cid for cid, _ in pairs})
    tell("hits", 0, len(pairs))
    panels = load_hit_panels(screen, pairs, lambda d, n: tell("hits", d, n))
    add_hit_panels(doc, panels, counts.hit_compounds)
    doc.extend(review)
    return _Made(doc, reviews, counts.hit_compounds, len(panels))
