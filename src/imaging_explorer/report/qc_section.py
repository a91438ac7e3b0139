"""The per-plate QC table and the Z′ trend: one row per plate (status, Z′, robust Z′, signal
window, control CVs and counts, flagged wells, hits, image QC when present), failed plates in
red and broken ones in yellow with their reason, then the trend plot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .html_document import Cell, Table, esc, number
from .images import figure_png
from .summary import every_field_flagged
from .zprime_trend import zprime_trend_figure

if TYPE_CHECKING:
    from ..screen import Screen
    from .html_document import HtmlDocument

__all__ = ["add_qc_section", "status_cell"]

MAX_FLAGGED_ROWS = 300  # the flagged fields listed by well; a screen with more says how many were left out

HEADER = ["plate", "batch", "date", "status", "Z′", "robust Z′", "signal window", "neg CV %", "pos CV %",
          "n neg", "n pos", "wells", "QC-flagged wells", "hit wells", "hit compounds"]


def status_cell(status: str, passed: bool) -> Cell:
    """The status, green when the plate passed, red and in capitals ("FAILED QC") when not."""
    if passed:
        return Cell(status, raw_html=f"<span class=\"ok\">{esc(status)}</span>")
    shown = status.replace("failed QC", "FAILED QC", 1).replace("error:", "ERROR:", 1)
    return Cell(shown, raw_html=f"<span class=\"failed\">{esc(shown)}</span>")


def _count(value: object) -> Cell:
    return Cell(number(value, ".0f"), numeric=True)


def _fields_flagged(screen: Screen) -> dict[str, str]:
    """Plate -> "flagged / judged" fields, for plates whose calls carry image QC."""
    out = {}
    for p in screen.plates:
        if p.calls is not None and "fields_flagged" in p.calls:
            flagged = int(pd.to_numeric(p.calls["fields_flagged"], errors="coerce").fillna(0).sum())
            judged = int(pd.to_numeric(p.calls["field_count"], errors="coerce").fillna(0).sum()) \
                if "field_count" in p.calls else 0
            out[p.name] = f"{flagged} / {judged}" if judged else str(flagged)
    return out


def add_qc_section(doc: HtmlDocument, screen: Screen, qc: pd.DataFrame) -> None:
    """The QC table (one row per plate, anchors ``plate-<n>``) and the Z′ trend plot."""
    doc.heading("Plate QC", anchor="qc")
    fields = _fields_flagged(screen)
    table = Table(HEADER + (["fields flagged"] if fields else []) + ["warnings"])
    for i, row in enumerate(qc.itertuples(index=False)):
        plate = screen.plates[i]
        error = bool(plate.error)
        cells: list[Cell | str] = [
            Cell(str(row.plate), raw_html=f"<span id=\"plate-{i + 1}\">{esc(row.plate)}</span>"),
            str(row.batch), str(row.date), status_cell(str(row.status), bool(row.passed)),
            Cell(number(row.z_prime, ".2f"), True), Cell(number(row.robust_z_prime, ".2f"), True),
            Cell(number(row.signal_window, ".2f"), True),
            Cell(number(row.neg_cv, ".1f", scale=100), True), Cell(number(row.pos_cv, ".1f", scale=100), True),
            _count(row.n_neg), _count(row.n_pos), _count(row.wells), _count(row.qc_flagged_wells),
            _count(row.hit_wells), _count(row.hit_compounds)]
        if fields:
            cells.append(Cell(fields.get(str(row.plate), "—"), True))
        cells.append(str(row.warnings))
        table.add(cells, "error" if error else "" if row.passed or plate.qc is None else "failed")
    doc.table(table)
    doc.paragraph("Z′ = 1 − 3 (SD₊ + SD₋) / |mean₊ − mean₋| of the control wells; a plate passes at Z′ ≥ 0.5. "
                  "Robust Z′ uses medians and MADs. CVs are the control wells' SD over their mean.", cls="note")
    if qc["z_prime"].notna().any():
        doc.figure(figure_png(zprime_trend_figure(qc)), "Z′ and robust Z′ of every plate",
                   "Z′ (filled) and robust Z′ (hollow) per plate; red: failed QC; dashed: Z′ = 0.5")
    else:
        doc.paragraph("No plate has a Z′ (none was analysed), so there is no trend to plot.", cls="note")
    _add_flagged_fields(doc, screen)


def _add_flagged_fields(doc: HtmlDocument, screen: Screen) -> None:
    """Which fields image QC flagged and why, by plate and well; a well whose every field was
    flagged is left out of the statistics and calls (by default)."""
    rows = []
    for p in screen.plates:
        calls = p.calls
        if calls is None or "field_flags" not in calls:
            continue
        has_flags = calls["field_flags"].fillna("").astype(str) != ""
        excluded = calls["excluded"].fillna(False).astype(bool) if "excluded" in calls else False
        left_out = every_field_flagged(calls) & excluded  # by the rule (HitRule.exclude_qc_flagged)
        for well in calls.index[has_flags]:
            rows.append((p.name, str(well).replace("/", ""), str(calls.at[well, "field_flags"]), bool(left_out[well])))
    if not rows:
        return
    doc.heading("Fields flagged by image QC", level=3, anchor="field-qc")
    table = Table(["plate", "well", "fields and reasons", "well left out"])
    for plate, well, reasons, out in rows[:MAX_FLAGGED_ROWS]:
        table.add([plate, well, reasons, "yes" if out else "no (its other fields count)"])
    doc.table(table)
    if len(rows) > MAX_FLAGGED_ROWS:
        doc.paragraph(f"… and {len(rows) - MAX_FLAGGED_ROWS} more wells with flagged fields "
                      "(imaging-explorer hits writes them all to hits.csv).", cls="note")
