"""The ranked hit list: every compound called a hit across the plates that passed QC (best
first: hit on most plates, then strongest), with its replicate agreement, potency and each
plate's own numbers; then the strongest of the compounds that were not hits.

Each hit's best plate (where it was a hit with the highest activity) is where its montage and
dose-response curve come from.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from .html_document import Cell, Table, esc, number

if TYPE_CHECKING:
    from ..screen import Screen
    from .html_document import HtmlDocument

__all__ = ["MAX_NON_HITS", "add_hit_list", "best_plate", "per_plate_numbers"]

MAX_NON_HITS = 25  # compounds that were not hits, strongest first: the near misses


def per_plate_numbers(screen: Screen) -> dict[tuple[str, str], dict[str, Any]]:
    """(plate, compound) -> that plate's compound-table row, for the plates that passed QC."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for p in screen.plates:
        if p.compounds is None or not p.passed or not len(p.compounds):
            continue
        for row in p.compounds.to_dict("records"):
            out[(p.name, str(row["compound_id"]))] = {str(k): v for k, v in row.items()}
    return out


def _split(text: object) -> list[str]:
    return [t.strip() for t in str(text or "").split(",") if t.strip()]


def best_plate(compound: pd.Series, numbers: dict[tuple[str, str], dict[str, Any]]) -> str | None:
    """The plate where the compound was a hit with its highest activity (None: no such plate)."""
    plates = _split(compound.get("plates_hit")) or _split(compound.get("plates"))

    def activity(plate: str) -> float:
        value = numbers.get((plate, str(compound["compound_id"])), {}).get("max_activity_pct", math.nan)
        try:
            x = float(value)
        except (TypeError, ValueError):
            return -math.inf
        return x if math.isfinite(x) else -math.inf

    return max(plates, key=activity) if plates else None


def _plate_text(compound_id: str, plate: str, numbers: dict[tuple[str, str], dict[str, Any]]) -> str:
    row = numbers.get((plate, compound_id), {})
    ic50 = number(row.get("ic50_um"))
    call = "hit" if row.get("is_hit") else "no hit"
    return f"{plate}: {number(row.get('max_activity_pct'), '.0f')} % · IC50 {ic50} µM · {call}"


def _row(c: pd.Series, numbers: dict[tuple[str, str], dict[str, Any]],
         reviewer_calls: dict[str, str] | None, panels: set[str]) -> list[Cell | str]:
    cid = str(c["compound_id"])
    rank = c.get("rank")
    per_plate = "\n".join(_plate_text(cid, p, numbers) for p in _split(c.get("plates")))
    name = f"<a href=\"#panel-{esc(cid)}\">{esc(cid)}</a>" if cid in panels else esc(cid)  # to its montage
    anchor = f"<span id=\"hit-{esc(cid)}\">{name}</span>"
    reviewers: list[Cell | str] = [reviewer_calls.get(cid, "")] if reviewer_calls is not None else []
    return [Cell(number(rank, ".0f"), True), Cell(cid, raw_html=anchor),
            Cell(f"{int(c['n_plates_hit'])} / {int(c['n_plates'])}", True),
            Cell(number(c["call_agreement"], ".0f", scale=100), True),
            Cell(number(c["mean_max_activity_pct"], ".0f"), True), Cell(number(c["sd_max_activity_pct"], ".0f"), True),
            Cell(number(c["median_ic50_um"]), True), Cell(number(c["ic50_fold_range"], ".2g"), True),
            Cell(number(c["median_cc50_um"]), True), *reviewers,
            Cell(per_plate, raw_html=esc(per_plate).replace("\n", "<br>"))]


HEADER = ["rank", "compound", "plates hit", "agreement %", "mean max activity %", "SD", "median IC50 µM",
          "IC50 fold range", "median CC50 µM"]
REVIEWERS, PER_PLATE = "reviewers", "per plate (max activity · IC50 · call)"


def add_hit_list(doc: HtmlDocument, screen: Screen, compounds: pd.DataFrame,
                 numbers: dict[tuple[str, str], dict[str, Any]], reviewer_calls: dict[str, str] | None = None,
                 panels: set[str] | None = None) -> None:
    """The hit compounds (all of them) then the strongest non-hits (:data:`MAX_NON_HITS`);
    ``reviewer_calls`` (compound -> text) adds a column of the reviewers' compound consensus;
    the compounds in ``panels`` link to their montage further down."""
    header = HEADER + ([REVIEWERS] if reviewer_calls else []) + [PER_PLATE]
    reviewer_calls = reviewer_calls or None
    doc.heading("Hit list", anchor="hits")
    counted = [p.name for p in screen.plates if p.passed]
    doc.paragraph(f"Across the {len(counted)} plate(s) that passed QC (failed plates are not evidence). "
                  "Agreement: share of the plates that tested a compound and agree with the majority call; "
                  "IC50 fold range: the largest IC50 over the smallest (replicate spread)"
                  + ("; reviewers: the consensus of the reviewers' compound calls, per plate" if reviewer_calls
                     else "") + ".", cls="note")
    if not len(compounds):
        doc.paragraph("No compound was tested on a plate that passed QC.", cls="note")
        return
    hits = compounds[compounds["is_hit"].astype(bool)]
    doc.heading(f"{len(hits)} hit compound(s)", level=3)
    if len(hits):
        table = Table(header)
        for _, c in hits.iterrows():
            table.add(_row(c, numbers, reviewer_calls, panels or set()))
        doc.table(table)
    rest = compounds[~compounds["is_hit"].astype(bool)]
    if len(rest):
        shown = rest.sort_values("mean_max_activity_pct", ascending=False, kind="stable").head(MAX_NON_HITS)
        more = f" ({len(rest) - len(shown)} more not shown)" if len(rest) > len(shown) else ""
        doc.heading(f"Strongest compounds that were not hits: {len(shown)} of {len(rest)}{more}", level=3)
        table = Table(header)
        for _, c in shown.iterrows():
            table.add(_row(c, numbers, reviewer_calls, panels or set()))
        doc.table(table)
