"""The report's first section: what was screened and what came out, in a few lines: plates
(passed, failed QC, not analysed, broken), the hit rule, hit wells and compounds, and the
image QC (fields judged and flagged) when the plates were analysed with their fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..screen import Screen
    from .html_document import HtmlDocument

__all__ = ["ImageQCCounts", "ScreenCounts", "add_summary", "image_qc_counts", "screen_counts"]


@dataclass(frozen=True)
class ImageQCCounts:
    """Fields judged by image QC, fields flagged, and wells left out because every field was."""

    fields: int
    fields_flagged: int
    wells_all_flagged: int


@dataclass(frozen=True)
class ScreenCounts:
    """The screen in numbers."""

    plates: int
    passed: int
    failed_qc: int
    not_analysed: int
    broken: int
    hit_wells: int
    compounds: int
    hit_compounds: int
    image_qc: ImageQCCounts | None


def image_qc_counts(screen: Screen) -> ImageQCCounts | None:
    """Image QC over the analysed plates (None when no plate's calls carry ``fields_flagged``)."""
    parts = [p.calls for p in screen.plates if p.calls is not None and "fields_flagged" in p.calls]
    if not parts:
        return None
    fields = flagged = every = 0
    for calls in parts:
        n_flagged = pd.to_numeric(calls["fields_flagged"], errors="coerce").fillna(0)
        flagged += int(n_flagged.sum())
        if "field_count" in calls:
            fields += int(pd.to_numeric(calls["field_count"], errors="coerce").fillna(0).sum())
        every += int(every_field_flagged(calls).sum())
    return ImageQCCounts(fields, flagged, every)


def every_field_flagged(calls: pd.DataFrame) -> pd.Series:
    """Per well: all of its fields were flagged by image QC (it has no readouts of its own left)."""
    if "field_count" not in calls or "fields_flagged" not in calls:
        return pd.Series(False, index=calls.index)
    count = pd.to_numeric(calls["field_count"], errors="coerce").fillna(0)
    flagged = pd.to_numeric(calls["fields_flagged"], errors="coerce").fillna(0)
    return (count > 0) & (flagged >= count)


def screen_counts(screen: Screen, hits: pd.DataFrame, compounds: pd.DataFrame) -> ScreenCounts:
    """Counts of plates by state, hit wells (``hits``) and compounds (``compounds``)."""
    plates = screen.plates
    return ScreenCounts(
        plates=len(plates), passed=sum(p.passed for p in plates),
        failed_qc=sum(1 for p in plates if not p.error and p.qc is not None and not p.passed),
        not_analysed=sum(1 for p in plates if not p.error and p.qc is None),
        broken=sum(1 for p in plates if p.error), hit_wells=len(hits), compounds=len(compounds),
        hit_compounds=int(compounds["is_hit"].astype(bool).sum()) if len(compounds) else 0,
        image_qc=image_qc_counts(screen))


def add_summary(doc: HtmlDocument, screen: Screen, counts: ScreenCounts) -> None:
    """The summary section: counts, the rule, image QC, and the plates that need attention."""
    doc.heading("Summary", anchor="summary")
    lines = [
        (f"{counts.plates} plate(s): {counts.passed} passed QC, {counts.failed_qc} failed QC, "
         f"{counts.not_analysed} not analysed, {counts.broken} could not be read"),
        f"hit rule: {screen.rule.describe()}",
        (f"{counts.hit_wells} hit well(s) on the plates that passed; {counts.hit_compounds} hit compound(s) "
         f"of {counts.compounds} tested (a compound is a hit on more than half of the plates that tested it)"),
    ]
    qc = counts.image_qc
    if qc is not None:
        lines.append(f"image QC: {qc.fields_flagged} of {qc.fields} field(s) flagged (out of focus, saturated, "
                     f"too little signal…); {qc.wells_all_flagged} well(s) left out because every field was flagged")
    doc.bullets(lines)
    attention = [f"{p.name}: {p.status}" for p in screen.plates if p.error or (p.qc is not None and not p.passed)]
    if attention:
        doc.paragraph("Plates that failed or could not be read (their calls are not counted):", cls="note")
        doc.bullets(attention)
