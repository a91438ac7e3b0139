"""The screen's QC table: one row per plate, the numbers a campaign is judged by."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .screen_plate import ScreenPlate

__all__ = ["QC_COLUMNS", "qc_table"]

QC_COLUMNS = ["plate", "batch", "date", "status", "passed", "z_prime", "robust_z_prime", "signal_window",
              "neg_cv", "pos_cv", "n_neg", "n_pos", "wells", "qc_flagged_wells", "qc_flagged_fraction",
              "hit_wells", "hit_compounds", "warnings", "location"]


def _row(p: ScreenPlate) -> dict[str, object]:
    qc, calls = p.qc, p.calls
    row: dict[str, object] = {"plate": p.name, "batch": p.entry.batch, "date": p.entry.date, "status": p.status,
                              "passed": p.passed, "location": p.location, "wells": len(p.rows) * len(p.columns)}
    if qc is not None:
        row.update(z_prime=qc.z_prime, robust_z_prime=qc.robust_z_prime, signal_window=qc.signal_window,
                   neg_cv=qc.neg_cv, pos_cv=qc.pos_cv, n_neg=qc.n_neg, n_pos=qc.n_pos, warnings="; ".join(qc.warnings))
    if calls is not None:
        flagged = calls["qc_flag"].astype(str).str.len() > 0 if "qc_flag" in calls else pd.Series(False, index=calls.index)
        measured = calls["measured"].astype(bool) if "measured" in calls else pd.Series(True, index=calls.index)
        row.update(qc_flagged_wells=int((flagged & measured).sum()),
                   qc_flagged_fraction=float((flagged & measured).sum() / max(int(measured.sum()), 1)),
                   hit_wells=int(calls["hit"].astype(bool).sum()) if "hit" in calls else 0)
        # as compound_table counts them (a compound with a hit well), without fitting its curves
        hit = calls["hit"].astype(bool) if "hit" in calls else pd.Series(False, index=calls.index)
        row["hit_compounds"] = int(calls.loc[hit, "compound_id"].nunique()) if "compound_id" in calls else 0
    return row


def qc_table(plates: Sequence[ScreenPlate]) -> pd.DataFrame:
    """One row per plate, in the screen's order: status, Z′ (and robust), signal window, control CVs
    (fractions) and counts, QC-flagged wells, hits. Plates without results have NaN numbers."""
    frame = pd.DataFrame([_row(p) for p in plates], columns=QC_COLUMNS)
    for column in ("n_neg", "n_pos", "qc_flagged_wells", "hit_wells", "hit_compounds"):
        frame[column] = frame[column].astype("Int64")
    for column in ("batch", "date", "warnings"):
        frame[column] = frame[column].astype(object).fillna("")
    frame["passed"] = frame["passed"].astype(bool)
    frame[["z_prime", "robust_z_prime", "signal_window", "neg_cv", "pos_cv", "qc_flagged_fraction"]] = (
        frame[["z_prime", "robust_z_prime", "signal_window", "neg_cv", "pos_cv", "qc_flagged_fraction"]]
        .astype(float).replace([np.inf, -np.inf], np.nan))
    return frame
