"""Hits across plates: every plate's hit wells in one ranked list, and each compound over the
plates that tested it (replicate agreement).

Only plates that passed QC count by default: a failed plate's calls are not evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .screen_plate import ScreenPlate

__all__ = ["COMPOUND_COLUMNS", "HIT_COLUMNS", "compounds_across_plates", "hits_across_plates"]

HIT_COLUMNS = ["screen_rank", "plate", "well", "compound_id", "concentration", "activity_pct", "viability_pct",
               "hit_rank"]
COMPOUND_COLUMNS = ["compound_id", "n_plates", "n_plates_hit", "call_agreement", "is_hit", "mean_max_activity_pct",
                    "sd_max_activity_pct", "median_ic50_um", "ic50_fold_range", "median_cc50_um", "plates",
                    "plates_hit", "rank"]


def _counted(plates: Sequence[ScreenPlate], include_failed: bool) -> list[ScreenPlate]:
    return [p for p in plates if p.analysed and not p.error and (include_failed or p.passed)]


def hits_across_plates(plates: Sequence[ScreenPlate], include_failed: bool = False) -> pd.DataFrame:
    """The hit wells of every counted plate, strongest activity first (``screen_rank`` 1 = top);
    ``hit_rank`` is the rank on its own plate."""
    parts = []
    for p in _counted(plates, include_failed):
        calls = p.calls
        assert calls is not None  # _counted keeps analysed plates only
        hits = calls[calls["hit"].astype(bool)].reset_index()
        if len(hits):
            hits.insert(0, "plate", p.name)
            parts.append(hits)
    if not parts:
        return pd.DataFrame(columns=HIT_COLUMNS)
    table = pd.concat(parts, ignore_index=True).sort_values(["activity_pct", "plate", "well"],
                                                            ascending=[False, True, True], kind="stable")
    table.insert(0, "screen_rank", np.arange(1, len(table) + 1))
    first = [c for c in HIT_COLUMNS if c in table.columns]
    return table[first + [c for c in table.columns if c not in first]].reset_index(drop=True)


def _median(values: pd.Series) -> float:
    """The median of the finite values; NaN when there are none (no warning: most compounds have no CC50)."""
    v = values[np.isfinite(values)]
    return float(v.median()) if len(v) else np.nan


def _fold_range(values: pd.Series) -> float:
    v = values[np.isfinite(values) & (values > 0)]
    return float(v.max() / v.min()) if len(v) >= 2 else np.nan


def compounds_across_plates(plates: Sequence[ScreenPlate], include_failed: bool = False) -> pd.DataFrame:
    """One row per compound over the counted plates that tested it.

    ``call_agreement`` is the share of those plates that agree with the majority call (1.0 =
    every replicate plate calls it the same way); ``is_hit`` is a hit on more than half of them;
    ``ic50_fold_range`` is the largest IC50 over the smallest (a replicate's potency spread).
    Hits are ranked by the number of plates calling them, then by mean highest activity.
    """
    parts = []
    for p in _counted(plates, include_failed):
        if p.compounds is not None and len(p.compounds):
            parts.append(p.compounds.assign(plate=p.name))
    if not parts:
        return pd.DataFrame(columns=COMPOUND_COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    table["is_hit"] = table["is_hit"].astype(bool)
    rows = []
    for cid, g in table.groupby(table["compound_id"].astype(str), sort=True):
        n, n_hit = len(g), int(g["is_hit"].sum())
        activity = g["max_activity_pct"].astype(float)
        rows.append({"compound_id": cid, "n_plates": n, "n_plates_hit": n_hit,
                     "call_agreement": max(n_hit, n - n_hit) / n, "is_hit": n_hit * 2 > n,
                     "mean_max_activity_pct": float(activity.mean()),
                     "sd_max_activity_pct": float(activity.std(ddof=1)) if n > 1 else np.nan,
                     "median_ic50_um": _median(g["ic50_um"].astype(float)),
                     "ic50_fold_range": _fold_range(g["ic50_um"].astype(float)),
                     "median_cc50_um": _median(g["cc50_um"].astype(float)),
                     "plates": ", ".join(g["plate"]), "plates_hit": ", ".join(g.loc[g["is_hit"], "plate"])})
    out = pd.DataFrame(rows, columns=[c for c in COMPOUND_COLUMNS if c != "rank"])
    out = out.sort_values(["is_hit", "n_plates_hit", "mean_max_activity_pct", "compound_id"],
                          ascending=[False, False, False, True], kind="stable").reset_index(drop=True)
    out["rank"] = pd.array([i + 1 if hit else pd.NA for i, hit in enumerate(out["is_hit"])], dtype="Int64")
    return out
