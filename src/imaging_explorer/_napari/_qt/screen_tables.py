"""The Screen dock's two tables: the plates' QC (failing plates coloured) and the hits across plates.

Both are shown in :class:`.choice_table.ChoiceTable` views of :class:`~imaging_explorer.screen.Screen`
tables: a row chosen (clicked, double-clicked or Enter) is told through ``chosen(row)``; the dock
decides what opens. Here: their columns, tips, colours and the rows' texts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qtpy.QtGui import QColor

from .choice_table import cell_number as number

if TYPE_CHECKING:
    import pandas as pd

QC_COLUMNS = ("plate", "status", "Z′", "robust Z′", "CV % neg / pos", "hits")
QC_TIPS = ("the plate's name; click: open it", "ok, failed QC (Z′ below 0.5), not analysed, or why it cannot be used",
           "Z′ of the controls (Zhang et al. 1999; at least 0.5 passes)", "Z′ from medians and MADs",
           "coefficient of variation of the negative and positive controls", "hit wells")
HIT_COLUMNS = ("#", "plate", "well", "compound", "activity %")
HIT_TIPS = ("rank over the whole screen (plates that passed QC)", "plate", "well", "compound id (plate map)",
            "activity of the well (% of the controls' window)")
FAILED_COLOR = QColor(200, 40, 40, 110)  # failed QC: red, readable on napari's dark and light themes
ERROR_COLOR = QColor(230, 140, 0, 110)  # cannot be used: orange
MUTED_COLOR = QColor(128, 128, 128)  # not analysed: grey text


def qc_rows(qc: pd.DataFrame) -> tuple[list[list[str]], list[QColor | None], list[QColor | None]]:
    """The QC table's texts, backgrounds (failed: red, error: orange) and text colours (grey: not analysed)."""
    rows, back, fore = [], [], []
    for _, row in qc.iterrows():
        status = str(row["status"])
        neg, pos = number(row["neg_cv"] * 100, ".0f"), number(row["pos_cv"] * 100, ".0f")
        cv = f"{neg} / {pos}" if neg or pos else ""
        rows.append([str(row["plate"]), status, number(row["z_prime"]), number(row["robust_z_prime"]), cv,
                     number(row.get("hit_wells"), ".0f")])
        back.append(ERROR_COLOR if status.startswith("error") else FAILED_COLOR if status.startswith("failed") else None)
        fore.append(MUTED_COLOR if status == "not analysed" else None)
    return rows, back, fore


def hit_rows(hits: pd.DataFrame) -> list[list[str]]:
    """The hit list's texts: rank, plate, well ("C07" as written), compound, activity."""
    out = []
    for _, row in hits.iterrows():
        out.append([str(row["screen_rank"]), str(row["plate"]), str(row["well"]).replace("/", ""),
                    str(row.get("compound_id", "")), number(row.get("activity_pct"), ".1f")])
    return out

