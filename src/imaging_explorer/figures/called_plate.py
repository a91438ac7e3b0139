"""One plate's hit calling held for figures outside napari (the CLI, reports): the called
wells, the compound table, and the questions a compound card asks of them (a compound's wells,
the most typical controls, the hits by rank) — the same answers as the viewer's ``PlateHits``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..hits import analyse_plate, compound_table
from ..hits.hit_rule import DEFAULT_RULE

if TYPE_CHECKING:
    from ..hits import HitRule, PlateQC

__all__ = ["CONTROL_ROLES", "CalledPlate", "hit_marks"]

CONTROL_ROLES = ("neg_control", "pos_control")
HIT_MARK, FLAG_MARK = "H", "×"


@dataclass(frozen=True, eq=False)
class CalledPlate:
    """A plate's called wells (indexed by well key), its QC and its compound table."""

    wells: pd.DataFrame
    qc: PlateQC
    compounds: pd.DataFrame
    rule: HitRule = DEFAULT_RULE

    @classmethod
    def call(cls, readouts: pd.DataFrame, platemap: pd.DataFrame, rule: HitRule = DEFAULT_RULE,
             source: str = "readouts", **options: Any) -> CalledPlate:
        """Hit calling of one plate (:func:`~imaging_explorer.hits.analyse_plate`, given
        ``options`` such as the per-field rows for image QC, then the compounds' fits); the
        errors are theirs (HitsError, PlateMapError name the source)."""
        wells, qc = analyse_plate(readouts, platemap, rule, source=source, **options)
        return cls(wells, qc, compound_table(wells), rule)

    def compound_wells(self, compound_id: str) -> pd.DataFrame:
        """The sample wells of a compound, highest concentration first (empty: no such compound)."""
        wells = self.wells
        mine = wells[(wells["role"].astype(str) == "sample") & (wells["compound_id"].astype(str) == str(compound_id))]
        if "concentration" not in mine.columns:
            return mine
        return mine.sort_values("concentration", ascending=False, kind="stable", na_position="last")

    def control_wells(self, role: str) -> list[str]:
        """Well keys of a control role that QC did not exclude, the most typical first (closest to
        their median readout)."""
        wells = self.wells
        if role not in CONTROL_ROLES:
            return []
        group = wells[(wells["role"].astype(str) == role) & ~wells["excluded"].astype(bool)]
        if self.rule.readout not in group.columns:
            return [str(k) for k in group.index]
        values = pd.to_numeric(group[self.rule.readout], errors="coerce").astype(float)
        distance = (values - values.median()).abs().fillna(math.inf)
        return [str(k) for k in distance.sort_values(kind="stable").index]

    def ranked_compounds(self) -> list[str]:
        """The hit compounds' ids, best rank first."""
        table = self.compounds
        if not len(table):
            return []
        return [str(c) for c in table[table["rank"].notna()].sort_values("rank", kind="stable")["compound_id"]]

    def compound_ids(self) -> list[str]:
        """Every compound of the compound table."""
        return [str(c) for c in self.compounds["compound_id"]] if len(self.compounds) else []


def _yes(value: object) -> bool:
    """True for a set flag; False for NaN, None and pandas' NA."""
    try:
        return bool(value) and not (isinstance(value, float) and math.isnan(value))
    except TypeError:  # pd.NA
        return False


def hit_marks(wells: pd.DataFrame) -> dict[str, str]:
    """Well key -> "H" for a hit, "×" for a QC-flagged or excluded well (for a heatmap)."""
    out = {}
    for key, row in wells.iterrows():
        flag = row.get("qc_flag")
        if _yes(row.get("hit")):
            out[str(key)] = HIT_MARK
        elif (isinstance(flag, str) and flag.strip()) or _yes(row.get("excluded")):
            out[str(key)] = FLAG_MARK
    return out
